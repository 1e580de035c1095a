// Fault injection on librdkafka's mock cluster: what a real broker cannot do on demand (produce
// errors and timeouts, offset-commit failures, coordinator loss, leader changes). The mock brokers
// listen on loopback TCP ports, so kassa's own clients (in-process or a `kassa` child) use them as
// they would a real cluster; the database is the real PostgreSQL of scripts/services, one database
// per test (tests/integration/harness.hpp).
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../integration/harness.hpp"
#include "app/metrics.hpp"
#include "bus/kafka.hpp"

namespace kassa::testing {

// Kafka protocol request types (ApiKey); librdkafka keeps its constants in a header it does not
// install.
namespace api {
constexpr std::int16_t produce = 0;
constexpr std::int16_t fetch = 1;
constexpr std::int16_t offset_commit = 8;
constexpr std::int16_t heartbeat = 12;
}  // namespace api

class MockCluster {
 public:
  explicit MockCluster(int brokers = 3);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstraps() const;
  // For a Sandbox on this cluster: it creates the sandbox's topics here.
  OwnBroker as_broker();

  // The next requests of `api` to `broker` are answered with these errors (NO_ERROR: a normal
  // answer) after these delays in milliseconds; the request itself is handled at once.
  void push_broker_errors(std::int32_t broker, std::int16_t api,
                          const std::vector<std::pair<rd_kafka_resp_err_t, int>>& errors);
  // How many of them have not met a request yet.
  std::size_t broker_errors_left(std::int32_t broker, std::int16_t api);

  struct Leader {
    std::string topic;
    std::int32_t partition = 0, broker = 0;
  };
  void set_leaders(const std::vector<Leader>& leaders);
  void set_group_coordinator(const std::string& group, std::int32_t broker);
  void broker_down(std::int32_t broker);
  void broker_up(std::int32_t broker);

 private:
  bus::Handle handle_;  // the client the cluster keeps its books on
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

// Partitions of every topic of a mock sandbox.
constexpr int kPartitions = 3;

// A sandbox (own database, topics with kPartitions partitions) on `cluster`, with consumer group
// timings that let the mock's group settle in seconds.
class MockSandbox : public Sandbox {
 public:
  MockSandbox(MockCluster& cluster, const std::string& name);
};

// The environment entries (KASSA_KAFKA_<PROPERTY>) that give a `kassa` child process the
// librdkafka settings of `config.kafka_extra`, which Sandbox::environment leaves out.
std::map<std::string, std::string> kafka_environment(const app::Config& config);

// `kassa run` (no bound) on its own thread in this process, as a pod runs it, until stop().
class LiveWorker {
 public:
  explicit LiveWorker(app::Config config);
  ~LiveWorker();
  LiveWorker(const LiveWorker&) = delete;
  LiveWorker& operator=(const LiveWorker&) = delete;
  // Stops after the current batch, joins, and rethrows what ended the worker, if anything did.
  app::RunSummary stop();
  // False once the worker has ended on its own (a failure).
  bool running() const { return !ended_.load(); }

 private:
  app::Config config_;
  app::Metrics metrics_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  app::RunSummary summary_;
  std::exception_ptr failure_;
  std::thread thread_;
};

// `kassa run --until-caught-up` in this process, counting into `metrics`.
app::RunSummary run_until_caught_up(const app::Config& config, app::Metrics& metrics);

// Polls `done` (it queries the database or a topic) until it holds or `limit` has passed.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(60));

// The input partitions' next offsets: as stored in PostgreSQL with the batches, and as committed
// to Kafka for the group (absent: never committed).
using Positions = std::map<std::pair<std::string, std::int32_t>, std::int64_t>;
Positions stored_offsets(Sandbox& box);
Positions kafka_committed(const app::Config& config);
std::int64_t total(const Positions& positions);

// One outbox row as the relay publishes it: topic, key and the exact bytes.
struct OutboxRow {
  std::int64_t id = 0;
  std::string message_id, topic, key, bytes, last_error;
  int attempts = 0;
  bool published = false, parked = false;
};
std::vector<OutboxRow> outbox_rows(Sandbox& box);

// What the output topics hold against the outbox: copies of each row's exact (key, value) on
// its topic, and the messages that are no row's at all (a second payload under an id).
struct OnTopics {
  std::map<std::int64_t, int> copies;  // by outbox id
  std::vector<std::string> strays;
};
OnTopics on_topics(Sandbox& box, const std::vector<OutboxRow>& rows);

// Every package rendered and every outbox row published or parked: nothing left to do.
bool settled(Sandbox& box);

// The relay's producer is idempotent (bus/producer.cpp: enable.idempotence, acks=all), so its own
// retries never write a message twice: with no crash and no delivery timeout, every outbox row is
// published and on its topic exactly once, and nothing else is there.
void expect_every_row_published_once(Sandbox& box);

// Every event of the generated stream applied exactly once, every bad one dead-lettered once:
// the ledger, the events still waiting for their payment and the rejections against the
// generator's truth.
// `extra_rejections`: bad messages the test published besides the stream.
void expect_applied_once(Sandbox& box, const nlohmann::json& truth, int extra_rejections = 0);

// The generator's stream of `orders` orders (its default mix of buyers, duplicates, reordering
// and bad events) and its truth.
gen::Output generated_stream(std::uint64_t seed, int orders);

// The generated messages from `from` up to `to` (indexes into the stream).
std::vector<gen::Message> slice(const std::vector<gen::Message>& messages, std::size_t from,
                                std::size_t to);

}  // namespace kassa::testing
