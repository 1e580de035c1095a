// `kassa run [--until-caught-up]`: the worker. Prints a summary when it stops.
#include <cstdio>

#include "app/worker.hpp"
#include "cli/commands.hpp"
#include "support/log.hpp"

namespace kassa::cli {

void print_summary(const app::RunSummary& s, const char* title) {
  const auto& c = s.counts;
  std::printf("%s in %.1f s (%lld batches)\n", title, s.seconds, static_cast<long long>(s.batches));
  std::printf("  %-34s %10lld\n", "messages read", static_cast<long long>(c.messages));
  std::printf("  %-34s %10lld\n", "events applied", static_cast<long long>(c.applied));
  std::printf("  %-34s %10lld\n", "duplicates ignored", static_cast<long long>(c.duplicates));
  std::printf("  %-34s %10lld\n", "parked (waited for their payment)",
              static_cast<long long>(c.parked));
  std::printf("  %-34s %10lld\n", "  released when the payment came",
              static_cast<long long>(c.released));
  std::printf("  %-34s %10lld\n", "dead-lettered", static_cast<long long>(c.rejected));
  for (const auto& [code, n] : c.rejected_by_code)
    std::printf("    %-32s %10lld\n", code.c_str(), static_cast<long long>(n));
  for (const auto& [kind, n] : c.receipts_by_kind)
    std::printf("  %-34s %10lld\n", ("receipts: " + kind).c_str(), static_cast<long long>(n));
  if (c.receipts_default_supplier > 0)
    std::printf("  %-34s %10lld\n", "  with default supplier data",
                static_cast<long long>(c.receipts_default_supplier));
  if (c.receipts_default_supplier_phone > 0)
    std::printf("  %-34s %10lld\n", "  with the default supplier phone",
                static_cast<long long>(c.receipts_default_supplier_phone));
  for (const auto& [kind, n] : c.packages_by_kind)
    std::printf("  %-34s %10lld\n", ("packages: " + kind).c_str(), static_cast<long long>(n));
  const auto& p = s.payouts;
  if (p.messages > 0) {
    std::printf("  %-34s %10lld\n", "payouts recorded", static_cast<long long>(p.recorded));
    std::printf("  %-34s %10lld\n", "  kopecks paid out",
                static_cast<long long>(p.recorded_amount));
    std::printf("  %-34s %10lld\n", "  duplicates ignored", static_cast<long long>(p.duplicates));
    std::printf("  %-34s %10lld\n", "  dead-lettered", static_cast<long long>(p.rejected));
    for (const auto& [code, n] : p.rejected_by_code)
      std::printf("    %-32s %10lld\n", code.c_str(), static_cast<long long>(n));
  }
  std::fflush(stdout);
}

// Where the consumer's time went (kassa_batch_phase_seconds_total). Decoding runs on its own
// thread beside the writes, so the phases may add up to more than the busy time.
void print_phases(const app::Metrics& metrics) {
  double total = 0;
  for (const char* phase : app::Metrics::kBatchPhases) total += metrics.phase_seconds(phase);
  if (total <= 0) return;
  std::printf("  batch phases (s):");
  for (const char* phase : app::Metrics::kBatchPhases)
    std::printf(" %s %.2f (%.0f%%)", phase, metrics.phase_seconds(phase),
                100 * metrics.phase_seconds(phase) / total);
  std::printf("\n");
  std::fflush(stdout);
}

void add_run(CLI::App& app, const Context& context, int& status) {
  auto* command = app.add_subcommand("run", "consume the input topics until SIGTERM/SIGINT");
  static bool until_caught_up = false;
  command->add_flag("--until-caught-up", until_caught_up,
                    "exit 0 once the end offsets that existed at start are processed");
  command->callback([&context, &status] {
    auto config = context.config();
    app::require_real_requisites(config);
    log::Level level;
    if (log::parse_level(config.log_level, level)) log::set_level(level);
    app::Metrics metrics;
    app::RunOptions options;
    options.until_caught_up = until_caught_up;
    const auto summary = app::run_worker(config, options, metrics, g_stop);
    print_summary(summary, summary.caught_up ? "kassa run: caught up" : "kassa run: stopped");
    print_phases(metrics);
    status = 0;
  });
}

}  // namespace kassa::cli
