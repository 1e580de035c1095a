#include "app/worker.hpp"

#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "app/background.hpp"
#include "app/batch_writer.hpp"
#include "app/clock.hpp"
#include "app/http_server.hpp"
#include "app/publishers.hpp"
#include "bus/consumer.hpp"
#include "store/batch_store.hpp"
#include "store/database.hpp"
#include "store/migrate.hpp"
#include "support/log.hpp"

namespace kassa::app {

void fault_point(const char* point) {
  static const char* configured = std::getenv("KASSA_FAULT");
  if (configured != nullptr && std::strcmp(configured, point) == 0) {
    log::error(std::string("fault injection: dying at ") + point);
    std::_Exit(86);
  }
}

namespace {

using Clock = std::chrono::steady_clock;

class Loop {
 public:
  Loop(const Config& config, const RunOptions& options, Metrics& metrics, std::atomic<bool>& stop)
      : config_(config),
        options_(options),
        metrics_(metrics),
        stop_(stop),
        writer_(config, metrics, stop, hooks()) {}

  RunSummary run() {
    const auto started = Clock::now();
    wait_for_schema();
    if (stop_) return summary_;
    std::unique_ptr<HttpServer> http;
    if (options_.serve_http && !config_.http_addr.empty()) http = start_http();

    bus::ConsumerOptions consumer_options;
    consumer_options.brokers = config_.brokers;
    consumer_options.group_id = config_.group_id;
    consumer_options.topics = {{config_.topic_payments, core::EventKind::payment},
                               {config_.topic_shipments, core::EventKind::shipment},
                               {config_.topic_refunds, core::EventKind::refund}};
    consumer_options.batch_max_messages = config_.batch_max_messages;
    consumer_options.batch_max_wait = config_.batch_max_wait;
    consumer_options.extra = config_.kafka_extra;
    bus::Consumer consumer(consumer_options,
                           [this](const auto& keys) { return load_positions(keys); });
    consumer_ = &consumer;

    bus::Watermarks targets;
    if (options_.until_caught_up) {
      targets = consumer.watermarks(std::chrono::seconds(30));
      std::int64_t total = 0;
      for (const auto& [key, range] : targets) total += range.high - range.low;
      log::info("run: will stop once the stored offsets reach the current end offsets (" +
                std::to_string(total) + " messages in " + std::to_string(targets.size()) +
                " partitions)");
    }

    Publishers publishers(config_, metrics_);
    publishers_ = &publishers;
    ready_ = true;

    auto last_progress = Clock::now();
    while (!stop_) {
      auto messages = consumer.poll_batch(stop_);
      heartbeat();
      if (!messages.empty()) {
        if (!first_message_) first_message_ = Clock::now();
        if (options_.committed_timestamps) {
          batch_timestamps_.clear();
          for (const auto& m : messages) batch_timestamps_.push_back(m.timestamp_ms);
        }
        writer_.write(std::move(messages));
      }
      if (options_.until_caught_up && caught_up(targets)) {
        summary_.caught_up = true;
        break;
      }
      if (options_.progress_every.count() > 0 &&
          Clock::now() - last_progress >= options_.progress_every) {
        last_progress = Clock::now();
        progress();
      }
    }
    ready_ = false;
    log::info(stop_ ? "run: stopping on signal after the current batch" : "run: caught up");
    consumer.close();
    consumer_ = nullptr;
    publishers.finish(summary_.caught_up, stop_);  // a bounded run leaves nothing waiting
    publishers_ = nullptr;
    summary_.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (first_message_) {
      summary_.busy_seconds = std::chrono::duration<double>(last_commit_ - *first_message_).count();
      summary_.settled_seconds =
          std::chrono::duration<double>(Clock::now() - *first_message_).count();
    }
    return summary_;
  }

 private:
  void heartbeat() {
    metrics_.last_poll.Set(static_cast<double>(utc_now().unix_micros) / 1e6);
    last_turn_ = Clock::now();
    if (consumer_ != nullptr)
      metrics_.assigned_partitions.Set(static_cast<double>(consumer_->assigned_partitions()));
  }

  std::unique_ptr<HttpServer> start_http() {
    HttpServer::Probes probes;
    probes.metrics = [this] { return metrics_.render(); };
    probes.live = [this] { return Clock::now() - last_turn_.load() < std::chrono::seconds(60); };
    // Not ready while the relay cannot publish what waits (Kafka down, refusing every message).
    probes.ready = [this] {
      const Publishers* publishers = publishers_.load();
      return ready_.load() && publishers != nullptr && publishers->relay().publishing();
    };
    auto server = std::make_unique<HttpServer>(config_.http_addr, probes);
    log::info("run: serving /metrics, /healthz, /readyz on http://" + config_.http_addr);
    return server;
  }

  // Workers start with the schema they need; during a rollout the migration job may still run.
  void wait_for_schema() {
    const int needed = store::latest_schema_version();
    auto next_log = Clock::now();
    while (!stop_) {
      try {
        const int applied = store::applied_schema_version(database_.connection());
        if (applied >= needed) return;
        if (Clock::now() >= next_log) {
          log::warn("run: database schema is at version " + std::to_string(applied) +
                    ", this kassa needs " + std::to_string(needed) +
                    "; waiting for `kassa migrate`");
          next_log = Clock::now() + std::chrono::seconds(10);
        }
      } catch (const std::exception& e) {
        database_.reset();
        if (Clock::now() >= next_log) {
          log::warn(std::string("run: database not reachable yet: ") + e.what());
          next_log = Clock::now() + std::chrono::seconds(10);
        }
      }
      heartbeat();
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  // Runs `body` until it succeeds, retrying transient errors; false if stopped first.
  template <typename Body>
  bool with_retry(const char* what, Body&& body) {
    auto backoff = std::chrono::milliseconds(100);
    while (!stop_) {
      try {
        body();
        return true;
      } catch (const std::exception& e) {
        if (!store::is_transient(e)) throw;
        database_.reset();
        metrics_.db_retries.Increment();
        log::warn(std::string(what) + ": " + e.what() + "; retrying in " +
                  std::to_string(backoff.count()) + " ms");
        std::this_thread::sleep_for(backoff);
        heartbeat();
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      }
    }
    return false;
  }

  bus::Positions load_positions(const std::vector<ingest::PartitionKey>& keys) {
    std::vector<std::string> topics;
    for (const auto& key : keys) topics.push_back(key.topic);
    store::Offsets stored;
    // If we are stopping before the offsets could be read, nothing will be committed anyway: the
    // batch transaction checks `stop` first, and the offset compare-and-set would fence it.
    with_retry("run: reading stored offsets", [&] {
      stored = store::read_offsets(database_.connection(), config_.group_id, topics);
    });
    bus::Positions out;
    for (const auto& key : keys) {
      const auto it = stored.find(key);
      out[key] = it == stored.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
    }
    return out;
  }

  // After the batch transaction committed: only now do the offsets go to Kafka and the
  // relay and renderer hear of new rows.
  void committed(const ingest::BatchResult& result, const store::Offsets& next, double seconds) {
    consumer_->committed(next);
    summary_.counts += result.counts;
    ++summary_.batches;
    last_commit_ = Clock::now();
    if (summary_.batch_seconds.size() < 1'000'000) summary_.batch_seconds.push_back(seconds);
    if (!result.outbox.empty()) publishers_.load()->wake_relay();
    if (!result.package_writes.empty()) publishers_.load()->wake_renderer();
    // A batch retried one message at a time reports all its timestamps at its first commit.
    if (options_.committed_timestamps && !batch_timestamps_.empty()) {
      options_.committed_timestamps(batch_timestamps_);
      batch_timestamps_.clear();
    }
  }

  bool caught_up(const bus::Watermarks& targets) {
    store::Offsets stored;
    std::vector<std::string> topics = config_.input_topics();
    try {
      stored = store::read_offsets(database_.connection(), config_.group_id, topics);
    } catch (const std::exception& e) {
      if (!store::is_transient(e)) throw;
      database_.reset();
      return false;
    }
    std::int64_t lag = 0;
    for (const auto& [key, range] : targets) {
      // Nothing stored yet means reading from the log start; messages before it are gone.
      const auto it = stored.find(key);
      const std::int64_t at = std::max(it == stored.end() ? range.low : it->second, range.low);
      if (at < range.high) lag += range.high - at;
    }
    metrics_.consumer_lag.Set(static_cast<double>(lag));
    lag_ = lag;
    return lag == 0;
  }

  void progress() {
    const auto& c = summary_.counts;
    log::info("run: " + std::to_string(c.messages) + " messages: " + std::to_string(c.applied) +
              " applied, " + std::to_string(c.duplicates) + " duplicates, " +
              std::to_string(c.parked - c.released) + " waiting for payment, " +
              std::to_string(c.rejected) + " dead-lettered" +
              (options_.until_caught_up ? ", " + std::to_string(lag_) + " to go" : ""));
  }

  BatchWriter::Hooks hooks() {
    BatchWriter::Hooks hooks;
    hooks.advance = [this](pqxx::work& tx, const store::Offsets& next) {
      store::advance_offsets(tx, config_.group_id, next, consumer_->positions());
    };
    hooks.committed = [this](const ingest::BatchResult& result, const store::Offsets& next,
                             double seconds) { committed(result, next, seconds); };
    hooks.fenced = [this] { consumer_->resync(); };
    hooks.heartbeat = [this] { heartbeat(); };
    return hooks;
  }

  const Config& config_;
  const RunOptions& options_;
  Metrics& metrics_;
  std::atomic<bool>& stop_;
  BatchWriter writer_;
  store::Database& database_ = writer_.database();
  bus::Consumer* consumer_ = nullptr;
  std::atomic<Publishers*> publishers_{nullptr};
  RunSummary summary_;
  std::atomic<bool> ready_{false};
  std::atomic<Clock::time_point> last_turn_{Clock::now()};
  std::int64_t lag_ = 0;
  std::optional<Clock::time_point> first_message_;
  Clock::time_point last_commit_ = Clock::now();
  std::vector<std::int64_t> batch_timestamps_;  // of the batch being written (committed_timestamps)
};

}  // namespace

RunSummary run_worker(const Config& config, const RunOptions& options, Metrics& metrics,
                      std::atomic<bool>& stop) {
  Loop loop(config, options, metrics, stop);
  return loop.run();
}

}  // namespace kassa::app
