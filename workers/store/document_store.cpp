#include "store/document_store.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"

namespace kassa::store {
namespace {

using nlohmann::json;

constexpr std::int64_t kRenderLock = 0x6b61737361'0004;  // "kassa" and 4: one renderer at a time

StoredPackage package_of(const pqxx::row& row) {
  return {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
          row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<bool>()};
}

constexpr const char* kPackageColumns =
    "SELECT package_id::text, kind, source_event_id::text, "
    "to_char(issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), body, "
    "state = 'issued' FROM kassa.packages ";

}  // namespace

core::Counters lock_counters(pqxx::work& tx, const std::set<core::CounterKey>& keys) {
  core::Counters out;
  if (keys.empty()) return out;
  json rows = json::array();
  for (const auto& key : keys)
    rows.push_back({{"merchant_id", key.merchant_id},
                    {"document_type", core::document_type_name(key.type)},
                    {"year", key.year}});
  // Create the missing sequences first (a concurrent creator makes this wait, then do nothing),
  // then lock all of them in key order: every worker locks in the same order, so no deadlock.
  tx.exec_params(
      "INSERT INTO kassa.document_counters (merchant_id, document_type, year, last_number) "
      "SELECT x.merchant_id, x.document_type, x.year, 0 "
      "FROM jsonb_to_recordset($1::jsonb) AS x(merchant_id uuid, document_type text, year integer) "
      "ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING",
      rows.dump());
  const auto locked = tx.exec_params(
      "SELECT c.merchant_id::text, c.document_type, c.year, c.last_number "
      "FROM kassa.document_counters c "
      "JOIN jsonb_to_recordset($1::jsonb) AS x(merchant_id uuid, document_type text, year integer) "
      "  USING (merchant_id, document_type, year) "
      "ORDER BY c.merchant_id, c.document_type, c.year FOR UPDATE OF c",
      rows.dump());
  for (const auto& row : locked) {
    const auto type = core::parse_document_type(row[1].as<std::string>());
    if (!type) throw std::logic_error("kassa.document_counters holds an unknown document type");
    out[{row[0].as<std::string>(), *type, row[2].as<int>()}] = row[3].as<std::int64_t>();
  }
  if (out.size() != keys.size())
    throw std::logic_error("lock_counters: a counter row is missing after its insert");
  return out;
}

void write_packages(pqxx::work& tx, const std::vector<ingest::PackageWrite>& packages,
                    const core::Counters& counters) {
  json package_rows = json::array(), document_rows = json::array();
  for (std::size_t i = 0; i < packages.size(); ++i) {
    const auto& w = packages[i];
    const core::Package& p = w.package;
    package_rows.push_back({{"ord", i},
                            {"package_id", w.package_id},
                            {"kind", core::package_kind_name(p.kind)},
                            {"order_id", p.order_id},
                            {"merchant_id", p.merchant_id},
                            {"source_event_id", p.source_event_id},
                            {"issued_at", core::format_utc(p.issued_at)},
                            {"total", p.total},
                            {"body", w.body}});
    for (const auto& d : p.documents)
      document_rows.push_back({{"package_id", w.package_id},
                               {"document_type", core::document_type_name(d.type)},
                               {"merchant_id", p.merchant_id},
                               {"year", d.date.year},
                               {"number", d.number},
                               {"document_date", core::format_date(d.date)},
                               {"total", d.total},
                               {"vat", d.vat}});
  }
  // No ON CONFLICT anywhere: the inbox lets an event through once, and the unique number key
  // must fail loudly rather than hide a number given twice. ORDER BY: seq follows the batch.
  tx.exec_params(
      "INSERT INTO kassa.packages (package_id, kind, order_id, merchant_id, source_event_id, "
      "  issued_at, total, body) "
      "SELECT x.package_id, x.kind, x.order_id, x.merchant_id, x.source_event_id, x.issued_at, "
      "  x.total, x.body "
      "FROM jsonb_to_recordset($1::jsonb) AS x(ord integer, package_id uuid, kind text, "
      "  order_id uuid, merchant_id uuid, source_event_id uuid, issued_at timestamptz, "
      "  total bigint, body text) "
      "ORDER BY x.ord",
      package_rows.dump());
  tx.exec_params(
      "INSERT INTO kassa.documents (package_id, document_type, merchant_id, year, number, "
      "  document_date, total, vat) "
      "SELECT x.package_id, x.document_type, x.merchant_id, x.year, x.number, x.document_date, "
      "  x.total, x.vat "
      "FROM jsonb_to_recordset($1::jsonb) AS x(package_id uuid, document_type text, "
      "  merchant_id uuid, year integer, number bigint, document_date date, total bigint, "
      "  vat bigint)",
      document_rows.dump());
  json counter_rows = json::array();
  for (const auto& [key, last] : counters)
    counter_rows.push_back({{"merchant_id", key.merchant_id},
                            {"document_type", core::document_type_name(key.type)},
                            {"year", key.year},
                            {"last_number", last}});
  // Only forward: the rows are locked by this transaction, so a smaller value would be a bug.
  const auto moved = tx.exec_params(
      "UPDATE kassa.document_counters c SET last_number = x.last_number, updated_at = now() "
      "FROM jsonb_to_recordset($1::jsonb) AS x(merchant_id uuid, document_type text, "
      "  year integer, last_number bigint) "
      "WHERE c.merchant_id = x.merchant_id AND c.document_type = x.document_type "
      "  AND c.year = x.year AND c.last_number <= x.last_number",
      counter_rows.dump());
  if (moved.affected_rows() != counters.size())
    throw std::logic_error("write_packages: a document counter would move backwards");
}

std::vector<PendingPackage> claim_rendering(pqxx::work& tx, std::size_t limit) {
  std::vector<PendingPackage> out;
  if (!tx.exec_params1("SELECT pg_try_advisory_xact_lock($1)", kRenderLock)[0].as<bool>())
    return out;  // another renderer is at work; it keeps the order of issue
  for (const auto& row :
       tx.exec_params("SELECT package_id::text, body FROM kassa.packages WHERE state = 'rendering' "
                      "ORDER BY seq LIMIT $1",
                      static_cast<std::int64_t>(limit)))
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
  return out;
}

std::map<std::string, std::string> merchant_edo_ids(pqxx::transaction_base& tx,
                                                    const std::set<std::string>& merchant_ids) {
  std::map<std::string, std::string> out;
  json ids = json::array();
  for (const auto& id : merchant_ids)
    if (contract::is_uuid(id)) ids.push_back(id);
  if (ids.empty()) return out;
  for (const auto& row :
       tx.exec_params("SELECT merchant_id::text, edo_participant_id FROM kassa.merchants "
                      "WHERE edo_participant_id IS NOT NULL AND merchant_id IN "
                      "(SELECT jsonb_array_elements_text($1::jsonb)::uuid)",
                      ids.dump()))
    out[row[0].as<std::string>()] = row[1].as<std::string>();
  return out;
}

void finish_packages(pqxx::work& tx, const std::vector<ingest::PackageWrite>& packages) {
  json package_rows = json::array(), file_rows = json::array(), mail_rows = json::array();
  for (const auto& w : packages) {
    package_rows.push_back({{"package_id", w.package_id}, {"body", w.body}});
    for (const auto& f : w.files)
      file_rows.push_back({{"package_id", w.package_id},
                           {"name", f.name},
                           {"document_type", core::document_type_name(f.type)},
                           {"media_type", f.media_type},
                           {"sha256", f.sha256},
                           {"bytes", contract::base64_encode(f.bytes)}});
    if (w.mail)
      mail_rows.push_back({{"message_id", w.mail->message_id},
                           {"package_id", w.package_id},
                           {"sender", w.mail->sender},
                           {"recipient", w.mail->recipient},
                           {"message", contract::base64_encode(w.mail->message)}});
  }
  const auto issued = tx.exec_params(
      "UPDATE kassa.packages p SET body = x.body, state = 'issued', rendered_at = now() "
      "FROM jsonb_to_recordset($1::jsonb) AS x(package_id uuid, body text) "
      "WHERE p.package_id = x.package_id AND p.state = 'rendering'",
      package_rows.dump());
  if (issued.affected_rows() != packages.size())
    throw std::logic_error("finish_packages: a package was not waiting to be rendered");
  if (!file_rows.empty())
    tx.exec_params(
        "INSERT INTO kassa.document_files (package_id, name, document_type, media_type, sha256, "
        "  bytes) "
        "SELECT x.package_id, x.name, x.document_type, x.media_type, x.sha256, "
        "  decode(x.bytes, 'base64') "
        "FROM jsonb_to_recordset($1::jsonb) AS x(package_id uuid, name text, document_type text, "
        "  media_type text, sha256 text, bytes text)",
        file_rows.dump());
  if (!mail_rows.empty())
    tx.exec_params(
        "INSERT INTO kassa.mail_outbox (message_id, package_id, sender, recipient, message) "
        "SELECT x.message_id, x.package_id, x.sender, x.recipient, decode(x.message, 'base64') "
        "FROM jsonb_to_recordset($1::jsonb) AS x(message_id uuid, package_id uuid, sender text, "
        "  recipient text, message text)",
        mail_rows.dump());
}

std::int64_t count_rendering(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  return tx.exec1("SELECT count(*) FROM kassa.packages WHERE state = 'rendering'")[0]
      .as<std::int64_t>();
}

std::vector<StoredPackage> packages_of_order(pqxx::connection& connection,
                                             const std::string& order_id) {
  std::vector<StoredPackage> out;
  if (!contract::is_uuid(order_id)) return out;
  pqxx::read_transaction tx(connection);
  for (const auto& row : tx.exec_params(std::string(kPackageColumns) +
                                            "WHERE order_id = $1::uuid ORDER BY issued_at, "
                                            "package_id",
                                        order_id))
    out.push_back(package_of(row));
  return out;
}

std::optional<StoredPackage> package_by_id(pqxx::connection& connection,
                                           const std::string& package_id) {
  if (!contract::is_uuid(package_id)) return std::nullopt;
  pqxx::read_transaction tx(connection);
  const auto rows =
      tx.exec_params(std::string(kPackageColumns) + "WHERE package_id = $1::uuid", package_id);
  if (rows.empty()) return std::nullopt;
  return package_of(rows[0]);
}

std::vector<StoredFile> package_files(pqxx::transaction_base& tx, const std::string& package_id) {
  std::vector<StoredFile> out;
  if (!contract::is_uuid(package_id)) return out;
  for (const auto& row :
       tx.exec_params("SELECT name, media_type, sha256, bytes FROM kassa.document_files "
                      "WHERE package_id = $1::uuid ORDER BY name",
                      package_id))
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   pqxx::binarystring(row[3]).str()});
  return out;
}

}  // namespace kassa::store
