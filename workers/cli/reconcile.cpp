// `kassa reconcile [--dry-run] [--output FILE] [--as-of TIME]`: compares kassa's ledger with
// Invoicebox's state order by order (contract section 4), records the run and its exceptions, and
// prints a summary by kind. Exceptions are findings for finance: a completed run exits 0.
#include <cstdio>

#include "app/clock.hpp"
#include "app/reconcile.hpp"
#include "cli/commands.hpp"

namespace kassa::cli {

void print_recon_summary(const app::ReconSummary& s, const app::ReconOptions& options) {
  std::printf("kassa reconcile%s: %lld orders as of %s in %.1f s%s\n",
              options.dry_run ? " (dry run)" : "", static_cast<long long>(s.orders),
              core::format_utc(options.as_of).c_str(), s.seconds,
              s.run_id != 0 ? (", run " + std::to_string(s.run_id)).c_str()
                            : ", not recorded (read-only role)");
  std::printf("  %-24s %10s %20s\n", "kind", "orders", "delta, RUB");
  for (int k = 0; k < core::kReconKinds; ++k) {
    const std::string kind(core::recon_kind_name(static_cast<core::ReconKind>(k)));
    const auto it = s.by_kind.find(kind);
    const auto count = it == s.by_kind.end() ? 0 : it->second.first;
    const auto delta = it == s.by_kind.end() ? 0 : it->second.second;
    std::printf("  %-24s %10lld %20s\n", kind.c_str(), static_cast<long long>(count),
                core::format_rubles(delta).c_str());
  }
  std::printf("  %-24s %10lld\n", "exceptions", static_cast<long long>(s.exceptions));
  std::fflush(stdout);
}

void add_reconcile(CLI::App& app, const Context& context, int& status) {
  auto* command = app.add_subcommand(
      "reconcile", "compare kassa's ledger with Invoicebox's state; record the run");
  static app::ReconOptions options;
  static std::string as_of_text;
  command->add_flag("--dry-run", options.dry_run, "compute and print, record nothing");
  command->add_option("--output", options.output, "write the exceptions as NDJSON to FILE");
  command->add_option("--as-of", as_of_text,
                      "reference time for waiting events (RFC 3339 UTC; default now)");
  command->callback([&context, &status] {
    const auto config = context.config();
    options.as_of = app::utc_now();
    if (!as_of_text.empty()) {
      const auto parsed = core::parse_utc(as_of_text);
      if (!parsed)
        throw CLI::ValidationError("--as-of", "expected RFC 3339 UTC like 2026-01-31T00:00:00Z");
      options.as_of = *parsed;
    }
    const auto summary = app::reconcile(config, options);
    if (summary.refused) {
      std::fprintf(
          stderr,
          "kassa reconcile: another reconciliation is running; try again when it has finished\n");
      status = 1;
      return;
    }
    print_recon_summary(summary, options);
    status = 0;
  });
}

}  // namespace kassa::cli
