// Gauges of what the database holds rather than what this process did: events waiting for their
// payment, the last reconciliation and its open exceptions by kind. The worker refreshes them
// (every 15 s, on its own connection) instead of `kassa reconcile` pushing them: the CronJob's pod
// is gone by the time Prometheus would scrape it, and a gauge read from the database still says
// how old the last run is when the CronJob stops running at all, which is what the alert needs.
// Every replica exports the same values; dashboards and alerts take max() over instances.
#pragma once

#include <atomic>

#include "app/background.hpp"
#include "app/config.hpp"
#include "app/metrics.hpp"
#include "store/database.hpp"

namespace kassa::app {

class DatabaseGauges {
 public:
  DatabaseGauges(const Config& config, Metrics& metrics)
      : database_(config.pg_dsn), metrics_(metrics) {}
  // One refresh; false (and the gauges left as they were) when the database cannot be read.
  bool refresh();
  void run(const std::atomic<bool>& stop);
  void wake() { wakeup_.wake(); }

 private:
  store::Database database_;
  Metrics& metrics_;
  Wakeup wakeup_;
};

}  // namespace kassa::app
