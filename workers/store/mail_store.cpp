#include "store/mail_store.hpp"

namespace kassa::store {

std::vector<MailRow> claim_mail(pqxx::work& tx, std::size_t limit) {
  std::vector<MailRow> out;
  for (const auto& row :
       tx.exec_params("SELECT id, message_id::text, sender, recipient, message, attempts "
                      "FROM kassa.mail_outbox "
                      "WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() "
                      "ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED",
                      static_cast<std::int64_t>(limit)))
    out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                   row[3].as<std::string>(), pqxx::binarystring(row[4]).str(), row[5].as<int>()});
  return out;
}

void mark_mail_sent(pqxx::work& tx, std::int64_t id) {
  tx.exec_params(
      "UPDATE kassa.mail_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL "
      "WHERE id = $1",
      id);
}

void mark_mail_retry(pqxx::work& tx, std::int64_t id, const std::string& error,
                     std::chrono::seconds delay) {
  tx.exec_params(
      "UPDATE kassa.mail_outbox SET attempts = attempts + 1, last_error = $2, "
      "next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
      id, error, static_cast<double>(delay.count()));
}

void mark_mail_failed(pqxx::work& tx, std::int64_t id, const std::string& error) {
  tx.exec_params(
      "UPDATE kassa.mail_outbox SET attempts = attempts + 1, last_error = $2, failed_at = now() "
      "WHERE id = $1",
      id, error);
}

}  // namespace kassa::store
