#include "app/mailer.hpp"

#include <algorithm>
#include <thread>

#include "app/clock.hpp"
#include "app/smtp.hpp"
#include "store/database.hpp"
#include "store/mail_store.hpp"
#include "support/log.hpp"
#include "support/threads.hpp"

namespace kassa::app {

struct Mailer::Impl {
  Impl(const Config& config, Metrics* metrics)
      : config(config),
        metrics(metrics),
        server(parse_smtp_addr(config.smtp_addr)),
        database(config.pg_dsn) {}
  const Config& config;
  Metrics* metrics;
  SmtpServer server;
  store::Database database;
};

Mailer::Mailer(const Config& config, Metrics* metrics)
    : impl_(std::make_unique<Impl>(config, metrics)) {}
Mailer::~Mailer() = default;

// One message per transaction: it is marked sent in the commit right after the server accepted
// it. Claiming a round of messages in one transaction and committing after the last one made a
// crash or a lost database connection anywhere in the round send every message the server had
// already accepted in it again (scripts/chaos found nine e-mails sent twice after one fault).
std::size_t Mailer::run_once() {
  std::size_t handled = 0;
  for (; handled < 20; ++handled) {
    pqxx::work tx(impl_->database.connection());
    const auto rows = store::claim_mail(tx, 1);
    if (rows.empty()) break;
    const auto& row = rows.front();
    bool unreachable = false;
    try {
      smtp_send(impl_->server, row.sender, row.recipient, row.message);
      fault_point("mail_after_send");
      store::mark_mail_sent(tx, row.id);
      if (impl_->metrics != nullptr) impl_->metrics->mail_sent.Increment();
    } catch (const SmtpError& e) {
      if (e.permanent()) {
        store::mark_mail_failed(tx, row.id, e.what());
        log::error("mailer: " + row.recipient + " refused for good: " + e.what());
        if (impl_->metrics != nullptr) impl_->metrics->mail_failed.Increment();
      } else {
        const auto delay =
            std::chrono::seconds(std::min<std::int64_t>(3600, 30LL << std::min(row.attempts, 7)));
        store::mark_mail_retry(tx, row.id, e.what(), delay);
        if (impl_->metrics != nullptr) impl_->metrics->mail_retries.Increment();
        log::warn(std::string("mailer: ") + e.what() + "; message " + row.message_id +
                  " retried in " + std::to_string(delay.count()) + " s");
        unreachable = e.code == 0;
      }
    }
    tx.commit();
    if (unreachable) return handled + 1;  // the rest waits for the next round
  }
  return handled;
}

void Mailer::wake() {
  wakeup_.wake();
}

void Mailer::run(const std::atomic<bool>& stop) {
  support::name_this_thread("kassa-mailer");
  while (!stop.load()) {
    std::size_t handled = 0;
    try {
      handled = run_once();
    } catch (const std::exception& e) {
      log::warn(std::string("mailer: ") + e.what());
      if (store::is_transient(e)) impl_->database.reset();
    }
    if (handled > 0) continue;  // more may be due
    wakeup_.wait(std::chrono::seconds(5), stop);
  }
}

void Mailer::drain(const std::atomic<bool>& stop) {
  for (int failures = 0; !stop.load() && failures < 5;) {
    try {
      if (run_once() == 0) return;
    } catch (const std::exception& e) {
      ++failures;
      log::warn(std::string("mailer: ") + e.what());
      if (store::is_transient(e)) impl_->database.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

}  // namespace kassa::app
