// The shell's clock. The core never reads time; the shell passes it in (dead letters' failed_at).
#pragma once

#include <atomic>

#include <chrono>

#include "core/utc_time.hpp"

namespace kassa::app {

inline core::UtcTime utc_now() {
  return {std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

// Test hook: KASSA_FAULT=<point> makes the process die abruptly (as kill -9 would) at that point,
// so tests can prove what a crash there does; <point>@<n> at its n-th pass. Points:
// batch_before_commit, batch_after_commit, relay_after_publish, mail_after_send (the SMTP server
// has accepted the message, the mailer has not yet recorded it).
void fault_point(const char* point);
// Test hook: KASSA_FAULT=<point> makes the calling thread hang there (as a deadlock would) until
// `stop`, so tests can prove that /healthz notices. Points: stall_poll_loop, stall_relay.
void fault_stall(const char* point, const std::atomic<bool>& stop);
// Test hook: whether KASSA_FAULT names `point`. relay_unacknowledged: the relay sends nothing and
// takes every message as not acknowledged in time, as when Kafka is unreachable.
bool fault_active(const char* point);

}  // namespace kassa::app
