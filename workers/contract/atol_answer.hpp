// What an answer of an ATOL Online v5 compatible API means for the cash-register gateway
// (fiscal-54fz.md §9): the one decision every call (getToken, sell, sell_refund, report) needs,
// made from the HTTP status and the body alone, so that it is table-tested without a server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kassa::contract {

enum class AtolVerdict {
  granted,        // getToken: a token, valid 24 h, sent as the header Token
  registered,     // status done: the tax service has the receipt; fiscal attributes present
  waiting,        // status wait: accepted, follow the uuid (code 33: a duplicate external_id is
                  // one already accepted; code 34: not processed yet, poll again, never resend)
  failed,         // status fail, or code 32 (validation): nothing registered; fix and correct
  retry,          // passing: no answer, 5xx, 429, code 50; the same request again, with backoff
  new_token,      // codes 10 and 11: the token is bad or expired; get one and repeat the request
  misconfigured,  // codes 12, 20, 21, 30, 40, 41 and anything unknown: retrying cannot help; an
                  // operator must fix the gateway's settings (login, group, base URL)
};

std::string_view atol_verdict_name(AtolVerdict verdict);

// The fiscal attributes of a registered receipt (report payload), as the API gives them.
struct FiscalAttributes {
  std::string fiscal_document_number;     // ФД, tag 1040
  std::string fiscal_document_attribute;  // ФПД, tag 1077
  std::string fn_number;                  // fiscal drive, tag 1041
  std::string shift_number;               // tag 1038
  std::string receipt_datetime;           // registration time as the register gives it
  std::string fiscal_receipt_number;      // tag 1042
  std::string ecr_registration_number;    // the register's registration number, tag 1037
  std::string fns_site;
  std::string ofd_inn;
  std::string ofd_receipt_url;
};

struct AtolAnswer {
  AtolVerdict verdict = AtolVerdict::retry;
  std::string uuid;   // the registration to follow (sell, sell_refund, report)
  std::string token;  // getToken
  std::optional<int> error_code;
  std::string error_text;  // the API's words, or why the answer could not be read
  std::string error_type;  // system, driver, timeout, agent, unknown
  std::optional<FiscalAttributes> fiscal;
};

// `http_status` 0 means no answer at all (a timeout, a refused connection).
AtolAnswer interpret_atol_answer(int http_status, std::string_view body);

}  // namespace kassa::contract
