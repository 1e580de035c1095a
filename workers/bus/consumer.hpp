// The Kafka consumer of the three input topics, in a consumer group.
//
// Delivery guarantees, as this class makes them:
//  - Offsets live in PostgreSQL (kassa.consumer_offsets), written in the batch's transaction. On
//    every assignment the consumer asks `on_assign` for them and starts exactly there; Kafka's own
//    committed offsets (stored after each commit, sent by the background auto-commit) are only
//    for lag monitoring and tools.
//  - A batch handed out by poll_batch() may be handed out again after a crash or a rebalance
//    (at-least-once delivery); processing must be idempotent, which the inbox and the offset
//    compare-and-set in the batch transaction make it.
//  - On revocation, messages buffered for the revoked partitions are dropped: the next owner
//    reads them again from the offsets in PostgreSQL.
//
// Order across topics. Kafka keeps order only within a partition, but a refund of shipped goods
// must meet the shipment before it, and a replay must give the same result as the first run.
// The three input topics are co-partitioned by order_id (same key, same partition count, same
// partitioner), and the range assignor gives one member partition p of all three. poll_batch()
// merges them by message timestamp: a message is released only once every other input topic's
// partition p has been read up to a later timestamp or to its end, and released messages come
// out in (timestamp, payments < shipments < refunds) order, each partition's own order kept.
// "Read to its end" is only as fresh as the last fetch of that partition: a shipment produced a
// moment before a refund may still be on its way (a slow fetch, a leader moving) when the refund
// arrives, and releasing the refund first would dead-letter the shipment as over_shipment. So a
// sibling at its end holds back what is younger than `merge_grace` by the local clock: it lets
// pass only messages stamped before max(its newest timestamp, now - merge_grace). Payments do not
// wait for the grace: one that overtakes a late shipment or refund of its order only makes that
// event apply directly instead of parked and released, with the same result.
// Offsets only ever advance over released messages, so held-back messages are never lost. The
// timestamps are the producers' (CreateTime): they follow business order, and when they rise
// within each partition the merged order is a function of the logs alone, so a replay or a
// restart after a crash applies the events in exactly the same order.
// A partition far ahead of its siblings is paused until they catch up (bounded memory).
//
// Two ways to get partitions. Subscribed (kassa run): a member of the consumer group, offsets
// from PostgreSQL. Assigned (kassa replay): no group membership at all, so it never moves a
// group's offsets nor takes partitions from the live workers; each partition is read over a fixed
// range [start, end) and then counts as ended, so the merge releases everything and finished()
// tells when the whole window has been handed out.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bus/kafka.hpp"
#include "ingest/batch.hpp"

namespace kassa::bus {

using Offsets = std::map<ingest::PartitionKey, std::int64_t>;
using Positions = std::map<ingest::PartitionKey, std::optional<std::int64_t>>;
struct OffsetRange {
  std::int64_t low = 0, high = 0;  // log start, and the offset the next message will get
};
using Watermarks = std::map<ingest::PartitionKey, OffsetRange>;

struct ConsumerOptions {
  std::string brokers;
  std::string group_id = "kassa";
  std::map<std::string, core::EventKind> topics;  // topic name -> event kind
  std::size_t batch_max_messages = 500;
  std::chrono::milliseconds batch_max_wait{200};
  // How long a message waits for a sibling partition that is at its end (see above); zero
  // trusts the end at once.
  std::chrono::milliseconds merge_grace{2000};
  Settings extra;  // more librdkafka properties
  // Assigned mode: read exactly these ranges, then stop (empty: subscribe to the group).
  std::map<ingest::PartitionKey, OffsetRange> ranges;
  // Another table the merge waits for (the merchants table, app/merchant_table.hpp): messages
  // stamped at or after gate() are held back, whatever their kind. Empty: none.
  std::function<std::int64_t()> gate;
  // Called from poll_batch() every statistics.interval.ms (default 5 s) with, per assigned
  // partition, the messages between the stored position and the log end (librdkafka's
  // statistics give the log end).
  std::function<void(const std::map<ingest::PartitionKey, std::int64_t>&)> on_lag;
};

// For a replay window: per partition of `topics`, the first offset whose timestamp is >= from
// (rd_kafka_offsets_for_times) up to the first offset >= to, or to the end of the log as it is
// now when `to` is absent. Partitions with nothing in the window come back as empty ranges.
Watermarks window_offsets(const std::string& brokers, const std::vector<std::string>& topics,
                          std::int64_t from_ms, std::optional<std::int64_t> to_ms,
                          const Settings& extra, std::chrono::milliseconds timeout);

class Consumer {
 public:
  // Returns the stored next offset of each partition (nullopt: none stored, start at the
  // beginning).
  using OffsetsLoader = std::function<Positions(const std::vector<ingest::PartitionKey>&)>;

  Consumer(ConsumerOptions options, OffsetsLoader load_offsets);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Up to batch_max_messages, waiting at most batch_max_wait; may be empty. Returns early, with
  // what it has, when every partition is read to its end (an idle stream waits for nothing).
  // `max_wait` overrides batch_max_wait (a look-ahead poll passes zero: take what is there).
  std::vector<ingest::Message> poll_batch(const std::atomic<bool>& stop,
                                          std::optional<std::chrono::milliseconds> max_wait = {});
  // Assigned mode: every range read to its end and handed out.
  bool finished() const;

  // After the batch transaction committed: remember the new positions and store the offsets for
  // Kafka's background commit.
  void committed(const Offsets& next);
  // After a fenced batch: reload the stored offsets of every assigned partition and seek there.
  void resync();

  const Positions& positions() const { return positions_; }
  // Changes whenever the positions are reset (assignment, revocation, resync): a batch polled
  // under an older generation may no longer start where the stored offsets are.
  std::uint64_t generation() const { return generation_; }
  std::size_t assigned_partitions() const { return positions_.size(); }
  // Low and high watermarks of every partition of the input topics, now.
  Watermarks watermarks(std::chrono::milliseconds timeout);
  // Leaves the group cleanly (revocation runs); idempotent.
  void close();

 private:
  static void rebalance_callback(rd_kafka_t* handle, rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static int statistics_callback(rd_kafka_t* handle, char* json, std::size_t length, void* opaque);
  void on_statistics(std::string_view json);
  void on_assign(rd_kafka_topic_partition_list_t* partitions);
  void on_revoke(rd_kafka_topic_partition_list_t* partitions);
  std::optional<ingest::Message> convert(const rd_kafka_message_t& message);
  std::vector<ingest::Message> release(std::size_t limit, std::int64_t now_ms);
  bool releasable(std::size_t wanted, std::int64_t now_ms) const;
  void apply_backpressure();
  void assign_ranges();
  void pause(const ingest::PartitionKey& key, bool paused);
  bool all_at_end() const;
  // Something is held back by the gate alone (waiting for it, not for the clock).
  bool gated() const;

  // What has been read from one input partition and not yet released.
  struct Inflow {
    std::deque<ingest::Message> pending;
    std::int64_t last_timestamp = -1;  // newest timestamp read from it
    bool at_end = false;               // read up to the end of the log (until a new message comes)
    bool paused = false;
    std::optional<std::int64_t> end;  // assigned mode: the range ends before this offset
    bool done = false;                // assigned mode: read up to `end`
  };
  void finish_range(const ingest::PartitionKey& key, Inflow& flow);
  // Messages of a sibling partition stamped below this may be released; `graced`: with the merge
  // grace against a partition at its end.
  std::int64_t release_bound(const Inflow& flow, std::int64_t now_ms, bool graced) const;
  // What one partition index may release: payments below one bound, the rest below the other.
  struct Bounds {
    std::int64_t graced = INT64_MAX, payments = INT64_MAX;
    std::int64_t of(core::EventKind kind) const {
      return kind == core::EventKind::payment ? payments : graced;
    }
  };
  Bounds bounds(const std::vector<const Inflow*>& flows, std::int64_t now_ms) const;
  // How long until the oldest held-back message is past every sibling's bound by the clock
  // alone; nullopt when nothing waits only for the clock.
  std::optional<std::chrono::milliseconds> until_releasable(std::int64_t now_ms) const;

  ConsumerOptions options_;
  OffsetsLoader load_offsets_;
  Handle handle_;
  Positions positions_;
  std::map<ingest::PartitionKey, Inflow> inflow_;
  bool closed_ = false;
  std::uint64_t generation_ = 0;
  std::exception_ptr failure_;  // thrown inside a librdkafka callback, rethrown by poll_batch
};

}  // namespace kassa::bus
