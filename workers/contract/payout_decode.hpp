// From Kafka bytes of invoicebox.payouts.v1 to a core::Payout, or to the reason it is
// dead-lettered. The same checks as the order topics' (contract/decode.hpp), cheapest first:
// UTF-8, JSON, event type vs topic, JSON Schema (schemas/payout.completed.v1.json), the
// occurred_at calendar, key = merchant_id; then the amount rules (core::check_payout).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "contract/schema.hpp"
#include "core/errors.hpp"
#include "core/payout.hpp"

namespace kassa::contract {

struct DecodedPayout {
  std::optional<core::Payout> payout;        // set when the message is a valid payout
  std::optional<core::Rejection> rejection;  // set otherwise
};

// Holds a schema validator: not thread-safe (one per consumer thread).
class PayoutDecoder {
 public:
  PayoutDecoder();
  // `key` is the Kafka key, if the message has one.
  DecodedPayout decode(const std::optional<std::string>& key, std::string_view payload);

 private:
  SchemaValidator schema_;
};

}  // namespace kassa::contract
