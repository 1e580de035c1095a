// Reads one topic whole, every partition from its beginning, without a consumer group: a table
// that every worker holds entirely (like a global table in Kafka Streams), here the merchants
// topic. Nothing is committed anywhere: a restart reads the table again, and what the reader
// does with a message must be idempotent.
//
// The reader also says how far it has read, for the order topics' consumers: an order event may
// be applied only once the table has been read past its time, to a message stamped later or to
// the end of every partition (bound()).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bus/kafka.hpp"
#include "ingest/batch.hpp"

namespace kassa::bus {

class TableReader {
 public:
  TableReader(const std::string& brokers, std::string topic, const Settings& extra);
  ~TableReader();
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  // Up to `max` messages, waiting at most `wait` for the first; returns early when every
  // partition is read to its end. A topic that does not exist reads as empty (looked up again
  // every 30 s).
  std::vector<ingest::Message> poll(std::chrono::milliseconds wait, std::size_t max);

  // Messages of the other topics stamped before this may be applied: the oldest newest-timestamp
  // over the partitions not yet read to their end; INT64_MAX when all are.
  std::int64_t bound() const;
  bool at_end() const;
  bool topic_exists() const { return exists_; }
  const std::string& topic() const { return topic_; }

 private:
  void assign();

  struct Partition {
    std::int64_t last_timestamp = -1;
    bool at_end = false;
  };
  std::string topic_;
  Handle handle_;
  std::map<std::int32_t, Partition> partitions_;
  bool exists_ = false;
  std::chrono::steady_clock::time_point looked_up_{};
};

}  // namespace kassa::bus
