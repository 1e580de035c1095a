// `kassa run`: the consumer loop. Per batch: decode (pure), then ONE PostgreSQL transaction that
// advances the stored offsets (compare-and-set), loads the orders, applies the batch function and
// writes inbox, state, ledger, dead letters and outbox rows; then, only after the commit, stores
// the offsets in Kafka and wakes the outbox relay.
//
// Failure handling:
//  - transient database errors (connection lost, commit in doubt, serialization failure,
//    deadlock, server shutting down): reconnect and retry the same batch with backoff, forever,
//    until SIGTERM; nothing is dead-lettered for it;
//  - another worker moved the offsets (fenced): drop the batch, re-seek from PostgreSQL;
//  - a batch that fails for a reason that is not transient (a data error, a bug): retried one
//    message at a time; the single message that still fails is dead-lettered as internal_error,
//    so it never blocks the messages behind it.
#pragma once

#include <atomic>
#include <chrono>
#include <vector>

#include "app/config.hpp"
#include "app/metrics.hpp"
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
  bool caught_up = false;
};

struct RunOptions {
  bool until_caught_up = false;
  bool serve_http = true;
  // Progress line on stderr every this often (0: never).
  std::chrono::seconds progress_every{10};
};

RunSummary run_worker(const Config& config, const RunOptions& options, Metrics& metrics,
                      std::atomic<bool>& stop);

}  // namespace kassa::app
