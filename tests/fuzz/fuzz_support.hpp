// Shared by the fuzz targets: how a failure is reported, and how an input becomes the Kafka
// messages `kassa run` would see.
//
// A failure is what a fuzz target must never do: an exception escaping (kassa's decoders and
// builders report bad input as values, core::Rejection and contract::LineError, never by
// throwing), a broken invariant, or anything the sanitizers and libFuzzer catch on their own.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "core/events.hpp"
#include "core/receipt.hpp"

namespace kassa::fuzz {

// Prints why and aborts: libFuzzer then saves the input as a crash.
[[noreturn]] inline void fail(const std::string& why) {
  std::fprintf(stderr, "\n==kassa-fuzz== FAILED: %s\n", why.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void check(bool condition, const std::string& why) {
  if (!condition) fail(why);
}

// Runs one input; an exception escaping it is a failure, reported with its type.
template <typename Body>
int run_input(Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    fail(std::string("exception ") + typeid(e).name() + " escaped: " + e.what());
  } catch (...) {
    fail("an exception that is not a std::exception escaped");
  }
  return 0;
}

// The input as lines (NDJSON: one Kafka message value a line).
inline std::vector<std::string_view> lines_of(std::string_view input) {
  std::vector<std::string_view> lines;
  while (!input.empty()) {
    const auto end = input.find('\n');
    lines.push_back(input.substr(0, end));
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  return lines;
}

// The input topic a message is read from, by the event_type it names (payments when none):
// the sequence targets fuzz what valid events do to an order, the decode target the mismatches.
inline core::EventKind topic_of(std::string_view message) {
  if (message.find("shipment.confirmed") != std::string_view::npos)
    return core::EventKind::shipment;
  if (message.find("refund.succeeded") != std::string_view::npos) return core::EventKind::refund;
  return core::EventKind::payment;
}

inline std::string topic_name(core::EventKind kind) {
  return "invoicebox." + std::string(core::event_kind_name(kind)) + "s.v1";
}

// The Kafka key Invoicebox sets: the order_id, found in the text without parsing (the decoder
// is what parses); none when the message names none.
inline std::optional<std::string> key_of(std::string_view message) {
  auto at = message.find("\"order_id\"");
  if (at == std::string_view::npos) return std::nullopt;
  at += 10;
  while (at < message.size() && (message[at] == ' ' || message[at] == ':')) ++at;
  if (at >= message.size() || message[at] != '"') return std::nullopt;
  const auto end = message.find('"', at + 1);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(message.substr(at + 1, end - at - 1));
}

// Invoicebox's requisites as configuration gives them (config/local.env has the same kind).
inline const core::Seller& seller() {
  static const core::Seller s = [] {
    core::Seller seller;
    seller.inn = "7725416908";
    seller.kpp = "772501001";
    seller.default_supplier_inn = "7814152630";
    seller.default_supplier_phone = "+74957870202";
    seller.paying_agent_phones = {"+74957870101"};
    seller.payments_operator_phones = {"+74957870111"};
    return seller;
  }();
  return s;
}

// A merchant listed in kassa.merchants for some orders and not for others: both paths of the
// builders (the merchant's own requisites, the configured default supplier).
inline std::optional<core::Supplier> supplier_for(const std::string& merchant_id) {
  if (merchant_id.empty() || (merchant_id.back() - '0') % 2 != 0) return std::nullopt;
  return core::Supplier{"7707083893", "ООО «Ромашка» & Ко", {"+74951234567"}, "770701001"};
}

}  // namespace kassa::fuzz
