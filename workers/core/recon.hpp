// Reconciliation rules (contract sections 4 and 6): given what kassa, Invoicebox, its payouts and
// its guarantee funds each know about one order, the exceptions finance must see. Pure: the store
// gathers the facts for the whole book in set-based SQL and streams them through classify();
// "matched" is not an exception.
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
  payout_mismatch,        // payouts' paid/refunded differ from kassa's ledger as of the last one
  not_paid_out,           // paid over KASSA_PAYOUT_GRACE ago, not wholly refunded, in no payout
  paid_out_twice,         // the payment counted (paid > 0) in more than one payout
  payout_unknown_order,   // a payout names an order kassa has no payment for
  fund_mismatch,          // guarantee-fund debits/credits differ from the payment and refunds
  unknown_merchant,       // order events wait for a merchant that never arrived
};
std::string_view recon_kind_name(ReconKind kind);
inline constexpr int kReconKinds = 13;

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

  // kassa's payment (its ledger row): when, how and through which partner it was paid.
  std::optional<UtcTime> paid_at;
  std::string payment_method;  // empty: card, the contract's default
  std::string partner_id;      // empty: none
  // Order events waiting for their merchant's first event (KASSA_UNKNOWN_MERCHANT=wait); their
  // count and age are waiting_events and waiting_since.
  std::string waiting_merchant_id;  // empty: not waiting for a merchant

  // Payouts (kassa.payout_orders of kassa.payouts), summed over all that name the order, and
  // kassa's ledger as of the latest of them. payouts_recorded: kassa has recorded any payout at
  // all; before the payouts topic is fed, an order in no payout says nothing.
  bool payouts_recorded = false;
  std::int64_t payout_lines = 0;       // payouts naming the order
  std::int64_t payout_lines_paid = 0;  // of them, with paid > 0
  Kopecks payout_paid = 0;
  Kopecks payout_refunded = 0;
  std::optional<UtcTime> last_payout_at;
  std::string last_payout_id;
  Kopecks paid_as_of_payout = 0;      // payments with occurred_at <= last_payout_at
  Kopecks refunded_as_of_payout = 0;  // refunds with occurred_at <= last_payout_at

  // Invoicebox's guarantee-fund operations (invoicebox.fund_operations) for the order.
  // funds_imported: any fund operation was ever imported; before that, a guarantee-fund payment
  // without a debit says nothing.
  bool funds_imported = false;
  std::int64_t fund_operations = 0;
  Kopecks fund_debits = 0;
  Kopecks fund_credits = 0;
  std::string fund_partner_id;  // a partner of the operations, for the detail
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

// `as_of` is the run's reference time (for ageing waiting events and payments), `grace`
// KASSA_ORPHAN_GRACE, `payout_grace` KASSA_PAYOUT_GRACE.
std::vector<ReconException> classify(const ReconFacts& facts, UtcTime as_of,
                                     std::chrono::seconds grace, std::chrono::seconds payout_grace);

}  // namespace kassa::core
