// Reconciliation's database side. The facts of every order, kassa's and Invoicebox's, come from
// one set-based query over the whole book, streamed through a cursor (memory does not grow with
// the number of orders); the findings are merged into kassa.recon_exceptions keeping their age.
#pragma once

#include <functional>
#include <map>
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
// Merges a run's findings: new ones open, persisting ones keep their first-seen run and time,
// ones no longer found are resolved. One transaction.
void record_findings(pqxx::connection& connection, std::int64_t run_id,
                     const std::vector<Finding>& findings);
void finish_run(pqxx::connection& connection, std::int64_t run_id, std::int64_t orders,
                const std::string& counts_json, bool ok);

}  // namespace kassa::store
