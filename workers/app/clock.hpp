// The shell's clock. The core never reads time; the shell passes it in (dead letters' failed_at).
#pragma once

#include <chrono>

#include "core/utc_time.hpp"

namespace kassa::app {

inline core::UtcTime utc_now() {
  return {std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

// Test hook: KASSA_FAULT=<point> makes the process die abruptly (as kill -9 would) at that point,
// so tests can prove what a crash there does. Points: batch_before_commit, batch_after_commit,
// relay_after_publish.
void fault_point(const char* point);

}  // namespace kassa::app
