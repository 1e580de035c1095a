// The consumer side against group and partition faults: offset commits that always fail, the
// group coordinator moving and going down, partition leaders moving, while a generated stream
// comes in. Every event must be applied exactly once, because the offsets that count live in
// PostgreSQL (bus/consumer.hpp); Kafka's committed offsets only follow.
#include <gtest/gtest.h>

#include "mock_support.hpp"

namespace kassa::testing {
namespace {

std::vector<std::string> all_topics(const app::Config& c) {
  return {c.topic_payments, c.topic_shipments, c.topic_refunds,   c.topic_merchants,
          c.topic_payouts,  c.topic_receipts,  c.topic_documents, c.topic_dlq};
}

// Partition p of every topic led by broker (p + shift) % 3 + 1.
void place_leaders(MockCluster& cluster, const app::Config& config, int shift) {
  std::vector<MockCluster::Leader> leaders;
  for (const auto& topic : all_topics(config))
    for (int p = 0; p < kPartitions; ++p) leaders.push_back({topic, p, (p + shift) % 3 + 1});
  cluster.set_leaders(leaders);
}

// The stream in `n` parts, published one after the other while a worker runs.
struct Parts {
  std::vector<std::vector<gen::Message>> parts;
  // Messages of the order topics (the group's offsets) in the parts up to and including `part`.
  std::int64_t end_of(std::size_t part) const {
    std::int64_t n = 0;
    for (std::size_t i = 0; i <= part; ++i)
      n += static_cast<std::int64_t>(gen::count_order_messages(parts[i]));
    return n;
  }
};

Parts split(const std::vector<gen::Message>& messages, std::size_t n) {
  Parts out;
  for (std::size_t i = 0; i < n; ++i)
    out.parts.push_back(slice(messages, messages.size() * i / n, messages.size() * (i + 1) / n));
  return out;
}

// The stored offsets of the input partitions add up to `messages`: every message read and its
// batch committed in PostgreSQL (each partition's offsets start at 0).
bool stored_up_to(Sandbox& box, std::int64_t messages) {
  return total(stored_offsets(box)) == messages;
}

bool kafka_committed_up_to(Sandbox& box, std::int64_t messages) {
  try {
    return total(kafka_committed(box.config)) == messages;
  } catch (const std::exception&) {
    return false;  // the coordinator is being looked up again
  }
}

TEST(MockConsumer, FailingOffsetCommitsChangeNothingAndARestartResumesFromPostgres) {
  MockCluster cluster;
  MockSandbox box(cluster, "commits");
  const auto generated = generated_stream(41, 160);
  const std::size_t half = generated.messages.size() / 2;
  const auto first = slice(generated.messages, 0, half);
  const auto second = slice(generated.messages, half, generated.messages.size());
  // Every commit of the group fails, with what a coordinator answers while it moves, loads its
  // state, times out or refuses. There are more errors than the test makes commits.
  cluster.set_group_coordinator(box.config.group_id, 2);
  std::vector<std::pair<rd_kafka_resp_err_t, int>> errors;
  for (int i = 0; i < 100; ++i)
    for (const auto error :
         {RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
          RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
          RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
          RD_KAFKA_RESP_ERR_OFFSET_METADATA_TOO_LARGE})
      errors.emplace_back(error, 0);
  cluster.push_broker_errors(2, api::offset_commit, errors);

  box.publish(first);
  app::Metrics metrics;
  const auto before = run_until_caught_up(box.config, metrics);
  EXPECT_TRUE(before.caught_up);
  const auto first_events = static_cast<std::int64_t>(gen::count_order_messages(first));
  EXPECT_EQ(before.counts.messages, first_events);
  const std::size_t left = cluster.broker_errors_left(2, api::offset_commit);
  EXPECT_LT(left, errors.size()) << "the worker tried to commit";
  EXPECT_GT(left, 0u) << "and every commit failed";
  EXPECT_TRUE(kafka_committed(box.config).empty()) << "Kafka has no offset";
  EXPECT_TRUE(stored_up_to(box, first_events));

  // A new worker (the restart of a pod), with Kafka still refusing commits. Had it started from
  // Kafka's offsets (none: auto.offset.reset=earliest) it would read the first half again.
  box.publish(second);
  app::Metrics restarted;
  const auto after = run_until_caught_up(box.config, restarted);
  EXPECT_TRUE(after.caught_up);
  EXPECT_EQ(after.counts.messages, static_cast<std::int64_t>(gen::count_order_messages(second)))
      << "it resumed from the offsets in PostgreSQL";
  EXPECT_EQ(before.counts.applied + after.counts.applied,
            generated.truth.at("stream").at("events_applied").get<std::int64_t>());
  EXPECT_GT(cluster.broker_errors_left(2, api::offset_commit), 0u);
  EXPECT_TRUE(kafka_committed(box.config).empty());
  expect_applied_once(box, generated.truth);
  expect_every_row_published_once(box);
}

TEST(MockConsumer, CoordinatorMovingGoingDownAndRebalancingMidStreamChangesNothing) {
  MockCluster cluster;
  MockSandbox box(cluster, "coordinator");
  const auto generated = generated_stream(43, 200);
  const auto stream_parts = split(generated.messages, 4);
  // The data on broker 1, the group on 2 and then 3: losing the coordinator loses nothing else.
  std::vector<MockCluster::Leader> on_one;
  for (const auto& topic : all_topics(box.config))
    for (int p = 0; p < kPartitions; ++p) on_one.push_back({topic, p, 1});
  cluster.set_leaders(on_one);
  cluster.set_group_coordinator(box.config.group_id, 2);

  box.publish(stream_parts.parts[0]);
  LiveWorker worker(box.config);
  EXPECT_TRUE(eventually([&] { return stored_up_to(box, stream_parts.end_of(0)); }));
  EXPECT_TRUE(eventually([&] { return kafka_committed_up_to(box, stream_parts.end_of(0)); }))
      << "the group commits through broker 2";

  // The coordinator moves (its broker lost the group's __consumer_offsets partition): broker 2
  // answers NOT_COORDINATOR and the worker has to find broker 3.
  cluster.set_group_coordinator(box.config.group_id, 3);
  box.publish(stream_parts.parts[1]);
  EXPECT_TRUE(eventually([&] { return stored_up_to(box, stream_parts.end_of(1)); }));
  EXPECT_TRUE(eventually([&] { return kafka_committed_up_to(box, stream_parts.end_of(1)); }))
      << "the worker found the new coordinator";

  // The coordinator's broker goes down while events come, and comes back.
  cluster.broker_down(3);
  box.publish(stream_parts.parts[2]);
  EXPECT_TRUE(eventually([&] { return stored_up_to(box, stream_parts.end_of(2)); }))
      << "events go on without a coordinator";
  cluster.broker_up(3);
  EXPECT_TRUE(eventually([&] { return kafka_committed_up_to(box, stream_parts.end_of(2)); }));

  // The coordinator rebalances the group (as when a member joins or its session lapsed): the
  // worker's partitions are revoked while events come, and assigned again from PostgreSQL.
  // The last part comes while the group rebalances, so only the new assignment can read it.
  cluster.push_broker_errors(3, api::heartbeat, {{RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, 0}});
  EXPECT_TRUE(eventually([&] { return cluster.broker_errors_left(3, api::heartbeat) == 0; }));
  box.publish(stream_parts.parts[3]);
  EXPECT_TRUE(eventually([&] { return stored_up_to(box, stream_parts.end_of(3)); }));
  EXPECT_TRUE(eventually([&] { return kafka_committed_up_to(box, stream_parts.end_of(3)); }));
  EXPECT_TRUE(eventually([&] { return settled(box); }));

  EXPECT_TRUE(worker.running());
  const auto summary = worker.stop();
  EXPECT_EQ(summary.counts.applied,
            generated.truth.at("stream").at("events_applied").get<std::int64_t>());
  expect_applied_once(box, generated.truth);
  expect_every_row_published_once(box);
}

TEST(MockConsumer, PartitionLeadersMovingMidStreamChangeNothing) {
  MockCluster cluster;
  MockSandbox box(cluster, "leaders");
  const auto generated = generated_stream(47, 180);
  const auto stream_parts = split(generated.messages, 3);
  place_leaders(cluster, box.config, 0);

  box.publish(stream_parts.parts[0]);
  LiveWorker worker(box.config);
  EXPECT_TRUE(eventually([&] { return stored_up_to(box, stream_parts.end_of(0)); }));

  // Every partition (inputs the worker fetches, outputs its relay produces to) moves to another
  // broker; the old leader answers NOT_LEADER_FOR_PARTITION. Once between two parts, and once
  // right after a part was published, while it is being read.
  place_leaders(cluster, box.config, 1);
  box.publish(stream_parts.parts[1]);
  place_leaders(cluster, box.config, 2);
  EXPECT_TRUE(eventually([&] { return stored_up_to(box, stream_parts.end_of(1)); }));
  place_leaders(cluster, box.config, 0);
  box.publish(stream_parts.parts[2]);
  EXPECT_TRUE(eventually([&] { return stored_up_to(box, stream_parts.end_of(2)); }));
  EXPECT_TRUE(eventually([&] { return settled(box); }));

  EXPECT_TRUE(worker.running());
  const auto summary = worker.stop();
  EXPECT_EQ(summary.counts.applied,
            generated.truth.at("stream").at("events_applied").get<std::int64_t>());
  expect_applied_once(box, generated.truth);
  expect_every_row_published_once(box);
}

// One private order: two kettles paid, both shipped, both refunded, published in that order
// (each acknowledged before the next is sent), so their timestamps rise.
const std::string kKettleOrder = "5e000000-0000-4000-8000-000000000100";

nlohmann::json kettle_event(const std::string& type, int n, const char* occurred_at) {
  return {{"event_id", "5e000000-0000-4000-8000-00000000000" + std::to_string(n)},
          {"event_type", type},
          {"schema_version", 1},
          {"occurred_at", occurred_at},
          {"order_id", kKettleOrder},
          {"merchant_id", "5e000000-0000-4000-8000-000000000200"}};
}

// The order's payment: two kettles, 200.00 RUB, a private buyer.
nlohmann::json kettle_payment(const std::string& payment_id, const std::string& merchant_order_id) {
  auto payment = kettle_event("payment.succeeded", 1, "2026-03-02T10:00:00Z");
  payment["payment_id"] = payment_id;
  payment["merchant_order_id"] = merchant_order_id;
  payment["amount"] = 20000;
  payment["currency"] = "RUB";
  payment["customer"] = {{"type", "private"}, {"email", "buyer@example.com"}};
  payment["items"] = {{{"sku", "KETTLE"},
                       {"name", "Электрочайник"},
                       {"quantity", "2"},
                       {"measure", "шт"},
                       {"measure_code", "796"},
                       {"price", 10000},
                       {"total_amount", 20000},
                       {"vat_code", "RUS_VAT22"},
                       {"type", "commodity"}}};
  return payment;
}

TEST(MockConsumer, ARefundWaitsForASlowFetchOfTheShipmentBeforeIt) {
  MockCluster cluster;
  MockSandbox box(cluster, "slowfetch");
  box.config.merge_grace = std::chrono::seconds(4);
  // Shipments are fetched from broker 1, payments and refunds from broker 2.
  std::vector<MockCluster::Leader> leaders;
  for (const auto& topic : all_topics(box.config))
    for (int p = 0; p < kPartitions; ++p)
      leaders.push_back({topic, p,
                         topic == box.config.topic_shipments ? 1
                         : topic == box.config.topic_payments || topic == box.config.topic_refunds
                             ? 2
                             : 3});
  cluster.set_leaders(leaders);
  const std::string order = kKettleOrder;

  const auto payment = kettle_payment("pay-slow", "SLOW-1");
  auto shipment = kettle_event("shipment.confirmed", 2, "2026-03-03T10:00:00Z");
  shipment["shipment_id"] = "ship-slow";  // no items: everything ships
  shipment["document_number"] = "17";
  shipment["document_date"] = "2026-03-03";
  auto refund = kettle_event("refund.succeeded", 3, "2026-03-04T10:00:00Z");
  refund["refund_id"] = "refund-slow";
  refund["amount"] = 20000;
  refund["items"] = {{{"sku", "KETTLE"}, {"quantity", "2"}, {"amount", 20000}}};
  refund["reason"] = "Возврат товара";

  box.publish_raw(box.config.topic_payments, order, payment.dump());
  LiveWorker worker(box.config);
  EXPECT_TRUE(eventually([&] { return box.scalar("SELECT count(*) FROM kassa.ledger") == 1; }));

  // Every partition is now read to its end. The next fetch from broker 1 is answered 1.5 s late
  // (with what the log held when it came: nothing), so the shipment published meanwhile is read
  // only after that, while the refund behind it comes from broker 2 at once. Trusting the
  // shipments partition's end would apply the refund first (it reverses the prepayment of both
  // kettles) and then dead-letter the shipment as over_shipment.
  cluster.push_broker_errors(1, api::fetch, {{RD_KAFKA_RESP_ERR_NO_ERROR, 1500}});
  EXPECT_TRUE(eventually([&] { return cluster.broker_errors_left(1, api::fetch) == 0; }));
  box.publish_raw(box.config.topic_shipments, order, shipment.dump());
  box.publish_raw(box.config.topic_refunds, order, refund.dump());

  EXPECT_TRUE(eventually([&] {
    return box.scalar("SELECT count(*) FROM kassa.ledger") +
               box.scalar("SELECT count(*) FROM kassa.rejections") ==
           3;
  }));
  EXPECT_TRUE(worker.running());
  worker.stop();
  for (const auto& row : box.query("SELECT error_code, error FROM kassa.rejections"))
    ADD_FAILURE() << "dead-lettered: " << row[0].c_str() << ": " << row[1].c_str();
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind = 'shipment'"), 1);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind = 'refund'"), 1);
  // The refund reverses the settlement, so its receipt is a refund of full settlement.
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.receipts"), 3);
}

// Payments never wait for the merge grace (bus/consumer.hpp): with an hour of grace and every
// sibling partition at its end, a payment is applied at once; a refund behind it waits.
TEST(MockConsumer, APaymentDoesNotWaitForTheMergeGraceAndARefundDoes) {
  MockCluster cluster;
  MockSandbox box(cluster, "graceless");
  box.config.merge_grace = std::chrono::hours(1);
  const std::string order = kKettleOrder;
  const auto payment = kettle_payment("pay-now", "NOW-1");
  LiveWorker worker(box.config);
  box.publish_raw(box.config.topic_payments, order, payment.dump());
  EXPECT_TRUE(eventually([&] { return box.scalar("SELECT count(*) FROM kassa.ledger") == 1; }))
      << "the payment waited for the grace";
  auto refund = kettle_event("refund.succeeded", 3, "2026-03-04T10:00:00Z");
  refund["refund_id"] = "refund-later";
  refund["amount"] = 10000;
  refund["items"] = {{{"sku", "KETTLE"}, {"quantity", "1"}, {"amount", 10000}}};
  refund["reason"] = "Возврат товара";
  box.publish_raw(box.config.topic_refunds, order, refund.dump());
  // Held by the grace: an hour. Three seconds of polling show it still waiting.
  EXPECT_FALSE(eventually([&] { return box.scalar("SELECT count(*) FROM kassa.ledger") > 1; },
                          std::chrono::seconds(3)));
  EXPECT_TRUE(worker.running());
  worker.stop();
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind = 'refund'"), 0);
}

}  // namespace
}  // namespace kassa::testing
