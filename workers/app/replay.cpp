#include "app/replay.hpp"

#include <cmath>
#include <cstdio>
#include <future>
#include <set>

#include "app/batch_writer.hpp"
#include "app/merchant_table.hpp"
#include "app/clock.hpp"
#include "app/publishers.hpp"
#include "app/replay_check.hpp"
#include "app/replay_source.hpp"
#include "ingest/memory_book.hpp"
#include "store/migrate.hpp"
#include "support/log.hpp"
#include "support/threads.hpp"

namespace kassa::app {
namespace {

using Clock = std::chrono::steady_clock;

void require_schema(pqxx::connection& connection) {
  const int applied = store::applied_schema_version(connection);
  if (applied < store::latest_schema_version())
    throw std::runtime_error("replay: the database schema is at version " +
                             std::to_string(applied) + ", this kassa needs " +
                             std::to_string(store::latest_schema_version()) +
                             "; run `kassa migrate` first");
}

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// "replay: 120000 messages, 9843 msg/s, 24% of the window, ETA 37 s"
class Progress {
 public:
  Progress(std::chrono::seconds every, const char* what) : every_(every), what_(what) {}
  void maybe(std::int64_t messages, std::optional<double> share, bool force = false) {
    if (every_.count() <= 0 && !force) return;
    if (!force && Clock::now() - last_ < every_) return;
    last_ = Clock::now();
    const double elapsed = since(start_);
    const double rate = elapsed > 0 ? static_cast<double>(messages) / elapsed : 0;
    std::string line = std::string("replay: ") + what_ + " " + std::to_string(messages) +
                       " messages, " + std::to_string(std::llround(rate)) + " msg/s";
    if (share) {
      line += ", " + std::to_string(std::llround(*share * 100)) + "% read";
      if (*share > 0.001 && *share < 1)
        line += ", ETA " + std::to_string(std::llround(elapsed * (1 - *share) / *share)) + " s";
    }
    log::info(line);
  }

 private:
  std::chrono::seconds every_;
  const char* what_;
  Clock::time_point start_ = Clock::now(), last_ = Clock::now();
};

std::unique_ptr<HistorySource> window_source(const Config& config, const ReplayOptions& options,
                                             ReplaySummary& summary) {
  auto ms = [](const std::optional<core::UtcTime>& t) -> std::optional<std::int64_t> {
    if (!t) return std::nullopt;
    return t->unix_micros / 1000;
  };
  if (!options.file.empty())
    return file_history(config, options.file, ms(options.from), ms(options.to),
                        &summary.skipped_lines);
  summary.window_total = 0;
  return kafka_history(config, *ms(options.from), ms(options.to), &summary.window_total);
}

// Writing replay: the live batch function and transaction, without offsets.
void replay_into_database(const Config& config, const ReplayOptions& options, Metrics& metrics,
                          std::atomic<bool>& stop, HistorySource& source, ReplaySummary& summary) {
  Publishers publishers(config, metrics);
  Clock::time_point first = Clock::now(), last_commit = Clock::now();
  BatchWriter::Hooks hooks;
  hooks.committed = [&](const ingest::BatchResult& result, const store::Offsets&, double) {
    summary.counts += result.counts;
    ++summary.batches;
    last_commit = Clock::now();
    if (!result.outbox.empty()) publishers.wake_relay();
    if (!result.package_writes.empty()) publishers.wake_renderer();
  };
  BatchWriter writer(config, metrics, stop, hooks);
  require_schema(writer.database().connection());
  // The merchants table first, to its end: the window's receipts and documents take the
  // requisites in force when each of its events occurred, as the live run did.
  MerchantTable(config, metrics, stop, hooks).read_to_end();
  Progress progress(options.progress_every, "applied");
  bool started = false;
  // As in kassa run, the next batch is read and decoded on another thread while the current one
  // is written. No offsets and no group here, so a batch in hand never goes stale.
  contract::Decoder lookahead_decoder;
  auto read_ahead = [&] {
    return std::async(std::launch::async, [&] {
      support::name_this_thread("kassa-decode");
      return decode_counted(lookahead_decoder, source.next(stop), metrics);
    });
  };
  auto next = read_ahead();
  while (!stop.load()) {
    auto batch = next.get();
    // The source is read only on the reading thread from here until the next get().
    const bool finished = source.finished();
    const auto share = source.done_share();
    if (!finished) next = read_ahead();
    if (!batch.empty()) {
      if (!started) first = Clock::now();
      started = true;
      writer.write_decoded(batch);
    }
    progress.maybe(summary.counts.messages, share);
    if (finished) {
      summary.completed = !stop.load();
      break;
    }
  }
  if (next.valid()) next.wait();
  publishers.finish(summary.completed, stop);
  if (started) {
    summary.busy_seconds = std::chrono::duration<double>(last_commit - first).count();
    summary.settled_seconds = since(first);
  }
}

// Dry run, first pass: the window applied in memory above the database, nothing written.
std::set<std::string> replay_in_memory(const Config& config, const ReplayOptions& options,
                                       std::atomic<bool>& stop, HistorySource& source,
                                       ReplaySummary& summary) {
  store::Database database(config.pg_dsn);
  require_schema(database.connection());
  contract::Decoder decoder;
  const ingest::Outputs outputs = outputs_of(config);
  ingest::MemoryBook book;  // the window's would-be changes, above the stored state
  std::set<std::string> touched;
  Progress progress(options.progress_every, "dry run read");
  const auto first = Clock::now();
  while (!stop.load()) {
    auto messages = source.next(stop);
    if (!messages.empty()) {
      const auto batch = ingest::decode_batch(decoder, std::move(messages));
      auto needs = ingest::needs_of(batch);
      touched.insert(needs.order_ids.begin(), needs.order_ids.end());
      // Only what the book does not know yet comes from the database; never committed.
      std::erase_if(needs.order_ids,
                    [&](const std::string& id) { return book.state().orders.contains(id); });
      std::erase_if(needs.event_ids,
                    [&](const std::string& id) { return book.state().inbox.contains(id); });
      {
        pqxx::work tx(database.connection());
        book.seed(store::load_snapshot(tx, needs).snapshot);
      }
      summary.counts += book.apply(batch, utc_now(), outputs).counts;
      ++summary.batches;
    }
    progress.maybe(summary.counts.messages, source.done_share());
    if (source.finished()) {
      summary.completed = !stop.load();
      break;
    }
  }
  summary.busy_seconds = since(first);
  return touched;
}

}  // namespace

ReplaySummary run_replay(const Config& config, const ReplayOptions& options, Metrics& metrics,
                         std::atomic<bool>& stop) {
  if (options.file.empty() && !options.from)
    throw std::invalid_argument("replay: --from is required when reading Kafka");
  if (options.from && options.to && *options.to <= *options.from)
    throw std::invalid_argument("replay: --to must be later than --from");
  const auto started = Clock::now();
  ReplaySummary summary;
  if (options.file.empty()) summary.window_total = 0;
  auto source = window_source(config, options, summary);
  if (options.file.empty())
    log::info("replay: " + std::to_string(summary.window_total) + " messages in the window");
  if (!options.dry_run) {
    replay_into_database(config, options, metrics, stop, *source, summary);
  } else {
    const auto touched = replay_in_memory(config, options, stop, *source, summary);
    source.reset();
    if (summary.completed) check_history(config, options, touched, stop, summary);
  }
  summary.seconds = since(started);
  return summary;
}

}  // namespace kassa::app
