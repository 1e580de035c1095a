// Synthetic, reproducible Invoicebox event streams and matching Invoicebox state.
//
// generate() is a pure function: the same Options give byte-identical Output on any platform (own
// PRNG, no std distributions, no clock, no I/O). Besides the Kafka messages and the NDJSON state
// export it returns the truth: what kassa must apply, reject and report when it consumes the
// messages in the given order and reconciles against the export.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kassa::gen {

struct Options {
  std::uint64_t seed = 42;
  int orders = 1000;
  double legal_share = 0.2;      // share of orders with customer.type = legal
  double malformed_rate = 0.01;  // share of orders that get one bad event
  double duplicate_rate = 0.05;  // share of valid events delivered twice (same bytes)
  double reorder_rate = 0.1;     // share of orders whose payment comes after its shipments/refunds
  double discrepancy_rate = 0.02;  // share of orders with one injected Invoicebox discrepancy
  double orphan_rate = 0.002;      // share of orders whose payment never arrives
  std::string from = "2025-12-24T00:00:00Z";  // payment times spread over [from, to)
  std::string to = "2026-01-08T00:00:00Z";
};

enum class Stream { payments, shipments, refunds };

struct Message {
  Stream stream;
  std::string key;
  std::string value;  // raw bytes of the Kafka message
};

struct Output {
  std::vector<Message> messages;              // in delivery order
  std::vector<std::string> invoicebox_state;  // NDJSON lines, no trailing newline
  // {"options", "stream", "ledger", "orders", "recon", "dead_letters"}; dead_letters lists every
  // message kassa must reject: {"index" (into messages), "stream", "key", "order_id",
  // "error_code"}.
  nlohmann::json truth;
};

// Throws std::invalid_argument for out-of-range options or unparsable from/to
// (format YYYY-MM-DDTHH:MM:SSZ).
Output generate(const Options& options);

std::string_view stream_name(Stream stream);  // "payments" | "shipments" | "refunds"

}  // namespace kassa::gen
