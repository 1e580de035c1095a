#include "store/payout_store.hpp"

#include <stdexcept>

#include "store/batch_store.hpp"
#include "store/pg_array.hpp"
#include "store/prepared.hpp"

namespace kassa::store {

RecordedPayouts load_recorded_payouts(pqxx::work& tx,
                                      const std::vector<const core::Payout*>& batch) {
  RecordedPayouts out;
  if (batch.empty()) return out;
  ArrayParam event_ids, merchant_ids, payout_ids;
  for (const core::Payout* p : batch) {
    event_ids.text(p->event_id);
    merchant_ids.text(p->merchant_id);
    payout_ids.text(p->payout_id);
  }
  const auto keys =
      exec_prepared(tx, "kassa_payouts_taken",
                    "SELECT p.merchant_id::text, p.payout_id FROM kassa.payouts p "
                    "JOIN unnest($1::uuid[], $2::text[]) AS x(merchant_id, payout_id) "
                    "  ON p.merchant_id = x.merchant_id AND p.payout_id = x.payout_id",
                    merchant_ids.literal(), payout_ids.literal());
  for (const auto& row : keys) out.keys.emplace(row[0].as<std::string>(), row[1].as<std::string>());

  // Only a redelivery or a conflict finds its event_id here: rare, so loading its orders (up to
  // 10,000) to compare content costs nothing in the common case.
  const auto events = exec_prepared(
      tx, "kassa_payouts_by_event",
      "SELECT event_id::text, merchant_id::text, payout_id, coalesce(partner_id::text, ''), "
      "  amount, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
      "FROM kassa.payouts WHERE event_id = ANY($1::uuid[])",
      event_ids.literal());
  if (events.empty()) return out;
  ArrayParam found;
  for (const auto& row : events) {
    core::Payout p;
    p.event_id = row[0].as<std::string>();
    p.merchant_id = row[1].as<std::string>();
    p.payout_id = row[2].as<std::string>();
    p.partner_id = row[3].as<std::string>();
    p.amount = row[4].as<core::Kopecks>();
    const auto occurred = core::parse_utc(row[5].as<std::string>());
    if (!occurred) throw std::logic_error("kassa.payouts.occurred_at does not read back");
    p.occurred_at = *occurred;
    found.text(p.event_id);
    out.by_event_id.emplace(p.event_id, std::move(p));
  }
  const auto orders = exec_prepared(
      tx, "kassa_payout_orders_by_event",
      "SELECT p.event_id::text, o.order_id::text, o.paid, o.refunded, o.commission, o.net "
      "FROM kassa.payouts p JOIN kassa.payout_orders o "
      "  ON o.merchant_id = p.merchant_id AND o.payout_id = p.payout_id "
      "WHERE p.event_id = ANY($1::uuid[])",
      found.literal());
  for (const auto& row : orders)
    out.by_event_id.at(row[0].as<std::string>())
        .orders.push_back({row[1].as<std::string>(), row[2].as<core::Kopecks>(),
                           row[3].as<core::Kopecks>(), row[4].as<core::Kopecks>(),
                           row[5].as<core::Kopecks>()});
  return out;
}

std::set<PayoutKey> insert_payouts(pqxx::work& tx, const std::vector<PayoutWrite>& payouts) {
  std::set<PayoutKey> inserted;
  if (payouts.empty()) return inserted;
  ArrayParam merchant_id, payout_id, event_id, partner_id, amount, occurred_at, order_count, topic,
      partition, offset;
  for (const auto& w : payouts) {
    const core::Payout& p = *w.payout;
    merchant_id.text(p.merchant_id);
    payout_id.text(p.payout_id);
    event_id.text(p.event_id);
    partner_id.text_or_null(p.partner_id);
    amount.integer(p.amount);
    occurred_at.text(core::format_utc(p.occurred_at));
    order_count.integer(static_cast<std::int64_t>(p.orders.size()));
    topic.text(w.source_topic);
    partition.integer(w.source_partition);
    offset.integer(w.source_offset);
  }
  // Either key taken (payout_id per merchant, or event_id) means recorded before: nothing new.
  const auto rows = exec_prepared(
      tx, "kassa_insert_payouts",
      "INSERT INTO kassa.payouts (merchant_id, payout_id, event_id, partner_id, amount, "
      "  occurred_at, order_count, source_topic, source_partition, source_offset) "
      "SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::bigint[], "
      "  $6::timestamptz[], $7::integer[], $8::text[], $9::integer[], $10::bigint[]) "
      "ON CONFLICT DO NOTHING RETURNING merchant_id::text, payout_id",
      merchant_id.literal(), payout_id.literal(), event_id.literal(), partner_id.literal(),
      amount.literal(), occurred_at.literal(), order_count.literal(), topic.literal(),
      partition.literal(), offset.literal());
  for (const auto& row : rows) inserted.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  if (inserted.empty()) return inserted;

  // The orders of the payouts inserted just now, all in one statement (a payout may have 10,000).
  // No ON CONFLICT: an order_id is unique within a payout (checked by the decoder) and these
  // payouts had no orders before this statement.
  ArrayParam o_merchant, o_payout, o_order, o_paid, o_refunded, o_commission, o_net;
  for (const auto& w : payouts) {
    const core::Payout& p = *w.payout;
    if (inserted.count({p.merchant_id, p.payout_id}) == 0) continue;
    for (const auto& o : p.orders) {
      o_merchant.text(p.merchant_id);
      o_payout.text(p.payout_id);
      o_order.text(o.order_id);
      o_paid.integer(o.paid);
      o_refunded.integer(o.refunded);
      o_commission.integer(o.commission);
      o_net.integer(o.net);
    }
  }
  exec_prepared(tx, "kassa_insert_payout_orders",
                "INSERT INTO kassa.payout_orders (merchant_id, payout_id, order_id, paid, "
                "  refunded, commission, net) "
                "SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::bigint[], "
                "  $5::bigint[], $6::bigint[], $7::bigint[])",
                o_merchant.literal(), o_payout.literal(), o_order.literal(), o_paid.literal(),
                o_refunded.literal(), o_commission.literal(), o_net.literal());
  return inserted;
}

void write_dead_letters(pqxx::work& tx, const std::vector<ingest::RejectionWrite>& rejections,
                        const std::vector<ingest::OutboxWrite>& outbox) {
  // The order topics' writer, given nothing but dead letters: the same rows, the same statements.
  ingest::BatchResult result;
  result.rejections = rejections;
  result.outbox = outbox;
  write_result(tx, result, {});
}

}  // namespace kassa::store
