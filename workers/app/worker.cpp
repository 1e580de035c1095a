#include "app/worker.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app/background.hpp"
#include "app/batch_writer.hpp"
#include "app/clock.hpp"
#include "app/db_gauges.hpp"
#include "app/http_server.hpp"
#include "app/merchant_table.hpp"
#include "app/payout_feed.hpp"
#include "app/publishers.hpp"
#include "app/retry.hpp"
#include "bus/consumer.hpp"
#include "store/batch_store.hpp"
#include "store/database.hpp"
#include "store/migrate.hpp"
#include "support/log.hpp"
#include "support/threads.hpp"

namespace kassa::app {

namespace {

// KASSA_FAULT as "<point>" or "<point>@<n>": the point, and at which pass of it fault_point dies.
struct ConfiguredFault {
  std::string point;
  long nth = 1;
};

const ConfiguredFault& configured_fault() {
  static const ConfiguredFault fault = [] {
    ConfiguredFault f;
    const char* text = std::getenv("KASSA_FAULT");
    if (text == nullptr) return f;
    f.point = text;
    if (const auto at = f.point.find('@'); at != std::string::npos) {
      f.nth = std::max(1L, std::strtol(f.point.c_str() + at + 1, nullptr, 10));
      f.point.resize(at);
    }
    return f;
  }();
  return fault;
}

}  // namespace

bool fault_active(const char* point) {
  return configured_fault().point == point;
}

void fault_point(const char* point) {
  if (!fault_active(point)) return;
  static std::atomic<long> passes{0};
  if (++passes < configured_fault().nth) return;
  log::error(std::string("fault injection: dying at ") + point);
  std::_Exit(86);
}

void fault_stall(const char* point, const std::atomic<bool>& stop) {
  if (!fault_active(point)) return;
  log::error(std::string("fault injection: hanging at ") + point);
  while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

namespace {

using Clock = std::chrono::steady_clock;

class Loop {
 public:
  Loop(const Config& config, const RunOptions& options, Metrics& metrics, std::atomic<bool>& stop,
       const std::atomic<Publishers*>& publishers, std::string name)
      : config_(config),
        options_(options),
        metrics_(metrics),
        stop_(stop),
        publishers_(publishers),
        name_(std::move(name)),
        writer_(config, metrics, stop, hooks()) {}

  // Consumes until stopped or (a bounded run) caught up. The publishers run beside it.
  void run() {
    bus::ConsumerOptions consumer_options;
    consumer_options.brokers = config_.brokers;
    consumer_options.group_id = config_.group_id;
    consumer_options.topics = {{config_.topic_payments, core::EventKind::payment},
                               {config_.topic_shipments, core::EventKind::shipment},
                               {config_.topic_refunds, core::EventKind::refund}};
    consumer_options.batch_max_messages = config_.batch_max_messages;
    consumer_options.batch_max_wait = config_.batch_max_wait;
    consumer_options.merge_grace = config_.merge_grace;
    consumer_options.extra = config_.kafka_extra;
    if (table_) consumer_options.gate = [table = table_] { return table->bound(); };
    consumer_options.on_lag = [this](const std::map<ingest::PartitionKey, std::int64_t>& lags) {
      Metrics::PartitionLags out;
      for (const auto& [key, lag] : lags) out[{key.topic, key.partition}] = lag;
      metrics_.report_lags(name_, std::move(out));
    };
    bus::Consumer consumer(consumer_options,
                           [this](const auto& keys) { return load_positions(keys); });
    consumer_ = &consumer;

    bus::Watermarks targets;
    if (options_.until_caught_up) {
      targets = consumer.watermarks(std::chrono::seconds(30));
      std::int64_t total = 0;
      for (const auto& [key, range] : targets) total += range.high - range.low;
      log::info(name_ + ": will stop once the stored offsets reach the current end offsets (" +
                std::to_string(total) + " messages in " + std::to_string(targets.size()) +
                " partitions)");
    }

    ready_ = true;

    auto last_progress = Clock::now();
    // Decoding overlaps the database: while batch N is written (PostgreSQL works in its own
    // process), the next batch, polled without waiting, is decoded on another thread. A batch in
    // hand is written only if the consumer's positions are still those it was polled under;
    // otherwise (a rebalance in the look-ahead poll, a fenced batch) it is dropped and the
    // consumer seeks back to the stored offsets, so nothing is skipped.
    Lookahead in_hand;
    while (!stop_) {
      auto messages = consumer.poll_batch(stop_, in_hand.batch.empty()
                                                     ? std::nullopt
                                                     : std::optional<std::chrono::milliseconds>(0));
      const std::uint64_t generation = consumer.generation();
      fault_stall("stall_poll_loop", stop_);
      heartbeat();
      if (!messages.empty() && !first_message_) first_message_ = Clock::now();
      std::future<std::vector<ingest::DecodedMessage>> next;
      if (!messages.empty())
        next = std::async(std::launch::async, [this, batch = std::move(messages)]() mutable {
          support::name_this_thread("kassa-decode");
          return decode_counted(lookahead_decoder_, std::move(batch), metrics_);
        });
      if (!in_hand.batch.empty()) {
        if (in_hand.generation == consumer.generation()) {
          if (options_.committed_timestamps) {
            batch_timestamps_.clear();
            for (const auto& m : in_hand.batch) batch_timestamps_.push_back(m.message.timestamp_ms);
          }
          writer_.write_decoded(in_hand.batch);
        } else {
          if (next.valid()) next.wait();  // polled under the old positions too
          next = {};
          consumer.resync();
        }
      }
      in_hand = {};
      if (next.valid()) in_hand = {next.get(), generation};
      if (options_.until_caught_up && in_hand.batch.empty() &&
          (table_ == nullptr || table_->settled()) && caught_up(targets)) {
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
    assigned_ = 0;
    log::info(name_ + (stop_ ? ": stopping on signal after the current batch" : ": caught up"));
    consumer.close();
    consumer_ = nullptr;
    metrics_.report_lags(name_, {});  // its partitions are no longer this loop's
  }

  const RunSummary& summary() const { return summary_; }
  std::optional<Clock::time_point> first_message() const { return first_message_; }
  Clock::time_point last_commit() const { return last_commit_; }
  bool ready() const { return ready_.load(); }
  // The merchants table whose reading gates this loop's order events (set before run()).
  void wait_for(const MerchantTable* table) { table_ = table; }
  std::size_t assigned() const { return assigned_.load(); }
  bool alive() const { return Clock::now() - last_turn_.load() < config_.liveness_timeout; }

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

 private:
  void heartbeat() {
    metrics_.last_poll.Set(static_cast<double>(utc_now().unix_micros) / 1e6);
    last_turn_ = Clock::now();
    if (consumer_ != nullptr) {
      assigned_ = consumer_->assigned_partitions();
      metrics_.assigned_partitions.Set(static_cast<double>(assigned_.load()));
    }
  }

  // Runs `body` until it succeeds, retrying transient errors (app/retry.hpp).
  template <typename Body>
  bool with_retry(const char* what, Body&& body) {
    return retry_transient(
        stop_, database_, metrics_, what, [this] { heartbeat(); }, std::forward<Body>(body));
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
    lag_ = lag;  // for progress lines; the metric comes from librdkafka's statistics
    return lag == 0;
  }

  void progress() {
    const auto& c = summary_.counts;
    log::info(name_ + ": " + std::to_string(c.messages) + " messages: " +
              std::to_string(c.applied) + " applied, " + std::to_string(c.duplicates) +
              " duplicates, " + std::to_string(c.parked - c.released) +
              " waiting for payment or merchant, " + std::to_string(c.rejected) + " dead-lettered" +
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

  // A decoded batch waiting for its turn, and the consumer generation it was polled under.
  struct Lookahead {
    std::vector<ingest::DecodedMessage> batch;
    std::uint64_t generation = 0;
  };

  const Config& config_;
  const RunOptions& options_;
  Metrics& metrics_;
  std::atomic<bool>& stop_;
  const std::atomic<Publishers*>& publishers_;
  const std::string name_;  // "run", or "run[2/3]" with several consumers
  BatchWriter writer_;
  contract::Decoder lookahead_decoder_;  // used by one decoding thread at a time
  store::Database& database_ = writer_.database();
  bus::Consumer* consumer_ = nullptr;
  const MerchantTable* table_ = nullptr;
  RunSummary summary_;
  std::atomic<bool> ready_{false};
  std::atomic<std::size_t> assigned_{0};  // input partitions the group gave this loop
  std::atomic<Clock::time_point> last_turn_{Clock::now()};
  std::int64_t lag_ = 0;
  std::optional<Clock::time_point> first_message_;
  Clock::time_point last_commit_ = Clock::now();
  std::vector<std::int64_t> batch_timestamps_;  // of the batch being written (committed_timestamps)
};

}  // namespace

RunSummary run_worker(const Config& config, const RunOptions& options, Metrics& metrics,
                      std::atomic<bool>& stop) {
  const auto started = Clock::now();
  const std::size_t count = std::max<std::size_t>(1, config.consumers);
  std::atomic<Publishers*> publishers{nullptr};
  // The consumers call the commit hook one at a time.
  RunOptions shared = options;
  std::mutex hook_mutex;
  if (options.committed_timestamps)
    shared.committed_timestamps = [&hook_mutex, hook = options.committed_timestamps](
                                      const std::vector<std::int64_t>& timestamps) {
      std::lock_guard lock(hook_mutex);
      hook(timestamps);
    };
  std::vector<std::unique_ptr<Loop>> loops;
  for (std::size_t i = 0; i < count; ++i)
    loops.push_back(std::make_unique<Loop>(
        config, shared, metrics, stop, publishers,
        count == 1 ? "run" : "run[" + std::to_string(i + 1) + "/" + std::to_string(count) + "]"));
  // Payouts: a consumer group and thread of their own beside the loops (app/payout_feed.hpp).
  PayoutFeed payouts(config, metrics, stop, options.until_caught_up, [&publishers] {
    if (Publishers* p = publishers.load()) p->wake_relay();
  });
  RunSummary summary;
  loops.front()->wait_for_schema();
  if (stop) return summary;
  // The merchants table (app/merchant_table.hpp): its own thread; the loops release an order
  // event only once it has been read past the event's time. Orders it releases from waiting for
  // their merchant are counted with the run.
  ingest::Counts released;
  BatchWriter::Hooks table_hooks;
  table_hooks.committed = [&publishers, &released](const ingest::BatchResult& result,
                                                   const store::Offsets&, double) {
    released += result.counts;
    if (Publishers* p = publishers.load()) {
      if (!result.outbox.empty()) p->wake_relay();
      if (!result.package_writes.empty()) p->wake_renderer();
    }
  };
  MerchantTable merchants(config, metrics, stop, table_hooks);
  for (auto& loop : loops) loop->wait_for(&merchants);

  std::unique_ptr<HttpServer> http;
  if (options.serve_http && !config.http_addr.empty()) {
    HttpServer::Probes probes;
    probes.metrics = [&metrics] { return metrics.render(); };
    // Alive while every poll loop and the relay lanes come round (KASSA_LIVENESS_TIMEOUT).
    probes.live = [&loops, &publishers, &payouts] {
      const Publishers* p = publishers.load();
      return (p == nullptr || p->alive()) && payouts.alive() &&
             std::all_of(loops.begin(), loops.end(), [](const auto& l) { return l->alive(); });
    };
    // Ready once the schema is current (the loops start after it), the group has given this
    // process partitions, and the relay can publish what waits (not while Kafka is down or
    // refuses every message).
    probes.ready = [&loops, &publishers] {
      const Publishers* p = publishers.load();
      std::size_t assigned = 0;
      for (const auto& loop : loops) assigned += loop->assigned();
      return p != nullptr && p->publishing() && assigned > 0 &&
             std::all_of(loops.begin(), loops.end(), [](const auto& l) { return l->ready(); });
    };
    http = std::make_unique<HttpServer>(config.http_addr, probes);
    log::info("run: serving /metrics, /healthz, /readyz on http://" + config.http_addr);
  }

  Publishers output(config, metrics);
  publishers = &output;
  DatabaseGauges database_gauges(config, metrics);
  BackgroundThread database_gauges_thread(database_gauges);
  // Several consumers in one process are members of the same group, like replicas: each gets
  // its share of the partitions, and each writes its own batches, so PostgreSQL works on one
  // batch while kassa prepares another. A consumer that fails stops the others (as a signal
  // would) and its error ends the run.
  std::vector<std::exception_ptr> failures(count);
  std::exception_ptr payouts_failure, merchants_failure;
  std::atomic<bool> loops_done{false};
  std::thread merchants_thread([&] {
    support::name_this_thread("kassa-merchants");
    try {
      // A bounded run keeps the table going until the loops are done: they wait for it.
      while (!stop && !loops_done) merchants.step(std::chrono::milliseconds(200));
    } catch (...) {
      merchants_failure = std::current_exception();
      stop = true;
    }
  });
  std::thread payouts_thread([&] {
    support::name_this_thread("kassa-payouts");
    try {
      payouts.run();
    } catch (...) {
      payouts_failure = std::current_exception();
      stop = true;
    }
  });
  {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < count; ++i)
      threads.emplace_back([&, i] {
        support::name_this_thread(("kassa-consume-" + std::to_string(i + 1)).c_str());
        try {
          loops[i]->run();
        } catch (...) {
          failures[i] = std::current_exception();
          stop = true;
        }
      });
    try {
      loops.front()->run();
    } catch (...) {
      failures.front() = std::current_exception();
      stop = true;
    }
    for (auto& thread : threads) thread.join();
  }
  loops_done = true;
  merchants_thread.join();
  payouts_thread.join();  // before the relay drains: its dead letters go out with the rest
  failures.push_back(payouts_failure);
  failures.push_back(merchants_failure);
  summary.counts += released;
  summary.payouts = payouts.counts();
  // A bounded run is caught up when the payouts are too: then they are recorded.
  summary.caught_up = payouts.caught_up();
  std::optional<Clock::time_point> first;
  Clock::time_point last = started;
  for (const auto& loop : loops) {
    const RunSummary& part = loop->summary();
    summary.counts += part.counts;
    summary.batches += part.batches;
    summary.batch_seconds.insert(summary.batch_seconds.end(), part.batch_seconds.begin(),
                                 part.batch_seconds.end());
    summary.caught_up = summary.caught_up && part.caught_up;
    if (const auto f = loop->first_message()) {
      first = first ? std::min(*first, *f) : *f;
      last = std::max(last, loop->last_commit());
    }
  }
  for (const auto& failure : failures)
    if (failure) {
      output.finish(false, stop);
      publishers = nullptr;
      std::rethrow_exception(failure);
    }
  output.finish(summary.caught_up, stop);  // a bounded run leaves nothing waiting
  publishers = nullptr;
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (first) {
    summary.busy_seconds = std::chrono::duration<double>(last - *first).count();
    summary.settled_seconds = std::chrono::duration<double>(Clock::now() - *first).count();
  }
  return summary;
}

}  // namespace kassa::app
