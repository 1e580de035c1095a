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

  if (f.receipts_issued < f.receipts_owed)
    out.push_back({ReconKind::fiscal_gap, 0, 0, 0,
                   std::to_string(f.receipts_owed - f.receipts_issued) + " of " +
                       std::to_string(f.receipts_owed) + " receipts not issued"});
  if (f.packages_issued < f.packages_owed)
    out.push_back({ReconKind::fiscal_gap, 0, 0, 0,
                   std::to_string(f.packages_owed - f.packages_issued) + " of " +
                       std::to_string(f.packages_owed) + " document packages not issued"});
  return out;
}

}  // namespace kassa::core
