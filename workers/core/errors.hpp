// Why an event was refused. The snake_case names are part of the external contract (dead letters,
// metrics, README): add new codes, never rename one.
#pragma once

#include <string>
#include <string_view>

namespace kassa::core {

enum class ErrorCode {
  invalid_encoding,     // payload bytes are not UTF-8
  invalid_json,         // not a JSON document
  schema_violation,     // JSON Schema of the contract: missing field, wrong type, bad format
  event_type_mismatch,  // event_type does not belong to the topic it came from
  key_mismatch,         // Kafka key differs from order_id
  amount_mismatch,      // amount is not the sum of the lines
  duplicate_sku,        // the same sku twice within one event
  missing_contact,      // private buyer with neither email nor phone
  merchant_mismatch,    // shipment/refund from another merchant than the order's payment
  unknown_sku,          // shipment/refund names a sku the order does not have
  over_shipment,        // more than ordered and not yet shipped or refunded
  over_refund,          // more quantity or money than is left to refund
  duplicate_payment,    // a second, different payment of a paid order
  event_id_conflict,    // an event_id seen before with different bytes
  invalid_inn,          // a legal buyer without an INN, or an INN of bad length or check digits
  invalid_kpp,          // a buyer's KPP that is not 9 digits
  internal_error,       // kassa could not process a valid-looking event (a bug); see logs
};

std::string_view error_code_name(ErrorCode code);

struct Rejection {
  ErrorCode code;
  std::string message;
};

}  // namespace kassa::core
