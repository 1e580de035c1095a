// Reconciliation rules (contract section 4): given what kassa and Invoicebox each know about one
// order, the exceptions finance must see. Pure: the store gathers the facts for the whole book in
// set-based SQL and streams them through classify(); "matched" is not an exception.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "core/money.hpp"
#include "core/utc_time.hpp"

namespace kassa::core {

enum class ReconKind {
  missing_in_kassa,       // Invoicebox says paid (completed), kassa has no payment
  missing_in_invoicebox,  // kassa has a payment, Invoicebox does not know the order or says unpaid
  amount_mismatch,        // both paid, amounts differ (delta = kassa - Invoicebox)
  refund_mismatch,        // refunded totals differ (delta = kassa - Invoicebox)
  customer_mismatch,      // customer type differs (receipt vs document package)
  orphan_event,           // a shipment or refund waits for its payment longer than the grace period
  fiscal_gap,             // kassa owes a receipt or document package it has not issued
};
std::string_view recon_kind_name(ReconKind kind);
inline constexpr int kReconKinds = 7;

struct ReconFacts {
  std::string order_id;
  // kassa's ledger
  bool kassa_paid = false;
  Kopecks kassa_amount = 0;
  Kopecks kassa_refunded = 0;
  std::optional<CustomerType> kassa_customer;
  std::int64_t waiting_events = 0;       // parked shipments and refunds
  std::optional<UtcTime> waiting_since;  // occurred_at of the oldest waiting event
  std::int64_t receipts_owed = 0;        // applied events of a private buyer
  std::int64_t receipts_issued = 0;      // distinct source events with a receipt
  // Invoicebox's state (invoicebox.orders)
  bool invoicebox_known = false;
  std::string invoicebox_status;  // created, completed, expired, canceled, ...
  Kopecks invoicebox_amount = 0;
  Kopecks invoicebox_refunded = 0;  // completed refund orders
  std::optional<CustomerType> invoicebox_customer;
  // kassa's document packages (organization buyers)
  std::int64_t packages_owed = 0;    // applied shipments and refunds of a legal buyer
  std::int64_t packages_issued = 0;  // distinct source events with a package
  // The cash-register gateway, once one works on this database (kassa gateway): receipts the tax
  // service does not have yet (no `done` registration, neither their own nor a correction's), and
  // the settlement time of the oldest of them.
  std::int64_t receipts_unregistered = 0;
  std::optional<UtcTime> oldest_unregistered;
};

// The legal deadline of a receipt settled at `settled_at` (fiscal-54fz.md §6), as kassa reads it
// for finance: the end of the Moscow day after the settlement. A card payment needs its receipt
// at once and a transfer by the next business day; the next calendar day's end never lets a
// weekend hide a gap, and leaves the register a day for the retries the API asks for.
UtcTime registration_deadline(UtcTime settled_at);

struct ReconException {
  ReconKind kind;
  Kopecks kassa_amount = 0;
  Kopecks invoicebox_amount = 0;
  Kopecks delta = 0;  // kassa - Invoicebox
  std::string detail;
};

// `as_of` is the run's reference time (for ageing waiting events), `grace` KASSA_ORPHAN_GRACE.
std::vector<ReconException> classify(const ReconFacts& facts, UtcTime as_of,
                                     std::chrono::seconds grace);

}  // namespace kassa::core
