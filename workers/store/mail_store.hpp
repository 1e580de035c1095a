// kassa.mail_outbox, the mailer's side: due messages are claimed with FOR UPDATE SKIP LOCKED, so
// several replicas send in parallel and never the same message at once; each is marked sent,
// retried later, or failed in the claiming transaction.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace kassa::store {

struct MailRow {
  std::int64_t id = 0;
  std::string message_id, sender, recipient, message;
  int attempts = 0;
};

std::vector<MailRow> claim_mail(pqxx::work& tx, std::size_t limit);
void mark_mail_sent(pqxx::work& tx, std::int64_t id);
void mark_mail_retry(pqxx::work& tx, std::int64_t id, const std::string& error,
                     std::chrono::seconds delay);
void mark_mail_failed(pqxx::work& tx, std::int64_t id, const std::string& error);

}  // namespace kassa::store
