#include "app/relay.hpp"

#include <chrono>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "app/clock.hpp"
#include "app/document_folder.hpp"
#include "bus/produce_errors.hpp"
#include "bus/producer.hpp"
#include "store/database.hpp"
#include "store/document_store.hpp"
#include "store/outbox_store.hpp"
#include "support/log.hpp"
#include "support/threads.hpp"

// Order per key. One relay publishes at a time, in outbox id order, and the idempotent producer
// (enable.idempotence, acks=all) writes the messages of one partition in the order they were
// produced, never duplicating or reordering them through its own retries. So the messages of a
// key (one partition) that Kafka acknowledged in a round stand in id order on the topic, and rounds
// follow one another. What is no longer promised is that a message comes before every later
// message of its key: every acknowledged row is marked (not only the acknowledged prefix, which
// published the failed row's batch-mates again and again), so when a row fails — for good and is
// parked, or for a passing reason and waits with backoff — the later rows of its key are published
// without it, and it comes after them once it is retried. Holding back every later row of the key
// would let one bad message stop its order (and, without knowing keys' partitions, everything).
// Consumers deduplicate by id anyway and must not infer anything from the position of a late copy.

namespace kassa::app {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds retry_backoff(int failed_attempts) {
  const int doublings = std::min(std::max(failed_attempts - 1, 0), 5);
  return std::min(std::chrono::milliseconds(1000) * (1 << doublings),
                  std::chrono::milliseconds(30'000));
}

}  // namespace

struct Relay::Impl {
  Impl(const Config& config, Metrics* metrics, Lane lane)
      : config(config),
        metrics(metrics),
        outbox_lane{lane, config.topic_documents},
        database(config.pg_dsn),
        producer(make_producer()) {}
  std::unique_ptr<bus::Producer> make_producer() const {
    return std::make_unique<bus::Producer>(config.brokers, config.kafka_extra);
  }
  const Config& config;
  Metrics* metrics;
  store::OutboxLane outbox_lane;  // which rows this relay publishes
  store::Database database;
  std::unique_ptr<bus::Producer> producer;
  // For publishing(): rows waiting at the last gauge refresh, whether the last round that tried
  // anything had only passing failures, and when the relay last made progress (published, or
  // found nothing waiting).
  std::atomic<std::int64_t> waiting{0};
  std::atomic<bool> last_attempt_failed{false};
  std::atomic<Clock::time_point> last_progress{Clock::now()};
  std::atomic<Clock::time_point> last_turn{Clock::now()};  // for alive()
};

Relay::Relay(const Config& config, Metrics* metrics, Lane lane)
    : impl_(new Impl(config, metrics, lane)) {}
Relay::~Relay() {
  delete impl_;
}

std::size_t Relay::run_once() {
  pqxx::work tx(impl_->database.connection());
  const auto rows = store::claim_outbox(tx, impl_->config.relay_batch, impl_->outbox_lane);
  if (!rows || rows->empty()) return 0;
  // A package is announced only once its files are in the documents folder. A package whose files
  // cannot be placed now (a full disk, a folder without permission) waits with backoff like a
  // passing produce error, and never holds up the rows beside it.
  std::size_t unplaced = 0;
  std::string unplaced_error;
  std::vector<store::OutboxRow> ready;
  ready.reserve(rows->size());
  for (const auto& row : *rows) {
    if (!impl_->config.documents_dir.empty() && row.topic == impl_->config.topic_documents) {
      try {
        pqxx::subtransaction files(tx, "files");
        const auto merchant =
            nlohmann::json::parse(row.payload).at("merchant_id").get<std::string>();
        place_files(package_folder(impl_->config.documents_dir, merchant, row.message_id),
                    store::package_files(files, row.message_id));
        files.commit();
      } catch (const std::exception& e) {
        store::mark_retry(tx, row.id, std::string("placing the package's files: ") + e.what(),
                          retry_backoff(row.attempts + 1));
        if (unplaced++ == 0) unplaced_error = e.what();
        continue;
      }
    }
    ready.push_back(row);
  }
  if (unplaced > 0)
    log::warn("relay: " + std::to_string(unplaced) + " packages' files could not be placed (" +
              unplaced_error + "); retried with backoff");
  const std::vector<store::OutboxRow>* rows_to_send = &ready;
  std::vector<bus::Record> records;
  records.reserve(rows_to_send->size());
  for (const auto& row : *rows_to_send) records.push_back({row.topic, row.key, row.payload, true});
  const auto waiting = [this] { impl_->last_turn = Clock::now(); };
  auto delivered = fault_active("relay_unacknowledged")
                       ? std::vector<bus::Delivered>(records.size())  // not acknowledged in time
                       : impl_->producer->deliver(records, std::chrono::seconds(30), waiting);
  // A refusal of a whole record batch (too large, an invalid record) may be one message's fault:
  // each row it hit is sent again alone, so that only a row Kafka refuses by itself is parked
  // and its batch-mates are published (a row librdkafka refused before sending is refused again
  // at once). In id order, so the rows of a key keep their order.
  if (records.size() > 1)
    for (std::size_t i = 0; i < records.size(); ++i)
      if (bus::refuses_whole_batch(delivered[i].error)) {
        delivered[i] =
            impl_->producer->deliver({records[i]}, std::chrono::seconds(30), waiting).front();
        waiting();  // many rows one by one: still coming round (alive())
      }
  fault_point("relay_after_publish");
  // Every acknowledged row is marked, whatever failed before it (order per key: see above).
  std::vector<std::int64_t> published;
  std::size_t parked = 0, failed = unplaced;
  std::string first_error;
  for (std::size_t i = 0; i < rows_to_send->size(); ++i) {
    const auto& row = (*rows_to_send)[i];
    const auto& outcome = delivered[i];
    if (outcome.ok()) {
      published.push_back(row.id);
      continue;
    }
    const std::string error = outcome.reason + " (" + rd_kafka_err2name(outcome.error) + ")";
    if (bus::classify_produce_error(outcome.error) == bus::ProduceFailure::permanent) {
      store::mark_parked(tx, row.id, error);
      ++parked;
      const std::string reason(bus::produce_error_reason(outcome.error));
      log::error("relay: outbox row " + std::to_string(row.id) + " (message " + row.message_id +
                     ", topic " + row.topic + ", " + std::to_string(row.payload.size()) +
                     " bytes) can never be published: " + error +
                     "; parked (see `kassa outbox list`, then `kassa outbox retry`)",
                 {{"outbox_id", std::to_string(row.id)},
                  {"message_id", row.message_id},
                  {"topic", row.topic},
                  {"order_id", row.key}});
      if (impl_->metrics != nullptr) impl_->metrics->count_outbox_parked(reason);
    } else {
      store::mark_retry(tx, row.id, error, retry_backoff(row.attempts + 1));
      ++failed;
      if (first_error.empty()) first_error = error;
    }
  }
  store::mark_published(tx, published);
  tx.commit();
  if (impl_->metrics != nullptr) {
    impl_->metrics->outbox_published.Increment(static_cast<double>(published.size()));
    impl_->metrics->outbox_failures.Increment(static_cast<double>(parked + failed));
  }
  if (failed > unplaced)
    log::warn("relay: Kafka did not acknowledge " + std::to_string(failed - unplaced) +
              " outbox messages (" + first_error + "); they will be retried with backoff");
  if (!published.empty() || failed == 0) {
    impl_->last_attempt_failed = false;
    impl_->last_progress = Clock::now();
  } else {
    impl_->last_attempt_failed = true;
  }
  // A refused topic is remembered by librdkafka as missing; a fatal error ends the producer.
  // Either way a new producer starts clean (a retried row then finds a topic created since).
  if (parked > 0 || impl_->producer->fatal()) impl_->producer = impl_->make_producer();
  return published.size() + parked;
}

std::int64_t Relay::refresh_gauges() {
  const auto gauges = impl_->outbox_lane.kind == Lane::documents
                          ? store::OutboxGauges{}
                          : store::outbox_gauges(impl_->database.connection());
  impl_->waiting = impl_->outbox_lane.kind == Lane::all
                       ? gauges.waiting
                       : store::outbox_waiting(impl_->database.connection(), impl_->outbox_lane);
  if (impl_->waiting == 0) {
    impl_->last_attempt_failed = false;
    impl_->last_progress = Clock::now();
  }
  // The documents lane counts what it publishes but leaves the outbox-wide gauges to the other.
  if (impl_->metrics != nullptr && impl_->outbox_lane.kind != Lane::documents) {
    impl_->metrics->outbox_rows_waiting.Set(static_cast<double>(gauges.waiting));
    impl_->metrics->outbox_oldest_waiting_age.Set(gauges.oldest_waiting_age);
    impl_->metrics->outbox_rows_parked.Set(static_cast<double>(gauges.parked));
    impl_->metrics->outbox_pending.Set(static_cast<double>(gauges.waiting + gauges.parked));
  }
  return impl_->waiting;
}

bool Relay::alive() const {
  return Clock::now() - impl_->last_turn.load() < impl_->config.liveness_timeout;
}

bool Relay::publishing() const {
  if (impl_->waiting.load() == 0) return true;
  return !impl_->last_attempt_failed.load() &&
         Clock::now() - impl_->last_progress.load() < impl_->config.relay_stall_after;
}

void Relay::wake() {
  wakeup_.wake();
}

void Relay::run(const std::atomic<bool>& stop) {
  support::name_this_thread(impl_->outbox_lane.kind == Lane::documents ? "kassa-relay-doc"
                                                                       : "kassa-relay");
  // The first receipt after a start should not wait for its topic's metadata (about 1.8 s).
  std::vector<std::string> topics;
  if (impl_->outbox_lane.kind != Lane::documents)
    topics.insert(topics.end(), {impl_->config.topic_receipts, impl_->config.topic_dlq});
  if (impl_->outbox_lane.kind != Lane::records) topics.push_back(impl_->config.topic_documents);
  impl_->producer->warm_up(topics, std::chrono::seconds(2));
  auto backoff = std::chrono::milliseconds(100);
  auto next_cleanup = Clock::now() + std::chrono::minutes(1);
  auto next_gauges = Clock::now();
  while (!stop.load()) {
    impl_->last_turn = Clock::now();
    fault_stall("stall_relay", stop);
    if (impl_->outbox_lane.kind != Lane::documents && Clock::now() >= next_cleanup) {
      next_cleanup = Clock::now() + std::chrono::minutes(10);
      clean_up(stop);
    }
    std::size_t settled = 0;
    try {
      settled = run_once();
      // On a clock, not every round: under load that would be three more queries per batch.
      if (Clock::now() >= next_gauges) {
        refresh_gauges();
        next_gauges = Clock::now() + std::chrono::seconds(2);
      }
      backoff = std::chrono::milliseconds(100);
    } catch (const std::exception& e) {
      log::warn(std::string("relay: ") + e.what() + "; retrying in " +
                std::to_string(backoff.count()) + " ms");
      impl_->last_attempt_failed = true;
      if (store::is_transient(e)) impl_->database.reset();
      wakeup_.pause(backoff, stop);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    if (settled > 0) continue;  // more may be waiting
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
      if (refresh_gauges() == 0) {
        if (impl_->outbox_lane.kind == Lane::documents)
          return;  // the other lane reports the parked rows
        const auto gauges = store::outbox_gauges(impl_->database.connection());
        if (gauges.parked > 0)
          log::warn("relay: nothing waiting; " + std::to_string(gauges.parked) +
                    " outbox rows are parked (Kafka refused them; `kassa outbox list`)");
        return;
      }
    } catch (const std::exception& e) {
      log::warn(std::string("relay: ") + e.what());
      if (store::is_transient(e)) impl_->database.reset();
    }
    std::this_thread::sleep_for(backoff);  // another relay holds the lock, rows in backoff,
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));  // or Kafka is down
  }
}

}  // namespace kassa::app
