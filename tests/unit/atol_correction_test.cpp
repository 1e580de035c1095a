// The correction requests of `kassa receipts correct` (fiscal-54fz.md §7), read as an accountant
// would: which operation, which date, and that the corrected data are the receipt's own bytes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "contract/atol_correction.hpp"
#include "contract/encoding.hpp"

namespace kassa::contract {
namespace {

// Money as the published receipt writes it (two decimals), kept byte for byte.
const std::string kReceipt =
    R"({"client":{"email":"buyer@example.com"},"company":{"email":"kassa@invoicebox.ru","sno":"osn","inn":"7725416908","payment_address":"https://www.invoicebox.ru"},"items":[{"name":"Чайник","price":2374.00,"quantity":1,"sum":2374.00,"measure":0,"payment_method":"full_prepayment","payment_object":1,"vat":{"type":"vat120","sum":395.67}}],"payments":[{"type":2,"sum":2374.00}],"vats":[{"type":"vat120","sum":395.67}],"total":2374.00,"internet":true})";

core::UtcTime at(const char* text) {
  return *core::parse_utc(text);
}

TEST(AtolCorrection, OperationFollowsTheStepAndTheCorrectedOperation) {
  struct Row {
    const char* operation;
    CorrectionStep step;
    const char* expected;
  } rows[] = {
      {"sell", CorrectionStep::correction, "sell_correction"},
      {"sell_refund", CorrectionStep::correction, "sell_refund_correction"},
      {"sell", CorrectionStep::reverse, "sell_refund_correction"},  // undoes a sale
      {"sell_refund", CorrectionStep::reverse, "sell_correction"},  // undoes a refund
      {"sell", CorrectionStep::corrected, "sell_correction"},
      {"sell_refund", CorrectionStep::corrected, "sell_refund_correction"},
  };
  for (const auto& row : rows)
    EXPECT_EQ(
        correction_request("03638ee3-418e-5f51-a808-9f83cb9576c0", row.step, row.operation,
                           kReceipt, "", at("2025-12-31T04:18:52Z"), at("2026-01-20T09:00:00Z"))
            .operation,
        row.expected)
        << row.operation << " " << correction_step_name(row.step);
}

TEST(AtolCorrection, CarriesTheSettlementsMoscowDateAndTheReceiptsOwnBytes) {
  // 31.12.2025 23:30 UTC is already 1 January 2026 in Moscow: the base date is the Moscow date.
  const auto request =
      correction_request("03638ee3-418e-5f51-a808-9f83cb9576c0", CorrectionStep::correction, "sell",
                         kReceipt, R"({"callback_url":"https://kassa.example/cb"})",
                         at("2025-12-31T23:30:00Z"), at("2026-01-20T09:00:00Z"));
  const auto body = nlohmann::json::parse(request.body);
  EXPECT_EQ(body.at("external_id"), request.external_id);
  EXPECT_EQ(body.at("timestamp"), "20.01.2026 12:00:00");
  EXPECT_EQ(body.at("service").at("callback_url"), "https://kassa.example/cb");
  EXPECT_EQ(body.at("correction").at("correction_info"),
            (nlohmann::json{{"type", "self"}, {"base_date", "01.01.2026"}}));
  EXPECT_FALSE(body.contains("receipt"));
  // The items, payments, VAT (the original period's vat120) and total as published, byte exact.
  EXPECT_NE(request.body.find(kReceipt.substr(1, kReceipt.size() - 2)), std::string::npos);
}

TEST(AtolCorrection, EachStepHasItsOwnStableExternalId) {
  const std::string id = "03638ee3-418e-5f51-a808-9f83cb9576c0";
  const auto now = at("2026-01-20T09:00:00Z"), then = at("2025-12-31T04:18:52Z");
  const auto a =
      correction_request(id, CorrectionStep::correction, "sell", kReceipt, "", then, now);
  const auto b = correction_request(id, CorrectionStep::correction, "sell", kReceipt, "", then,
                                    at("2026-02-01T00:00:00Z"));
  const auto reverse =
      correction_request(id, CorrectionStep::reverse, "sell", kReceipt, "", then, now);
  EXPECT_EQ(a.external_id, b.external_id) << "running correct again finds the same request";
  EXPECT_EQ(a.external_id, uuid_v5(kOutputNamespace, id + ":correction"));
  EXPECT_NE(a.external_id, reverse.external_id);
  EXPECT_NE(a.external_id, id) << "never the receipt's own external_id";
}

TEST(AtolCorrection, RefusesWhatIsNotAReceiptObject) {
  const auto t = at("2026-01-20T09:00:00Z");
  EXPECT_THROW(correction_request("x", CorrectionStep::correction, "sell", "[1]", "", t, t),
               std::invalid_argument);
  EXPECT_THROW(correction_request("x", CorrectionStep::correction, "sell", "{}", "", t, t),
               std::invalid_argument);
  EXPECT_THROW(
      correction_request("x", CorrectionStep::correction, "sell_correction", kReceipt, "", t, t),
      std::invalid_argument);
}

TEST(AtolCorrection, RightDataKeepTheSettlementPeriodsStandardRate) {
  const std::string vat20 = kReceipt;  // its one item is at vat120
  std::string vat22 = kReceipt;
  for (auto at = vat22.find("vat120"); at != std::string::npos; at = vat22.find("vat120"))
    vat22.replace(at, 6, "vat122");
  const auto in_2025 = at("2025-12-31T20:59:59Z");  // 23:59:59 on 31 December in Moscow
  const auto in_2026 = at("2025-12-31T21:00:00Z");  // midnight: 2026 in Moscow
  EXPECT_EQ(vat_period_problem(vat20, in_2025), "");
  EXPECT_NE(vat_period_problem(vat22, in_2025), "");
  EXPECT_EQ(vat_period_problem(vat22, in_2026), "");
  EXPECT_NE(vat_period_problem(vat20, in_2026).find("another period"), std::string::npos);
  EXPECT_THROW(vat_period_problem("{}", in_2026), std::invalid_argument);
}

}  // namespace
}  // namespace kassa::contract
