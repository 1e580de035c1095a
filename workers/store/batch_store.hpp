// The batch transaction. Within ONE transaction the consumer:
//   1. advance_offsets: moves each partition's stored offset from the position this consumer
//      last knew to the batch's end (compare-and-set). If another consumer moved it meanwhile
//      (a rebalance, a zombie after a long pause) this throws FencedError and nothing is written.
//   2. load_snapshot: reads the orders (locked FOR UPDATE, in id order) and inbox entries the
//      batch needs.
//   3. write_result: inbox, order state (optimistic version check), ledger, rejections, outbox.
// Commit makes all of it visible at once; the offsets go back to Kafka only afterwards.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "ingest/batch.hpp"

namespace kassa::store {

struct FencedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Another worker changed an order this batch read; retry the batch from a fresh snapshot.
struct ConflictError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Offsets = std::map<ingest::PartitionKey, std::int64_t>;
// Position this consumer believes each partition is at (nullopt: no row yet, read from the start).
using Positions = std::map<ingest::PartitionKey, std::optional<std::int64_t>>;

struct Loaded {
  ingest::Snapshot snapshot;
  std::map<std::string, std::int64_t> versions;  // order_id -> version read
};

void advance_offsets(pqxx::work& tx, const std::string& group_id, const Offsets& next,
                     const Positions& known);
Loaded load_snapshot(pqxx::work& tx, const ingest::Needs& needs);
void write_result(pqxx::work& tx, const ingest::BatchResult& result,
                  const std::map<std::string, std::int64_t>& versions);
// Outbox rows (a second write of the same message id is a no-op).
void insert_outbox(pqxx::work& tx, const std::vector<ingest::OutboxWrite>& outbox);

// Stored next offsets of a group for the given topics.
Offsets read_offsets(pqxx::connection& connection, const std::string& group_id,
                     const std::vector<std::string>& topics);

}  // namespace kassa::store
