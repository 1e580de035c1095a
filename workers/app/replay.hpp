// `kassa replay`: re-reads history for a backfill, in the same batch function as `kassa run`.
//
//  - From Kafka: the window [--from, --to) is found per partition with offsets_for_times and read
//    by manual assignment (bus::Consumer's assigned mode). No consumer group is joined and no
//    offsets are stored anywhere, so the live group keeps its partitions and its offsets.
//  - From a file (--file): an NDJSON archive of input messages (contract/archive_line.hpp), in
//    its own order; --from/--to filter by each line's timestamp.
//
// Writing (the default): each batch goes through the BatchWriter without an offset step. The
// inbox makes it idempotent: an event already applied is a duplicate and changes nothing, an
// event the live run never applied is applied now, with its receipts and packages, once. Run
// beside a live worker, both serialize on the orders they share (row locks and the version
// check), so an event applies once whoever gets there first. The replay starts its own renderer,
// relay and mailer and drains them before it exits, so a rebuild publishes what it issued.
//
// Dry run: writes nothing. It applies the window in memory above the database (what the window
// would change), then rebuilds every order the window touches from its full history (the input
// topics from the log start, or the whole file) and compares each stored receipt and package of
// those orders with the rebuilt bytes. A difference is a bug: the summary lists the first ones
// and `kassa replay` exits 3.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/metrics.hpp"
#include "core/utc_time.hpp"
#include "ingest/batch.hpp"

namespace kassa::app {

struct ReplayOptions {
  std::optional<core::UtcTime> from;  // required when reading Kafka
  std::optional<core::UtcTime> to;    // absent: up to the end of the log as it is at start
  std::string file;                   // NDJSON archive instead of Kafka
  bool dry_run = false;
  std::chrono::seconds progress_every{10};  // 0: no progress lines
  std::size_t differences_shown = 10;
};

struct Difference {
  std::string kind;  // "receipt" or "package"
  std::string id, order_id;
  std::string detail;
};

struct ReplaySummary {
  ingest::Counts counts;           // applied, or that would be applied in a dry run
  std::int64_t window_total = 0;   // messages in the window (Kafka; -1 for a file)
  std::int64_t skipped_lines = 0;  // file lines of topics that are not input topics
  std::int64_t batches = 0;
  double seconds = 0;          // the whole command
  double busy_seconds = 0;     // first batch read to last batch committed
  double settled_seconds = 0;  // until every package rendered and row published (not dry run)
  bool completed = false;      // read the whole window (false: stopped by a signal)
  // Dry run: the history check.
  std::int64_t orders_checked = 0, receipts_checked = 0, packages_checked = 0;
  std::int64_t difference_count = 0;
  std::vector<Difference> differences;  // the first `differences_shown`
};

// Throws std::invalid_argument for options that do not make sense (exit status 2).
ReplaySummary run_replay(const Config& config, const ReplayOptions& options, Metrics& metrics,
                         std::atomic<bool>& stop);

}  // namespace kassa::app
