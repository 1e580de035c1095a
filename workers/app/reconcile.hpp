// One reconciliation run (contract section 4), shared by `kassa reconcile` and `kassa bench recon`.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "app/config.hpp"
#include "core/recon.hpp"

namespace kassa::app {

struct ReconOptions {
  core::UtcTime as_of;
  bool dry_run = false;
  std::string output;  // NDJSON file of the exceptions; empty: none
};

struct ReconSummary {
  bool refused = false;  // another reconciliation holds the lock
  std::int64_t run_id = 0, orders = 0, exceptions = 0;
  std::map<std::string, std::pair<std::int64_t, core::Kopecks>> by_kind;  // count, sum of deltas
  double seconds = 0;
};

ReconSummary reconcile(const Config& config, const ReconOptions& options);

}  // namespace kassa::app
