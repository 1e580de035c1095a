// How the gateway reads ATOL Online v5 answers (fiscal-54fz.md §9), one row per answer an
// accountant or an on-call engineer would recognise.
#include "contract/atol_answer.hpp"

#include <gtest/gtest.h>

namespace kassa::contract {
namespace {

struct Row {
  const char* what;
  int http_status;
  const char* body;
  AtolVerdict verdict;
  std::optional<int> code;
};

TEST(AtolAnswer, EachAnswerHasOneMeaning) {
  const Row rows[] = {
      {"token granted", 200, R"({"token":"abc","error":null,"timestamp":"14.02.2026 12:00:00"})",
       AtolVerdict::granted, std::nullopt},
      {"bad login", 401,
       R"({"token":null,"error":{"error_id":"e","code":12,"text":"Неверный логин или пароль","type":"system"}})",
       AtolVerdict::misconfigured, 12},
      {"sell accepted", 200, R"({"uuid":"u-1","status":"wait","error":null,"timestamp":"t"})",
       AtolVerdict::waiting, std::nullopt},
      {"duplicate external_id: already accepted, follow its uuid", 200,
       R"({"uuid":"u-1","status":"wait","error":{"error_id":"e","code":33,"text":"В системе существует чек с external_id","type":"system"}})",
       AtolVerdict::waiting, 33},
      {"not processed yet: poll again, never resend", 200,
       R"({"uuid":"u-1","status":"wait","error":{"code":34,"text":"Нет отчета","type":"system"}})",
       AtolVerdict::waiting, 34},
      {"validation error: nothing registered", 400,
       R"({"uuid":"u-2","status":"fail","error":{"code":32,"text":"Ошибка валидации","type":"system"}})",
       AtolVerdict::failed, 32},
      {"validation error without a status", 400,
       R"({"error":{"code":32,"text":"Ошибка валидации","type":"system"}})", AtolVerdict::failed,
       32},
      {"queue timeout reported as fail", 200,
       R"({"uuid":"u-3","status":"fail","error":{"code":1,"text":"Timeout","type":"timeout"}})",
       AtolVerdict::failed, 1},
      {"expired token", 401, R"({"error":{"code":11,"text":"Срок действия токена истек"}})",
       AtolVerdict::new_token, 11},
      {"bad token", 401, R"({"error":{"code":10,"text":"Передан некорректный токен"}})",
       AtolVerdict::new_token, 10},
      {"group does not match the token", 400, R"({"error":{"code":20,"text":"group"}})",
       AtolVerdict::misconfigured, 20},
      {"server error", 500, R"({"error":{"code":50,"text":"Ошибка сервера"}})", AtolVerdict::retry,
       50},
      {"a proxy's error page", 502, "<html>Bad Gateway</html>", AtolVerdict::retry, std::nullopt},
      {"rate limited", 429, "", AtolVerdict::retry, std::nullopt},
      {"rate limited, whatever code the body gives", 429,
       R"({"error":{"code":0,"text":"too many requests"}})", AtolVerdict::retry, 0},
      {"a server error that says fail", 503, R"({"status":"fail","error":{"code":32,"text":"?"}})",
       AtolVerdict::retry, 32},
      {"no answer at all", 0, "", AtolVerdict::retry, std::nullopt},
      {"not the API (a wrong base URL)", 404, "<html>Not Found</html>", AtolVerdict::misconfigured,
       std::nullopt},
      {"an answer without a status", 200, R"({"something":"else"})", AtolVerdict::misconfigured,
       std::nullopt},
      {"done without its payload", 200, R"({"uuid":"u-1","status":"done","error":null})",
       AtolVerdict::misconfigured, std::nullopt},
  };
  for (const auto& row : rows) {
    const auto answer = interpret_atol_answer(row.http_status, row.body);
    EXPECT_EQ(atol_verdict_name(answer.verdict), atol_verdict_name(row.verdict)) << row.what;
    EXPECT_EQ(answer.error_code, row.code) << row.what;
    if (row.verdict == AtolVerdict::retry || row.verdict == AtolVerdict::misconfigured) {
      EXPECT_FALSE(answer.error_text.empty()) << row.what << ": the log must say why";
    }
  }
}

TEST(AtolAnswer, ARegisteredReceiptCarriesItsFiscalAttributes) {
  const auto answer = interpret_atol_answer(200, R"({
    "uuid": "4355a3f2-ad1f-4d41-8e5f-8e6ad3a1a5c7", "status": "done", "error": null,
    "payload": {"total": 4349.98, "fns_site": "www.nalog.gov.ru", "fn_number": "9999078900004792",
      "shift_number": 23, "receipt_datetime": "14.02.2026 12:00:03", "fiscal_receipt_number": 7,
      "fiscal_document_number": 1131, "ecr_registration_number": "0000000001002292",
      "fiscal_document_attribute": 3326650025, "ofd_inn": "7704211201",
      "ofd_receipt_url": "https://consumer.1-ofd.ru/v1?num=1131"},
    "timestamp": "14.02.2026 12:00:05"})");
  ASSERT_EQ(answer.verdict, AtolVerdict::registered);
  EXPECT_EQ(answer.uuid, "4355a3f2-ad1f-4d41-8e5f-8e6ad3a1a5c7");
  ASSERT_TRUE(answer.fiscal);
  EXPECT_EQ(answer.fiscal->fiscal_document_number, "1131");
  EXPECT_EQ(answer.fiscal->fiscal_document_attribute, "3326650025");
  EXPECT_EQ(answer.fiscal->fn_number, "9999078900004792");
  EXPECT_EQ(answer.fiscal->shift_number, "23");
  EXPECT_EQ(answer.fiscal->receipt_datetime, "14.02.2026 12:00:03");
  EXPECT_EQ(answer.fiscal->fiscal_receipt_number, "7");
  EXPECT_EQ(answer.fiscal->ecr_registration_number, "0000000001002292");
  EXPECT_EQ(answer.fiscal->ofd_inn, "7704211201");
  EXPECT_EQ(answer.fiscal->ofd_receipt_url, "https://consumer.1-ofd.ru/v1?num=1131");
  EXPECT_FALSE(answer.error_code);
}

}  // namespace
}  // namespace kassa::contract
