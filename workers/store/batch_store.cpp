#include "store/batch_store.hpp"

#include <nlohmann/json.hpp>

#include "contract/state_codec.hpp"
#include "store/document_store.hpp"
#include "store/merchant_store.hpp"
#include "store/pg_array.hpp"
#include "store/prepared.hpp"

namespace kassa::store {
namespace {

using nlohmann::json;

// kassa.orders rows as column arrays (see pg_array.hpp).
struct OrderColumns {
  ArrayParam order_id, merchant_id, status, customer_type, paid_amount, shipped_amount,
      refunded_amount, parked_count, oldest_parked_at, paid_at, state, version, waiting_merchant_id;

  void add(const core::OrderState& order, std::int64_t next_version) {
    order_id.text(order.order_id);
    merchant_id.text(order.merchant_id);
    status.text(order.payment ? "paid" : "awaiting_payment");
    paid_amount.integer(order.payment ? order.payment->amount : 0);
    shipped_amount.integer(order.shipped_amount());
    refunded_amount.integer(order.refunded_amount());
    parked_count.integer(static_cast<std::int64_t>(order.parked.size()));
    if (order.payment) {
      customer_type.text(order.payment->customer.type == core::CustomerType::legal ? "legal"
                                                                                   : "private");
      paid_at.text(core::format_utc(order.payment->occurred_at));
    } else {
      customer_type.null();
      paid_at.null();
    }
    if (order.parked.empty()) {
      oldest_parked_at.null();
    } else {
      core::UtcTime oldest = core::header_of(order.parked.front().event).occurred_at;
      for (const auto& waiting : order.parked)
        oldest = std::min(oldest, core::header_of(waiting.event).occurred_at);
      oldest_parked_at.text(core::format_utc(oldest));
    }
    state.text(contract::order_state_text(order));
    version.integer(next_version);
    if (order.waiting_for_merchant)
      waiting_merchant_id.text(order.merchant_id);
    else
      waiting_merchant_id.null();
  }
};

}  // namespace

void advance_offsets(pqxx::work& tx, const std::string& group_id, const Offsets& next,
                     const Positions& known) {
  ArrayParam update_topic, update_partition, update_offset, expected;
  ArrayParam insert_topic, insert_partition, insert_offset;
  for (const auto& [partition, offset] : next) {
    const auto it = known.find(partition);
    if (it != known.end() && it->second.has_value()) {
      update_topic.text(partition.topic);
      update_partition.integer(partition.partition);
      update_offset.integer(offset);
      expected.integer(*it->second);
    } else {
      insert_topic.text(partition.topic);
      insert_partition.integer(partition.partition);
      insert_offset.integer(offset);
    }
  }
  std::size_t moved = 0;
  if (update_topic.size() > 0)
    moved +=
        exec_prepared(tx, "kassa_advance_offsets",
                      "UPDATE kassa.consumer_offsets o SET next_offset = x.next_offset, "
                      "  updated_at = now() "
                      "FROM unnest($2::text[], $3::integer[], $4::bigint[], $5::bigint[]) "
                      "  AS x(topic, partition, next_offset, expected) "
                      "WHERE o.group_id = $1 AND o.topic = x.topic AND o.partition = x.partition "
                      "  AND o.next_offset = x.expected RETURNING o.partition",
                      group_id, update_topic.literal(), update_partition.literal(),
                      update_offset.literal(), expected.literal())
            .size();
  if (insert_topic.size() > 0)
    moved +=
        exec_prepared(
            tx, "kassa_insert_offsets",
            "INSERT INTO kassa.consumer_offsets (group_id, topic, partition, next_offset) "
            "SELECT $1, x.topic, x.partition, x.next_offset "
            "FROM unnest($2::text[], $3::integer[], $4::bigint[]) "
            "  AS x(topic, partition, next_offset) "
            "ON CONFLICT (group_id, topic, partition) DO NOTHING RETURNING partition",
            group_id, insert_topic.literal(), insert_partition.literal(), insert_offset.literal())
            .size();
  if (moved != next.size())
    throw FencedError("stored offsets moved under this consumer (another member of group " +
                      group_id + " committed these partitions)");
}

Loaded load_snapshot(pqxx::work& tx, const ingest::Needs& needs) {
  Loaded loaded;
  if (!needs.order_ids.empty()) {
    // Ordered locking keeps two workers that share orders from deadlocking.
    const auto rows = exec_prepared(tx, "kassa_load_orders",
                                    "SELECT order_id::text, state, version FROM kassa.orders "
                                    "WHERE order_id = ANY($1::uuid[]) ORDER BY order_id "
                                    "FOR UPDATE",
                                    text_array(needs.order_ids));
    for (const auto& row : rows) {
      const std::string id = row[0].as<std::string>();
      loaded.snapshot.orders.emplace(
          id, contract::order_from_json(json::parse(row[1].as<std::string>())));
      loaded.versions[id] = row[2].as<std::int64_t>();
    }
  }
  loaded.snapshot.merchants = load_merchant_versions(tx, needs.merchant_ids);
  if (!needs.event_ids.empty()) {
    const auto rows = exec_prepared(tx, "kassa_load_inbox",
                                    "SELECT event_id::text, fingerprint, status FROM kassa.inbox "
                                    "WHERE event_id = ANY($1::uuid[])",
                                    text_array(needs.event_ids));
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
    OrderColumns c;
    for (const auto& [id, order] : result.orders) {
      const auto it = versions.find(id);
      c.add(order, (it == versions.end() ? 0 : it->second) + 1);
    }
    const auto written = exec_prepared(
        tx, "kassa_write_orders",
        "INSERT INTO kassa.orders AS o (order_id, merchant_id, status, customer_type, "
        "  paid_amount, shipped_amount, refunded_amount, parked_count, oldest_parked_at, "
        "  paid_at, state, version, waiting_merchant_id) "
        "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], "
        "  $6::bigint[], $7::bigint[], $8::integer[], $9::timestamptz[], $10::timestamptz[], "
        "  $11::text[], $12::bigint[], $13::uuid[]) "
        "ON CONFLICT (order_id) DO UPDATE SET merchant_id = EXCLUDED.merchant_id, "
        "  status = EXCLUDED.status, customer_type = EXCLUDED.customer_type, "
        "  paid_amount = EXCLUDED.paid_amount, shipped_amount = EXCLUDED.shipped_amount, "
        "  refunded_amount = EXCLUDED.refunded_amount, parked_count = EXCLUDED.parked_count, "
        "  oldest_parked_at = EXCLUDED.oldest_parked_at, paid_at = EXCLUDED.paid_at, "
        "  state = EXCLUDED.state, version = EXCLUDED.version, "
        "  waiting_merchant_id = EXCLUDED.waiting_merchant_id, updated_at = now() "
        "WHERE o.version = EXCLUDED.version - 1 RETURNING o.order_id",
        c.order_id.literal(), c.merchant_id.literal(), c.status.literal(),
        c.customer_type.literal(), c.paid_amount.literal(), c.shipped_amount.literal(),
        c.refunded_amount.literal(), c.parked_count.literal(), c.oldest_parked_at.literal(),
        c.paid_at.literal(), c.state.literal(), c.version.literal(),
        c.waiting_merchant_id.literal());
    if (written.size() != result.orders.size())
      throw ConflictError("an order changed under this batch (version check failed); retrying");
  }
  if (!result.inbox.empty()) {
    // A parked event released in the same batch appears twice; the last status wins.
    std::map<std::string, const ingest::InboxWrite*> latest;
    for (const auto& row : result.inbox) latest[row.event_id] = &row;
    ArrayParam event_id, order_id, event_type, status, fingerprint, topic, partition, offset;
    for (const auto& [id, row] : latest) {
      event_id.text(row->event_id);
      order_id.text(row->order_id);
      event_type.text(core::event_type_name(row->kind));
      status.text(core::outcome_name(row->status));
      fingerprint.text(row->fingerprint);
      topic.text(row->topic);
      partition.integer(row->partition);
      offset.integer(row->offset);
    }
    exec_prepared(
        tx, "kassa_write_inbox",
        "INSERT INTO kassa.inbox (event_id, order_id, event_type, status, fingerprint, "
        "  source_topic, source_partition, source_offset) "
        "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], "
        "  $6::text[], $7::integer[], $8::bigint[]) "
        "ON CONFLICT (event_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()",
        event_id.literal(), order_id.literal(), event_type.literal(), status.literal(),
        fingerprint.literal(), topic.literal(), partition.literal(), offset.literal());
  }
  if (!result.ledger.empty()) {
    ArrayParam event_id, order_id, merchant_id, kind, business_id, amount, occurred_at, channel,
        payment_method, partner_id, partner_operation_id;
    for (const auto& row : result.ledger) {
      channel.text_or_null(row.channel);
      payment_method.text_or_null(row.payment_method);
      partner_id.text_or_null(row.partner_id);
      partner_operation_id.text_or_null(row.partner_operation_id);
      event_id.text(row.event_id);
      order_id.text(row.order_id);
      merchant_id.text(row.merchant_id);
      kind.text(core::event_kind_name(row.kind));
      business_id.text(row.business_id);
      amount.integer(row.amount);
      occurred_at.text(core::format_utc(row.occurred_at));
    }
    // No ON CONFLICT: the inbox guarantees one row per event, and a violation must fail loudly.
    exec_prepared(
        tx, "kassa_write_ledger",
        "INSERT INTO kassa.ledger (event_id, order_id, merchant_id, kind, business_id, amount, "
        "  occurred_at, channel, payment_method, partner_id, partner_operation_id) "
        "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], "
        "  $6::bigint[], $7::timestamptz[], $8::text[], $9::text[], $10::uuid[], $11::uuid[])",
        event_id.literal(), order_id.literal(), merchant_id.literal(), kind.literal(),
        business_id.literal(), amount.literal(), occurred_at.literal(), channel.literal(),
        payment_method.literal(), partner_id.literal(), partner_operation_id.literal());
  }
  if (!result.rejections.empty()) {
    ArrayParam topic, partition, offset, event_id, error_code, error, payload;
    for (const auto& row : result.rejections) {
      topic.text(row.source_topic);
      partition.integer(row.partition);
      offset.integer(row.offset);
      event_id.text_or_null(row.event_id);
      error_code.text(row.error_code);
      error.text(row.error);
      payload.bytes(row.payload);
    }
    // The whole original, whatever the dead letter on the topic could carry of it.
    exec_prepared(
        tx, "kassa_write_rejections",
        "INSERT INTO kassa.rejections (source_topic, source_partition, source_offset, event_id, "
        "  error_code, error, payload) "
        "SELECT * FROM unnest($1::text[], $2::integer[], $3::bigint[], $4::uuid[], $5::text[], "
        "  $6::text[], $7::bytea[]) "
        "ON CONFLICT DO NOTHING",
        topic.literal(), partition.literal(), offset.literal(), event_id.literal(),
        error_code.literal(), error.literal(), payload.literal());
  }
  if (!result.receipts.empty()) {
    ArrayParam receipt_id, order_id, merchant_id, source_event_id, kind, issued_at, total,
        line_count, body;
    for (const auto& r : result.receipts) {
      receipt_id.text(r.receipt_id);
      order_id.text(r.order_id);
      merchant_id.text(r.merchant_id);
      source_event_id.text(r.source_event_id);
      kind.text(core::receipt_kind_name(r.kind));
      issued_at.text(core::format_utc(r.issued_at));
      total.integer(r.total);
      line_count.integer(r.line_count);
      body.text(r.body);
    }
    // No ON CONFLICT: receipt ids are unique by construction and the inbox stops a second
    // application; a violation is a bug and must fail loudly rather than hide a double receipt.
    exec_prepared(
        tx, "kassa_write_receipts",
        "INSERT INTO kassa.receipts (receipt_id, order_id, merchant_id, source_event_id, kind, "
        "  issued_at, total, line_count, body) "
        "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], "
        "  $6::timestamptz[], $7::bigint[], $8::integer[], $9::text[])",
        receipt_id.literal(), order_id.literal(), merchant_id.literal(), source_event_id.literal(),
        kind.literal(), issued_at.literal(), total.literal(), line_count.literal(), body.literal());
  }
  if (!result.package_writes.empty()) write_packages(tx, result.package_writes, result.counters);
  insert_outbox(tx, result.outbox);
}

void insert_outbox(pqxx::work& tx, const std::vector<ingest::OutboxWrite>& outbox) {
  if (outbox.empty()) return;
  ArrayParam message_id, topic, key, payload, body_from;
  for (const auto& row : outbox) {
    message_id.text(row.message_id);
    topic.text(row.topic);
    key.bytes(row.key);
    switch (row.body_from) {
      case ingest::BodyFrom::payload:
        payload.bytes(row.payload);
        body_from.null();
        break;
      case ingest::BodyFrom::receipt:  // the same bytes are kassa.receipts.body
        payload.null();
        body_from.text("receipt");
        break;
      case ingest::BodyFrom::package:  // the same bytes are kassa.packages.body
        payload.null();
        body_from.text("package");
        break;
    }
  }
  exec_prepared(
      tx, "kassa_write_outbox",
      "INSERT INTO kassa.outbox (message_id, topic, message_key, payload, body_from) "
      "SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::bytea[], $5::text[]) "
      "ON CONFLICT (message_id) DO NOTHING",
      message_id.literal(), topic.literal(), key.literal(), payload.literal(), body_from.literal());
}

Offsets read_offsets(pqxx::connection& connection, const std::string& group_id,
                     const std::vector<std::string>& topics) {
  pqxx::read_transaction tx(connection);
  Offsets out;
  const auto rows =
      exec_prepared(tx, "kassa_read_offsets",
                    "SELECT topic, partition, next_offset FROM kassa.consumer_offsets "
                    "WHERE group_id = $1 AND topic = ANY($2::text[])",
                    group_id, text_array(topics));
  for (const auto& row : rows)
    out[{row[0].as<std::string>(), row[1].as<std::int32_t>()}] = row[2].as<std::int64_t>();
  return out;
}

}  // namespace kassa::store
