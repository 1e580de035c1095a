#include "store/merchant_store.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"
#include "store/pg_array.hpp"
#include "store/prepared.hpp"

namespace kassa::store {

MerchantVersions load_merchant_versions(pqxx::transaction_base& tx,
                                        const std::set<std::string>& merchant_ids) {
  MerchantVersions out;
  ArrayParam ids;
  for (const auto& id : merchant_ids)
    if (contract::is_uuid(id)) ids.text(id);
  if (ids.size() == 0) return out;
  const auto rows = exec_prepared(
      tx, "kassa_load_merchants",
      "SELECT merchant_id::text, NULL::text, supplier_inn, supplier_name, "
      "  array_to_json(supplier_phones)::text, coalesce(supplier_kpp, ''), '', "
      "  coalesce(edo_participant_id, ''), NULL::text "
      "FROM kassa.merchants WHERE merchant_id = ANY($1::uuid[]) "
      "UNION ALL "
      "SELECT merchant_id::text, "
      "  to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), inn, name, "
      "  array_to_json(phones)::text, coalesce(kpp, ''), site_url, "
      "  coalesce(edo_participant_id, ''), event_id::text "
      "FROM kassa.merchant_versions WHERE merchant_id = ANY($1::uuid[]) "
      "ORDER BY 1, 2 NULLS FIRST, 9",
      ids.literal());
  for (const auto& row : rows) {
    core::MerchantVersion version;
    if (!row[1].is_null()) {
      const auto from = core::parse_utc(row[1].c_str());
      if (!from) throw std::logic_error("kassa.merchant_versions.occurred_at does not parse");
      version.from = *from;
    }
    version.supplier = {
        row[2].as<std::string>(),
        row[3].as<std::string>(),
        nlohmann::json::parse(row[4].as<std::string>()).get<std::vector<std::string>>(),
        row[5].as<std::string>(),
        row[6].as<std::string>(),
        row[7].as<std::string>()};
    out[row[0].as<std::string>()].push_back(std::move(version));
  }
  return out;
}

std::set<std::string> record_merchant_versions(pqxx::work& tx,
                                               const std::vector<MerchantRecord>& records) {
  if (records.empty()) return {};
  ArrayParam merchant_id, occurred_at, event_id, event_type, partner_id, name, inn, kpp, phones,
      email, site_url, edo, partition, offset;
  for (const auto& r : records) {
    const auto& e = r.event;
    merchant_id.text(e.merchant_id);
    occurred_at.text(core::format_utc(e.occurred_at));
    event_id.text(e.event_id);
    event_type.text(e.event_type);
    partner_id.text_or_null(e.partner_id);
    name.text(e.supplier.name);
    inn.text(e.supplier.inn);
    kpp.text_or_null(e.supplier.kpp);
    phones.text(text_array(e.supplier.phones));
    email.text(e.email);
    site_url.text(e.supplier.site_url);
    edo.text_or_null(e.edo_participant_id);
    partition.integer(r.partition);
    offset.integer(r.offset);
  }
  // Which merchants had no version before this statement: their orders may be waiting.
  const auto rows = exec_prepared(
      tx, "kassa_record_merchant_versions",
      "WITH fresh AS ("
      "  INSERT INTO kassa.merchant_versions (merchant_id, occurred_at, event_id, event_type, "
      "    partner_id, name, inn, kpp, phones, email, site_url, edo_participant_id, "
      "    source_partition, source_offset) "
      "  SELECT x.merchant_id, x.occurred_at, x.event_id, x.event_type, x.partner_id, x.name, "
      "    x.inn, x.kpp, x.phones::text[], x.email, x.site_url, x.edo, x.partition, x.offset_ "
      "  FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::text[], $5::uuid[], "
      "    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], "
      "    $13::integer[], $14::bigint[]) AS x(merchant_id, occurred_at, event_id, event_type, "
      "    partner_id, name, inn, kpp, phones, email, site_url, edo, partition, offset_) "
      "  ON CONFLICT DO NOTHING RETURNING merchant_id) "
      "SELECT DISTINCT f.merchant_id::text FROM fresh f",
      merchant_id.literal(), occurred_at.literal(), event_id.literal(), event_type.literal(),
      partner_id.literal(), name.literal(), inn.literal(), kpp.literal(), phones.literal(),
      email.literal(), site_url.literal(), edo.literal(), partition.literal(), offset.literal());
  std::set<std::string> out;
  for (const auto& row : rows) out.insert(row[0].as<std::string>());
  return out;
}

std::set<std::string> arrived_merchants_with_waiting_orders(pqxx::work& tx) {
  std::set<std::string> out;
  for (const auto& row : tx.exec("SELECT DISTINCT o.waiting_merchant_id::text FROM kassa.orders o "
                                 "WHERE o.waiting_merchant_id IS NOT NULL AND ("
                                 "  EXISTS (SELECT 1 FROM kassa.merchant_versions v "
                                 "          WHERE v.merchant_id = o.waiting_merchant_id) OR "
                                 "  EXISTS (SELECT 1 FROM kassa.merchants m WHERE m.merchant_id = "
                                 "o.waiting_merchant_id))"))
    out.insert(row[0].as<std::string>());
  return out;
}

std::set<std::string> orders_waiting_for(pqxx::work& tx, const std::set<std::string>& merchants,
                                         std::size_t limit) {
  std::set<std::string> out;
  if (merchants.empty()) return out;
  for (const auto& row : tx.exec_params(
           "SELECT order_id::text FROM kassa.orders WHERE waiting_merchant_id = ANY($1::uuid[]) "
           "ORDER BY order_id LIMIT $2",
           text_array(merchants), static_cast<std::int64_t>(limit)))
    out.insert(row[0].as<std::string>());
  return out;
}

std::vector<MerchantHistoryRow> merchant_history(pqxx::connection& connection,
                                                 const std::string& merchant_id) {
  pqxx::read_transaction tx(connection);
  std::vector<MerchantHistoryRow> out;
  const auto rows = tx.exec_params(
      "SELECT '(by hand)', '', '', '', supplier_name, supplier_inn, coalesce(supplier_kpp, ''), "
      "  array_to_string(supplier_phones, ', '), '', '', coalesce(edo_participant_id, ''), 0 "
      "FROM kassa.merchants WHERE merchant_id = $1::uuid "
      "UNION ALL "
      "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
      "  event_type, event_id::text, coalesce(partner_id::text, ''), name, inn, "
      "  coalesce(kpp, ''), array_to_string(phones, ', '), email, site_url, "
      "  coalesce(edo_participant_id, ''), 1 "
      "FROM kassa.merchant_versions WHERE merchant_id = $1::uuid "
      "ORDER BY 12, 1, 3",
      merchant_id);
  for (const auto& row : rows)
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>(),
                   row[6].as<std::string>(), row[7].as<std::string>(), row[8].as<std::string>(),
                   row[9].as<std::string>(), row[10].as<std::string>()});
  return out;
}

std::int64_t orders_waiting_for_merchant(pqxx::connection& connection,
                                         const std::string& merchant_id) {
  pqxx::read_transaction tx(connection);
  return tx
      .exec_params1("SELECT count(*) FROM kassa.orders WHERE waiting_merchant_id = $1::uuid",
                    merchant_id)[0]
      .as<std::int64_t>();
}

}  // namespace kassa::store
