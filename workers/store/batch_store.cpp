#include "store/batch_store.hpp"

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"
#include "contract/state_codec.hpp"
#include "store/document_store.hpp"

namespace kassa::store {
namespace {

using nlohmann::json;

// Lists of ids travel as one JSON array parameter; every statement stays parameterized.
template <typename Range>
std::string json_array(const Range& values) {
  json array = json::array();
  for (const auto& v : values) array.push_back(v);
  return array.dump();
}

json order_row(const core::OrderState& order, std::int64_t version) {
  json row = {{"order_id", order.order_id},
              {"merchant_id", order.merchant_id},
              {"status", order.payment ? "paid" : "awaiting_payment"},
              {"customer_type", nullptr},
              {"paid_amount", order.payment ? order.payment->amount : 0},
              {"shipped_amount", order.shipped_amount()},
              {"refunded_amount", order.refunded_amount()},
              {"parked_count", order.parked.size()},
              {"oldest_parked_at", nullptr},
              {"paid_at", nullptr},
              {"state", contract::order_to_json(order)},
              {"version", version}};
  if (order.payment) {
    row["customer_type"] =
        order.payment->customer.type == core::CustomerType::legal ? "legal" : "private";
    row["paid_at"] = core::format_utc(order.payment->occurred_at);
  }
  if (!order.parked.empty()) {
    core::UtcTime oldest = core::header_of(order.parked.front().event).occurred_at;
    for (const auto& waiting : order.parked)
      oldest = std::min(oldest, core::header_of(waiting.event).occurred_at);
    row["oldest_parked_at"] = core::format_utc(oldest);
  }
  return row;
}

}  // namespace

void advance_offsets(pqxx::work& tx, const std::string& group_id, const Offsets& next,
                     const Positions& known) {
  json updates = json::array(), inserts = json::array();
  for (const auto& [partition, offset] : next) {
    const auto it = known.find(partition);
    json row = {
        {"topic", partition.topic}, {"partition", partition.partition}, {"next_offset", offset}};
    if (it != known.end() && it->second.has_value()) {
      row["expected"] = it->second.value();
      updates.push_back(std::move(row));
    } else {
      inserts.push_back(std::move(row));
    }
  }
  std::size_t moved = 0;
  if (!updates.empty())
    moved +=
        tx.exec_params(
              "UPDATE kassa.consumer_offsets o SET next_offset = x.next_offset, updated_at = now() "
              "FROM jsonb_to_recordset($2::jsonb) AS x(topic text, partition integer, next_offset "
              "bigint, "
              "expected bigint) "
              "WHERE o.group_id = $1 AND o.topic = x.topic AND o.partition = x.partition "
              "AND o.next_offset = x.expected RETURNING o.partition",
              group_id, updates.dump())
            .size();
  if (!inserts.empty())
    moved += tx.exec_params(
                   "INSERT INTO kassa.consumer_offsets (group_id, topic, partition, next_offset) "
                   "SELECT $1, x.topic, x.partition, x.next_offset "
                   "FROM jsonb_to_recordset($2::jsonb) AS x(topic text, partition integer, "
                   "next_offset bigint) "
                   "ON CONFLICT (group_id, topic, partition) DO NOTHING RETURNING partition",
                   group_id, inserts.dump())
                 .size();
  if (moved != next.size())
    throw FencedError("stored offsets moved under this consumer (another member of group " +
                      group_id + " committed these partitions)");
}

Loaded load_snapshot(pqxx::work& tx, const ingest::Needs& needs) {
  Loaded loaded;
  if (!needs.order_ids.empty()) {
    // Ordered locking keeps two workers that share orders from deadlocking.
    const auto rows = tx.exec_params(
        "SELECT order_id::text, state::text, version FROM kassa.orders "
        "WHERE order_id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid) ORDER BY order_id "
        "FOR UPDATE",
        json_array(needs.order_ids));
    for (const auto& row : rows) {
      const std::string id = row[0].as<std::string>();
      loaded.snapshot.orders.emplace(
          id, contract::order_from_json(json::parse(row[1].as<std::string>())));
      loaded.versions[id] = row[2].as<std::int64_t>();
    }
  }
  if (!needs.merchant_ids.empty()) {
    const auto rows = tx.exec_params(
        "SELECT merchant_id::text, supplier_inn, supplier_name, "
        "array_to_json(supplier_phones)::text, coalesce(supplier_kpp, '') "
        "FROM kassa.merchants WHERE merchant_id IN (SELECT "
        "jsonb_array_elements_text($1::jsonb)::uuid)",
        json_array(needs.merchant_ids));
    for (const auto& row : rows)
      loaded.snapshot.merchants[row[0].as<std::string>()] = {
          row[1].as<std::string>(), row[2].as<std::string>(),
          json::parse(row[3].as<std::string>()).get<std::vector<std::string>>(),
          row[4].as<std::string>()};
  }
  if (!needs.event_ids.empty()) {
    const auto rows = tx.exec_params(
        "SELECT event_id::text, fingerprint, status FROM kassa.inbox "
        "WHERE event_id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)",
        json_array(needs.event_ids));
    for (const auto& row : rows) {
      const std::string status = row[2].as<std::string>();
      core::Outcome outcome = core::Outcome::applied;
      for (auto o : {core::Outcome::applied, core::Outcome::parked, core::Outcome::duplicate,
                     core::Outcome::rejected})
        if (core::outcome_name(o) == status) outcome = o;
      loaded.snapshot.inbox[row[0].as<std::string>()] = {row[1].as<std::string>(), outcome};
    }
  }
  return loaded;
}

void write_result(pqxx::work& tx, const ingest::BatchResult& result,
                  const std::map<std::string, std::int64_t>& versions) {
  if (!result.orders.empty()) {
    json rows = json::array();
    for (const auto& [id, order] : result.orders) {
      const auto it = versions.find(id);
      rows.push_back(order_row(order, (it == versions.end() ? 0 : it->second) + 1));
    }
    const auto written = tx.exec_params(
        "INSERT INTO kassa.orders AS o (order_id, merchant_id, status, customer_type, paid_amount, "
        "shipped_amount, "
        "  refunded_amount, parked_count, oldest_parked_at, paid_at, state, version) "
        "SELECT x.order_id, x.merchant_id, x.status, x.customer_type, x.paid_amount, "
        "x.shipped_amount, "
        "  x.refunded_amount, x.parked_count, x.oldest_parked_at, x.paid_at, x.state, x.version "
        "FROM jsonb_to_recordset($1::jsonb) AS x(order_id uuid, merchant_id uuid, status text, "
        "customer_type text, "
        "  paid_amount bigint, shipped_amount bigint, refunded_amount bigint, parked_count "
        "integer, "
        "  oldest_parked_at timestamptz, paid_at timestamptz, state jsonb, version bigint) "
        "ON CONFLICT (order_id) DO UPDATE SET merchant_id = EXCLUDED.merchant_id, status = "
        "EXCLUDED.status, "
        "  customer_type = EXCLUDED.customer_type, paid_amount = EXCLUDED.paid_amount, "
        "  shipped_amount = EXCLUDED.shipped_amount, refunded_amount = EXCLUDED.refunded_amount, "
        "  parked_count = EXCLUDED.parked_count, oldest_parked_at = EXCLUDED.oldest_parked_at, "
        "  paid_at = EXCLUDED.paid_at, state = EXCLUDED.state, version = EXCLUDED.version, "
        "updated_at = now() "
        "WHERE o.version = EXCLUDED.version - 1 RETURNING o.order_id",
        rows.dump());
    if (written.size() != result.orders.size())
      throw ConflictError("an order changed under this batch (version check failed); retrying");
  }
  if (!result.inbox.empty()) {
    // A parked event released in the same batch appears twice; the last status wins.
    std::map<std::string, const ingest::InboxWrite*> latest;
    for (const auto& row : result.inbox) latest[row.event_id] = &row;
    json rows = json::array();
    for (const auto& [id, row] : latest)
      rows.push_back({{"event_id", row->event_id},
                      {"order_id", row->order_id},
                      {"event_type", core::event_type_name(row->kind)},
                      {"status", core::outcome_name(row->status)},
                      {"fingerprint", row->fingerprint},
                      {"source_topic", row->topic},
                      {"source_partition", row->partition},
                      {"source_offset", row->offset}});
    tx.exec_params(
        "INSERT INTO kassa.inbox (event_id, order_id, event_type, status, fingerprint, "
        "source_topic, "
        "  source_partition, source_offset) "
        "SELECT x.event_id, x.order_id, x.event_type, x.status, x.fingerprint, x.source_topic, "
        "x.source_partition, "
        "  x.source_offset "
        "FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, order_id uuid, event_type text, "
        "status text, "
        "  fingerprint text, source_topic text, source_partition integer, source_offset bigint) "
        "ON CONFLICT (event_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()",
        rows.dump());
  }
  if (!result.ledger.empty()) {
    json rows = json::array();
    for (const auto& row : result.ledger)
      rows.push_back({{"event_id", row.event_id},
                      {"order_id", row.order_id},
                      {"merchant_id", row.merchant_id},
                      {"kind", core::event_kind_name(row.kind)},
                      {"business_id", row.business_id},
                      {"amount", row.amount},
                      {"occurred_at", core::format_utc(row.occurred_at)}});
    // No ON CONFLICT: the inbox guarantees one row per event, and a violation must fail loudly.
    tx.exec_params(
        "INSERT INTO kassa.ledger (event_id, order_id, merchant_id, kind, business_id, amount, "
        "occurred_at) "
        "SELECT x.event_id, x.order_id, x.merchant_id, x.kind, x.business_id, x.amount, "
        "x.occurred_at "
        "FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, order_id uuid, merchant_id uuid, "
        "kind text, "
        "  business_id text, amount bigint, occurred_at timestamptz)",
        rows.dump());
  }
  if (!result.rejections.empty()) {
    json rows = json::array();
    for (const auto& row : result.rejections)
      rows.push_back({{"source_topic", row.source_topic},
                      {"source_partition", row.partition},
                      {"source_offset", row.offset},
                      {"event_id", row.event_id.empty() ? json(nullptr) : json(row.event_id)},
                      {"error_code", row.error_code},
                      {"error", row.error},
                      {"payload", contract::base64_encode(row.payload)}});
    // The whole original, whatever the dead letter on the topic could carry of it.
    tx.exec_params(
        "INSERT INTO kassa.rejections (source_topic, source_partition, source_offset, event_id, "
        "error_code, error, payload) "
        "SELECT x.source_topic, x.source_partition, x.source_offset, x.event_id, x.error_code, "
        "x.error, decode(x.payload, 'base64') "
        "FROM jsonb_to_recordset($1::jsonb) AS x(source_topic text, source_partition integer, "
        "source_offset bigint, "
        "  event_id uuid, error_code text, error text, payload text) "
        "ON CONFLICT DO NOTHING",
        rows.dump());
  }
  if (!result.receipts.empty()) {
    json rows = json::array();
    for (const auto& r : result.receipts)
      rows.push_back({{"receipt_id", r.receipt_id},
                      {"order_id", r.order_id},
                      {"merchant_id", r.merchant_id},
                      {"source_event_id", r.source_event_id},
                      {"kind", core::receipt_kind_name(r.kind)},
                      {"issued_at", core::format_utc(r.issued_at)},
                      {"total", r.total},
                      {"line_count", r.line_count},
                      {"body", r.body}});
    // No ON CONFLICT: receipt ids are unique by construction and the inbox stops a second
    // application; a violation is a bug and must fail loudly rather than hide a double receipt.
    tx.exec_params(
        "INSERT INTO kassa.receipts (receipt_id, order_id, merchant_id, source_event_id, kind, "
        "issued_at, total, "
        "  line_count, body) "
        "SELECT x.receipt_id, x.order_id, x.merchant_id, x.source_event_id, x.kind, x.issued_at, "
        "x.total, "
        "  x.line_count, x.body "
        "FROM jsonb_to_recordset($1::jsonb) AS x(receipt_id uuid, order_id uuid, merchant_id uuid, "
        "  source_event_id uuid, kind text, issued_at timestamptz, total bigint, line_count "
        "integer, body text)",
        rows.dump());
  }
  if (!result.package_writes.empty()) write_packages(tx, result.package_writes, result.counters);
  insert_outbox(tx, result.outbox);
}

void insert_outbox(pqxx::work& tx, const std::vector<ingest::OutboxWrite>& outbox) {
  if (outbox.empty()) return;
  json rows = json::array();
  for (const auto& row : outbox)
    rows.push_back({{"message_id", row.message_id},
                    {"topic", row.topic},
                    {"message_key", contract::base64_encode(row.key)},
                    {"payload", contract::base64_encode(row.payload)}});
  tx.exec_params(
      "INSERT INTO kassa.outbox (message_id, topic, message_key, payload) "
      "SELECT x.message_id, x.topic, decode(x.message_key, 'base64'), decode(x.payload, "
      "'base64') "
      "FROM jsonb_to_recordset($1::jsonb) AS x(message_id uuid, topic text, message_key text, "
      "payload text) "
      "ON CONFLICT (message_id) DO NOTHING",
      rows.dump());
}

Offsets read_offsets(pqxx::connection& connection, const std::string& group_id,
                     const std::vector<std::string>& topics) {
  pqxx::read_transaction tx(connection);
  Offsets out;
  const auto rows = tx.exec_params(
      "SELECT topic, partition, next_offset FROM kassa.consumer_offsets "
      "WHERE group_id = $1 AND topic IN (SELECT jsonb_array_elements_text($2::jsonb))",
      group_id, json_array(topics));
  for (const auto& row : rows)
    out[{row[0].as<std::string>(), row[1].as<std::int32_t>()}] = row[2].as<std::int64_t>();
  return out;
}

}  // namespace kassa::store
