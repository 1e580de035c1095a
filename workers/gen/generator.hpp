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
  // Partner flows (contract section 6). Each rate is a share of the orders: how many cases of
  // the kind are injected (at least a couple each from 500 orders on, when the rate is > 0).
  // Orders of a merchant that never gets a merchant event (the demo sets one; off by default, so
  // that a stream from the defaults needs no KASSA_UNKNOWN_MERCHANT setting to match its truth).
  double unknown_merchant_rate = 0;
  double payout_mismatch_rate = 0.002;        // payout lines whose paid or refunded is off
  double paid_out_twice_rate = 0.001;         // orders paid out (paid > 0) in two payouts
  double payout_unknown_order_rate = 0.001;   // payout lines for an order kassa never saw
  double not_paid_out_rate = 0.002;           // paid orders left out of every payout
  double bad_payout_rate = 0.001;             // payouts sent once more with amount != sum of net
  double fund_mismatch_rate = 0.002;          // guarantee-fund operations that do not match
  std::string from = "2025-12-24T00:00:00Z";  // payment times spread over [from, to)
  std::string to = "2026-01-08T00:00:00Z";
};

// merchants: merchant.activated/merchant.updated, key merchant_id; payouts: payout.completed,
// key merchant_id.
enum class Stream { payments, shipments, refunds, merchants, payouts };

struct Message {
  Stream stream;
  std::string key;
  std::string value;  // raw bytes of the Kafka message
};

struct Output {
  // In delivery order: every merchant event first (in occurred_at order), then the order events,
  // then the payouts (in occurred_at order).
  std::vector<Message> messages;
  std::vector<std::string> invoicebox_state;  // orders and refund orders, NDJSON lines
  // Invoicebox's guarantee-fund operations ("objectType": "guaranteeFundOperation"), NDJSON
  // lines: the rest of the export (kassa gen --invoicebox writes them after the orders).
  std::vector<std::string> fund_operations;
  // {"options", "stream", "ledger", "orders", "recon", "dead_letters", "partner_flows"};
  // dead_letters lists every message kassa must reject: {"index" (into messages), "stream",
  // "key", "error_code"} and "order_id" for an order event, "merchant_id" and "payout_id" for a
  // payout. recon is what `kassa reconcile --as-of 2027-01-01T00:00:00Z` reports (a time after
  // every grace period) once the whole export is imported.
  nlohmann::json truth;
};

// Throws std::invalid_argument for out-of-range options or unparsable from/to
// (format YYYY-MM-DDTHH:MM:SSZ).
Output generate(const Options& options);

// "payments" | "shipments" | "refunds" | "merchants" | "payouts"
std::string_view stream_name(Stream stream);
// Messages of the order topics (payments, shipments, refunds): what kassa's consumer group reads
// and counts as events; the merchants table and the payouts are read apart.
std::size_t count_order_messages(const std::vector<Message>& messages);

}  // namespace kassa::gen
