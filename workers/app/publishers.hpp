// The output side of a worker, each loop on its own thread: the renderer draws the files of the
// packages a batch numbered, the relays publish outbox rows (receipts and dead letters in one
// lane, package messages in another), the mailer sends the packages' e-mails (when SMTP is
// configured). `kassa run` and `kassa replay` both start one after their batch writer.
#pragma once

#include <atomic>
#include <memory>
#include <optional>

#include "app/background.hpp"
#include "app/config.hpp"
#include "app/mailer.hpp"
#include "app/metrics.hpp"
#include "app/packages.hpp"
#include "app/relay.hpp"

namespace kassa::app {

class Publishers {
 public:
  Publishers(const Config& config, Metrics& metrics);
  ~Publishers();  // stops the threads (without draining) if finish() was not called
  Publishers(const Publishers&) = delete;
  Publishers& operator=(const Publishers&) = delete;

  // After a batch commit that wrote outbox rows, or packages to render.
  void wake_relay() {
    relay_.wake();
    documents_relay_.wake();
  }
  void wake_renderer() { renderer_.wake(); }
  // Both relay lanes can publish what waits for them (for /readyz).
  bool publishing() const { return relay_.publishing() && documents_relay_.publishing(); }
  // Both relay lanes' loops come round (for /healthz).
  bool alive() const { return relay_.alive() && documents_relay_.alive(); }

  // Stops the threads. With `drain` (a bounded run that caught up), first renders every package
  // and publishes every row and e-mail that is due, in that order, so that nothing waits.
  void finish(bool drain, const std::atomic<bool>& stop);

 private:
  // Declaration order is start order; each thread is declared after the loop it runs, so it is
  // stopped and joined before that loop goes away.
  // Receipts and dead letters in one lane, package messages (which wait for their files to be
  // written) in the other, so a receipt never queues behind a package.
  Relay relay_;
  BackgroundThread relay_thread_;
  Relay documents_relay_;
  BackgroundThread documents_relay_thread_;
  std::unique_ptr<Mailer> mailer_;
  std::optional<BackgroundThread> mailer_thread_;
  Renderer renderer_;
  BackgroundThread renderer_thread_;
  bool finished_ = false;
};

}  // namespace kassa::app
