#include "harness.hpp"

#include <filesystem>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "app/feed.hpp"
#include "bus/admin.hpp"
#include "bus/kafka.hpp"
#include "bus/producer.hpp"
#include "store/database.hpp"
#include "store/migrate.hpp"

extern char** environ;

namespace kassa::testing {
namespace {

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "_" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() %
                        1'000'000'000) +
         "_" + std::to_string(counter++);
}

}  // namespace

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string kassa_output(const app::Config& config, const std::string& args,
                         const std::map<std::string, std::string>& extra, int seconds) {
  std::string command = "env -i";
  for (const auto& variable : Sandbox::environment(config, extra)) command += " '" + variable + "'";
  command +=
      " timeout -s TERM " + std::to_string(seconds) + " " + kassa_binary() + " " + args + " 2>&1";
  return command_output(command);
}

std::string command_output(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

std::string smtp_sink_addr() {
  return env_or("KASSA_IT_SMTP_ADDR", "127.0.0.1:59025");
}
std::string smtp_sink_maildir() {
  return env_or("KASSA_IT_SMTP_MAILDIR", KASSA_SOURCE_DIR "/.local/smtp/maildir");
}

const char* kassa_binary() {
  return KASSA_BINARY;
}

// Package files of the tests go under the build tree's tmp folder (or $KASSA_IT_DOCUMENTS).
std::string documents_root() {
  const std::string root = env_or("KASSA_IT_DOCUMENTS", "/tmp/kassa-it-documents");
  std::filesystem::create_directories(root);
  return root;
}

std::string local_requisites_file() {
  return KASSA_SOURCE_DIR "/config/local.env";
}

Sandbox::Sandbox(const std::string& name, int partitions, std::optional<OwnBroker> own_broker)
    : own_broker_(std::move(own_broker)) {
  // The requisites the demo uses too: real-looking, so that `kassa run` accepts them.
  config = app::load_config(local_requisites_file());
  admin_dsn_ = env_or("KASSA_PG_DSN", "postgresql://kassa@127.0.0.1:55432/kassa");
  const std::string suffix = unique_suffix();
  database_ = "kassa_it_" + name + "_" + suffix;
  store::recreate_database(admin_dsn_, database_);
  databases_.push_back(database_);
  // The worker and the test's own statements use the worker's role, as in production; only the
  // migrations run as the owner.
  config.pg_dsn = store::dsn_with_user(store::dsn_with_database(admin_dsn_, database_),
                                       env_or("KASSA_IT_WORKER_ROLE", "kassa_worker"));
  config.brokers =
      own_broker_ ? own_broker_->brokers : env_or("KASSA_KAFKA_BROKERS", "127.0.0.1:59092");
  config.group_id = "kassa-it-" + name + "-" + suffix;
  const std::string prefix = "kassa-it." + name + "." + suffix + ".";
  app::prefix_topics(config, prefix);
  config.documents_dir = documents_root() + "/" + database_;
  config.http_addr.clear();
  config.batch_max_wait = std::chrono::milliseconds(50);
  // Most tests send orders of merchants nobody announced: they get the default supplier, as before
  // the merchants topic. The merchants tests set KASSA_UNKNOWN_MERCHANT=wait (the default).
  config.unknown_merchant = app::Config::UnknownMerchant::use_default;
  topics_ = {config.topic_payments,  config.topic_shipments, config.topic_refunds,
             config.topic_merchants, config.topic_payouts,   config.topic_dlq,
             config.topic_receipts,  config.topic_documents};
  create_topics(topics_, partitions);
  store::Database db(owner_dsn(config));
  store::migrate(db.connection());
}

std::string Sandbox::owner_dsn(const app::Config& run_config) const {
  return store::dsn_with_user(run_config.pg_dsn, admin_user());
}

std::string Sandbox::reader_dsn(const app::Config& run_config) const {
  return store::dsn_with_user(run_config.pg_dsn, env_or("KASSA_IT_READER_ROLE", "kassa_reader"));
}

std::string Sandbox::admin_user() const {
  pqxx::connection connection(admin_dsn_);
  return connection.username();
}

Sandbox::~Sandbox() {
  try {
    if (!own_broker_) bus::delete_topics(config.brokers, topics_, std::chrono::seconds(30));
    if (std::getenv("KASSA_IT_KEEP") == nullptr) {
      pqxx::connection connection(admin_dsn_);
      pqxx::nontransaction tx(connection);
      for (const auto& db : databases_) {
        tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(db) + " WITH (FORCE)");
        std::error_code ignored;
        std::filesystem::remove_all(documents_root() + "/" + db, ignored);
      }
    }
  } catch (const std::exception&) {
    // Cleanup is best effort; leftovers are named kassa_it_* / kassa-it.*.
  }
}

app::Config Sandbox::another_database(const std::string& label) {
  app::Config other = config;
  const std::string db = database_ + "_" + label;
  store::recreate_database(admin_dsn_, db);
  databases_.push_back(db);
  other.pg_dsn = store::dsn_with_user(store::dsn_with_database(admin_dsn_, db),
                                      env_or("KASSA_IT_WORKER_ROLE", "kassa_worker"));
  other.group_id = config.group_id + "-" + label;
  other.topic_dlq = config.topic_dlq + "." + label;
  other.topic_receipts = config.topic_receipts + "." + label;
  other.topic_documents = config.topic_documents + "." + label;
  other.documents_dir = documents_root() + "/" + db;
  create_topics({other.topic_dlq, other.topic_receipts, other.topic_documents}, 3);
  topics_.push_back(other.topic_dlq);
  topics_.push_back(other.topic_receipts);
  topics_.push_back(other.topic_documents);
  store::Database database(owner_dsn(other));
  store::migrate(database.connection());
  return other;
}

void Sandbox::publish(const std::vector<gen::Message>& messages) {
  app::publish_generated(config, messages, false);
}

void Sandbox::publish_raw(const std::string& topic, const std::optional<std::string>& key,
                          const std::string& value) {
  bus::Producer producer(config.brokers, {{"message.max.bytes", "4000000"}});
  std::string error;
  const auto ok = producer.send({{topic, key.value_or(""), value, key.has_value()}},
                                std::chrono::seconds(30), &error);
  if (!ok.front()) throw std::runtime_error("publish failed: " + error);
}

void Sandbox::create_topic(const std::string& topic, int partitions,
                           const std::map<std::string, std::string>& settings) {
  create_topics({topic}, partitions, settings);
  topics_.push_back(topic);
}

void Sandbox::create_topics(const std::vector<std::string>& topics, int partitions,
                            const std::map<std::string, std::string>& settings) {
  if (!own_broker_) {
    bus::create_topics(config.brokers, topics, partitions, std::chrono::seconds(30), settings);
    return;
  }
  if (!settings.empty()) throw std::invalid_argument("topic settings need the real broker");
  for (const auto& topic : topics) own_broker_->create_topic(topic, partitions);
}

std::vector<KafkaMessage> Sandbox::read_topic(const std::string& topic) {
  bus::Handle handle =
      bus::make_handle(RD_KAFKA_CONSUMER, bus::make_conf({{"bootstrap.servers", config.brokers},
                                                          {"group.id", "kassa-it-reader"},
                                                          {"enable.auto.commit", "false"},
                                                          {"enable.partition.eof", "true"}}));
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(handle.get(), topic.c_str(), nullptr);
  if (rd_kafka_metadata(handle.get(), 0, rkt, &metadata, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw std::runtime_error("metadata of " + topic);
  const int partitions = metadata->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_destroy(rkt);
  bus::PartitionList list(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(handle.get(), list.get());
  std::vector<KafkaMessage> out;
  int at_end = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (at_end < partitions) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("reading " + topic + " timed out");
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle.get(), 500);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++at_end;
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      KafkaMessage k;
      k.partition = m->partition;
      k.offset = m->offset;
      if (m->key != nullptr) k.key = std::string(static_cast<const char*>(m->key), m->key_len);
      k.value.assign(static_cast<const char*>(m->payload), m->len);
      out.push_back(std::move(k));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(handle.get());
  return out;
}

app::RunSummary Sandbox::run_until_caught_up(const app::Config& run_config) {
  app::Metrics metrics;
  app::RunOptions options;
  options.until_caught_up = true;
  options.serve_http = false;
  options.progress_every = std::chrono::seconds(0);
  std::atomic<bool> stop{false};
  return app::run_worker(run_config, options, metrics, stop);
}

pqxx::result Sandbox::query(const app::Config& run_config, const std::string& sql) {
  pqxx::connection connection(run_config.pg_dsn);
  pqxx::read_transaction tx(connection);
  return tx.exec(sql);
}

void Sandbox::execute(const std::string& sql) {
  pqxx::connection connection(config.pg_dsn);
  pqxx::work tx(connection);
  tx.exec(sql);
  tx.commit();
}

std::vector<std::string> Sandbox::environment(const app::Config& c,
                                              const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> values;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto eq = text.find('=');
    if (eq != std::string::npos && text.rfind("KASSA_", 0) != 0)
      values[text.substr(0, eq)] = text.substr(eq + 1);
  }
  values["KASSA_PG_DSN"] = c.pg_dsn;
  values["KASSA_KAFKA_BROKERS"] = c.brokers;
  values["KASSA_GROUP_ID"] = c.group_id;
  values["KASSA_TOPIC_PAYMENTS"] = c.topic_payments;
  values["KASSA_TOPIC_SHIPMENTS"] = c.topic_shipments;
  values["KASSA_TOPIC_REFUNDS"] = c.topic_refunds;
  values["KASSA_TOPIC_MERCHANTS"] = c.topic_merchants;
  values["KASSA_TOPIC_PAYOUTS"] = c.topic_payouts;
  values["KASSA_UNKNOWN_MERCHANT"] =
      c.unknown_merchant == app::Config::UnknownMerchant::wait ? "wait" : "default";
  values["KASSA_PAYOUT_GRACE"] = std::to_string(c.payout_grace.count()) + "s";
  values["KASSA_TOPIC_DLQ"] = c.topic_dlq;
  values["KASSA_TOPIC_RECEIPTS"] = c.topic_receipts;
  values["KASSA_TOPIC_DOCUMENTS"] = c.topic_documents;
  values["KASSA_DOCUMENTS_DIR"] = c.documents_dir;
  values["KASSA_SMTP_ADDR"] = c.smtp_addr;
  values["KASSA_HTTP_ADDR"] = "";
  values["KASSA_BATCH_MAX_MESSAGES"] = std::to_string(c.batch_max_messages);
  values["KASSA_BATCH_MAX_WAIT"] = std::to_string(c.batch_max_wait.count()) + "ms";
  values["KASSA_MERGE_GRACE"] = std::to_string(c.merge_grace.count()) + "ms";
  values["KASSA_LOG_LEVEL"] = "warn";
  const auto& s = c.seller;
  auto joined = [](const std::vector<std::string>& phones) {
    std::string text;
    for (const auto& p : phones) text += (text.empty() ? "" : ",") + p;
    return text;
  };
  values["KASSA_SELLER_INN"] = s.inn;
  values["KASSA_SELLER_NAME"] = s.name;
  values["KASSA_SELLER_KPP"] = s.kpp;
  values["KASSA_AGENT_TYPE"] = s.agent_type;
  values["KASSA_PAYING_AGENT_OPERATION"] = s.paying_agent_operation;
  values["KASSA_PAYING_AGENT_PHONES"] = joined(s.paying_agent_phones);
  values["KASSA_PAYMENTS_OPERATOR_PHONES"] = joined(s.payments_operator_phones);
  values["KASSA_DEFAULT_SUPPLIER_INN"] = s.default_supplier_inn;
  values["KASSA_DEFAULT_SUPPLIER_NAME"] = s.default_supplier_name;
  values["KASSA_DEFAULT_SUPPLIER_PHONE"] = s.default_supplier_phone;
  values["KASSA_SIGNER_SURNAME"] = c.signer.surname;
  values["KASSA_SIGNER_NAME"] = c.signer.given_name;
  values["KASSA_SIGNER_PATRONYMIC"] = c.signer.patronymic;
  values["KASSA_SIGNER_POSITION"] = c.signer.position;
  values["KASSA_SIGNER_AUTHORITY_METHOD"] = std::to_string(c.signer.authority_method);
  values["KASSA_SIGNER_POA_NUMBER"] = c.signer.poa_number;
  values["KASSA_SIGNER_POA_DATE"] = c.signer.poa_date ? core::format_date(*c.signer.poa_date) : "";
  values["KASSA_SIGNER_POA_SYSTEM"] = c.signer.poa_system;
  values["KASSA_SELLER_EDO_ID"] = c.seller_edo_id;
  for (const auto& [k, v] : extra) values[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : values) out.push_back(k + "=" + v);
  return out;
}

Process::Process(const std::vector<std::string>& args,
                 const std::vector<std::string>& environment) {
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), envp.data()) != 0)
    throw std::runtime_error("cannot start " + args.front());
}

Process::~Process() {
  if (!reaped_) {
    kill_hard();
    wait();
  }
}

int Process::wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped_ = true;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::optional<int> Process::wait_for(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return WEXITSTATUS(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling the child, bounded
  }
}

void Process::kill_hard() {
  ::kill(pid_, SIGKILL);
}

void Process::terminate() {
  ::kill(pid_, SIGTERM);
}

}  // namespace kassa::testing
