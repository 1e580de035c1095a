#include "core/recon.hpp"

namespace kassa::core {
namespace {

std::string_view customer_name(const std::optional<CustomerType>& type) {
  if (!type) return "unknown";
  return *type == CustomerType::legal ? "legal" : "private";
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
  }
  return "";
}

std::vector<ReconException> classify(const ReconFacts& f, UtcTime as_of,
                                     std::chrono::seconds grace) {
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
  if (f.waiting_events > 0 && f.waiting_since &&
      as_of.unix_micros - f.waiting_since->unix_micros >
          std::chrono::duration_cast<std::chrono::microseconds>(grace).count())
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
  return out;
}

UtcTime registration_deadline(UtcTime settled_at) {
  const CivilDate day = moscow_date(settled_at);
  // Midnight in Moscow two days on is 21:00 UTC the day after the settlement.
  const std::int64_t midnight_days = days_from_civil(day) + 2;
  return {midnight_days * 86'400'000'000LL - kMoscowOffsetMicros};
}

}  // namespace kassa::core
