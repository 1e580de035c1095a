// What the worker's background loops (relay, renderer, mailer) share: a wake-up signal to sleep
// on between rounds, and a thread that runs a loop until it is stopped and joined.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace kassa::app {

class Wakeup {
 public:
  // Cuts the loop's current (or next) wait() short.
  void wake() {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    signal_.notify_one();
  }
  // Sleeps until wake(), `stop`, or `timeout`; returns at once if woken since the last wait.
  void wait(std::chrono::milliseconds timeout, const std::atomic<bool>& stop) {
    std::unique_lock lock(mutex_);
    signal_.wait_for(lock, timeout, [&] { return woken_ || stop.load(); });
    woken_ = false;
  }
  // Sleeps for `backoff` after a failure; only `stop` cuts it short.
  void pause(std::chrono::milliseconds backoff, const std::atomic<bool>& stop) {
    std::unique_lock lock(mutex_);
    signal_.wait_for(lock, backoff, [&] { return stop.load(); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable signal_;
  bool woken_ = false;
};

// Runs loop.run(stop) on its own thread. stop(), or the destructor whatever ends the scope, sets
// the flag, wakes the loop and joins it, so the loop never outlives what it uses.
class BackgroundThread {
 public:
  template <typename Loop>
  explicit BackgroundThread(Loop& loop)
      : wake_([&loop] { loop.wake(); }), thread_([this, &loop] { loop.run(stop_); }) {}
  ~BackgroundThread() { stop(); }
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;

  void stop() {
    stop_ = true;
    wake_();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::function<void()> wake_;
  std::thread thread_;  // last: starts once the members it uses exist
};

}  // namespace kassa::app
