#include "store/outbox_store.hpp"

#include <nlohmann/json.hpp>

namespace kassa::store {
namespace {
constexpr std::int64_t kRelayLock = 0x6b61737361'0002;
}

std::optional<std::vector<OutboxRow>> claim_outbox(pqxx::work& tx, std::size_t limit) {
  if (!tx.exec_params1("SELECT pg_try_advisory_xact_lock($1)", kRelayLock)[0].as<bool>())
    return std::nullopt;
  const auto rows = tx.exec_params(
      "SELECT id, topic, message_key, payload, message_id::text FROM kassa.outbox "
      "WHERE published_at IS NULL ORDER "
      "BY id LIMIT $1",
      static_cast<std::int64_t>(limit));
  std::vector<OutboxRow> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    const pqxx::binarystring key(row[2]), payload(row[3]);
    out.push_back({row[0].as<std::int64_t>(), row[4].as<std::string>(), row[1].as<std::string>(),
                   key.str(), payload.str()});
  }
  return out;
}

void mark_published(pqxx::work& tx, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  tx.exec_params(
      "UPDATE kassa.outbox SET published_at = now() "
      "WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)",
      nlohmann::json(ids).dump());
}

std::int64_t count_unpublished(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  return tx.exec1("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL")[0]
      .as<std::int64_t>();
}

std::int64_t delete_published(pqxx::connection& connection, std::chrono::seconds older_than,
                              std::size_t limit) {
  pqxx::work tx(connection);
  const auto rows = tx.exec_params(
      "DELETE FROM kassa.outbox WHERE id IN (SELECT id FROM kassa.outbox "
      "WHERE published_at < now() - make_interval(secs => $1) ORDER BY id LIMIT $2) RETURNING id",
      static_cast<std::int64_t>(older_than.count()), static_cast<std::int64_t>(limit));
  tx.commit();
  return static_cast<std::int64_t>(rows.size());
}

}  // namespace kassa::store
