#include "contract/atol_answer.hpp"

#include <nlohmann/json.hpp>

namespace kassa::contract {
namespace {

using nlohmann::json;

std::string text_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();  // numbers as the API wrote them (no rounding through a double here)
}

AtolVerdict verdict_of_code(int code) {
  switch (code) {
    case 10:
    case 11:
      return AtolVerdict::new_token;
    case 32:
      return AtolVerdict::failed;
    case 33:
    case 34:
      return AtolVerdict::waiting;
    case 50:
      return AtolVerdict::retry;
    default:
      return AtolVerdict::misconfigured;
  }
}

}  // namespace

std::string_view atol_verdict_name(AtolVerdict verdict) {
  switch (verdict) {
    case AtolVerdict::granted:
      return "granted";
    case AtolVerdict::registered:
      return "registered";
    case AtolVerdict::waiting:
      return "waiting";
    case AtolVerdict::failed:
      return "failed";
    case AtolVerdict::retry:
      return "retry";
    case AtolVerdict::new_token:
      return "new_token";
    case AtolVerdict::misconfigured:
      return "misconfigured";
  }
  return "unknown";
}

AtolAnswer interpret_atol_answer(int http_status, std::string_view body) {
  AtolAnswer answer;
  if (http_status == 0 || http_status == 429 || http_status >= 500) {
    answer.verdict = AtolVerdict::retry;
    answer.error_text = http_status == 0 ? "no answer" : "HTTP " + std::to_string(http_status);
  }
  const json document = json::parse(body, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    // A proxy's error page or a cut answer: passing if the status says so, else not the API.
    if (answer.error_text.empty()) {
      answer.verdict = AtolVerdict::misconfigured;
      answer.error_text = "HTTP " + std::to_string(http_status) + ": not an ATOL answer";
    }
    return answer;
  }
  answer.uuid = text_of(document, "uuid");
  answer.token = text_of(document, "token");
  const auto error = document.find("error");
  if (error != document.end() && error->is_object()) {
    const auto code = error->find("code");
    if (code != error->end() && code->is_number_integer()) answer.error_code = code->get<int>();
    answer.error_text = text_of(*error, "text");
    answer.error_type = text_of(*error, "type");
  }
  // A rate limit or a server error passes whatever code its body carries: the same request
  // again, later.
  if (http_status == 429 || http_status >= 500) {
    answer.verdict = AtolVerdict::retry;
    if (answer.error_text.empty()) answer.error_text = "HTTP " + std::to_string(http_status);
    return answer;
  }
  const std::string status = text_of(document, "status");
  if (status == "done") {
    answer.verdict = AtolVerdict::registered;
    const auto payload = document.find("payload");
    if (payload == document.end() || !payload->is_object()) {
      answer.verdict = AtolVerdict::misconfigured;
      answer.error_text = "status done without a payload";
      return answer;
    }
    answer.fiscal = FiscalAttributes{text_of(*payload, "fiscal_document_number"),
                                     text_of(*payload, "fiscal_document_attribute"),
                                     text_of(*payload, "fn_number"),
                                     text_of(*payload, "shift_number"),
                                     text_of(*payload, "receipt_datetime"),
                                     text_of(*payload, "fiscal_receipt_number"),
                                     text_of(*payload, "ecr_registration_number"),
                                     text_of(*payload, "fns_site"),
                                     text_of(*payload, "ofd_inn"),
                                     text_of(*payload, "ofd_receipt_url")};
    return answer;
  }
  if (status == "fail") {
    answer.verdict = AtolVerdict::failed;
    return answer;
  }
  if (answer.error_code) {
    answer.verdict = verdict_of_code(*answer.error_code);
    return answer;
  }
  if (status == "wait") {
    answer.verdict = AtolVerdict::waiting;
    return answer;
  }
  if (!answer.token.empty() && http_status >= 200 && http_status < 300) {
    answer.verdict = AtolVerdict::granted;
    return answer;
  }
  if (answer.verdict != AtolVerdict::retry || answer.error_text.empty()) {
    answer.verdict = AtolVerdict::misconfigured;
    answer.error_text = "HTTP " + std::to_string(http_status) + ": an answer without a status";
  }
  return answer;
}

}  // namespace kassa::contract
