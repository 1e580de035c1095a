// The outbox relay: publishes outbox rows with an idempotent producer and stamps them published.
//
// Delivery guarantee: at-least-once, byte-identical. Every row Kafka acknowledged is marked
// published in the transaction that claimed it; a crash between the acknowledgement and the commit
// republishes the very same stored bytes on the next round, so consumers deduplicate by message
// id and never see a loss. While nothing crashes, an acknowledged message is never sent again.
//
// No message jams it: a row Kafka refuses for good (bus/produce_errors.hpp: too large, unknown
// topic, not authorized, invalid record) is parked with the error (kassa.outbox.failed_at,
// last_error; a metric and a log line) and the rows behind it go on; `kassa outbox retry` makes
// it wait again. A refusal of a whole record batch (too large, an invalid record) is first tried
// again row by row, so only the row refused by itself is parked. A row that fails for a passing
// reason (timeout, broker down) waits with backoff (next_attempt_at: 1 s doubling up to 30 s)
// while the other rows are published.
//
// Order per key: see relay.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "app/background.hpp"
#include "app/config.hpp"
#include "app/metrics.hpp"
#include "store/outbox_store.hpp"

namespace kassa::app {

class Relay {
 public:
  using Lane = store::OutboxLane::Kind;
  // Every lane counts what it publishes; only an `all` or `records` relay sets the outbox-wide
  // gauges and deletes old rows.
  Relay(const Config& config, Metrics* metrics, Lane lane = Lane::all);
  ~Relay();

  // One round; returns the number of rows it settled, published or parked (0: nothing due, or
  // another relay busy, or every row failed for a passing reason).
  std::size_t run_once();
  // Rounds until `stop`, sleeping between empty rounds until wake() or a second passes.
  void run(const std::atomic<bool>& stop);
  void wake();
  // Publishes until nothing is waiting (or `stop`); parked rows do not hold it (it logs how many
  // there are). Used before a bounded run exits.
  void drain(const std::atomic<bool>& stop);
  // Deletes published rows older than the retention (done by run() every ten minutes).
  void clean_up(const std::atomic<bool>& stop);
  // Reads the outbox gauges from the database (and sets the metrics); returns the lane's rows
  // waiting.
  std::int64_t refresh_gauges();
  // False while rows wait and the relay cannot publish them: the last attempt failed for a
  // passing reason, or nothing was published for KASSA_RELAY_STALL_AFTER (for /readyz).
  bool publishing() const;
  // False when the relay's loop has not come round for KASSA_LIVENESS_TIMEOUT (for /healthz);
  // waiting for Kafka's acknowledgements counts as coming round.
  bool alive() const;

 private:
  struct Impl;
  Impl* impl_;
  Wakeup wakeup_;
};

}  // namespace kassa::app
