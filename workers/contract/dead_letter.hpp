// The dead-letter message of the contract (kassa.dlq.v1, schemas/dead_letter.v1.json).
#pragma once

#include <string>

#include "core/order.hpp"

namespace kassa::contract {

// `failed_at` is when kassa refused the message (the batch time, passed in by the shell).
// `event_id` is included when the message was a valid event refused by a business rule.
std::string dead_letter_json(const core::Source& source, const core::Rejection& rejection,
                             core::UtcTime failed_at, const std::string& event_id);

}  // namespace kassa::contract
