// Reconciliation rules, one row per situation finance meets. Amounts in kopecks; delta is always
// kassa minus Invoicebox.
#include <gtest/gtest.h>

#include "core/recon.hpp"

namespace kassa::core {
namespace {

constexpr auto kGrace = std::chrono::hours(24);
const UtcTime kAsOf = *parse_utc("2026-01-10T12:00:00Z");

// Both sides agree: a private buyer paid 1000.00, 250.00 went back, receipts all issued.
ReconFacts agreed() {
  ReconFacts f;
  f.order_id = "00000000-0000-4000-8000-000000000001";
  f.kassa_paid = true;
  f.kassa_amount = 100000;
  f.kassa_refunded = 25000;
  f.kassa_customer = CustomerType::private_person;
  f.receipts_owed = 3;
  f.receipts_issued = 3;
  f.invoicebox_known = true;
  f.invoicebox_status = "completed";
  f.invoicebox_amount = 100000;
  f.invoicebox_refunded = 25000;
  f.invoicebox_customer = CustomerType::private_person;
  return f;
}

struct Expected {
  ReconKind kind;
  Kopecks kassa, invoicebox, delta;
};

struct Case {
  const char* why;
  ReconFacts facts;
  std::vector<Expected> expected;
};

template <typename Change>
ReconFacts with(Change change) {
  ReconFacts f = agreed();
  change(f);
  return f;
}

TEST(Recon, EachSituationGivesItsExceptions) {
  const Case cases[] = {
      {"both sides agree: matched, which is no exception", agreed(), {}},
      {"Invoicebox says completed, kassa never saw the payment",
       with([](ReconFacts& f) {
         f.kassa_paid = false, f.kassa_amount = 0, f.kassa_refunded = 0,
         f.receipts_owed = f.receipts_issued = 0;
         f.invoicebox_refunded = 0;
       }),
       {{ReconKind::missing_in_kassa, 0, 100000, -100000}}},
      {"kassa has the payment, Invoicebox's export lacks the order",
       with([](ReconFacts& f) {
         f.invoicebox_known = false, f.invoicebox_status.clear(), f.invoicebox_amount = 0,
         f.invoicebox_refunded = 0;
       }),
       {{ReconKind::missing_in_invoicebox, 100000, 0, 100000}}},
      {"kassa has the payment, Invoicebox says expired",
       with([](ReconFacts& f) { f.invoicebox_status = "expired"; }),
       {{ReconKind::missing_in_invoicebox, 100000, 0, 100000}}},
      {"kassa has the payment, Invoicebox still says created (awaiting payment)",
       with([](ReconFacts& f) { f.invoicebox_status = "created"; }),
       {{ReconKind::missing_in_invoicebox, 100000, 0, 100000}}},
      {"kassa has the payment, Invoicebox says cancelled (the non-processable spelling)",
       with([](ReconFacts& f) { f.invoicebox_status = "cancelled"; }),
       {{ReconKind::missing_in_invoicebox, 100000, 0, 100000}}},
      {"kassa has the payment, Invoicebox only holds the funds: not paid yet",
       with([](ReconFacts& f) { f.invoicebox_status = "hold"; }),
       {{ReconKind::missing_in_invoicebox, 100000, 0, 100000}}},
      {"Invoicebox has 1.00 more: delta -100",
       with([](ReconFacts& f) { f.invoicebox_amount = 100100; }),
       {{ReconKind::amount_mismatch, 100000, 100100, -100}}},
      {"Invoicebox has one kopeck less: delta +1",
       with([](ReconFacts& f) { f.invoicebox_amount = 99999; }),
       {{ReconKind::amount_mismatch, 100000, 99999, 1}}},
      {"Invoicebox's refund order is one kopeck short",
       with([](ReconFacts& f) { f.invoicebox_refunded = 24999; }),
       {{ReconKind::refund_mismatch, 25000, 24999, 1}}},
      {"Invoicebox has no completed refund order at all",
       with([](ReconFacts& f) { f.invoicebox_refunded = 0; }),
       {{ReconKind::refund_mismatch, 25000, 0, 25000}}},
      {"Invoicebox refunded, kassa saw no refund event",
       with([](ReconFacts& f) { f.kassa_refunded = 0; }),
       {{ReconKind::refund_mismatch, 0, 25000, -25000}}},
      {"both the amount and the refund differ: two exceptions",
       with([](ReconFacts& f) { f.invoicebox_amount = 90000, f.invoicebox_refunded = 0; }),
       {{ReconKind::amount_mismatch, 100000, 90000, 10000},
        {ReconKind::refund_mismatch, 25000, 0, 25000}}},
      {"kassa issued receipts to a private buyer, Invoicebox has a legal one (a package was due)",
       with([](ReconFacts& f) { f.invoicebox_customer = CustomerType::legal; }),
       {{ReconKind::customer_mismatch, 100000, 100000, 0}}},
      {"Invoicebox does not say the customer type: nothing to compare",
       with([](ReconFacts& f) { f.invoicebox_customer.reset(); }),
       {}},
      {"a shipment has waited 25 hours for its payment (grace 24 h)",
       with([](ReconFacts& f) {
         f.kassa_paid = false, f.kassa_amount = 0, f.kassa_refunded = 0,
         f.receipts_owed = f.receipts_issued = 0;
         f.invoicebox_status = "created", f.invoicebox_refunded = 0;
         f.waiting_events = 1, f.waiting_since = parse_utc("2026-01-09T11:00:00Z");
       }),
       {{ReconKind::orphan_event, 0, 0, 0}}},
      {"waiting exactly 24 hours is still within the grace period",
       with([](ReconFacts& f) {
         f.kassa_paid = false, f.kassa_amount = 0, f.kassa_refunded = 0,
         f.receipts_owed = f.receipts_issued = 0;
         f.invoicebox_status = "created", f.invoicebox_refunded = 0;
         f.waiting_events = 1, f.waiting_since = parse_utc("2026-01-09T12:00:00Z");
       }),
       {}},
      {"waiting for an hour is normal (the payment is on its way)",
       with([](ReconFacts& f) {
         f.kassa_paid = false, f.kassa_amount = 0, f.kassa_refunded = 0,
         f.receipts_owed = f.receipts_issued = 0;
         f.invoicebox_status = "created", f.invoicebox_refunded = 0;
         f.waiting_events = 2, f.waiting_since = parse_utc("2026-01-10T11:00:00Z");
       }),
       {}},
      {"the payment never reached kassa though Invoicebox has it, and the shipment waits: both "
       "findings",
       with([](ReconFacts& f) {
         f.kassa_paid = false, f.kassa_amount = 0, f.kassa_refunded = 0,
         f.receipts_owed = f.receipts_issued = 0;
         f.invoicebox_refunded = 0;
         f.waiting_events = 1, f.waiting_since = parse_utc("2026-01-01T00:00:00Z");
       }),
       {{ReconKind::missing_in_kassa, 0, 100000, -100000}, {ReconKind::orphan_event, 0, 0, 0}}},
      {"one of three receipts was never issued",
       with([](ReconFacts& f) { f.receipts_issued = 2; }),
       {{ReconKind::fiscal_gap, 0, 0, 0}}},
      {"a legal buyer is owed no receipt",
       with([](ReconFacts& f) {
         f.kassa_customer = f.invoicebox_customer = CustomerType::legal;
         f.receipts_owed = f.receipts_issued = 0;
       }),
       {}},
      {"a legal buyer's shipment and refund each got their document package",
       with([](ReconFacts& f) {
         f.kassa_customer = f.invoicebox_customer = CustomerType::legal;
         f.receipts_owed = f.receipts_issued = 0;
         f.packages_owed = f.packages_issued = 2;
       }),
       {}},
      {"one of a legal buyer's two shipments has no document package",
       with([](ReconFacts& f) {
         f.kassa_customer = f.invoicebox_customer = CustomerType::legal;
         f.receipts_owed = f.receipts_issued = 0;
         f.packages_owed = 2, f.packages_issued = 1;
       }),
       {{ReconKind::fiscal_gap, 0, 0, 0}}},
      {"the tax service lacks a receipt settled 9 January 13:00 Moscow: it is due by the end of "
       "10 January, so on 10 January 15:00 it is not yet a gap",
       with([](ReconFacts& f) {
         f.receipts_unregistered = 1, f.oldest_unregistered = parse_utc("2026-01-09T10:00:00Z");
       }),
       {}},
      {"the tax service lacks a receipt settled 8 January 23:59 Moscow, due by the end of 9 "
       "January: a gap",
       with([](ReconFacts& f) {
         f.receipts_unregistered = 2, f.oldest_unregistered = parse_utc("2026-01-08T20:59:00Z");
       }),
       {{ReconKind::fiscal_gap, 0, 0, 0}}},
      {"one minute later it is 9 January in Moscow, due by the end of 10 January: no gap yet",
       with([](ReconFacts& f) {
         f.receipts_unregistered = 1, f.oldest_unregistered = parse_utc("2026-01-08T21:00:00Z");
       }),
       {}},
      {"neither side has a payment: nothing to reconcile",
       with([](ReconFacts& f) {
         f.kassa_paid = false, f.kassa_amount = 0, f.kassa_refunded = 0,
         f.receipts_owed = f.receipts_issued = 0;
         f.invoicebox_status = "canceled", f.invoicebox_refunded = 0;
       }),
       {}},
  };
  for (const auto& c : cases) {
    const auto found = classify(c.facts, kAsOf, kGrace);
    ASSERT_EQ(found.size(), c.expected.size()) << c.why;
    for (std::size_t i = 0; i < found.size(); ++i) {
      EXPECT_EQ(recon_kind_name(found[i].kind), recon_kind_name(c.expected[i].kind)) << c.why;
      EXPECT_EQ(found[i].kassa_amount, c.expected[i].kassa) << c.why;
      EXPECT_EQ(found[i].invoicebox_amount, c.expected[i].invoicebox) << c.why;
      EXPECT_EQ(found[i].delta, c.expected[i].delta) << c.why;
      EXPECT_EQ(found[i].delta, found[i].kassa_amount - found[i].invoicebox_amount)
          << c.why << ": delta is kassa - Invoicebox";
      EXPECT_FALSE(found[i].detail.empty()) << c.why;
    }
  }
}

TEST(Recon, AReceiptIsDueByTheEndOfTheMoscowDayAfterItsSettlement) {
  const struct {
    const char* settled;
    const char* due;
  } rows[] = {
      {"2026-01-09T10:00:00Z", "2026-01-10T21:00:00Z"},  // 13:00 Moscow: end of 10 January
      {"2026-01-08T20:59:59Z", "2026-01-09T21:00:00Z"},  // 23:59:59 on 8 January in Moscow
      {"2026-01-08T21:00:00Z", "2026-01-10T21:00:00Z"},  // already 9 January in Moscow
      {"2025-12-31T22:30:00Z", "2026-01-02T21:00:00Z"},  // New Year's night, across the year
      {"2028-02-28T12:00:00Z", "2028-02-29T21:00:00Z"},  // a leap day
  };
  for (const auto& row : rows)
    EXPECT_EQ(format_utc(registration_deadline(*parse_utc(row.settled))), row.due) << row.settled;
  const auto gap = classify(with([](ReconFacts& f) {
                              f.receipts_unregistered = 2;
                              f.oldest_unregistered = parse_utc("2026-01-08T20:59:00Z");
                            }),
                            kAsOf, kGrace);
  ASSERT_EQ(gap.size(), 1u);
  // With a receipt missing too, still one exception of the order, saying both.
  const auto both = classify(with([](ReconFacts& f) {
                               f.receipts_issued = 2;
                               f.receipts_unregistered = 1;
                               f.oldest_unregistered = parse_utc("2026-01-01T10:00:00Z");
                             }),
                             kAsOf, kGrace);
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0].detail.find("1 of 3 receipts not issued; 1 receipt(s) not registered"), 0u)
      << both[0].detail;
  EXPECT_EQ(gap[0].detail,
            "2 receipt(s) not registered by the tax service; the oldest, settled "
            "2026-01-08T20:59:00Z, was due by 2026-01-09T21:00:00Z, 15 h overdue");
}

TEST(Recon, KindNamesAreTheContractsWords) {
  const char* names[] = {"missing_in_kassa", "missing_in_invoicebox", "amount_mismatch",
                         "refund_mismatch",  "customer_mismatch",     "orphan_event",
                         "fiscal_gap"};
  for (int i = 0; i < kReconKinds; ++i)
    EXPECT_EQ(recon_kind_name(static_cast<ReconKind>(i)), names[i]);
}

}  // namespace
}  // namespace kassa::core
