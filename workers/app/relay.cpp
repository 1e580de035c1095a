#include "app/relay.hpp"

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/clock.hpp"
#include "app/document_folder.hpp"
#include "bus/producer.hpp"
#include "store/database.hpp"
#include "store/document_store.hpp"
#include "store/outbox_store.hpp"
#include "support/log.hpp"

namespace kassa::app {

struct Relay::Impl {
  Impl(const Config& config, Metrics* metrics)
      : config(config),
        metrics(metrics),
        database(config.pg_dsn),
        producer(config.brokers, config.kafka_extra) {}
  const Config& config;
  Metrics* metrics;
  store::Database database;
  bus::Producer producer;
};

Relay::Relay(const Config& config, Metrics* metrics) : impl_(new Impl(config, metrics)) {}
Relay::~Relay() {
  delete impl_;
}

std::size_t Relay::run_once() {
  pqxx::work tx(impl_->database.connection());
  const auto rows = store::claim_outbox(tx, impl_->config.relay_batch);
  if (!rows || rows->empty()) return 0;
  // A package is announced only once its files are in the documents folder.
  if (!impl_->config.documents_dir.empty()) {
    for (const auto& row : *rows) {
      if (row.topic != impl_->config.topic_documents) continue;
      const auto merchant = nlohmann::json::parse(row.payload).at("merchant_id").get<std::string>();
      place_files(package_folder(impl_->config.documents_dir, merchant, row.message_id),
                  store::package_files(tx, row.message_id));
    }
  }
  std::vector<bus::Record> records;
  records.reserve(rows->size());
  for (const auto& row : *rows) records.push_back({row.topic, row.key, row.payload, true});
  std::string error;
  const auto delivered = impl_->producer.send(records, std::chrono::seconds(30), &error);
  fault_point("relay_after_publish");
  // Mark the acknowledged prefix only: rows after a failure wait, so order per key is kept.
  std::vector<std::int64_t> published;
  for (std::size_t i = 0; i < rows->size() && delivered[i]; ++i) published.push_back((*rows)[i].id);
  store::mark_published(tx, published);
  tx.commit();
  if (impl_->metrics != nullptr) {
    impl_->metrics->outbox_published.Increment(static_cast<double>(published.size()));
    impl_->metrics->outbox_failures.Increment(static_cast<double>(rows->size() - published.size()));
  }
  if (published.size() < rows->size())
    log::warn("relay: Kafka did not acknowledge " +
              std::to_string(rows->size() - published.size()) + " outbox messages (" + error +
              "); they will be retried");
  return published.size();
}

void Relay::wake() {
  wakeup_.wake();
}

void Relay::run(const std::atomic<bool>& stop) {
  auto backoff = std::chrono::milliseconds(100);
  auto next_cleanup = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!stop.load()) {
    if (std::chrono::steady_clock::now() >= next_cleanup) {
      next_cleanup = std::chrono::steady_clock::now() + std::chrono::minutes(10);
      clean_up(stop);
    }
    std::size_t published = 0;
    try {
      published = run_once();
      backoff = std::chrono::milliseconds(100);
    } catch (const std::exception& e) {
      log::warn(std::string("relay: ") + e.what() + "; retrying in " +
                std::to_string(backoff.count()) + " ms");
      if (store::is_transient(e)) impl_->database.reset();
      wakeup_.pause(backoff, stop);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    if (published > 0) continue;  // more may be waiting
    wakeup_.wait(std::chrono::seconds(1), stop);
  }
}

// Published rows older than KASSA_OUTBOX_RETENTION go, a bounded chunk at a time so no
// transaction holds many locks; another replica may do the same, which is harmless.
void Relay::clean_up(const std::atomic<bool>& stop) {
  try {
    std::int64_t deleted = 0, chunk = 0;
    do {
      chunk = store::delete_published(impl_->database.connection(), impl_->config.outbox_retention,
                                      5000);
      deleted += chunk;
    } while (chunk == 5000 && !stop.load());
    if (deleted > 0)
      log::info("relay: deleted " + std::to_string(deleted) +
                " published outbox rows past retention");
  } catch (const std::exception& e) {
    log::warn(std::string("relay: outbox clean-up: ") + e.what());
    if (store::is_transient(e)) impl_->database.reset();
  }
}

void Relay::drain(const std::atomic<bool>& stop) {
  auto backoff = std::chrono::milliseconds(100);
  while (!stop.load()) {
    try {
      if (run_once() > 0) continue;
      if (store::count_unpublished(impl_->database.connection()) == 0) return;
    } catch (const std::exception& e) {
      log::warn(std::string("relay: ") + e.what());
      if (store::is_transient(e)) impl_->database.reset();
    }
    std::this_thread::sleep_for(backoff);  // another relay holds the lock, or Kafka is down
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
}

}  // namespace kassa::app
