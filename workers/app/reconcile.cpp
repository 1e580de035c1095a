#include "app/reconcile.hpp"

#include <chrono>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/database.hpp"
#include "store/recon_store.hpp"

namespace kassa::app {

ReconSummary reconcile(const Config& config, const ReconOptions& options) {
  ReconSummary summary;
  store::ReconLock lock(config.pg_dsn);
  if (!lock.acquired()) {
    summary.refused = true;
    return summary;
  }
  const auto started = std::chrono::steady_clock::now();
  store::Database database(config.pg_dsn);
  // Every run is recorded, dry runs too (flagged); only a real run touches the exceptions. A dry
  // run by the read-only role (dashboards, auditors) records nothing: run id 0.
  const bool record = !options.dry_run || store::may_record_runs(database.connection());
  if (record)
    summary.run_id = store::start_run(database.connection(), options.as_of, options.dry_run);
  std::ofstream out;
  if (!options.output.empty()) {
    out.open(options.output, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + options.output);
  }
  // Memory grows with the findings, not with the orders: facts stream through a cursor.
  std::vector<store::Finding> findings;
  try {
    summary.orders = store::stream_facts(database.connection(), [&](const core::ReconFacts& facts) {
      for (auto& e :
           core::classify(facts, options.as_of, config.orphan_grace, config.payout_grace)) {
        auto& [count, delta] = summary.by_kind[std::string(core::recon_kind_name(e.kind))];
        ++count;
        delta += e.delta;
        if (out)
          out << nlohmann::json{{"order_id", facts.order_id},
                                {"kind", core::recon_kind_name(e.kind)},
                                {"kassa_amount", e.kassa_amount},
                                {"invoicebox_amount", e.invoicebox_amount},
                                {"delta", e.delta},
                                {"detail", e.detail}}
                     .dump()
              << '\n';
        findings.push_back({facts.order_id, std::move(e)});
      }
    });
    if (!options.dry_run) store::record_findings(database.connection(), summary.run_id, findings);
  } catch (...) {
    try {
      if (record)
        store::finish_run(database.connection(), summary.run_id, summary.orders, "{}", false);
    } catch (const std::exception&) {
      // The run stays 'running'; the original error is what matters.
    }
    throw;
  }
  summary.exceptions = static_cast<std::int64_t>(findings.size());
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [kind, totals] : summary.by_kind)
    counts[kind] = {{"count", totals.first}, {"delta", totals.second}};
  if (record)
    store::finish_run(database.connection(), summary.run_id, summary.orders, counts.dump(), true);
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace kassa::app
