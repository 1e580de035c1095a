// The outbox relay: publishes outbox rows with an idempotent producer and stamps them published.
//
// Delivery guarantee: at-least-once, byte-identical. Rows are marked only after Kafka acknowledged
// them, in the same transaction that claimed them; a crash between the two republishes the very
// same stored bytes on the next round, so consumers deduplicate by message id, never see a loss.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "app/background.hpp"
#include "app/config.hpp"
#include "app/metrics.hpp"

namespace kassa::app {

class Relay {
 public:
  Relay(const Config& config, Metrics* metrics);
  ~Relay();

  // One round; returns the number of messages published (0: nothing to do or another relay busy).
  std::size_t run_once();
  // Rounds until `stop`, sleeping between empty rounds until wake() or a second passes.
  void run(const std::atomic<bool>& stop);
  void wake();
  // Publishes until nothing is pending (or `stop`); used before a bounded run exits.
  void drain(const std::atomic<bool>& stop);
  // Deletes published rows older than the retention (done by run() every ten minutes).
  void clean_up(const std::atomic<bool>& stop);

 private:
  struct Impl;
  Impl* impl_;
  Wakeup wakeup_;
};

}  // namespace kassa::app
