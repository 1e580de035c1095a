// Payouts (contract section 6) on the real broker and database: invoicebox.payouts.v1 read by
// `kassa run` in its own consumer group, each payout recorded exactly once, bad ones
// dead-lettered while the good ones behind them go on.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contract/schema.hpp"
#include "harness.hpp"

namespace kassa::testing {
namespace {

using nlohmann::json;

const std::string kShop = "0b6f3c1e-2a4d-4e5f-8a9b-1c2d3e4f5a6b";
const std::string kOtherShop = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

std::string uuid(int n) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "00000000-0000-4000-8000-%012d", n);
  return buffer;
}

struct Line {
  int order;
  long paid, refunded, commission;
};

// A payout whose amount and nets add up, unless `amount_delta` says otherwise.
json payout(const std::string& event, const std::string& merchant, const std::string& payout_id,
            const std::vector<Line>& lines, long amount_delta = 0) {
  json orders = json::array();
  long amount = 0;
  for (const auto& l : lines) {
    const long net = l.paid - l.refunded - l.commission;
    amount += net;
    orders.push_back({{"order_id", uuid(l.order)},
                      {"paid", l.paid},
                      {"refunded", l.refunded},
                      {"commission", l.commission},
                      {"net", net}});
  }
  return {{"event_id", event},
          {"event_type", "payout.completed"},
          {"schema_version", 1},
          {"occurred_at", "2026-02-13T10:00:00Z"},
          {"merchant_id", merchant},
          {"payout_id", payout_id},
          {"amount", amount + amount_delta},
          {"orders", orders}};
}

TEST(Payouts, EachPayoutIsRecordedOnceAcrossRedeliveriesAndRuns) {
  Sandbox box("payouts_once");
  const auto& c = box.config;
  const std::string first =
      payout(uuid(1001), kShop, "PO-1", {{1, 20000, 0, 600}, {2, 15000, 5000, 300}}).dump();
  // An adjustment: order 2 refunded after PO-1 paid it out.
  const std::string adjustment =
      payout(uuid(1002), kShop, "PO-2", {{2, 0, 10000, 0}, {3, 50000, 0, 1500}}).dump();
  const std::string other = payout(uuid(1003), kOtherShop, "PO-1", {{4, 7000, 0, 210}}).dump();
  box.publish_raw(c.topic_payouts, kShop, first);
  box.publish_raw(c.topic_payouts, kShop, first);  // redelivered: same event, same bytes
  box.publish_raw(c.topic_payouts, kShop, adjustment);
  box.publish_raw(c.topic_payouts, kOtherShop, other);

  const auto run = box.run_until_caught_up();
  EXPECT_TRUE(run.caught_up);
  EXPECT_EQ(run.payouts.messages, 4);
  EXPECT_EQ(run.payouts.recorded, 3);
  EXPECT_EQ(run.payouts.duplicates, 1);
  EXPECT_EQ(run.payouts.rejected, 0);
  const long total = (19400 + 9700) + (-10000 + 48500) + 6790;
  EXPECT_EQ(run.payouts.recorded_amount, total);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payouts"), 3);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payout_orders"), 5);
  EXPECT_EQ(box.scalar("SELECT sum(amount) FROM kassa.payouts"), total);
  EXPECT_EQ(box.scalar("SELECT sum(net) FROM kassa.payout_orders"), total);
  EXPECT_EQ(box.scalar("SELECT amount FROM kassa.payouts WHERE payout_id = 'PO-2'"), 38500);
  EXPECT_EQ(
      box.scalar("SELECT net FROM kassa.payout_orders WHERE payout_id = 'PO-2' AND order_id = '" +
                 uuid(2) + "'"),
      -10000);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payouts WHERE merchant_id = '" + kOtherShop +
                       "' AND payout_id = 'PO-1'"),
            1)
      << "a payout_id is unique per merchant only";
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.rejections"), 0);

  // A second run: the same payout_id again under a new event_id is a duplicate payout.
  box.publish_raw(c.topic_payouts, kShop,
                  payout(uuid(1004), kShop, "PO-1", {{1, 20000, 0, 600}}).dump());
  const auto second = box.run_until_caught_up();
  EXPECT_TRUE(second.caught_up);
  EXPECT_EQ(second.payouts.messages, 1);
  EXPECT_EQ(second.payouts.recorded, 0);
  EXPECT_EQ(second.payouts.duplicates, 1);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payouts WHERE merchant_id = '" + kShop +
                       "' AND payout_id = 'PO-1' AND event_id = '" + uuid(1001) + "'"),
            1)
      << "the first event keeps the payout";

  // Everything read again from the start (the stored offsets gone): nothing is recorded twice.
  box.execute("DELETE FROM kassa.consumer_offsets WHERE group_id = '" + c.group_id + "-payouts'");
  const auto again = box.run_until_caught_up();
  EXPECT_TRUE(again.caught_up);
  EXPECT_EQ(again.payouts.messages, 5);
  EXPECT_EQ(again.payouts.recorded, 0);
  EXPECT_EQ(again.payouts.duplicates, 5);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payouts"), 3);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payout_orders"), 5);
  EXPECT_EQ(box.scalar("SELECT sum(amount) FROM kassa.payouts"), total);
  // The payouts' group has its own offsets; the order topics' group has none for them.
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.consumer_offsets WHERE topic = '" +
                       c.topic_payouts + "' AND group_id <> '" + c.group_id + "-payouts'"),
            0);
}

TEST(Payouts, BadPayoutsAreDeadLetteredAndThePayoutsBehindThemRecorded) {
  Sandbox box("payouts_dlq");
  const auto& c = box.config;
  struct Sent {
    std::string value, code;  // code: the dead letter's error code, or "" for recorded
  };
  json missing = payout(uuid(2003), kShop, "PO-13", {{3, 100, 0, 0}});
  missing.erase("payout_id");
  // One merchant, so one partition: each good payout comes after a bad one.
  const std::vector<Sent> sent = {
      {payout(uuid(2001), kShop, "PO-11", {{1, 10000, 0, 300}, {2, 5000, 0, 150}}, +1).dump(),
       "amount_mismatch"},
      {payout(uuid(2002), kShop, "PO-12", {{1, 10000, 0, 300}, {2, 5000, 0, 150}}).dump(), ""},
      {missing.dump(), "schema_violation"},
      {payout(uuid(2004), kShop, "PO-14", {{4, 2500, 0, 75}}).dump(), ""},
      // The event_id of PO-12 with other content.
      {payout(uuid(2002), kShop, "PO-15", {{5, 900, 0, 27}}).dump(), "event_id_conflict"},
      {payout(uuid(2006), kShop, "PO-16", {{6, 1200, 0, 36}}).dump(), ""},
  };
  for (const auto& s : sent) box.publish_raw(c.topic_payouts, kShop, s.value);
  const auto run = box.run_until_caught_up();
  EXPECT_TRUE(run.caught_up);
  EXPECT_EQ(run.payouts.recorded, 3);
  EXPECT_EQ(run.payouts.rejected, 3);
  EXPECT_EQ(run.payouts.recorded_amount, 14550 + 2425 + 1164);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payouts"), 3);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payouts WHERE payout_id IN ('PO-12', "
                       "'PO-14', 'PO-16')"),
            3);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payout_orders"), 4);

  std::multiset<std::string> wanted;
  for (const auto& s : sent)
    if (!s.code.empty()) wanted.insert(s.code);
  // The dead letters as the relay published them (before run_until_caught_up returned).
  contract::SchemaValidator schema("dead_letter.v1.json");
  std::multiset<std::string> published;
  for (const auto& m : box.read_topic(c.topic_dlq)) {
    const json letter = json::parse(m.value);
    EXPECT_FALSE(schema.problems(letter)) << m.value;
    EXPECT_EQ(letter.at("source_topic"), c.topic_payouts);
    EXPECT_EQ(m.key.value_or(""), kShop) << "keyed as the original";
    published.insert(letter.at("error_code").get<std::string>());
    bool found = false;
    for (const auto& s : sent)
      found = found || (s.code == letter.at("error_code") && s.value == letter.at("payload"));
    EXPECT_TRUE(found) << "the original bytes travel with the reason: " << m.value;
    if (letter.at("error_code") == "event_id_conflict") {
      EXPECT_EQ(letter.at("event_id"), uuid(2002));
    }
  }
  EXPECT_EQ(published, wanted);
  std::multiset<std::string> stored;
  for (const auto& row : box.query("SELECT error_code, source_topic, convert_from(payload, 'UTF8') "
                                   "FROM kassa.rejections")) {
    stored.insert(row[0].as<std::string>());
    EXPECT_EQ(row[1].as<std::string>(), c.topic_payouts);
  }
  EXPECT_EQ(stored, wanted);

  // Read again from the start: the same dead letters, not new ones; nothing recorded twice.
  box.execute("DELETE FROM kassa.consumer_offsets WHERE group_id = '" + c.group_id + "-payouts'");
  const auto again = box.run_until_caught_up();
  EXPECT_EQ(again.payouts.recorded, 0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.payouts"), 3);
  EXPECT_EQ(box.scalar("SELECT count(DISTINCT message_id) FROM kassa.outbox"), 3)
      << "a dead letter's id is its source offset's";
}

TEST(Payouts, WithoutAPayoutsTopicTheWorkerRunsOn) {
  Sandbox box("payouts_none");
  app::Config no_topic = box.config;
  no_topic.topic_payouts += "-never-created";
  const std::string order = uuid(1);
  box.publish_raw(box.config.topic_payments, order,
                  json{{"event_id", uuid(100)},
                       {"event_type", "payment.succeeded"},
                       {"schema_version", 1},
                       {"occurred_at", "2026-02-10T09:00:00Z"},
                       {"order_id", order},
                       {"merchant_id", kShop},
                       {"payment_id", "pay-1"},
                       {"merchant_order_id", "A-1"},
                       {"amount", 20000},
                       {"currency", "RUB"},
                       {"customer", {{"type", "private"}, {"email", "buyer@example.com"}}},
                       {"items",
                        {{{"sku", "KETTLE"},
                          {"name", "Электрочайник"},
                          {"quantity", "2"},
                          {"measure", "шт"},
                          {"measure_code", "796"},
                          {"price", 10000},
                          {"total_amount", 20000},
                          {"vat_code", "RUS_VAT22"},
                          {"type", "commodity"}}}}}
                      .dump());
  const auto run = box.run_until_caught_up(no_topic);
  EXPECT_TRUE(run.caught_up);
  EXPECT_EQ(run.counts.applied, 1);
  EXPECT_EQ(run.payouts.messages, 0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger"), 1);
}

}  // namespace
}  // namespace kassa::testing
