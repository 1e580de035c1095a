// The outbox's read side, for the relay. One relay publishes at a time (a transaction-scoped
// advisory lock), in id order, so messages of one key keep their order across worker replicas.
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
};

// The oldest unpublished rows, or nullopt when another relay holds the lock right now. The lock
// lasts until `tx` ends, so publish and mark within the same transaction.
std::optional<std::vector<OutboxRow>> claim_outbox(pqxx::work& tx, std::size_t limit);
void mark_published(pqxx::work& tx, const std::vector<std::int64_t>& ids);
std::int64_t count_unpublished(pqxx::connection& connection);
// Deletes up to `limit` rows published more than `older_than` ago; returns how many. Receipts keep
// their bodies in kassa.receipts and dead letters their reasons in kassa.rejections.
std::int64_t delete_published(pqxx::connection& connection, std::chrono::seconds older_than,
                              std::size_t limit);

}  // namespace kassa::store
