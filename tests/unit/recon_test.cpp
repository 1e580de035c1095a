// Reconciliation rules, one row per situation finance meets. Amounts in kopecks; delta is always
// kassa minus Invoicebox.
#include <gtest/gtest.h>

#include "core/recon.hpp"

namespace kassa::core {
namespace {

constexpr auto kGrace = std::chrono::hours(24);
constexpr auto kPayoutGrace = std::chrono::hours(72);
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
    const auto found = classify(c.facts, kAsOf, kGrace, kPayoutGrace);
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

// Partner flows (contract section 6). The order of agreed() (paid 1000.00 on 5 January, 250.00
// refunded on 6 January) was paid out on 7 January in one payout: 1000.00 paid, 250.00 refunded,
// as kassa's ledger stood then. The buyer paid by card; Invoicebox's fund export is loaded.
ReconFacts paid_out() {
  ReconFacts f = agreed();
  f.paid_at = parse_utc("2026-01-05T10:00:00Z");
  f.payouts_recorded = true;
  f.payout_lines = f.payout_lines_paid = 1;
  f.payout_paid = 100000, f.payout_refunded = 25000;
  f.last_payout_at = parse_utc("2026-01-07T09:00:00Z");
  f.last_payout_id = "PO-0107";
  f.paid_as_of_payout = 100000, f.refunded_as_of_payout = 25000;
  f.funds_imported = true;
  return f;
}

template <typename Change>
ReconFacts paid_out_with(Change change) {
  ReconFacts f = paid_out();
  change(f);
  return f;
}

// In no payout yet.
void not_in_a_payout(ReconFacts& f) {
  f.payout_lines = f.payout_lines_paid = 0, f.payout_paid = f.payout_refunded = 0;
  f.last_payout_at.reset(), f.last_payout_id.clear();
  f.paid_as_of_payout = f.refunded_as_of_payout = 0;
}

// Nobody paid kassa for the order, and Invoicebox does not say it is paid either.
void unpaid(ReconFacts& f) {
  f.kassa_paid = false, f.kassa_amount = f.kassa_refunded = 0, f.paid_at.reset();
  f.receipts_owed = f.receipts_issued = 0;
  f.invoicebox_status = "created", f.invoicebox_refunded = 0;
  not_in_a_payout(f);
}

// Paid from partner P's guarantee fund: the fund debited 1000.00 and got 250.00 back.
void from_the_fund(ReconFacts& f) {
  f.payment_method = "guarantee_fund", f.partner_id = "a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
  f.fund_operations = 2, f.fund_debits = 100000, f.fund_credits = 25000;
  f.fund_partner_id = f.partner_id;
}

TEST(Recon, PartnerFlowsEachSituationGivesItsExceptions) {
  const Case cases[] = {
      {"paid, refunded and paid out as the ledger stood: matched", paid_out(), {}},

      // payout_unknown_order
      {"a payout pays out 1000.00 for an order kassa has no payment for",
       paid_out_with([](ReconFacts& f) {
         unpaid(f);
         f.payout_lines = f.payout_lines_paid = 1, f.payout_paid = 100000;
         f.last_payout_at = parse_utc("2026-01-07T09:00:00Z"), f.last_payout_id = "PO-0107";
       }),
       {{ReconKind::payout_unknown_order, 0, 100000, -100000}}},
      {"near miss: an unpaid order that no payout names", paid_out_with(unpaid), {}},

      // paid_out_twice
      {"the payment of 1000.00 is counted in two payouts",
       paid_out_with(
           [](ReconFacts& f) { f.payout_lines = f.payout_lines_paid = 2, f.payout_paid = 200000; }),
       {{ReconKind::paid_out_twice, 100000, 200000, -100000}}},
      {"near miss: a second payout only passes on the refund (paid 0 there)",
       paid_out_with([](ReconFacts& f) { f.payout_lines = 2; }),
       {}},

      // payout_mismatch
      {"the payout paid 999.00 of a 1000.00 payment: 1.00 short",
       paid_out_with([](ReconFacts& f) { f.payout_paid = 99900; }),
       {{ReconKind::payout_mismatch, 75000, 74900, 100}}},
      {"the refund came before the payout, but the payout did not deduct it",
       paid_out_with([](ReconFacts& f) { f.payout_refunded = 0; }),
       {{ReconKind::payout_mismatch, 75000, 100000, -25000}}},
      {"near miss: the refund came after the last payout; the next payout will deduct it",
       paid_out_with([](ReconFacts& f) { f.refunded_as_of_payout = 0, f.payout_refunded = 0; }),
       {}},
      {"near miss: a later payout corrects an earlier one; together they match",
       paid_out_with([](ReconFacts& f) {
         f.payout_lines = 2, f.last_payout_id = "PO-0108";
         f.last_payout_at = parse_utc("2026-01-08T09:00:00Z");
       }),
       {}},

      // not_paid_out
      {"paid 5 January 10:00, 750.00 left after the refund, and in no payout 72 h on",
       paid_out_with(not_in_a_payout),
       {{ReconKind::not_paid_out, 75000, 0, 75000}}},
      {"near miss: paid exactly 72 h before the run: the payout is not late yet",
       paid_out_with([](ReconFacts& f) {
         not_in_a_payout(f);
         f.paid_at = parse_utc("2026-01-07T12:00:00Z");
       }),
       {}},
      {"one second earlier it is late",
       paid_out_with([](ReconFacts& f) {
         not_in_a_payout(f);
         f.paid_at = parse_utc("2026-01-07T11:59:59Z");
       }),
       {{ReconKind::not_paid_out, 75000, 0, 75000}}},
      {"near miss: wholly refunded, nothing is left to pay out",
       paid_out_with([](ReconFacts& f) {
         not_in_a_payout(f);
         f.kassa_refunded = f.invoicebox_refunded = 100000;
       }),
       {}},
      {"near miss: kassa has recorded no payout at all yet (the payouts topic is not fed)",
       paid_out_with([](ReconFacts& f) {
         not_in_a_payout(f);
         f.payouts_recorded = false;
       }),
       {}},

      // fund_mismatch
      {"near miss: paid from the fund, the fund debited 1000.00 and was credited 250.00",
       paid_out_with(from_the_fund),
       {}},
      {"paid from the fund and 250.00 refunded, but the fund got no credit",
       paid_out_with([](ReconFacts& f) {
         from_the_fund(f);
         f.fund_operations = 1, f.fund_credits = 0;
       }),
       {{ReconKind::fund_mismatch, 75000, 100000, -25000}}},
      {"paid from the fund, but the fund has no debit at all",
       paid_out_with([](ReconFacts& f) {
         from_the_fund(f);
         f.fund_operations = 0, f.fund_debits = f.fund_credits = 0;
       }),
       {{ReconKind::fund_mismatch, 75000, 0, 75000}}},
      {"the fund debited 990.00 for a 1000.00 payment",
       paid_out_with([](ReconFacts& f) {
         from_the_fund(f);
         f.fund_debits = 99000;
       }),
       {{ReconKind::fund_mismatch, 75000, 74000, 1000}}},
      {"a fund debit of 1000.00 for an order the buyer paid by card",
       paid_out_with([](ReconFacts& f) {
         f.fund_operations = 1, f.fund_debits = 100000;
         f.fund_partner_id = "a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
       }),
       {{ReconKind::fund_mismatch, 0, 100000, -100000}}},
      {"a fund debit of 1000.00 for an order kassa has no payment for",
       paid_out_with([](ReconFacts& f) {
         unpaid(f);
         f.fund_operations = 1, f.fund_debits = 100000;
       }),
       {{ReconKind::fund_mismatch, 0, 100000, -100000}}},
      {"near miss: paid from the fund, but no fund export was ever loaded",
       paid_out_with([](ReconFacts& f) {
         from_the_fund(f);
         f.funds_imported = false, f.fund_operations = 0, f.fund_debits = f.fund_credits = 0;
       }),
       {}},

      // unknown_merchant (also orphan_event, as the contract says)
      {"the payment and a shipment have waited 25 hours for a merchant that never came",
       paid_out_with([](ReconFacts& f) {
         unpaid(f);
         f.waiting_events = 2, f.waiting_since = parse_utc("2026-01-09T11:00:00Z");
         f.waiting_merchant_id = "407c78be-225f-433c-800b-f1849c9a68bb";
       }),
       {{ReconKind::orphan_event, 0, 0, 0}, {ReconKind::unknown_merchant, 0, 0, 0}}},
      {"near miss: waiting for the merchant exactly 24 hours is within the grace period",
       paid_out_with([](ReconFacts& f) {
         unpaid(f);
         f.waiting_events = 2, f.waiting_since = parse_utc("2026-01-09T12:00:00Z");
         f.waiting_merchant_id = "407c78be-225f-433c-800b-f1849c9a68bb";
       }),
       {}},
      {"near miss: a shipment waits for its payment, not for a merchant: orphan_event only",
       paid_out_with([](ReconFacts& f) {
         unpaid(f);
         f.waiting_events = 1, f.waiting_since = parse_utc("2026-01-09T11:00:00Z");
       }),
       {{ReconKind::orphan_event, 0, 0, 0}}},
  };
  for (const auto& c : cases) {
    const auto found = classify(c.facts, kAsOf, kGrace, kPayoutGrace);
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

// What finance reads in the detail: which figures differ, both sides, and where to look.
TEST(Recon, PartnerFlowDetailsSayWhatDiffers) {
  auto detail = [](const ReconFacts& f) {
    const auto found = classify(f, kAsOf, kGrace, kPayoutGrace);
    return found.empty() ? std::string() : found.back().detail;
  };
  EXPECT_EQ(detail(paid_out_with([](ReconFacts& f) { f.payout_refunded = 0; })),
            "refunded differs: payouts paid 1000.00, refunded 0.00; kassa's ledger as of the last "
            "PO-0107 of 2026-01-07T09:00:00Z paid 1000.00, refunded 250.00");
  EXPECT_EQ(detail(paid_out_with([](ReconFacts& f) {
              f.payout_paid = 99900, f.payout_refunded = 0;
            })).rfind("paid and refunded differ: ", 0),
            0u);
  EXPECT_EQ(detail(paid_out_with(not_in_a_payout)),
            "paid 2026-01-05T10:00:00Z, in no payout; 50 h past the payout grace");
  EXPECT_EQ(detail(paid_out_with([](ReconFacts& f) {
              from_the_fund(f);
              f.fund_operations = 1, f.fund_credits = 0;
            })),
            "guarantee-fund payment of partner a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d: no fund "
            "credit for refunds of 250.00");
  EXPECT_EQ(detail(paid_out_with([](ReconFacts& f) {
              f.fund_operations = 1, f.fund_debits = 100000;
              f.fund_partner_id = "a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
            })),
            "1 fund operation(s) of partner a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d (debits 1000.00, "
            "credits 0.00) without a guarantee-fund payment: kassa's payment is by card");
  EXPECT_EQ(detail(paid_out_with([](ReconFacts& f) {
              unpaid(f);
              f.waiting_events = 2, f.waiting_since = parse_utc("2026-01-09T11:00:00Z");
              f.waiting_merchant_id = "407c78be-225f-433c-800b-f1849c9a68bb";
            })),
            "2 event(s) waiting for merchant 407c78be-225f-433c-800b-f1849c9a68bb since "
            "2026-01-09T11:00:00Z");
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
                            kAsOf, kGrace, kPayoutGrace);
  ASSERT_EQ(gap.size(), 1u);
  // With a receipt missing too, still one exception of the order, saying both.
  const auto both = classify(with([](ReconFacts& f) {
                               f.receipts_issued = 2;
                               f.receipts_unregistered = 1;
                               f.oldest_unregistered = parse_utc("2026-01-01T10:00:00Z");
                             }),
                             kAsOf, kGrace, kPayoutGrace);
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
                         "fiscal_gap",       "payout_mismatch",       "not_paid_out",
                         "paid_out_twice",   "payout_unknown_order",  "fund_mismatch",
                         "unknown_merchant"};
  static_assert(std::size(names) == kReconKinds);
  for (int i = 0; i < kReconKinds; ++i)
    EXPECT_EQ(recon_kind_name(static_cast<ReconKind>(i)), names[i]);
}

}  // namespace
}  // namespace kassa::core
