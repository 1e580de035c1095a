// Retrying what the environment breaks: the shell's loops (the consumer loops, the payouts feed,
// the merchants table) share one rule for database work outside the batch writer.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "app/metrics.hpp"
#include "store/database.hpp"
#include "support/log.hpp"

namespace kassa::app {

// Runs `body` until it succeeds. A transient error (store::is_transient: connection lost, commit
// in doubt, serialization failure, server shutting down) reconnects and retries with backoff,
// calling `between` each time (a liveness heartbeat); anything else is rethrown. False when
// stopped first.
template <typename Body, typename Between>
bool retry_transient(const std::atomic<bool>& stop, store::Database& database, Metrics& metrics,
                     const std::string& what, Between&& between, Body&& body) {
  auto backoff = std::chrono::milliseconds(100);
  while (!stop) {
    try {
      body();
      return true;
    } catch (const std::exception& e) {
      if (!store::is_transient(e)) throw;
      database.reset();
      metrics.db_retries.Increment();
      log::warn(what + ": " + e.what() + "; retrying in " + std::to_string(backoff.count()) +
                " ms");
      std::this_thread::sleep_for(backoff);
      between();
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
  return false;
}

}  // namespace kassa::app
