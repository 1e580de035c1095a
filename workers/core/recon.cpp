#include "core/recon.hpp"

namespace kassa::core {
namespace {

std::string_view customer_name(const std::optional<CustomerType>& type) {
  if (!type) return "unknown";
  return *type == CustomerType::legal ? "legal" : "private";
}

std::int64_t micros(std::chrono::seconds d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

std::string last_payout(const ReconFacts& f) {
  return "the last " + f.last_payout_id +
         (f.last_payout_at ? " of " + format_utc(*f.last_payout_at) : std::string());
}

std::string partner_of(const std::string& id) {
  return id.empty() ? std::string("no partner") : "partner " + id;
}

// Payouts against kassa's ledger: one finding of the order at most, the first that applies.
void classify_payouts(const ReconFacts& f, UtcTime as_of, std::chrono::seconds payout_grace,
                      std::vector<ReconException>& out) {
  const Kopecks payout_net = f.payout_paid - f.payout_refunded;
  if (f.payout_lines > 0 && !f.kassa_paid) {
    out.push_back({ReconKind::payout_unknown_order, 0, payout_net, -payout_net,
                   std::to_string(f.payout_lines) + " payout(s) (" + last_payout(f) + ") paid " +
                       format_rubles(f.payout_paid) + " and refunded " +
                       format_rubles(f.payout_refunded) +
                       " for an order kassa has no payment for"});
    return;
  }
  if (!f.kassa_paid) return;
  if (f.payout_lines_paid >= 2) {
    out.push_back({ReconKind::paid_out_twice, f.kassa_amount, f.payout_paid,
                   f.kassa_amount - f.payout_paid,
                   "the payment of " + format_rubles(f.kassa_amount) + " is counted in " +
                       std::to_string(f.payout_lines_paid) + " payouts, " +
                       format_rubles(f.payout_paid) + " in all (" + last_payout(f) + ")"});
    return;
  }
  if (f.payout_lines > 0) {
    const bool paid_differs = f.payout_paid != f.paid_as_of_payout;
    const bool refunded_differs = f.payout_refunded != f.refunded_as_of_payout;
    if (!paid_differs && !refunded_differs) return;
    const Kopecks kassa_net = f.paid_as_of_payout - f.refunded_as_of_payout;
    out.push_back({ReconKind::payout_mismatch, kassa_net, payout_net, kassa_net - payout_net,
                   std::string(paid_differs && refunded_differs ? "paid and refunded differ"
                               : paid_differs                   ? "paid differs"
                                                                : "refunded differs") +
                       ": payouts paid " + format_rubles(f.payout_paid) + ", refunded " +
                       format_rubles(f.payout_refunded) + "; kassa's ledger as of " +
                       last_payout(f) + " paid " + format_rubles(f.paid_as_of_payout) +
                       ", refunded " + format_rubles(f.refunded_as_of_payout)});
    return;
  }
  // In no payout: a finding once the payout is overdue, if money is left to pay out.
  if (!f.payouts_recorded || !f.paid_at || f.kassa_refunded >= f.kassa_amount) return;
  const std::int64_t overdue = as_of.unix_micros - f.paid_at->unix_micros - micros(payout_grace);
  if (overdue <= 0) return;
  const Kopecks net = f.kassa_amount - f.kassa_refunded;
  out.push_back({ReconKind::not_paid_out, net, 0, net,
                 "paid " + format_utc(*f.paid_at) + ", in no payout; " +
                     std::to_string(overdue / 3'600'000'000LL) + " h past the payout grace"});
}

// Guarantee-fund operations against the payment and its refunds.
void classify_fund(const ReconFacts& f, std::vector<ReconException>& out) {
  const Kopecks fund_net = f.fund_debits - f.fund_credits;
  if (f.kassa_paid && f.payment_method == "guarantee_fund") {
    if (!f.funds_imported) return;
    std::vector<std::string> reasons;
    if (f.fund_debits != f.kassa_amount)
      reasons.push_back((f.fund_debits == 0 ? std::string("no fund debit")
                                            : "fund debits of " + format_rubles(f.fund_debits)) +
                        " for a payment of " + format_rubles(f.kassa_amount));
    if (f.fund_credits != f.kassa_refunded)
      reasons.push_back((f.fund_credits == 0 ? std::string("no fund credit")
                                             : "fund credits of " + format_rubles(f.fund_credits)) +
                        " for refunds of " + format_rubles(f.kassa_refunded));
    if (reasons.empty()) return;
    std::string detail =
        "guarantee-fund payment of " + partner_of(f.partner_id) + ": " + reasons[0];
    if (reasons.size() > 1) detail += "; " + reasons[1];
    const Kopecks kassa_net = f.kassa_amount - f.kassa_refunded;
    out.push_back({ReconKind::fund_mismatch, kassa_net, fund_net, kassa_net - fund_net, detail});
    return;
  }
  if (f.fund_operations == 0) return;
  out.push_back(
      {ReconKind::fund_mismatch, 0, fund_net, -fund_net,
       std::to_string(f.fund_operations) + " fund operation(s) of " +
           partner_of(f.fund_partner_id) + " (debits " + format_rubles(f.fund_debits) +
           ", credits " + format_rubles(f.fund_credits) + ") without a guarantee-fund payment: " +
           (f.kassa_paid ? "kassa's payment is by " +
                               (f.payment_method.empty() ? std::string("card") : f.payment_method)
                         : std::string("kassa has no payment"))});
}

}  // namespace

std::string_view recon_kind_name(ReconKind kind) {
  switch (kind) {
    case ReconKind::missing_in_kassa:
      return "missing_in_kassa";
    case ReconKind::missing_in_invoicebox:
      return "missing_in_invoicebox";
    case ReconKind::amount_mismatch:
      return "amount_mismatch";
    case ReconKind::refund_mismatch:
      return "refund_mismatch";
    case ReconKind::customer_mismatch:
      return "customer_mismatch";
    case ReconKind::orphan_event:
      return "orphan_event";
    case ReconKind::fiscal_gap:
      return "fiscal_gap";
    case ReconKind::payout_mismatch:
      return "payout_mismatch";
    case ReconKind::not_paid_out:
      return "not_paid_out";
    case ReconKind::paid_out_twice:
      return "paid_out_twice";
    case ReconKind::payout_unknown_order:
      return "payout_unknown_order";
    case ReconKind::fund_mismatch:
      return "fund_mismatch";
    case ReconKind::unknown_merchant:
      return "unknown_merchant";
  }
  return "";
}

std::vector<ReconException> classify(const ReconFacts& f, UtcTime as_of, std::chrono::seconds grace,
                                     std::chrono::seconds payout_grace) {
  std::vector<ReconException> out;
  const bool invoicebox_paid = f.invoicebox_known && f.invoicebox_status == "completed";

  if (!f.kassa_paid && invoicebox_paid) {
    out.push_back({ReconKind::missing_in_kassa, 0, f.invoicebox_amount, -f.invoicebox_amount,
                   "Invoicebox says completed; kassa has no payment"});
  } else if (f.kassa_paid && !invoicebox_paid) {
    out.push_back({ReconKind::missing_in_invoicebox, f.kassa_amount, 0, f.kassa_amount,
                   f.invoicebox_known ? "Invoicebox status is " + f.invoicebox_status
                                      : std::string("Invoicebox does not know the order")});
  } else if (f.kassa_paid && invoicebox_paid) {
    if (f.kassa_amount != f.invoicebox_amount)
      out.push_back({ReconKind::amount_mismatch, f.kassa_amount, f.invoicebox_amount,
                     f.kassa_amount - f.invoicebox_amount, "paid amounts differ"});
    if (f.kassa_refunded != f.invoicebox_refunded)
      out.push_back({ReconKind::refund_mismatch, f.kassa_refunded, f.invoicebox_refunded,
                     f.kassa_refunded - f.invoicebox_refunded, "refunded totals differ"});
    if (f.kassa_customer && f.invoicebox_customer && *f.kassa_customer != *f.invoicebox_customer)
      out.push_back({ReconKind::customer_mismatch, f.kassa_amount, f.invoicebox_amount, 0,
                     "kassa has a " + std::string(customer_name(f.kassa_customer)) +
                         " buyer, Invoicebox a " +
                         std::string(customer_name(f.invoicebox_customer)) + " one"});
  }

  // Waiting too long is a finding whatever the payment sides say.
  const bool waited_too_long = f.waiting_events > 0 && f.waiting_since &&
                               as_of.unix_micros - f.waiting_since->unix_micros > micros(grace);
  if (waited_too_long)
    out.push_back({ReconKind::orphan_event, 0, 0, 0,
                   std::to_string(f.waiting_events) + " event(s) waiting for the payment since " +
                       format_utc(*f.waiting_since)});

  // One fiscal_gap per order (an exception is keyed by order and kind), saying every reason.
  std::vector<std::string> gaps;
  if (f.receipts_issued < f.receipts_owed)
    gaps.push_back(std::to_string(f.receipts_owed - f.receipts_issued) + " of " +
                   std::to_string(f.receipts_owed) + " receipts not issued");
  if (f.receipts_unregistered > 0 && f.oldest_unregistered) {
    const UtcTime deadline = registration_deadline(*f.oldest_unregistered);
    if (as_of > deadline) {
      const std::int64_t hours = (as_of.unix_micros - deadline.unix_micros) / 3'600'000'000LL;
      gaps.push_back(std::to_string(f.receipts_unregistered) +
                     " receipt(s) not registered by the tax service; the oldest, settled " +
                     format_utc(*f.oldest_unregistered) + ", was due by " + format_utc(deadline) +
                     ", " + std::to_string(hours) + " h overdue");
    }
  }
  if (f.packages_issued < f.packages_owed)
    gaps.push_back(std::to_string(f.packages_owed - f.packages_issued) + " of " +
                   std::to_string(f.packages_owed) + " document packages not issued");
  if (!gaps.empty()) {
    std::string detail = gaps.front();
    for (std::size_t i = 1; i < gaps.size(); ++i) detail += "; " + gaps[i];
    out.push_back({ReconKind::fiscal_gap, 0, 0, 0, detail});
  }

  classify_payouts(f, as_of, payout_grace, out);
  classify_fund(f, out);
  // Waiting for a merchant is waiting too (orphan_event above); this says for whom.
  if (waited_too_long && !f.waiting_merchant_id.empty())
    out.push_back({ReconKind::unknown_merchant, 0, 0, 0,
                   std::to_string(f.waiting_events) + " event(s) waiting for merchant " +
                       f.waiting_merchant_id + " since " + format_utc(*f.waiting_since)});
  return out;
}

UtcTime registration_deadline(UtcTime settled_at) {
  const CivilDate day = moscow_date(settled_at);
  // Midnight in Moscow two days on is 21:00 UTC the day after the settlement.
  const std::int64_t midnight_days = days_from_civil(day) + 2;
  return {midnight_days * 86'400'000'000LL - kMoscowOffsetMicros};
}

}  // namespace kassa::core
