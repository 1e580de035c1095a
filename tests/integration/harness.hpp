// Integration test harness: every test gets its own PostgreSQL database and its own Kafka topics
// on the services that scripts/services started (KASSA_PG_DSN, KASSA_KAFKA_BROKERS), so tests
// never see each other's data and can run against a developer's live services safely.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "app/config.hpp"
#include "app/worker.hpp"
#include "gen/generator.hpp"

namespace kassa::testing {

struct KafkaMessage {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string> key;
  std::string value;
};

// A broker the test brings itself instead of the one scripts/services runs: librdkafka's mock
// cluster, which has no admin API, so the test creates the sandbox's topics (and nobody deletes
// them: they go with the cluster).
struct OwnBroker {
  std::string brokers;
  std::function<void(const std::string& topic, int partitions)> create_topic;
};

class Sandbox {
 public:
  // `name` becomes part of the database and topic names.
  explicit Sandbox(const std::string& name, int partitions = 3,
                   std::optional<OwnBroker> own_broker = std::nullopt);
  ~Sandbox();

  app::Config config;  // points at this sandbox's database and topics
  const std::string& database() const { return database_; }

  // `config.pg_dsn` connects as the worker's role (db/roles.sql); these as the schema's owner,
  // who migrates, and as the read-only role.
  std::string owner_dsn(const app::Config& run_config) const;
  std::string owner_dsn() const { return owner_dsn(config); }
  std::string reader_dsn(const app::Config& run_config) const;
  std::string reader_dsn() const { return reader_dsn(config); }

  // A second database (same topics) for comparing two runs of the same stream.
  app::Config another_database(const std::string& label);

  void publish(const std::vector<gen::Message>& messages);
  // Up to 4 MB (the producer's message.max.bytes; the topic must accept it too, see create_topic).
  void publish_raw(const std::string& topic, const std::optional<std::string>& key,
                   const std::string& value);
  // A topic of this sandbox (deleted with it), with topic settings such as max.message.bytes.
  void create_topic(const std::string& topic, int partitions,
                    const std::map<std::string, std::string>& settings = {});
  // Every message of a topic, from the beginning to the current end.
  std::vector<KafkaMessage> read_topic(const std::string& topic);

  app::RunSummary run_until_caught_up(const app::Config& config);
  app::RunSummary run_until_caught_up() { return run_until_caught_up(config); }

  pqxx::result query(const app::Config& config, const std::string& sql);
  pqxx::result query(const std::string& sql) { return query(config, sql); }
  // A statement that writes (the test's own setup, e.g. kassa.merchants rows), committed.
  void execute(const std::string& sql);
  // The number in the first column of the first row.
  std::int64_t scalar(const app::Config& config, const std::string& sql) {
    return query(config, sql)[0][0].as<std::int64_t>();
  }
  std::int64_t scalar(const std::string& sql) { return scalar(config, sql); }

  // Environment for a `kassa` subprocess that uses `config`.
  static std::vector<std::string> environment(const app::Config& config,
                                              const std::map<std::string, std::string>& extra = {});

 private:
  std::string database_;
  std::vector<std::string> databases_;
  std::vector<std::string> topics_;
  std::string admin_dsn_;
  std::optional<OwnBroker> own_broker_;
  void create_topics(const std::vector<std::string>& topics, int partitions,
                     const std::map<std::string, std::string>& settings = {});
  std::string admin_user() const;
};

// A `kassa` subprocess.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::vector<std::string>& environment);
  ~Process();
  pid_t pid() const { return pid_; }
  // Waits for exit; returns the exit status, or 128 + signal.
  int wait();
  // Waits at most `timeout`; the exit status as wait() gives it, or nullopt if still running.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  void kill_hard();  // SIGKILL, as a crash would
  void terminate();  // SIGTERM, as Kubernetes stops a pod

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

const char* kassa_binary();

// config/local.env: the fictional but well-formed requisites of the demo and the tests.
std::string local_requisites_file();

// What a shell command prints on its standard output (empty if it cannot be started).
std::string command_output(const std::string& command);
// What `kassa ARGS` prints (stdout and stderr together) in an environment holding only `config`'s
// settings plus `extra`, stopped with SIGTERM after `seconds` if it is still running.
std::string kassa_output(const app::Config& config, const std::string& args,
                         const std::map<std::string, std::string>& extra, int seconds = 30);

// An environment variable, or `fallback` when it is unset or empty.
std::string env_or(const char* name, const std::string& fallback);

// The SMTP sink that scripts/services runs, and the maildir where it stores what it receives.
std::string smtp_sink_addr();
std::string smtp_sink_maildir();

}  // namespace kassa::testing
