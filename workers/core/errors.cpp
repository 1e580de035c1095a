#include "core/errors.hpp"

namespace kassa::core {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_encoding:
      return "invalid_encoding";
    case ErrorCode::invalid_json:
      return "invalid_json";
    case ErrorCode::schema_violation:
      return "schema_violation";
    case ErrorCode::event_type_mismatch:
      return "event_type_mismatch";
    case ErrorCode::key_mismatch:
      return "key_mismatch";
    case ErrorCode::amount_mismatch:
      return "amount_mismatch";
    case ErrorCode::duplicate_sku:
      return "duplicate_sku";
    case ErrorCode::missing_contact:
      return "missing_contact";
    case ErrorCode::merchant_mismatch:
      return "merchant_mismatch";
    case ErrorCode::unknown_sku:
      return "unknown_sku";
    case ErrorCode::over_shipment:
      return "over_shipment";
    case ErrorCode::over_refund:
      return "over_refund";
    case ErrorCode::duplicate_payment:
      return "duplicate_payment";
    case ErrorCode::event_id_conflict:
      return "event_id_conflict";
    case ErrorCode::invalid_inn:
      return "invalid_inn";
    case ErrorCode::invalid_kpp:
      return "invalid_kpp";
    case ErrorCode::internal_error:
      return "internal_error";
  }
  return "internal_error";
}

}  // namespace kassa::core
