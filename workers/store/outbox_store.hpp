// The outbox's read side, for the relay and `kassa outbox`. One relay publishes at a time (a
// transaction-scoped advisory lock), in id order.
//
// A row is waiting (published_at and failed_at null; due once next_attempt_at has passed),
// published (published_at set), or parked (failed_at set: Kafka refused it for good, until
// `kassa outbox retry` makes it wait again).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace kassa::store {

struct OutboxRow {
  std::int64_t id = 0;
  std::string message_id, topic, key, payload;
  int attempts = 0;  // failed attempts so far
};

// Which rows a relay publishes. Package messages wait for their files to be written to the
// documents folder (fsync'd, a few milliseconds each), so `kassa run` relays them in their own lane
// and receipts and dead letters never queue behind them. Each lane has its own lock, `all` takes
// both; per-key order holds within a topic, and a key's messages never change lanes.
struct OutboxLane {
  enum class Kind { all, records, documents };
  Kind kind = Kind::all;
  std::string documents_topic;  // for records and documents
};

// The oldest due waiting rows of the lane, or nullopt when another relay holds the lane's lock
// right now. The lock lasts until `tx` ends, so publish and mark within the same transaction.
std::optional<std::vector<OutboxRow>> claim_outbox(pqxx::work& tx, std::size_t limit,
                                                   const OutboxLane& lane = {});
void mark_published(pqxx::work& tx, const std::vector<std::int64_t>& ids);
// A passing failure: the row waits again, due `backoff` after now (the clock, not the start
// of the transaction, which may have spent a long publish already).
void mark_retry(pqxx::work& tx, std::int64_t id, const std::string& error,
                std::chrono::milliseconds backoff);
// A permanent failure: the row is parked with the error.
void mark_parked(pqxx::work& tx, std::int64_t id, const std::string& error);

struct OutboxGauges {
  std::int64_t waiting = 0;       // unpublished, not parked (due or in backoff)
  double oldest_waiting_age = 0;  // seconds since the oldest waiting row was written; 0 if none
  std::int64_t parked = 0;
};
OutboxGauges outbox_gauges(pqxx::connection& connection);
// Rows of the lane waiting (unpublished, not parked).
std::int64_t outbox_waiting(pqxx::connection& connection, const OutboxLane& lane);
std::int64_t count_unpublished(pqxx::connection& connection);  // waiting + parked

struct ParkedRow {
  std::int64_t id = 0;
  std::string message_id, topic, key, error, failed_at;
  std::int64_t size = 0;  // payload bytes
  int attempts = 0;
};
std::vector<ParkedRow> list_parked(pqxx::connection& connection);
// Makes parked rows wait again (all of them when `ids` is empty and `all`); returns the ids of
// the rows it changed. Ids that are not parked rows are left out of the answer.
std::vector<std::int64_t> retry_parked(pqxx::connection& connection,
                                       const std::vector<std::int64_t>& ids, bool all);

// Deletes up to `limit` rows published more than `older_than` ago; returns how many. Receipts keep
// their bodies in kassa.receipts and dead letters their reasons in kassa.rejections.
std::int64_t delete_published(pqxx::connection& connection, std::chrono::seconds older_than,
                              std::size_t limit);

}  // namespace kassa::store
