#include "store/outbox_store.hpp"

#include <algorithm>

#include "store/pg_array.hpp"
#include "store/prepared.hpp"

namespace kassa::store {
namespace {
constexpr std::int64_t kRelayLock = 0x6b61737361'0002;  // records (and, before lanes, all)
constexpr std::int64_t kDocumentsRelayLock = 0x6b61737361'0005;

// A condition on o.topic for the lane, its documents topic (lane_topic) bound to `param`.
std::string lane_condition(const OutboxLane& lane, const std::string& param) {
  switch (lane.kind) {
    case OutboxLane::Kind::all:
      return param + "::text IS NULL";
    case OutboxLane::Kind::records:
      return "o.topic <> " + param;
    case OutboxLane::Kind::documents:
      return "o.topic = " + param;
  }
  return "false";
}

std::optional<std::string> lane_topic(const OutboxLane& lane) {
  if (lane.kind == OutboxLane::Kind::all) return std::nullopt;
  return lane.documents_topic;
}

bool lock(pqxx::work& tx, std::int64_t key) {
  return exec_prepared(tx, "kassa_relay_lock", "SELECT pg_try_advisory_xact_lock($1)", key)[0][0]
      .as<bool>();
}

std::string id_array(const std::vector<std::int64_t>& ids) {
  ArrayParam array;
  for (const auto id : ids) array.integer(id);
  return array.literal();
}
}  // namespace

std::optional<std::vector<OutboxRow>> claim_outbox(pqxx::work& tx, std::size_t limit,
                                                   const OutboxLane& lane) {
  if (lane.kind != OutboxLane::Kind::documents && !lock(tx, kRelayLock)) return std::nullopt;
  if (lane.kind != OutboxLane::Kind::records && !lock(tx, kDocumentsRelayLock)) return std::nullopt;
  // A receipt's or package's body is kept once, in its own row (outbox.body_from).
  const auto rows = exec_prepared(
      tx, "kassa_claim_outbox_" + std::to_string(static_cast<int>(lane.kind)),
      "SELECT o.id, o.topic, o.message_key, o.payload, o.message_id::text, o.attempts, "
      "  CASE o.body_from WHEN 'receipt' THEN r.body WHEN 'package' THEN p.body END "
      "FROM kassa.outbox o "
      "LEFT JOIN kassa.receipts r ON o.body_from = 'receipt' AND r.receipt_id = o.message_id "
      "LEFT JOIN kassa.packages p ON o.body_from = 'package' AND p.package_id = o.message_id "
      "WHERE o.published_at IS NULL AND o.failed_at IS NULL "
      "  AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= now()) AND " +
          lane_condition(lane, "$2") + " ORDER BY o.id LIMIT $1",
      static_cast<std::int64_t>(limit), lane_topic(lane));
  std::vector<OutboxRow> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    const pqxx::binarystring key(row[2]);
    std::string payload =
        row[3].is_null() ? row[6].as<std::string>() : pqxx::binarystring(row[3]).str();
    out.push_back({row[0].as<std::int64_t>(), row[4].as<std::string>(), row[1].as<std::string>(),
                   key.str(), std::move(payload), row[5].as<int>()});
  }
  return out;
}

void mark_published(pqxx::work& tx, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return;
  exec_prepared(tx, "kassa_mark_published",
                "UPDATE kassa.outbox SET published_at = now() "
                "WHERE id = ANY($1::bigint[])",
                id_array(ids));
}

void mark_retry(pqxx::work& tx, std::int64_t id, const std::string& error,
                std::chrono::milliseconds backoff) {
  tx.exec_params(
      "UPDATE kassa.outbox SET attempts = attempts + 1, last_error = $2, "
      "  next_attempt_at = clock_timestamp() + make_interval(secs => $3) WHERE id = $1",
      id, error, static_cast<double>(backoff.count()) / 1000.0);
}

void mark_parked(pqxx::work& tx, std::int64_t id, const std::string& error) {
  tx.exec_params(
      "UPDATE kassa.outbox SET attempts = attempts + 1, last_error = $2, failed_at = "
      "clock_timestamp() "
      "WHERE id = $1",
      id, error);
}

OutboxGauges outbox_gauges(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  OutboxGauges out;
  // Each on its partial index: small however large the published history is.
  out.waiting = tx.exec1(
                      "SELECT count(*) FROM kassa.outbox "
                      "WHERE published_at IS NULL AND failed_at IS NULL")[0]
                    .as<std::int64_t>();
  out.oldest_waiting_age =
      tx.exec1(
            "SELECT coalesce(extract(epoch FROM now() - (SELECT created_at FROM kassa.outbox "
            "WHERE published_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT 1)), 0)::float8")[0]
          .as<double>();
  out.parked = tx.exec1(
                     "SELECT count(*) FROM kassa.outbox "
                     "WHERE published_at IS NULL AND failed_at IS NOT NULL")[0]
                   .as<std::int64_t>();
  return out;
}

std::int64_t outbox_waiting(pqxx::connection& connection, const OutboxLane& lane) {
  pqxx::read_transaction tx(connection);
  return tx
      .exec_params1(
          "SELECT count(*) FROM kassa.outbox o "
          "WHERE o.published_at IS NULL AND o.failed_at IS NULL AND " +
              lane_condition(lane, "$1"),
          lane_topic(lane))[0]
      .as<std::int64_t>();
}

std::int64_t count_unpublished(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  return tx.exec1("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL")[0]
      .as<std::int64_t>();
}

std::vector<ParkedRow> list_parked(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  std::vector<ParkedRow> out;
  for (const auto& row : tx.exec(
           "SELECT o.id, o.message_id::text, o.topic, encode(o.message_key, 'escape'), "
           "  coalesce(octet_length(o.payload), octet_length(r.body), octet_length(p.body), 0), "
           "  coalesce(o.last_error, ''), "
           "  to_char(o.failed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
           "  o.attempts "
           "FROM kassa.outbox o "
           "LEFT JOIN kassa.receipts r ON o.body_from = 'receipt' AND r.receipt_id = o.message_id "
           "LEFT JOIN kassa.packages p ON o.body_from = 'package' AND p.package_id = o.message_id "
           "WHERE o.published_at IS NULL AND o.failed_at IS NOT NULL ORDER BY o.id"))
    out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>(), row[5].as<std::string>(), row[6].as<std::string>(),
                   row[4].as<std::int64_t>(), row[7].as<int>()});
  return out;
}

std::vector<std::int64_t> retry_parked(pqxx::connection& connection,
                                       const std::vector<std::int64_t>& ids, bool all) {
  pqxx::work tx(connection);
  const auto rows = tx.exec_params(
      "UPDATE kassa.outbox SET failed_at = NULL, next_attempt_at = NULL "
      "WHERE published_at IS NULL AND failed_at IS NOT NULL "
      "  AND ($2 OR id = ANY($1::bigint[])) "
      "RETURNING id",
      id_array(ids), all);
  tx.commit();
  std::vector<std::int64_t> out;
  for (const auto& row : rows) out.push_back(row[0].as<std::int64_t>());
  std::sort(out.begin(), out.end());
  return out;
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
