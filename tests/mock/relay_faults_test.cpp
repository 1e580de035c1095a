// The outbox relay against produce faults a real broker does not make on demand: retriable errors,
// a permanent refusal, answers slower than the delivery timeout, a broker down and up again. Each
// test runs the whole worker on a generated stream and checks the database and the topics.
#include <gtest/gtest.h>

#include <optional>

#include "../integration/http_worker.hpp"
#include "app/relay.hpp"
#include "mock_support.hpp"

namespace kassa::testing {
namespace {

// Every partition of `topics` led by `broker`, so that faults pushed on that broker meet exactly
// their requests.
void lead(MockCluster& cluster, const std::vector<std::string>& topics, std::int32_t broker) {
  std::vector<MockCluster::Leader> leaders;
  for (const auto& topic : topics)
    for (int p = 0; p < kPartitions; ++p) leaders.push_back({topic, p, broker});
  cluster.set_leaders(leaders);
}

std::vector<std::string> outputs(const app::Config& c) {
  return {c.topic_receipts, c.topic_documents, c.topic_dlq};
}

TEST(MockRelay, RetriableProduceErrorsEndWithEveryRowPublishedOnce) {
  MockCluster cluster;
  MockSandbox box(cluster, "retriable");
  const auto generated = generated_stream(31, 120);
  box.publish(generated.messages);
  lead(cluster, outputs(box.config), 1);
  // What a broker answers while leadership moves, replicas lag or a request times out, and a
  // connection dropped with the request in flight.
  cluster.push_broker_errors(1, api::produce,
                             {{RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, 0},
                              {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 0},
                              {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, 0},
                              {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, 0},
                              {RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, 0},
                              {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, 0},
                              {RD_KAFKA_RESP_ERR__TRANSPORT, 0},
                              {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 0}});

  app::Metrics metrics;
  const auto run = run_until_caught_up(box.config, metrics);
  EXPECT_TRUE(run.caught_up);
  EXPECT_EQ(cluster.broker_errors_left(1, api::produce), 0u) << "every error met a produce";
  expect_applied_once(box, generated.truth);
  expect_every_row_published_once(box);
  // librdkafka retried them within the message timeout: the relay never saw a failure.
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE attempts > 0"), 0);
}

TEST(MockRelay, APermanentlyRefusedRowIsParkedAndTheRowsBesideItArePublished) {
  MockCluster cluster;
  MockSandbox box(cluster, "permanent");
  gen::Options options;
  options.seed = 33;
  options.orders = 100;
  options.malformed_rate = 0;  // the one dead letter is the test's own
  const auto generated = gen::generate(options);
  ASSERT_TRUE(generated.truth.at("dead_letters").empty());
  const std::size_t half = generated.messages.size() / 2;
  box.publish(slice(generated.messages, 0, half));
  box.publish_raw(box.config.topic_payments, "00000000-0000-4000-8000-000000000001", "not json");
  box.publish(slice(generated.messages, half, generated.messages.size()));
  // Dead letters alone on broker 3, so the refusal pushed there meets only the dead letter's
  // produce, as when the worker lacks the ACL of the dead-letter topic.
  lead(cluster, {box.config.topic_receipts, box.config.topic_documents}, 1);
  lead(cluster, {box.config.topic_dlq}, 3);
  cluster.push_broker_errors(3, api::produce, {{RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, 0}});

  app::Metrics metrics;
  const auto run = run_until_caught_up(box.config, metrics);
  EXPECT_TRUE(run.caught_up) << "a parked row does not hold a bounded run";
  EXPECT_EQ(cluster.broker_errors_left(3, api::produce), 0u);
  expect_applied_once(box, generated.truth, 1);

  const auto rows = outbox_rows(box);
  const auto topics = on_topics(box, rows);
  std::vector<OutboxRow> parked;
  for (const auto& row : rows) {
    if (row.parked) {
      parked.push_back(row);
      EXPECT_EQ(topics.copies.at(row.id), 0) << "a parked row is not on the topic";
    } else {
      EXPECT_TRUE(row.published) << row.message_id << ": " << row.last_error;
      EXPECT_EQ(row.attempts, 0) << row.message_id;
      EXPECT_EQ(topics.copies.at(row.id), 1) << row.topic << " " << row.message_id;
    }
  }
  EXPECT_TRUE(topics.strays.empty());
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].topic, box.config.topic_dlq);
  EXPECT_FALSE(parked[0].published);
  EXPECT_EQ(parked[0].attempts, 1);
  EXPECT_NE(parked[0].last_error.find("TOPIC_AUTHORIZATION_FAILED"), std::string::npos)
      << parked[0].last_error;
  EXPECT_NE(metrics.render().find("kassa_outbox_parked_total{reason=\"authorization\"} 1"),
            std::string::npos);

  // Once the ACL is fixed, `kassa outbox retry` lets it go out, once.
  Process retry({kassa_binary(), "outbox", "retry", std::to_string(parked[0].id)},
                Sandbox::environment(box.config));
  EXPECT_EQ(retry.wait_for(std::chrono::seconds(60)), std::optional<int>(0));
  app::Relay relay(box.config, nullptr);
  EXPECT_TRUE(eventually([&] { return relay.run_once() == 1; }));
  const auto after = on_topics(box, outbox_rows(box));
  for (const auto& row : rows) EXPECT_EQ(after.copies.at(row.id), 1) << row.message_id;
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL"), 0);
}

// The broker refuses a record batch as a whole (all messages of a partition in one produce
// request) when it is over the topic's max.message.bytes or holds an invalid record, though the
// fault may be one message's. Only a message refused by itself may be parked.
TEST(MockRelay, ABatchRefusedAsTooLargeParksOnlyTheRowRefusedByItself) {
  MockCluster cluster;
  MockSandbox box(cluster, "batch");
  gen::Options options;
  options.seed = 39;
  options.orders = 60;
  options.legal_share = 0;  // receipts only
  const auto generated = gen::generate(options);
  box.publish(generated.messages);
  // First in the outbox, a row larger than the producer's message.max.bytes (1,000,000): refused
  // by itself, before it is sent.
  box.execute(
      "INSERT INTO kassa.outbox (message_id, topic, message_key, payload) VALUES "
      "(gen_random_uuid(), '" +
      box.config.topic_receipts + "', 'k'::bytea, convert_to(repeat('y', 1500000), 'UTF8'))");
  // The first produce with receipts, the first round's, is refused as too large, as a broker
  // refuses a batch over the topic's limit.
  lead(cluster, {box.config.topic_receipts}, 1);
  lead(cluster, {box.config.topic_documents, box.config.topic_dlq}, 2);
  cluster.push_broker_errors(1, api::produce, {{RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, 0}});

  app::Metrics metrics;
  const auto run = run_until_caught_up(box.config, metrics);
  EXPECT_TRUE(run.caught_up);
  EXPECT_EQ(cluster.broker_errors_left(1, api::produce), 0u);
  expect_applied_once(box, generated.truth);

  const auto rows = outbox_rows(box);
  const auto topics = on_topics(box, rows);
  ASSERT_GT(rows.size(), 2u);
  EXPECT_TRUE(rows.front().parked);
  EXPECT_EQ(rows.front().bytes.size(), 1'500'000u);
  EXPECT_EQ(rows.front().attempts, 1);
  EXPECT_NE(rows.front().last_error.find("MSG_SIZE_TOO_LARGE"), std::string::npos);
  EXPECT_EQ(topics.copies.at(rows.front().id), 0);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_TRUE(rows[i].published && !rows[i].parked)
        << rows[i].message_id << ": " << rows[i].last_error;
    EXPECT_EQ(topics.copies.at(rows[i].id), 1) << rows[i].message_id;
  }
  EXPECT_TRUE(topics.strays.empty());
}

TEST(MockRelay, AnswersSlowerThanTheDeliveryTimeoutAreRetriedAndEndPublished) {
  MockCluster cluster;
  MockSandbox box(cluster, "slow");
  box.config.kafka_extra["message.timeout.ms"] = "1500";  // the relay's delivery timeout
  const auto generated = generated_stream(35, 80);
  box.publish(generated.messages);
  lead(cluster, outputs(box.config), 1);
  // The first produce is written at once but answered after 5 s: its messages time out in flight
  // (and the answers queued behind it on that connection with them).
  cluster.push_broker_errors(1, api::produce, {{RD_KAFKA_RESP_ERR_NO_ERROR, 5000}});

  app::Metrics metrics;
  const auto run = run_until_caught_up(box.config, metrics);
  EXPECT_TRUE(run.caught_up);
  EXPECT_EQ(cluster.broker_errors_left(1, api::produce), 0u);
  expect_applied_once(box, generated.truth);

  // A message that timed out may still have been written, so its retry may add a copy: at least
  // once, copies byte-identical (no id with another payload), and never a second copy of a row
  // Kafka acknowledged the first time.
  const auto rows = outbox_rows(box);
  const auto topics = on_topics(box, rows);
  int retried = 0, copied = 0;
  for (const auto& row : rows) {
    if (topics.copies.at(row.id) > 1) ++copied;
    EXPECT_TRUE(row.published && !row.parked) << row.message_id << ": " << row.last_error;
    EXPECT_GE(topics.copies.at(row.id), 1) << row.topic << " " << row.message_id;
    if (row.attempts == 0) {
      EXPECT_EQ(topics.copies.at(row.id), 1) << row.message_id;
    } else {
      ++retried;
      EXPECT_NE(row.last_error.find("TIMED_OUT"), std::string::npos) << row.last_error;
    }
  }
  EXPECT_GT(retried, 0) << "the slow answer made the relay retry";
  EXPECT_GT(copied, 0) << "the mock wrote the slow request before answering: its rows are there "
                          "twice, which is what consumers deduplicate by id";
  EXPECT_TRUE(topics.strays.empty()) << topics.strays.front();
}

// A `kassa run` child process this time: the mock brokers are real TCP listeners.
TEST(MockRelay, ABrokerDownMakesTheWorkerUnreadyAndItsRowsArePublishedOnceItIsBack) {
  MockCluster cluster;
  MockSandbox box(cluster, "down");
  box.config.kafka_extra["message.timeout.ms"] = "1500";
  const auto generated = generated_stream(37, 60);
  box.publish(generated.messages);
  // Inputs (the merchants table and the payouts too: the order topics wait for the table) and
  // the group on broker 1, outputs on broker 3: only the relay loses its broker.
  lead(cluster, box.config.input_topics(), 1);
  lead(cluster, {box.config.topic_merchants, box.config.topic_payouts}, 1);
  cluster.set_group_coordinator(box.config.group_id, 1);
  lead(cluster, outputs(box.config), 3);
  cluster.broker_down(3);

  Worker worker(box.config, kafka_environment(box.config));
  const auto ready = [&] { return worker.get("/readyz").first == 200; };
  const auto messages = static_cast<std::int64_t>(gen::count_order_messages(generated.messages));
  EXPECT_TRUE(eventually([&] { return total(stored_offsets(box)) == messages; }));
  // Every event is in, but the relay's attempts time out: rows wait with backoff, nothing is
  // parked, and the worker says it is not ready.
  EXPECT_TRUE(eventually([&] {
    return box.scalar("SELECT count(*) FROM kassa.outbox WHERE attempts > 0") > 0 && !ready();
  }));
  EXPECT_GT(box.scalar("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL"), 0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.outbox WHERE failed_at IS NOT NULL"), 0);

  cluster.broker_up(3);
  EXPECT_TRUE(eventually([&] { return settled(box) && ready(); }));
  EXPECT_EQ(worker.stop(), 0) << "SIGTERM: a clean exit";
  expect_applied_once(box, generated.truth);
  // Nothing reached the broker while it was down, so nothing can be there twice.
  expect_every_row_published_once(box);
}

}  // namespace
}  // namespace kassa::testing
