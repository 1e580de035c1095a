#include "mock_support.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <stdexcept>
#include <tuple>

namespace kassa::testing {
namespace {

void check(rd_kafka_resp_err_t err, const std::string& what) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("mock cluster: " + what + ": " + rd_kafka_err2str(err));
}

std::string unhex(const std::string& hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

MockCluster::MockCluster(int brokers)
    : handle_(bus::make_handle(RD_KAFKA_PRODUCER, bus::make_conf({{"client.id", "kassa-mock"}}))) {
  cluster_ = rd_kafka_mock_cluster_new(handle_.get(), brokers);
  if (cluster_ == nullptr) throw std::runtime_error("cannot create a mock cluster");
}

MockCluster::~MockCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
}

std::string MockCluster::bootstraps() const {
  return rd_kafka_mock_cluster_bootstraps(cluster_);
}

OwnBroker MockCluster::as_broker() {
  return {bootstraps(), [this](const std::string& topic, int partitions) {
            check(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 3),
                  "create topic " + topic);
          }};
}

void MockCluster::push_broker_errors(
    std::int32_t broker, std::int16_t api,
    const std::vector<std::pair<rd_kafka_resp_err_t, int>>& errors) {
  for (const auto& [error, rtt_ms] : errors)
    check(rd_kafka_mock_broker_push_request_error_rtts(cluster_, broker, api, 1, error, rtt_ms),
          "push errors on broker " + std::to_string(broker));
}

std::size_t MockCluster::broker_errors_left(std::int32_t broker, std::int16_t api) {
  std::size_t count = 0;
  check(rd_kafka_mock_broker_error_stack_cnt(cluster_, broker, api, &count),
        "error stack of broker " + std::to_string(broker));
  return count;
}

void MockCluster::set_leaders(const std::vector<Leader>& leaders) {
  // Each change is a request to the mock's thread, which (in 2.0.2) often serves it only at its
  // next poll timeout, some 200 ms later; made at once from threads of their own, they are served
  // together instead of 18 changes taking 4 s.
  std::vector<rd_kafka_resp_err_t> errors(leaders.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < leaders.size(); ++i)
    threads.emplace_back([&, i] {
      errors[i] = rd_kafka_mock_partition_set_leader(cluster_, leaders[i].topic.c_str(),
                                                     leaders[i].partition, leaders[i].broker);
    });
  for (auto& thread : threads) thread.join();
  for (std::size_t i = 0; i < leaders.size(); ++i)
    check(errors[i], "leader of " + leaders[i].topic);
}

void MockCluster::set_group_coordinator(const std::string& group, std::int32_t broker) {
  check(rd_kafka_mock_coordinator_set(cluster_, "group", group.c_str(), broker), "coordinator");
}

void MockCluster::broker_down(std::int32_t broker) {
  check(rd_kafka_mock_broker_set_down(cluster_, broker), "broker down");
}

void MockCluster::broker_up(std::int32_t broker) {
  check(rd_kafka_mock_broker_set_up(cluster_, broker), "broker up");
}

MockSandbox::MockSandbox(MockCluster& cluster, const std::string& name)
    : Sandbox("mock_" + name, kPartitions, cluster.as_broker()) {
  // The mock coordinator answers a join only when its rebalance timer fires: 3 s for a new group,
  // session.timeout.ms - 1 s for a rejoin or after the last member left (30 s by kassa's default).
  config.kafka_extra["session.timeout.ms"] = "3000";
  config.kafka_extra["heartbeat.interval.ms"] = "500";
  // After refused connections (a broker down) librdkafka waits up to 10 s before trying again;
  // 1 s keeps a test's recovery short and changes nothing else.
  config.kafka_extra["reconnect.backoff.max.ms"] = "1000";
}

std::map<std::string, std::string> kafka_environment(const app::Config& config) {
  std::map<std::string, std::string> out;
  for (const auto& [property, value] : config.kafka_extra) {
    std::string name = "KASSA_KAFKA_";
    for (const char c : property)
      name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out[name] = value;
  }
  return out;
}

LiveWorker::LiveWorker(app::Config config) : config_(std::move(config)) {
  thread_ = std::thread([this] {
    app::RunOptions options;
    options.serve_http = false;
    options.progress_every = std::chrono::seconds(0);
    try {
      summary_ = app::run_worker(config_, options, metrics_, stop_);
    } catch (...) {
      failure_ = std::current_exception();
    }
    ended_ = true;
  });
}

LiveWorker::~LiveWorker() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

app::RunSummary LiveWorker::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (failure_) std::rethrow_exception(failure_);
  return summary_;
}

app::RunSummary run_until_caught_up(const app::Config& config, app::Metrics& metrics) {
  app::RunOptions options;
  options.until_caught_up = true;
  options.serve_http = false;
  options.progress_every = std::chrono::seconds(0);
  std::atomic<bool> stop{false};
  return app::run_worker(config, options, metrics, stop);
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // between two polls
  }
}

Positions stored_offsets(Sandbox& box) {
  Positions out;
  // Group ids of sandboxes are letters, digits, '-' and '_'.
  for (const auto& row : box.query("SELECT topic, partition, next_offset FROM "
                                   "kassa.consumer_offsets WHERE group_id = '" +
                                   box.config.group_id + "'"))
    out[{row[0].as<std::string>(), row[1].as<std::int32_t>()}] = row[2].as<std::int64_t>();
  return out;
}

Positions kafka_committed(const app::Config& config) {
  // A client of the group that never joins it: OffsetFetch only.
  bus::Handle handle =
      bus::make_handle(RD_KAFKA_CONSUMER, bus::make_conf({{"bootstrap.servers", config.brokers},
                                                          {"group.id", config.group_id},
                                                          {"enable.auto.commit", "false"}}));
  bus::PartitionList list(rd_kafka_topic_partition_list_new(3 * kPartitions));
  for (const auto& topic : config.input_topics())
    for (int p = 0; p < kPartitions; ++p)
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  check(rd_kafka_committed(handle.get(), list.get(), 10000), "committed offsets");
  Positions out;
  for (int i = 0; i < list->cnt; ++i)
    if (list->elems[i].offset >= 0)
      out[{list->elems[i].topic, list->elems[i].partition}] = list->elems[i].offset;
  return out;
}

std::int64_t total(const Positions& positions) {
  std::int64_t sum = 0;
  for (const auto& [key, offset] : positions) sum += offset;
  return sum;
}

std::vector<OutboxRow> outbox_rows(Sandbox& box) {
  std::vector<OutboxRow> out;
  for (const auto& row : box.query(
           "SELECT o.id, o.message_id::text, o.topic, encode(o.message_key, 'hex'), "
           "  encode(coalesce(o.payload, convert_to(CASE o.body_from WHEN 'receipt' THEN r.body "
           "    WHEN 'package' THEN p.body END, 'UTF8')), 'hex'), "
           "  o.attempts, o.published_at IS NOT NULL, o.failed_at IS NOT NULL, "
           "  coalesce(o.last_error, '') "
           "FROM kassa.outbox o "
           "LEFT JOIN kassa.receipts r ON o.body_from = 'receipt' AND r.receipt_id = o.message_id "
           "LEFT JOIN kassa.packages p ON o.body_from = 'package' AND p.package_id = o.message_id "
           "ORDER BY o.id")) {
    OutboxRow r;
    r.id = row[0].as<std::int64_t>();
    r.message_id = row[1].as<std::string>();
    r.topic = row[2].as<std::string>();
    r.key = unhex(row[3].as<std::string>());
    r.bytes = unhex(row[4].as<std::string>());
    r.attempts = row[5].as<int>();
    r.published = row[6].as<bool>();
    r.parked = row[7].as<bool>();
    r.last_error = row[8].as<std::string>();
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

struct TopicMessage {
  std::string topic, key, value;
};

// Every message of `topics` from the beginning to the current end, by one consumer. Unlike the
// harness's reader it asks for short fetch waits: the mock answers a fetch that finds nothing
// only after fetch.wait.max.ms (500 ms by default), which made each topic read take a second.
std::vector<TopicMessage> read_topics(const std::string& brokers,
                                      const std::vector<std::string>& topics) {
  bus::Handle handle =
      bus::make_handle(RD_KAFKA_CONSUMER, bus::make_conf({{"bootstrap.servers", brokers},
                                                          {"group.id", "kassa-mock-reader"},
                                                          {"enable.auto.commit", "false"},
                                                          {"enable.partition.eof", "true"},
                                                          {"fetch.wait.max.ms", "10"}}));
  bus::PartitionList list(
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()) * kPartitions));
  for (const auto& topic : topics)
    for (int p = 0; p < kPartitions; ++p)
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
  check(rd_kafka_assign(handle.get(), list.get()), "assign");
  std::vector<TopicMessage> out;
  std::set<std::pair<std::string, std::int32_t>> at_end;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (at_end.size() < static_cast<std::size_t>(list->cnt)) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("reading the output topics timed out");
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle.get(), 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.emplace(rd_kafka_topic_name(m->rkt), m->partition);
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      TopicMessage t{rd_kafka_topic_name(m->rkt), "", ""};
      if (m->key != nullptr) t.key.assign(static_cast<const char*>(m->key), m->key_len);
      t.value.assign(static_cast<const char*>(m->payload), m->len);
      out.push_back(std::move(t));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(handle.get());
  return out;
}

}  // namespace

OnTopics on_topics(Sandbox& box, const std::vector<OutboxRow>& rows) {
  std::map<std::tuple<std::string, std::string, std::string>, std::int64_t> by_bytes;
  for (const auto& row : rows) {
    const bool unique = by_bytes.emplace(std::tuple(row.topic, row.key, row.bytes), row.id).second;
    EXPECT_TRUE(unique) << "two outbox rows with the same bytes: " << row.message_id;
  }
  OnTopics out;
  for (const auto& row : rows) out.copies[row.id] = 0;
  for (const auto& m :
       read_topics(box.config.brokers,
                   {box.config.topic_receipts, box.config.topic_documents, box.config.topic_dlq})) {
    const auto it = by_bytes.find(std::tuple(m.topic, m.key, m.value));
    if (it == by_bytes.end())
      out.strays.push_back(m.topic + ": " + m.value.substr(0, 200));
    else
      ++out.copies[it->second];
  }
  return out;
}

bool settled(Sandbox& box) {
  return box.scalar(
             "SELECT (SELECT count(*) FROM kassa.packages WHERE state = 'rendering') + "
             "(SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL AND failed_at "
             "IS NULL)") == 0;
}

void expect_every_row_published_once(Sandbox& box) {
  const auto rows = outbox_rows(box);
  ASSERT_FALSE(rows.empty());
  const auto topics = on_topics(box, rows);
  for (const auto& row : rows) {
    EXPECT_TRUE(row.published && !row.parked) << row.message_id << ": " << row.last_error;
    EXPECT_EQ(topics.copies.at(row.id), 1) << row.topic << " " << row.message_id;
  }
  EXPECT_TRUE(topics.strays.empty()) << topics.strays.front();
}

void expect_applied_once(Sandbox& box, const nlohmann::json& truth, int extra_rejections) {
  const auto& ledger = truth.at("ledger");
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger"),
            truth.at("stream").at("events_applied").get<std::int64_t>());
  EXPECT_EQ(box.scalar("SELECT count(DISTINCT event_id) FROM kassa.ledger"),
            box.scalar("SELECT count(*) FROM kassa.ledger"));
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind = 'payment'"),
            ledger.at("payments").get<std::int64_t>());
  EXPECT_EQ(box.scalar("SELECT coalesce(sum(amount), 0) FROM kassa.ledger WHERE kind = 'payment'"),
            ledger.at("payments_amount").get<std::int64_t>());
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind = 'shipment'"),
            ledger.at("shipments").get<std::int64_t>());
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind = 'refund'"),
            ledger.at("refunds").get<std::int64_t>());
  EXPECT_EQ(box.scalar("SELECT coalesce(sum(amount), 0) FROM kassa.ledger WHERE kind = 'refund'"),
            ledger.at("refunds_amount").get<std::int64_t>());
  EXPECT_EQ(box.scalar("SELECT coalesce(sum(parked_count), 0) FROM kassa.orders"),
            truth.at("stream").at("parked_forever").get<std::int64_t>());
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.rejections"),
            static_cast<std::int64_t>(truth.at("dead_letters").size()) + extra_rejections);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.rejections WHERE error_code = 'internal_error'"),
            0);
}

gen::Output generated_stream(std::uint64_t seed, int orders) {
  gen::Options options;
  options.seed = seed;
  options.orders = orders;
  return gen::generate(options);
}

std::vector<gen::Message> slice(const std::vector<gen::Message>& messages, std::size_t from,
                                std::size_t to) {
  return {messages.begin() + static_cast<std::ptrdiff_t>(std::min(from, messages.size())),
          messages.begin() + static_cast<std::ptrdiff_t>(std::min(to, messages.size()))};
}

}  // namespace kassa::testing
