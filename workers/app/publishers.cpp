#include "app/publishers.hpp"

namespace kassa::app {

Publishers::Publishers(const Config& config, Metrics& metrics)
    : relay_(config, &metrics, Relay::Lane::records),
      relay_thread_(relay_),
      documents_relay_(config, &metrics, Relay::Lane::documents),
      documents_relay_thread_(documents_relay_),
      mailer_(config.smtp_addr.empty() ? nullptr : std::make_unique<Mailer>(config, &metrics)),
      renderer_(
          config,
          [this] {
            documents_relay_.wake();
            if (mailer_) mailer_->wake();
          },
          &metrics),
      renderer_thread_(renderer_) {
  if (mailer_) mailer_thread_.emplace(*mailer_);
}

Publishers::~Publishers() {
  const std::atomic<bool> stop{true};
  if (!finished_) finish(false, stop);
}

void Publishers::finish(bool drain, const std::atomic<bool>& stop) {
  if (finished_) return;
  finished_ = true;
  renderer_thread_.stop();
  if (drain) renderer_.drain(stop);  // every package rendered before the relay drains,
  relay_thread_.stop();              // so that it publishes them too
  documents_relay_thread_.stop();
  // Parked rows (Kafka refused them for good) do not hold a drain.
  if (drain) {
    relay_.drain(stop);
    documents_relay_.drain(stop);
  }
  if (mailer_) {
    mailer_thread_->stop();
    if (drain) mailer_->drain(stop);  // and sends what is due
  }
}

}  // namespace kassa::app
