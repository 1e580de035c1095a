// The mailer: sends the package e-mails queued in kassa.mail_outbox to the SMTP server
// (KASSA_SMTP_ADDR) and marks each in the transaction that claimed it, one message at a time.
//
// Delivery guarantee: at least once. A message is marked sent only after the server accepted it;
// a crash in between sends that one message again, byte-identical with the same Message-ID, which
// mail systems and readers recognise. A 4xx reply or an unreachable server retries with a growing
// delay (30 s doubling, at most an hour); a 5xx reply (say, a bad address) marks the message
// failed with the server's words in last_error, counted in kassa_mail_failed_total, and is not
// retried.
#pragma once

#include <atomic>
#include <memory>

#include "app/background.hpp"
#include "app/config.hpp"
#include "app/metrics.hpp"

namespace kassa::app {

class Mailer {
 public:
  Mailer(const Config& config, Metrics* metrics);
  ~Mailer();

  // One round over up to 20 due messages, each claimed, sent and marked in a transaction of its
  // own; returns how many it handled (sent, retried or failed).
  std::size_t run_once();
  // Rounds until `stop`, sleeping between empty rounds until wake() or five seconds pass.
  void run(const std::atomic<bool>& stop);
  void wake();
  // Rounds until nothing is due now (messages waiting for a retry stay queued) or `stop`.
  void drain(const std::atomic<bool>& stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Wakeup wakeup_;
};

}  // namespace kassa::app
