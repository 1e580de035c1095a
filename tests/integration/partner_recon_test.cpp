// The partner-flow reconciliation kinds (contract section 6) on the real PostgreSQL and Kafka:
// payments and refunds go through the broker and the worker, payouts are rows of kassa.payouts
// (as the payouts consumer records them), guarantee-fund operations come through `kassa state
// import`, and one `kassa reconcile` must find each hand-made case and none of its near misses.
// The finance views of db/V016__partner_views.sql add up to the same rows.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "../unit/test_messages.hpp"
#include "harness.hpp"

namespace kassa::testing {
namespace {

using nlohmann::json;
// kind, kassa_amount, invoicebox_amount, delta
using Finding = std::tuple<std::string, long, long, long>;

const std::string kPartner = "a4f1c2d3-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const std::set<std::string> kPartnerKinds = {"payout_mismatch", "not_paid_out",
                                             "paid_out_twice",  "payout_unknown_order",
                                             "fund_mismatch",   "unknown_merchant"};
constexpr long kPaid = 634997;      // payment_json(): 6 349.97 RUB
constexpr long kRefunded = 399998;  // refund_json(): 3 999.98 RUB

std::string order(int n) {
  char id[37];
  std::snprintf(id, sizeof id, "c0ffee00-0000-4000-8000-%012d", n);
  return id;
}

std::string event_id(char kind, int n) {
  char id[37];
  std::snprintf(id, sizeof id, "%c0000000-0000-4000-8000-%012d", kind, n);
  return id;
}

void pay(Sandbox& box, int n, const char* when, bool from_fund = false) {
  json p = payment_json();
  p["event_id"] = event_id('e', n);
  p["order_id"] = order(n);
  p["payment_id"] = "pay-" + std::to_string(n);
  p["occurred_at"] = when;
  if (from_fund) {
    p["channel"] = "business_api";
    p["partner_id"] = kPartner;
    p["payment_method"] = "guarantee_fund";
    p["partner_operation_id"] = event_id('b', n);
  }
  box.publish_raw(box.config.topic_payments, order(n), p.dump());
}

void refund(Sandbox& box, int n, const char* when) {
  json r = refund_json();
  r["event_id"] = event_id('f', n);
  r["order_id"] = order(n);
  r["refund_id"] = "ref-" + std::to_string(n);
  r["occurred_at"] = when;
  box.publish_raw(box.config.topic_refunds, order(n), r.dump());
}

struct Line {
  int order;
  long paid, refunded, commission;
};

// A payout as the payouts consumer records it (net = paid - refunded - commission).
void payout(Sandbox& box, const std::string& id, const char* when, const std::string& partner,
            const std::vector<Line>& lines) {
  long amount = 0;
  std::string values;
  for (const auto& l : lines) {
    const long net = l.paid - l.refunded - l.commission;
    amount += net;
    values += std::string(values.empty() ? "" : ", ") + "('" + kMerchantId + "', '" + id + "', '" +
              order(l.order) + "', " + std::to_string(l.paid) + ", " + std::to_string(l.refunded) +
              ", " + std::to_string(l.commission) + ", " + std::to_string(net) + ")";
  }
  box.execute(
      "INSERT INTO kassa.payouts (merchant_id, payout_id, event_id, partner_id, amount, "
      "occurred_at, order_count, source_topic, source_partition, source_offset) VALUES ('" +
      kMerchantId + "', '" + id + "', gen_random_uuid(), " +
      (partner.empty() ? std::string("NULL") : "'" + partner + "'") + ", " +
      std::to_string(amount) + ", '" + when + "', " + std::to_string(lines.size()) + ", '" +
      box.config.topic_payouts + "', 0, (SELECT count(*) FROM kassa.payouts))");
  box.execute(
      "INSERT INTO kassa.payout_orders (merchant_id, payout_id, order_id, paid, refunded, "
      "commission, net) VALUES " +
      values);
}

std::string fund_line(int op, int n, const char* type, const char* rubles) {
  std::string line = json{{"objectType", "guaranteeFundOperation"},
                          {"id", event_id('d', op)},
                          {"partnerId", kPartner},
                          {"partnerOperationId", event_id('b', n)},
                          {"orderId", order(n)},
                          {"type", type},
                          {"createdAt", "2026-02-10T12:00:05+03:00"}}
                         .dump();
  line.pop_back();  // the amount as Invoicebox writes it: rubles text, not a double
  return line + ",\"amount\":" + rubles + "}";
}

// An order whose events wait for a merchant that never arrived, as the worker leaves it.
void waiting_for_merchant(Sandbox& box, int n, const char* since) {
  box.execute(
      "INSERT INTO kassa.orders (order_id, merchant_id, status, parked_count, oldest_parked_at, "
      "state, version, waiting_merchant_id) VALUES ('" +
      order(n) + "', 'b1b2b3b4-0000-4000-8000-00000000000" + std::to_string(n % 10) +
      "', 'awaiting_payment', 2, '" + since +
      "', '{}'::jsonb, 1, "
      "'b1b2b3b4-0000-4000-8000-0000000000ff')");
}

TEST(PartnerRecon, EachKindIsFoundAndItsNearMissIsNot) {
  Sandbox box("partner_recon");
  // Merchants listed by hand count as known from the beginning of time: nothing waits for them.
  box.execute("INSERT INTO kassa.merchants (merchant_id, supplier_inn, supplier_name) VALUES ('" +
              kMerchantId + "', '7704318875', 'ООО «Чайник»')");

  // Order numbers: 1x payouts of unknown orders, 2x paid out twice, 3x payout mismatch, 4x not
  // paid out, 5x guarantee fund, 6x waiting for a merchant. Paid 10 February unless said.
  for (int n : {12, 21, 22, 31, 32, 41, 53}) pay(box, n, "2026-02-10T09:00:00Z");
  pay(box, 42, "2026-02-26T00:00:00Z");  // exactly KASSA_PAYOUT_GRACE (72 h) before the run
  pay(box, 51, "2026-02-10T09:00:00Z", true);
  pay(box, 52, "2026-02-10T09:00:00Z", true);
  for (int n : {22, 31, 51, 52}) refund(box, n, "2026-02-20T15:30:00Z");
  refund(box, 32, "2026-02-26T10:00:00Z");  // after the last payout of 25 February
  ASSERT_TRUE(box.run_until_caught_up().caught_up);
  ASSERT_EQ(box.scalar("SELECT count(*) FROM kassa.orders WHERE status = 'paid'"), 10);
  ASSERT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind = 'refund'"), 5);

  payout(box, "PO-0215", "2026-02-15T12:00:00Z", "",
         {{11, 10000, 0, 0},  // order 11: kassa never saw it paid
          {12, kPaid, 0, 1000},
          {21, kPaid, 0, 0},
          {22, kPaid, 0, 0}});
  payout(box, "PO-0225", "2026-02-25T12:00:00Z", "",
         {{21, kPaid, 0, 0},      // order 21 paid out a second time
          {22, 0, kRefunded, 0},  // order 22: only the refund of 20 February, deducted later
          {31, kPaid, 0, 0},      // order 31 was refunded 20 February: not deducted
          {32, kPaid, 0, 0}});    // order 32 was refunded after this payout
  payout(box, "PO-0227", "2026-02-27T12:00:00Z", kPartner,
         {{51, kPaid, kRefunded, 0}, {52, kPaid, kRefunded, 0}, {53, kPaid, 0, 0}});

  // Invoicebox's fund: order 51's refund never credited, 52 debited and credited, and a debit
  // for order 53, which the buyer paid by card. One bad line is reported and skipped.
  const std::string fund_file =
      "/tmp/kassa-it-" + std::to_string(::getpid()) + "-fund-operations.ndjson";
  {
    std::ofstream out(fund_file);
    out << fund_line(1, 51, "debit", "6349.97") << '\n'
        << fund_line(2, 52, "debit", "6349.97") << '\n'
        << fund_line(3, 52, "credit", "3999.98") << '\n'
        << fund_line(4, 53, "debit", "6349.97") << '\n'
        << fund_line(5, 53, "refund", "1.00") << '\n';
  }
  const std::string imported = kassa_output(box.config, "state import " + fund_file, {});
  EXPECT_NE(imported.find("5 lines read, 0 orders and 0 refund orders loaded (0 new, 0 "
                          "replaced), 4 guarantee-fund operations loaded (4 new, 0 replaced), 1 "
                          "bad lines skipped"),
            std::string::npos)
      << imported;
  EXPECT_NE(imported.find(fund_file + ":5: type must be debit or credit: \"refund\""),
            std::string::npos)
      << imported;
  EXPECT_EQ(box.scalar("SELECT sum(amount) FROM invoicebox.fund_operations WHERE type = 'debit'"),
            3 * kPaid);
  std::remove(fund_file.c_str());

  waiting_for_merchant(box, 61, "2026-02-20T00:00:00Z");
  waiting_for_merchant(box, 62, "2026-02-28T00:00:00Z");  // exactly KASSA_ORPHAN_GRACE (24 h)

  const std::string output =
      "/tmp/kassa-it-" + std::to_string(::getpid()) + "-partner-findings.ndjson";
  Process reconcile(
      {kassa_binary(), "reconcile", "--as-of", "2026-03-01T00:00:00Z", "--output", output},
      Sandbox::environment(box.config));
  ASSERT_EQ(reconcile.wait(), 0);
  std::map<std::string, std::set<Finding>> found;
  std::map<std::pair<std::string, std::string>, std::string> details;
  {
    std::ifstream in(output);
    std::string line;
    while (std::getline(in, line)) {
      const json j = json::parse(line);
      const std::string kind = j.at("kind");
      details[{j.at("order_id"), kind}] = j.at("detail");
      if (kPartnerKinds.count(kind) == 0) continue;
      found[j.at("order_id")].insert({kind, j.at("kassa_amount").get<long>(),
                                      j.at("invoicebox_amount").get<long>(),
                                      j.at("delta").get<long>()});
    }
  }
  std::remove(output.c_str());
  auto detail = [&](int n, const std::string& kind) { return details[{order(n), kind}]; };

  const struct {
    int order;
    std::set<Finding> expected;
    const char* why;
  } cases[] = {
      {11, {{"payout_unknown_order", 0, 10000, -10000}}, "a payout pays for an unpaid order"},
      {12, {}, "near miss: paid and paid out once, less a commission"},
      {21, {{"paid_out_twice", kPaid, 2 * kPaid, -kPaid}}, "the payment in two payouts"},
      {22, {}, "near miss: the second payout only deducts the refund"},
      {31,
       {{"payout_mismatch", kPaid - kRefunded, kPaid, -kRefunded}},
       "refunded before the payout, not deducted"},
      {32, {}, "near miss: refunded after the last payout"},
      {41, {{"not_paid_out", kPaid, 0, kPaid}}, "paid 10 February, in no payout"},
      {42, {}, "near miss: paid exactly 72 h before the run"},
      {51,
       {{"fund_mismatch", kPaid - kRefunded, kPaid, -kRefunded}},
       "paid from the fund, the refund never credited"},
      {52, {}, "near miss: paid from the fund, debited and credited"},
      {53, {{"fund_mismatch", 0, kPaid, -kPaid}}, "a fund debit for a card payment"},
      {61, {{"unknown_merchant", 0, 0, 0}}, "waiting 9 days for a merchant"},
      {62, {}, "near miss: waiting exactly 24 h for a merchant"},
  };
  for (const auto& c : cases) EXPECT_EQ(found[order(c.order)], c.expected) << c.why;

  EXPECT_EQ(detail(31, "payout_mismatch"),
            "refunded differs: payouts paid 6349.97, refunded 0.00; kassa's ledger as of the last "
            "PO-0225 of 2026-02-25T12:00:00Z paid 6349.97, refunded 3999.98");
  EXPECT_EQ(detail(41, "not_paid_out"),
            "paid 2026-02-10T09:00:00Z, in no payout; 375 h past the payout grace");
  EXPECT_EQ(detail(61, "unknown_merchant"),
            "2 event(s) waiting for merchant b1b2b3b4-0000-4000-8000-0000000000ff since "
            "2026-02-20T00:00:00Z");
  EXPECT_EQ(details.count(std::make_pair(order(61), std::string("orphan_event"))), 1u)
      << "waiting for a merchant is also an orphan event";
  EXPECT_NE(detail(53, "fund_mismatch").find("partner " + kPartner), std::string::npos);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.recon_exceptions WHERE resolved_at IS NULL "
                       "AND kind IN ('payout_mismatch', 'not_paid_out', 'paid_out_twice', "
                       "'payout_unknown_order', 'fund_mismatch', 'unknown_merchant')"),
            7)
      << "recorded, one row per order and kind (two fund_mismatch)";

  // The finance views (db/V016__partner_views.sql).
  const auto daily = box.query(
      "SELECT day::text, payouts, orders, amount_kopecks, paid_kopecks, refunded_kopecks, "
      "commission_kopecks FROM kassa.payouts_daily ORDER BY day");
  ASSERT_EQ(daily.size(), 3u);
  EXPECT_EQ(daily[0][0].as<std::string>(), "2026-02-15");
  EXPECT_EQ(daily[0][2].as<long>(), 4);
  EXPECT_EQ(daily[0][3].as<long>(), 10000 + 3 * kPaid - 1000);
  EXPECT_EQ(daily[0][4].as<long>(), 10000 + 3 * kPaid);
  EXPECT_EQ(daily[0][6].as<long>(), 1000);
  EXPECT_EQ(daily[1][5].as<long>(), kRefunded);
  EXPECT_EQ(daily[2][3].as<long>(), 3 * kPaid - 2 * kRefunded);
  EXPECT_EQ(
      box.scalar("SELECT count(*) FROM kassa.payouts_daily WHERE partner_id = '" + kPartner + "'"),
      1);

  // Paid but in no payout: orders 41 and 42 (both long ago by now()).
  const auto ageing = box.query(
      "SELECT age, sum(orders), sum(net_kopecks) FROM kassa.not_paid_out_ageing GROUP BY age");
  ASSERT_EQ(ageing.size(), 1u);
  EXPECT_EQ(ageing[0][0].as<std::string>(), "7d+");
  EXPECT_EQ(ageing[0][1].as<long>(), 2);
  EXPECT_EQ(ageing[0][2].as<long>(), 2 * kPaid);

  const auto fund = box.query(
      "SELECT payments, paid_kopecks, refunds, refunded_kopecks, debits, debited_kopecks, "
      "credits, credited_kopecks, delta_kopecks FROM kassa.fund_operations_by_partner "
      "WHERE partner_id = '" +
      kPartner + "'");
  ASSERT_EQ(fund.size(), 1u);
  EXPECT_EQ(fund[0][0].as<long>(), 2);
  EXPECT_EQ(fund[0][1].as<long>(), 2 * kPaid);
  EXPECT_EQ(fund[0][2].as<long>(), 2);
  EXPECT_EQ(fund[0][3].as<long>(), 2 * kRefunded);
  EXPECT_EQ(fund[0][4].as<long>(), 3);
  EXPECT_EQ(fund[0][5].as<long>(), 3 * kPaid);
  EXPECT_EQ(fund[0][6].as<long>(), 1);
  EXPECT_EQ(fund[0][7].as<long>(), kRefunded);
  EXPECT_EQ(fund[0][8].as<long>(), (2 * kPaid - 2 * kRefunded) - (3 * kPaid - kRefunded));
  // The read-only role of the dashboards may read them.
  pqxx::connection reader(box.reader_dsn());
  pqxx::read_transaction tx(reader);
  EXPECT_EQ(tx.exec1("SELECT (SELECT count(*) FROM kassa.payouts_daily) + "
                     "(SELECT count(*) FROM kassa.not_paid_out_ageing) + "
                     "(SELECT count(*) FROM kassa.fund_operations_by_partner)")[0]
                .as<long>(),
            5);
}

}  // namespace
}  // namespace kassa::testing
