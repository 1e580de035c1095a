// JSON form of an order's state, as stored in kassa.orders.state. Quantities are integer
// thousandths and money integer kopecks, so a round trip is exact. Parked events keep their
// original message (topic, partition, offset, key, bytes) and are re-read from those bytes.
#pragma once

#include <nlohmann/json.hpp>

#include "core/order.hpp"

namespace kassa::contract {

nlohmann::json order_to_json(const core::OrderState& order);
// order_to_json(order).dump(), byte for byte, written directly (no DOM): the form the batch
// stores, thousands of times a second.
std::string order_state_text(const core::OrderState& order);
core::OrderState order_from_json(const nlohmann::json& json);

}  // namespace kassa::contract
