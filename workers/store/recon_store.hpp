// Reconciliation's database side. The facts of every order, kassa's and Invoicebox's, come from
// one set-based query over the whole book, streamed through a cursor (memory does not grow with
// the number of orders); the findings are merged into kassa.recon_exceptions keeping their age.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/recon.hpp"

namespace kassa::store {

struct Finding {
  std::string order_id;
  core::ReconException exception;
};

// Holds the session advisory lock that keeps two reconciliations apart, on its own connection.
class ReconLock {
 public:
  explicit ReconLock(const std::string& dsn);
  bool acquired() const { return acquired_; }

 private:
  pqxx::connection connection_;
  bool acquired_ = false;
};

// Calls `each` with the facts of every order either side knows.
std::int64_t stream_facts(pqxx::connection& connection,
                          const std::function<void(const core::ReconFacts&)>& each);

std::int64_t start_run(pqxx::connection& connection, core::UtcTime as_of, bool dry_run);
// Whether this connection's role may record runs (the read-only role of db/roles.sql may not).
bool may_record_runs(pqxx::connection& connection);

// What the operations gauges show of the database: events waiting for their payment, the last
// reconciliation and its open exceptions. Each from a partial index, cheap on a large book.
struct OperationsSnapshot {
  std::int64_t parked_events = 0;
  double oldest_parked_age_seconds = 0;            // 0: none waiting
  std::optional<double> last_reconciliation_unix;  // the last completed run that was not dry
  struct Open {
    std::int64_t count = 0;
    double oldest_age_seconds = 0;
  };
  std::map<std::string, Open> open_exceptions;  // by kind; kinds with none are absent
};
OperationsSnapshot operations_snapshot(pqxx::connection& connection);
// Merges a run's findings: new ones open, persisting ones keep their first-seen run and time,
// ones no longer found are resolved. One transaction.
void record_findings(pqxx::connection& connection, std::int64_t run_id,
                     const std::vector<Finding>& findings);
void finish_run(pqxx::connection& connection, std::int64_t run_id, std::int64_t orders,
                const std::string& counts_json, bool ok);

}  // namespace kassa::store
