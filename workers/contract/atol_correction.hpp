// The requests `kassa receipts correct` owes the cash register (fiscal-54fz.md §7, FFD 1.2):
//  - a receipt whose registration failed for good (nothing registered): a correction of the same
//    operation (sell -> sell_correction, sell_refund -> sell_refund_correction) carrying the missed
//    settlement's own data;
//  - a receipt registered with wrong data: first a correction of the reverse operation repeating
//    the registered (wrong) data, then a correction with the right data.
// Each carries correction_info {type "self", base_date = the Moscow date of the corrected
// settlement}. The corrected data are copied byte for byte from the receipt's own `receipt`
// object (or the right data given), so the items keep the original period's VAT rates.
#pragma once

#include <string>
#include <string_view>

#include "core/utc_time.hpp"

namespace kassa::contract {

enum class CorrectionStep {
  correction,  // of a failed receipt: the missed settlement, same operation
  reverse,     // of a wrongly registered one: the reverse operation, wrong data repeated
  corrected,   // then the right data, same operation
};

std::string_view correction_step_name(CorrectionStep step);

struct CorrectionRequest {
  std::string external_id;  // UUID v5 of "<receipt_id>:<step>": a second `correct` finds it
  std::string operation;    // sell_correction or sell_refund_correction
  std::string body;         // the request body
};

// `receipt_object`: the JSON text of an ATOL `receipt` object (the stored receipt's, or the right
// data); `service_object`: the JSON text of its `service` object, or empty. Throws
// std::invalid_argument if `receipt_object` is not a JSON object or `operation` is not sell or
// sell_refund.
CorrectionRequest correction_request(std::string_view receipt_id, CorrectionStep step,
                                     std::string_view operation, std::string_view receipt_object,
                                     std::string_view service_object, core::UtcTime settled_at,
                                     core::UtcTime now);

// The right data given for a correction keep the VAT of the corrected settlement's period: an
// item at the standard rate of another period (vat22 for a 2025 settlement, vat20 for a 2026
// one) is refused. Empty when the data pass; else which item and why. Throws
// std::invalid_argument if `receipt_object` is not a JSON object with items.
std::string vat_period_problem(std::string_view receipt_object, core::UtcTime settled_at);

}  // namespace kassa::contract
