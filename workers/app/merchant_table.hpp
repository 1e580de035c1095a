// The merchants table (contract section 6): every `kassa run` reads invoicebox.merchants.v1 whole
// (bus::TableReader) and records each merchant event as a version in kassa.merchant_versions;
// receipts and documents take the version in force when their order event occurred.
//
// Guarantees, as this class makes them:
//  - A version is written before bound() moves past it: the order topics' consumers release an
//    order event only once the table has been read, and committed, past the event's timestamp
//    (or to its end), so a live run and a replay pick the same version.
//  - Writing a version twice (every worker writes every event; a restart reads the topic again)
//    is a no-op: kassa.merchant_versions is unique by event_id. Dead letters are keyed by the
//    message's coordinates, so a bad merchant event is published once however often it is read.
//  - Orders waiting for a merchant (KASSA_UNKNOWN_MERCHANT=wait) are released in the batch
//    transaction's shape (BatchWriter::release_waiting) when the merchant's first version is
//    recorded, and by a sweep every 30 s (a release a crash interrupted).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "app/batch_writer.hpp"
#include "app/config.hpp"
#include "app/metrics.hpp"
#include "bus/table_reader.hpp"
#include "contract/merchant_event.hpp"

namespace kassa::app {

class MerchantTable {
 public:
  // `committed` hears of every release transaction (the relay's wake-up).
  MerchantTable(const Config& config, Metrics& metrics, const std::atomic<bool>& stop,
                BatchWriter::Hooks hooks);

  // Order events stamped before this may be applied (bus::ConsumerOptions::gate).
  std::int64_t bound() const { return bound_.load(); }
  // Read to the end, recorded, and what waited for the merchants read so far released.
  bool settled() const { return settled_.load(); }

  // One round: read what is there (waiting up to `wait`), record it, release. Returns the
  // number of merchant events read.
  std::size_t step(std::chrono::milliseconds wait);
  // Until stopped.
  void run(const std::function<void()>& heartbeat);
  // Reads the topic to its end and records it (kassa replay, before its window).
  void read_to_end();

 private:
  void record(const std::vector<ingest::Message>& messages);

  const Config& config_;
  Metrics& metrics_;
  const std::atomic<bool>& stop_;
  BatchWriter writer_;
  bus::TableReader reader_;
  contract::MerchantDecoder decoder_;
  std::atomic<std::int64_t> bound_{INT64_MIN};
  std::atomic<bool> settled_{false};
  std::set<std::string> arrived_;  // merchants with a new version, not yet released
  std::chrono::steady_clock::time_point last_sweep_{};
};

}  // namespace kassa::app
