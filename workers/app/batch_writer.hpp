// The batch transaction and its failure handling, shared by `kassa run` and `kassa replay`:
// decode (pure), then ONE PostgreSQL transaction that runs the caller's offset step, loads the
// orders, applies the batch function and writes inbox, state, ledger, dead letters, receipts,
// packages and outbox rows. The caller hears of each commit afterwards (and only then moves
// anything outside PostgreSQL: Kafka offsets, the relay's and renderer's wake-ups).
//
// Failure handling:
//  - transient database errors (connection lost, commit in doubt, serialization failure,
//    deadlock, server shutting down): reconnect and retry the same batch with backoff, forever,
//    until stopped; nothing is dead-lettered for it;
//  - another writer changed an order this batch read (version check): retry from a fresh
//    snapshot; the inbox then sees what the other one applied, so nothing applies twice;
//  - the offset step says another worker moved the offsets (FencedError): drop the batch and
//    tell the caller, which re-reads from PostgreSQL's offsets;
//  - a batch that fails for a reason that is not transient (a data error, a bug): retried one
//    message at a time; the single message that still fails is dead-lettered as internal_error,
//    so it never blocks the messages behind it.
#pragma once

#include <atomic>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/metrics.hpp"
#include "contract/decode.hpp"
#include "ingest/batch.hpp"
#include "store/batch_store.hpp"
#include "store/database.hpp"

namespace kassa::app {

// Adds the time since the previous mark to a batch phase (Metrics::kBatchPhases).
class PhaseClock {
 public:
  explicit PhaseClock(Metrics& metrics) : metrics_(metrics) {}
  void done(const char* phase);

 private:
  Metrics& metrics_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// decode_batch, its time added to the "decode" phase (safe from any thread).
std::vector<ingest::DecodedMessage> decode_counted(contract::Decoder& decoder,
                                                   std::vector<ingest::Message> messages,
                                                   Metrics& metrics);

class BatchWriter {
 public:
  struct Hooks {
    // First thing in the transaction: kassa run's offset compare-and-set. Empty for a replay,
    // which records no offsets (its idempotence rests on the inbox alone).
    std::function<void(pqxx::work&, const store::Offsets& next)> advance;
    // After each commit, with what it wrote and the batch's processing time.
    std::function<void(const ingest::BatchResult&, const store::Offsets& next, double seconds)>
        committed;
    std::function<void()> fenced;     // the offset step threw FencedError
    std::function<void()> heartbeat;  // between retries: the poll loop is alive
  };

  BatchWriter(const Config& config, Metrics& metrics, const std::atomic<bool>& stop, Hooks hooks);

  void write(std::vector<ingest::Message> messages);
  void write_decoded(const std::vector<ingest::DecodedMessage>& batch);
  // Applies what waited for these merchants, now that they have versions, in transactions of
  // up to batch_max_messages orders; no offsets. A failure that is not transient is logged and
  // left for the next call (the orders keep waiting).
  void release_waiting(const std::set<std::string>& merchants);

  store::Database& database() { return database_; }
  const ingest::Outputs& outputs() const { return outputs_; }
  contract::Decoder& decoder() { return decoder_; }

  static store::Offsets next_offsets(const std::vector<ingest::DecodedMessage>& batch);

 private:
  using Clock = std::chrono::steady_clock;
  void process(const std::vector<ingest::DecodedMessage>& batch, Clock::time_point started);
  void isolate(const std::vector<ingest::DecodedMessage>& batch, const std::exception& error,
               Clock::time_point started);

  Metrics& metrics_;
  const std::atomic<bool>& stop_;
  Hooks hooks_;
  store::Database database_;
  contract::Decoder decoder_;
  ingest::Outputs outputs_;
  std::size_t release_chunk_;
};

// Where the outputs go and what the seller's requisites are, from configuration.
ingest::Outputs outputs_of(const Config& config);

}  // namespace kassa::app
