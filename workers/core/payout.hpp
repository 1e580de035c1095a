// A payout to a shop (contract section 6, invoicebox.payouts.v1): what Invoicebox paid the
// merchant and, per order, how that sum came about. Plain data and pure rules, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/money.hpp"
#include "core/utc_time.hpp"

namespace kassa::core {

struct PayoutOrder {
  std::string order_id;  // UUID, lower case
  Kopecks paid = 0, refunded = 0, commission = 0;
  Kopecks net = 0;  // paid - refunded - commission; negative for an adjustment
  bool operator==(const PayoutOrder&) const = default;
};

struct Payout {
  std::string event_id, merchant_id, payout_id;  // UUIDs in lower case; payout_id as sent
  std::string partner_id;                        // empty when the event has none
  Kopecks amount = 0;                            // the sum of the orders' net
  UtcTime occurred_at;                           // when the money left
  std::vector<PayoutOrder> orders;               // in the event's order
};

// The amount rules: every net is paid - refunded - commission and the amount is the sum of the
// nets (amount_mismatch); an order_id appears at most once (schema_violation). The field ranges
// are the schema's (schemas/payout.completed.v1.json), checked before this.
std::optional<Rejection> check_payout(const Payout& payout);

// Same content: every field kassa records for a payout, the orders compared as a set (the store
// gives them back in its own order). kassa.payouts keeps no copy of the bytes, so this is how a
// redelivery (same event_id, same content) is told from an event_id conflict.
bool same_payout(const Payout& a, const Payout& b);

// What becomes of a valid payout, given what is already recorded (in the database or earlier in
// the same batch).
enum class PayoutVerdict {
  record,            // new: recorded now
  duplicate_event,   // its event_id was recorded with the same content (a redelivery)
  duplicate_payout,  // another event_id already recorded this (merchant_id, payout_id)
  event_id_conflict  // its event_id was recorded with different content
};
// `same_event`: the payout recorded under this event_id, if any; `payout_taken`: whether its
// (merchant_id, payout_id) is recorded.
PayoutVerdict judge_payout(const Payout& payout, const Payout* same_event, bool payout_taken);

}  // namespace kassa::core
