// The part of `kassa run` that the builders' fuzz targets share: NDJSON input, one Kafka message a
// line, decoded (contract::Decoder, so the builders see only what passes it), deduplicated by
// event_id as the inbox does, applied to its order (core::apply_event), and the order's state
// stored as text and read back between events as the batch store does (contract/state_codec).
//
// Failures found here: the ledger of a line going negative or past what was paid, shipped or
// refunded; a step whose parts do not add up to its money; a rejected or duplicate event that
// changed its order; a stored state that does not read back the same.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "contract/decode.hpp"
#include "contract/state_codec.hpp"
#include "core/order.hpp"
#include "fuzz_support.hpp"

namespace kassa::fuzz {

inline void check_ledger(const core::OrderState& state) {
  for (const core::OrderLine& line : state.lines) {
    const std::string sku = "sku " + line.item.sku + ": ";
    check(line.shipped.milli >= 0 && line.refunded_unshipped.milli >= 0 &&
              line.refunded_shipped.milli >= 0,
          sku + "a negative quantity");
    check(line.shipped_amount >= 0 && line.refunded_unshipped_amount >= 0 &&
              line.refunded_shipped_amount >= 0,
          sku + "a negative amount");
    check(line.open_quantity().milli >= 0, sku + "shipped and refunded more than ordered");
    check(line.open_amount() >= 0, sku + "shipped and refunded more money than paid");
    check(line.refunded_shipped <= line.shipped, sku + "refunded more shipped units than shipped");
    check(line.refunded_shipped_amount <= line.shipped_amount,
          sku + "refunded more shipped money than settled");
    core::Quantity quantity, reversed;
    core::Kopecks amount = 0, reversed_amount = 0;
    for (const core::SettlementPart& s : line.settlements) {
      check(s.quantity.milli > 0 && s.amount >= 0, sku + "an empty or negative settlement");
      check(s.reversed.milli >= 0 && s.reversed <= s.quantity, sku + "a settlement over-reversed");
      check(s.reversed_amount >= 0 && s.reversed_amount <= s.amount,
            sku + "a settlement's money over-reversed");
      quantity += s.quantity;
      amount += s.amount;
      reversed += s.reversed;
      reversed_amount += s.reversed_amount;
    }
    check(quantity == line.shipped && amount == line.shipped_amount,
          sku + "settlements do not add up to what shipped");
    check(reversed == line.refunded_shipped && reversed_amount == line.refunded_shipped_amount,
          sku + "settlement reversals do not add up to what was refunded after shipping");
  }
}

inline void check_step(const core::OrderState& state, const core::Step& step) {
  check(step.rejection.has_value() == (step.outcome == core::Outcome::rejected),
        "a rejection without the rejected outcome, or the reverse");
  if (step.outcome != core::Outcome::applied) {
    check(step.parts.empty(), "a step that was not applied has parts");
    return;
  }
  check(state.payment.has_value(), "an event applied to an unpaid order");
  core::Kopecks sum = 0;
  for (const core::LinePart& part : step.parts) {
    check(part.line < state.lines.size(), "a part of a line the order does not have");
    check(part.quantity.milli > 0 && part.amount >= 0, "an empty or negative part");
    sum += part.amount;
  }
  check(sum == step.amount, "the parts add up to " + std::to_string(sum) +
                                ", the step's money is " + std::to_string(step.amount));
}

// Calls on_step(order, step) for every step of every event in `input`, with the order as the
// batch leaves it after the event (a payment's step and those of the events it released).
template <typename OnStep>
void apply_stream(std::string_view input, OnStep&& on_step) {
  static contract::Decoder decoder;
  std::map<std::string, core::OrderState> orders;
  std::set<std::string> inbox;
  std::int64_t offset = 0;
  for (const std::string_view message : lines_of(input)) {
    const core::EventKind topic = topic_of(message);
    const auto key = key_of(message);
    const contract::Decoded decoded = decoder.decode(topic, key, message);
    if (!decoded.event) continue;  // a dead letter: fuzz_decode's business
    const core::Event& event = *decoded.event;
    const auto& header = core::header_of(event);
    // The inbox: an event_id seen before is a redelivery or a conflict, never applied again.
    if (!inbox.insert(header.event_id).second) continue;

    auto [it, created] = orders.try_emplace(header.order_id);
    core::OrderState& state = it->second;
    if (created) state.order_id = header.order_id;
    const std::string before = contract::order_state_text(state);
    const core::Source source{
        topic_name(topic), 0, offset++, key.value_or(""), std::string(message), key.has_value()};
    const auto steps = core::apply_event(state, event, source);
    check(!steps.empty() && steps.front().event_id == header.event_id,
          "apply_event's first step is not the event's");
    if (steps.front().outcome == core::Outcome::rejected ||
        steps.front().outcome == core::Outcome::duplicate)
      check(steps.size() == 1 && contract::order_state_text(state) == before,
            "a rejected or duplicate event changed its order");
    check_ledger(state);
    for (const core::Step& step : steps) {
      inbox.insert(step.event_id);
      check_step(state, step);
      on_step(static_cast<const core::OrderState&>(state), step);
    }

    // Stored and read back, as between two batches.
    const std::string text = contract::order_state_text(state);
    state = contract::order_from_json(nlohmann::json::parse(text));
    check(contract::order_state_text(state) == text,
          "the stored state does not read back the same");
  }
}

}  // namespace kassa::fuzz
