// `kassa run`: the consumer loop. Per batch the BatchWriter (app/batch_writer.hpp) runs ONE
// PostgreSQL transaction that first advances the stored offsets (compare-and-set), then loads
// the orders, applies the batch function and writes inbox, state, ledger, dead letters and
// outbox rows; only after the commit does the loop store the offsets in Kafka and wake the
// outbox relay and the renderer. Failure handling is the BatchWriter's; a fenced batch (another
// worker moved the offsets) makes the consumer re-seek from PostgreSQL.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

#include "app/config.hpp"
#include "app/metrics.hpp"
#include "app/payout_feed.hpp"
#include "ingest/batch.hpp"

namespace kassa::app {

struct RunSummary {
  ingest::Counts counts;
  std::int64_t batches = 0;
  double seconds = 0;       // the whole run, group join included
  double busy_seconds = 0;  // from the first message polled to the last commit
  // From the first message polled until a bounded run had rendered every package and published
  // every outbox row (the consumer's work plus the renderer and relay catching up).
  double settled_seconds = 0;
  std::vector<double>
      batch_seconds;  // each committed batch's processing time (kept for the benchmark)
  // invoicebox.payouts.v1, read by its own consumer group (app/payout_feed.hpp).
  PayoutCounts payouts;
  bool caught_up = false;  // with --until-caught-up: the order topics and the payouts both
};

struct RunOptions {
  bool until_caught_up = false;
  bool serve_http = true;
  // Progress line on stderr every this often (0: never).
  std::chrono::seconds progress_every{10};
  // For the benchmark's latency phase: after each batch commit, the Kafka timestamps (producer
  // CreateTime, ms since the epoch) of the messages the batch was polled with. Empty: not called.
  std::function<void(const std::vector<std::int64_t>& timestamps_ms)> committed_timestamps;
};

RunSummary run_worker(const Config& config, const RunOptions& options, Metrics& metrics,
                      std::atomic<bool>& stop);

}  // namespace kassa::app
