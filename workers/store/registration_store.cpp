#include "store/registration_store.hpp"

namespace kassa::store {
namespace {

std::string interval_ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " milliseconds";
}

std::optional<std::string> optional_text(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace

std::vector<DueRegistration> lease_due(pqxx::connection& connection, std::size_t limit,
                                       std::chrono::seconds lease) {
  pqxx::work tx(connection);
  // A receipt's body is the `atol` object of its published message: the json type keeps the
  // text as written, so the request carries the published bytes of every amount.
  const auto rows = tx.exec_params(
      "WITH due AS ("
      "  SELECT r.external_id FROM kassa.registrations r"
      "  WHERE r.status = 'wait' AND r.next_attempt_at <= now()"
      "    AND (r.follows IS NULL OR EXISTS (SELECT 1 FROM kassa.registrations p"
      "         WHERE p.external_id = r.follows AND p.status = 'done'))"
      "  ORDER BY r.next_attempt_at LIMIT $1 FOR UPDATE OF r SKIP LOCKED)"
      "UPDATE kassa.registrations g"
      "  SET next_attempt_at = now() + $2::interval, attempts = g.attempts + 1"
      "  FROM due WHERE g.external_id = due.external_id "
      "RETURNING g.external_id::text, g.receipt_id::text, g.operation, coalesce(g.uuid, ''),"
      "  g.attempts, g.retries, g.polls,"
      "  CASE WHEN g.uuid IS NOT NULL THEN '' WHEN g.body IS NOT NULL THEN g.body"
      "    ELSE (SELECT (r.body::json -> 'atol')::text FROM kassa.receipts r"
      "          WHERE r.receipt_id = g.receipt_id) END",
      static_cast<long long>(limit), std::to_string(lease.count()) + " seconds");
  tx.commit();
  std::vector<DueRegistration> out;
  out.reserve(rows.size());
  for (const auto& row : rows)
    out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>(), row[4].as<int>(), row[5].as<int>(), row[6].as<int>(),
                   row[7].as<std::string>()});
  return out;
}

void record_accepted(pqxx::connection& connection, const std::string& external_id,
                     const std::string& uuid, std::chrono::milliseconds next) {
  pqxx::work tx(connection);
  tx.exec_params(
      "UPDATE kassa.registrations SET uuid = $2, sent_at = coalesce(sent_at, now()),"
      "  next_attempt_at = now() + $3::interval, retries = 0,"
      "  polls = CASE WHEN uuid IS NULL OR uuid <> $2 THEN 0 ELSE polls + 1 END "
      "WHERE external_id = $1::uuid AND status = 'wait'",
      external_id, uuid, interval_ms(next));
  tx.commit();
}

bool record_done(pqxx::connection& connection, const std::string& external_id,
                 const std::string& uuid, const contract::FiscalAttributes& fiscal) {
  pqxx::work tx(connection);
  const auto result = tx.exec_params(
      "UPDATE kassa.registrations SET status = 'done', uuid = $2, done_at = now(),"
      "  fiscal_document_number = $3, fiscal_document_attribute = $4, fn_number = $5,"
      "  shift_number = $6, fiscal_receipt_number = $7, ecr_registration_number = $8,"
      "  registered_at_text = $9, ofd_receipt_url = $10,"
      "  error_code = NULL, error_text = NULL, error_type = NULL "
      "WHERE external_id = $1::uuid AND status = 'wait'",
      external_id, uuid, fiscal.fiscal_document_number,
      optional_text(fiscal.fiscal_document_attribute), optional_text(fiscal.fn_number),
      optional_text(fiscal.shift_number), optional_text(fiscal.fiscal_receipt_number),
      optional_text(fiscal.ecr_registration_number), optional_text(fiscal.receipt_datetime),
      optional_text(fiscal.ofd_receipt_url));
  tx.commit();
  return result.affected_rows() == 1;
}

bool record_failed(pqxx::connection& connection, const std::string& external_id,
                   const std::string& uuid, const contract::AtolAnswer& answer) {
  pqxx::work tx(connection);
  const auto result = tx.exec_params(
      "UPDATE kassa.registrations SET status = 'fail', uuid = coalesce($2, uuid),"
      "  done_at = now(), error_code = $3, error_text = $4, error_type = $5 "
      "WHERE external_id = $1::uuid AND status = 'wait'",
      external_id, optional_text(uuid), answer.error_code, answer.error_text,
      optional_text(answer.error_type));
  tx.commit();
  return result.affected_rows() == 1;
}

void record_retry(pqxx::connection& connection, const std::string& external_id,
                  std::chrono::milliseconds next, const contract::AtolAnswer& answer) {
  pqxx::work tx(connection);
  tx.exec_params(
      "UPDATE kassa.registrations SET next_attempt_at = now() + $2::interval,"
      "  retries = retries + 1, error_code = $3, error_text = $4, error_type = $5 "
      "WHERE external_id = $1::uuid AND status = 'wait'",
      external_id, interval_ms(next), answer.error_code, answer.error_text,
      optional_text(answer.error_type));
  tx.commit();
}

WaitingSummary waiting_summary(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  const auto row = tx.exec1(
      "SELECT count(*), (extract(epoch FROM min(r.next_attempt_at) - now()) * 1000)::bigint "
      "FROM kassa.registrations r WHERE r.status = 'wait'"
      // A correction after one that failed can never go: it waits for an operator, not for us.
      "  AND NOT EXISTS (SELECT 1 FROM kassa.registrations p"
      "                  WHERE p.external_id = r.follows AND p.status = 'fail')");
  WaitingSummary out;
  out.waiting = row[0].as<std::int64_t>();
  if (!row[1].is_null())
    out.next_due_in =
        std::chrono::milliseconds(std::max<std::int64_t>(0, row[1].as<std::int64_t>()));
  return out;
}

std::optional<ReceiptRegistration> load_receipt_registration(pqxx::connection& connection,
                                                             const std::string& receipt_id) {
  pqxx::read_transaction tx(connection);
  const auto rows = tx.exec_params(
      "SELECT r.receipt_id::text, g.status, g.operation,"
      "  to_char(r.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
      "  (r.body::json -> 'atol' -> 'receipt')::text,"
      "  coalesce((r.body::json -> 'atol' -> 'service')::text, ''), coalesce(g.error_text, '') "
      "FROM kassa.receipts r JOIN kassa.registrations g ON g.external_id = r.receipt_id "
      "WHERE r.receipt_id = $1::uuid",
      receipt_id);
  if (rows.empty()) return std::nullopt;
  const auto& row = rows[0];
  return ReceiptRegistration{row[0].as<std::string>(), row[1].as<std::string>(),
                             row[2].as<std::string>(), row[3].as<std::string>(),
                             row[4].as<std::string>(), row[5].as<std::string>(),
                             row[6].as<std::string>()};
}

std::vector<QueuedCorrection> queue_corrections(
    pqxx::connection& connection, const std::string& receipt_id,
    const std::vector<contract::CorrectionRequest>& requests) {
  pqxx::work tx(connection);
  std::vector<QueuedCorrection> out;
  std::optional<std::string> previous;
  for (const auto& request : requests) {
    const auto inserted = tx.exec_params(
        "INSERT INTO kassa.registrations (external_id, receipt_id, operation, purpose, body, "
        "  follows) "
        "VALUES ($1::uuid, $2::uuid, $3, 'correction', $4, $5::uuid) "
        "ON CONFLICT (external_id) DO NOTHING RETURNING status",
        request.external_id, receipt_id, request.operation, request.body, previous);
    if (!inserted.empty()) {
      out.push_back({inserted[0][0].as<std::string>(), true});
    } else {
      out.push_back({tx.exec_params1("SELECT status FROM kassa.registrations WHERE external_id = "
                                     "$1::uuid",
                                     request.external_id)[0]
                         .as<std::string>(),
                     false});
    }
    previous = request.external_id;
  }
  tx.commit();
  return out;
}

}  // namespace kassa::store
