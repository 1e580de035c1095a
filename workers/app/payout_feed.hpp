// `kassa run`'s payouts consumer (invoicebox.payouts.v1, contract section 6), on its own thread
// beside the order loops.
//
// A consumer group of its own (KASSA_GROUP_ID + "-payouts"): payouts are keyed by merchant, not
// co-partitioned with the order topics nor ordered with them, so they never enter the order
// topics' cross-topic merge, and a rebalance of one group leaves the other alone.
//
// Delivery guarantees, as this class makes them:
//  - Each batch is ONE PostgreSQL transaction: the offset compare-and-set in
//    kassa.consumer_offsets (under that group) first, then the payouts with their orders, the
//    rejections and the dead letters' outbox rows. The offsets go to Kafka only after the commit.
//  - A payout is recorded exactly once: a batch read again after a crash finds its payouts
//    recorded (same event_id, same content: a duplicate), and kassa.payouts' keys make a second
//    insert a no-op. A different event_id for a recorded (merchant_id, payout_id) is a duplicate
//    payout: ignored, counted and logged. The same event_id with other content is dead-lettered
//    (event_id_conflict).
//  - A batch fenced by the compare-and-set (another member, or a zombie, moved the offsets) is
//    dropped and the consumer re-reads from the stored offsets. Transient database errors retry
//    the batch with backoff; a batch that fails otherwise is retried a message at a time and the
//    one message that still fails is dead-lettered as internal_error.
//  - No payouts topic (a platform that does not send payouts): a warning, and the worker runs
//    without it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "app/config.hpp"
#include "app/metrics.hpp"

namespace kassa::app {

struct PayoutCounts {
  std::int64_t messages = 0, recorded = 0, duplicates = 0, rejected = 0;
  std::int64_t recorded_amount = 0;  // kopecks
  std::map<std::string, std::int64_t> rejected_by_code;
  PayoutCounts& operator+=(const PayoutCounts& other);
};

class PayoutFeed {
 public:
  // `wake_relay`: after a commit that wrote dead letters.
  PayoutFeed(const Config& config, Metrics& metrics, std::atomic<bool>& stop, bool until_caught_up,
             std::function<void()> wake_relay);
  ~PayoutFeed();
  PayoutFeed(const PayoutFeed&) = delete;
  PayoutFeed& operator=(const PayoutFeed&) = delete;

  // Consumes until `stop` or, when bounded, until the end offsets that existed when it started
  // are stored; returns at once (caught up) when the topic does not exist.
  void run();

  bool alive() const;      // the loop came round within KASSA_LIVENESS_TIMEOUT (or has ended)
  bool caught_up() const;  // a bounded run reached its end offsets (or there is no topic)
  const PayoutCounts& counts() const;  // read after run() returned

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kassa::app
