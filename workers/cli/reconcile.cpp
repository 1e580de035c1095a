// `kassa reconcile [--dry-run] [--output FILE] [--as-of TIME]`: compares kassa's ledger with
// Invoicebox's state order by order (contract section 4), records the run and its exceptions, and
// prints a summary by kind. Exceptions are findings for finance: a completed run exits 0.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "app/clock.hpp"
#include "cli/commands.hpp"
#include "core/recon.hpp"
#include "store/database.hpp"
#include "store/recon_store.hpp"
#include "support/log.hpp"

namespace kassa::cli {

void add_reconcile(CLI::App& app, const Context& context, int& status) {
  auto* command = app.add_subcommand(
      "reconcile", "compare kassa's ledger with Invoicebox's state; record the run");
  static bool dry_run = false;
  static std::string output, as_of_text;
  command->add_flag("--dry-run", dry_run, "compute and print, record nothing");
  command->add_option("--output", output, "write the exceptions as NDJSON to FILE");
  command->add_option("--as-of", as_of_text,
                      "reference time for waiting events (RFC 3339 UTC; default now)");
  command->callback([&context, &status] {
    const auto config = context.config();
    core::UtcTime as_of = app::utc_now();
    if (!as_of_text.empty()) {
      const auto parsed = core::parse_utc(as_of_text);
      if (!parsed)
        throw CLI::ValidationError("--as-of", "expected RFC 3339 UTC like 2026-01-31T00:00:00Z");
      as_of = *parsed;
    }
    store::ReconLock lock(config.pg_dsn);
    if (!lock.acquired()) {
      std::fprintf(
          stderr,
          "kassa reconcile: another reconciliation is running; try again when it has finished\n");
      status = 1;
      return;
    }
    store::Database database(config.pg_dsn);
    const std::int64_t run_id = dry_run ? 0 : store::start_run(database.connection(), as_of, false);
    std::ofstream out;
    if (!output.empty()) {
      out.open(output, std::ios::binary | std::ios::trunc);
      if (!out) throw std::runtime_error("cannot write " + output);
    }
    std::vector<store::Finding> findings;
    std::map<std::string, std::pair<std::int64_t, core::Kopecks>> by_kind;  // count, sum of deltas
    const auto started = std::chrono::steady_clock::now();
    std::int64_t orders = 0;
    try {
      orders = store::stream_facts(database.connection(), [&](const core::ReconFacts& facts) {
        for (auto& e : core::classify(facts, as_of, config.orphan_grace)) {
          auto& [count, delta] = by_kind[std::string(core::recon_kind_name(e.kind))];
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
      if (!dry_run) store::record_findings(database.connection(), run_id, findings);
    } catch (...) {
      if (!dry_run) {
        try {
          store::finish_run(database.connection(), run_id, orders, "{}", false);
        } catch (const std::exception&) {
        }
      }
      throw;
    }
    nlohmann::json counts = nlohmann::json::object();
    for (const auto& [kind, totals] : by_kind)
      counts[kind] = {{"count", totals.first}, {"delta", totals.second}};
    if (!dry_run) store::finish_run(database.connection(), run_id, orders, counts.dump(), true);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    std::printf("kassa reconcile%s: %lld orders as of %s in %.1f s%s\n",
                dry_run ? " (dry run)" : "", static_cast<long long>(orders),
                core::format_utc(as_of).c_str(), seconds,
                dry_run ? "" : (", run " + std::to_string(run_id)).c_str());
    std::printf("  %-24s %10s %20s\n", "kind", "orders", "delta, RUB");
    for (int k = 0; k < core::kReconKinds; ++k) {
      const std::string kind(core::recon_kind_name(static_cast<core::ReconKind>(k)));
      const auto it = by_kind.find(kind);
      const auto count = it == by_kind.end() ? 0 : it->second.first;
      const auto delta = it == by_kind.end() ? 0 : it->second.second;
      std::printf("  %-24s %10lld %20s\n", kind.c_str(), static_cast<long long>(count),
                  core::format_rubles(delta).c_str());
    }
    std::printf("  %-24s %10zu\n", "exceptions", findings.size());
    status = 0;
  });
}

}  // namespace kassa::cli
