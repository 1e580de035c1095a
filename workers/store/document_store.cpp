#include "store/document_store.hpp"

#include <stdexcept>

#include "contract/encoding.hpp"
#include "store/merchant_store.hpp"
#include "store/pg_array.hpp"

namespace kassa::store {
namespace {

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
  ArrayParam merchant_id, document_type, year;
  for (const auto& key : keys) {
    merchant_id.text(key.merchant_id);
    document_type.text(core::document_type_name(key.type));
    year.integer(key.year);
  }
  // Create the missing sequences first (a concurrent creator makes this wait, then do nothing),
  // then lock all of them in key order: every worker locks in the same order, so no deadlock.
  tx.exec_params(
      "INSERT INTO kassa.document_counters (merchant_id, document_type, year, last_number) "
      "SELECT x.merchant_id, x.document_type, x.year, 0 "
      "FROM unnest($1::uuid[], $2::text[], $3::integer[]) AS x(merchant_id, document_type, year) "
      "ORDER BY 1, 2, 3 ON CONFLICT DO NOTHING",
      merchant_id.literal(), document_type.literal(), year.literal());
  const auto locked = tx.exec_params(
      "SELECT c.merchant_id::text, c.document_type, c.year, c.last_number "
      "FROM kassa.document_counters c "
      "JOIN unnest($1::uuid[], $2::text[], $3::integer[]) AS x(merchant_id, document_type, year) "
      "  USING (merchant_id, document_type, year) "
      "ORDER BY c.merchant_id, c.document_type, c.year FOR UPDATE OF c",
      merchant_id.literal(), document_type.literal(), year.literal());
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
  ArrayParam package_id, kind, order_id, merchant_id, source_event_id, issued_at, total, body;
  ArrayParam d_package_id, d_type, d_merchant_id, d_year, d_number, d_date, d_total, d_vat;
  for (const auto& w : packages) {
    const core::Package& p = w.package;
    package_id.text(w.package_id);
    kind.text(core::package_kind_name(p.kind));
    order_id.text(p.order_id);
    merchant_id.text(p.merchant_id);
    source_event_id.text(p.source_event_id);
    issued_at.text(core::format_utc(p.issued_at));
    total.integer(p.total);
    body.text(w.body);
    for (const auto& d : p.documents) {
      d_package_id.text(w.package_id);
      d_type.text(core::document_type_name(d.type));
      d_merchant_id.text(p.merchant_id);
      d_year.integer(d.date.year);
      d_number.integer(d.number);
      d_date.text(core::format_date(d.date));
      d_total.integer(d.total);
      d_vat.integer(d.vat);
    }
  }
  // No ON CONFLICT anywhere: the inbox lets an event through once, and the unique number key
  // must fail loudly rather than hide a number given twice. ORDER BY: seq follows the batch.
  tx.exec_params(
      "INSERT INTO kassa.packages (package_id, kind, order_id, merchant_id, source_event_id, "
      "  issued_at, total, body) "
      "SELECT x.package_id, x.kind, x.order_id, x.merchant_id, x.source_event_id, x.issued_at, "
      "  x.total, x.body "
      "FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], "
      "  $6::timestamptz[], $7::bigint[], $8::text[]) WITH ORDINALITY "
      "  AS x(package_id, kind, order_id, merchant_id, source_event_id, issued_at, total, body, "
      "  ord) "
      "ORDER BY x.ord",
      package_id.literal(), kind.literal(), order_id.literal(), merchant_id.literal(),
      source_event_id.literal(), issued_at.literal(), total.literal(), body.literal());
  if (d_package_id.size() > 0)
    tx.exec_params(
        "INSERT INTO kassa.documents (package_id, document_type, merchant_id, year, number, "
        "  document_date, total, vat) "
        "SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::integer[], $5::bigint[], "
        "  $6::date[], $7::bigint[], $8::bigint[])",
        d_package_id.literal(), d_type.literal(), d_merchant_id.literal(), d_year.literal(),
        d_number.literal(), d_date.literal(), d_total.literal(), d_vat.literal());
  ArrayParam c_merchant_id, c_type, c_year, c_last;
  for (const auto& [key, last] : counters) {
    c_merchant_id.text(key.merchant_id);
    c_type.text(core::document_type_name(key.type));
    c_year.integer(key.year);
    c_last.integer(last);
  }
  // Only forward: the rows are locked by this transaction, so a smaller value would be a bug.
  const auto moved = tx.exec_params(
      "UPDATE kassa.document_counters c SET last_number = x.last_number, updated_at = now() "
      "FROM unnest($1::uuid[], $2::text[], $3::integer[], $4::bigint[]) "
      "  AS x(merchant_id, document_type, year, last_number) "
      "WHERE c.merchant_id = x.merchant_id AND c.document_type = x.document_type "
      "  AND c.year = x.year AND c.last_number <= x.last_number",
      c_merchant_id.literal(), c_type.literal(), c_year.literal(), c_last.literal());
  if (moved.affected_rows() != counters.size())
    throw std::logic_error("write_packages: a document counter would move backwards");
}

std::vector<PendingPackage> claim_rendering(pqxx::work& tx, std::size_t limit) {
  std::vector<PendingPackage> out;
  // SKIP LOCKED: renderers in any number of replicas take disjoint packages. A package waits
  // while an earlier one of its order is still rendering (locked by another renderer, or not yet
  // claimed), so an order's package messages reach the outbox, and the topic, in numbering order.
  for (const auto& row :
       tx.exec_params("SELECT p.package_id::text, p.body FROM kassa.packages p "
                      "WHERE p.state = 'rendering' AND NOT EXISTS ("
                      "  SELECT 1 FROM kassa.packages e WHERE e.state = 'rendering' "
                      "    AND e.order_id = p.order_id AND e.seq < p.seq) "
                      "ORDER BY p.seq LIMIT $1 FOR UPDATE OF p SKIP LOCKED",
                      static_cast<std::int64_t>(limit)))
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
  return out;
}

namespace {
// Ids that are not UUIDs match nothing; leaving them out keeps the cast from failing.
std::string uuid_array(const std::vector<std::string>& ids) {
  std::vector<std::string> uuids;
  for (const auto& id : ids)
    if (contract::is_uuid(id)) uuids.push_back(id);
  return text_array(uuids);
}
}  // namespace

std::vector<StoredReceiptBody> receipts_of_orders(pqxx::transaction_base& tx,
                                                  const std::vector<std::string>& order_ids) {
  std::vector<StoredReceiptBody> out;
  for (const auto& row :
       tx.exec_params("SELECT receipt_id::text, order_id::text, body FROM kassa.receipts "
                      "WHERE order_id = ANY($1::uuid[]) ORDER BY receipt_id",
                      uuid_array(order_ids)))
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
  return out;
}

std::vector<StoredPackageBody> packages_of_orders(pqxx::transaction_base& tx,
                                                  const std::vector<std::string>& order_ids) {
  std::vector<StoredPackageBody> out;
  for (const auto& row : tx.exec_params(
           "SELECT package_id::text, order_id::text, state = 'issued', body FROM kassa.packages "
           "WHERE order_id = ANY($1::uuid[]) ORDER BY seq",
           uuid_array(order_ids)))
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<bool>(),
                   row[3].as<std::string>()});
  return out;
}

std::map<std::string, std::map<std::string, std::int64_t>> numbers_of_orders(
    pqxx::transaction_base& tx, const std::vector<std::string>& order_ids) {
  std::map<std::string, std::map<std::string, std::int64_t>> out;
  for (const auto& row :
       tx.exec_params("SELECT d.package_id::text, d.document_type, d.number "
                      "FROM kassa.documents d JOIN kassa.packages p USING (package_id) "
                      "WHERE p.order_id = ANY($1::uuid[])",
                      uuid_array(order_ids)))
    out[row[0].as<std::string>()][row[1].as<std::string>()] = row[2].as<std::int64_t>();
  return out;
}

std::string merchant_edo_id(
    const std::map<std::string, std::vector<core::MerchantVersion>>& versions,
    const std::string& merchant_id, core::UtcTime at) {
  const auto it = versions.find(merchant_id);
  if (it == versions.end()) return "";
  const auto in_force = core::requisites_as_of(it->second, at);
  return in_force ? in_force->edo_participant_id : "";
}

std::string merchant_edo_id(pqxx::transaction_base& tx, const std::string& merchant_id,
                            core::UtcTime at) {
  return merchant_edo_id(load_merchant_versions(tx, {merchant_id}), merchant_id, at);
}

void finish_packages(pqxx::work& tx, const std::vector<ingest::PackageWrite>& packages) {
  ArrayParam package_id, body;
  ArrayParam f_package_id, f_name, f_type, f_media_type, f_sha256, f_bytes;
  ArrayParam m_message_id, m_package_id, m_sender, m_recipient, m_message;
  for (const auto& w : packages) {
    package_id.text(w.package_id);
    body.text(w.body);
    for (const auto& f : w.files) {
      f_package_id.text(w.package_id);
      f_name.text(f.name);
      f_type.text(core::document_type_name(f.type));
      f_media_type.text(f.media_type);
      f_sha256.text(f.sha256);
      f_bytes.bytes(f.bytes);
    }
    if (w.mail) {
      m_message_id.text(w.mail->message_id);
      m_package_id.text(w.package_id);
      m_sender.text(w.mail->sender);
      m_recipient.text(w.mail->recipient);
      m_message.bytes(w.mail->message);
    }
  }
  const auto issued = tx.exec_params(
      "UPDATE kassa.packages p SET body = x.body, state = 'issued', rendered_at = now() "
      "FROM unnest($1::uuid[], $2::text[]) AS x(package_id, body) "
      "WHERE p.package_id = x.package_id AND p.state = 'rendering'",
      package_id.literal(), body.literal());
  if (issued.affected_rows() != packages.size())
    throw std::logic_error("finish_packages: a package was not waiting to be rendered");
  if (f_package_id.size() > 0)
    tx.exec_params(
        "INSERT INTO kassa.document_files (package_id, name, document_type, media_type, sha256, "
        "  bytes) "
        "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], "
        "  $6::bytea[])",
        f_package_id.literal(), f_name.literal(), f_type.literal(), f_media_type.literal(),
        f_sha256.literal(), f_bytes.literal());
  if (m_message_id.size() > 0)
    tx.exec_params(
        "INSERT INTO kassa.mail_outbox (message_id, package_id, sender, recipient, message) "
        "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bytea[])",
        m_message_id.literal(), m_package_id.literal(), m_sender.literal(), m_recipient.literal(),
        m_message.literal());
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
