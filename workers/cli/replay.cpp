// `kassa replay --from TIME [--to TIME] [--dry-run] | --file EVENTS.ndjson`: a backfill over
// history (app/replay.hpp). Exit status 3 when a dry run finds stored receipts or packages that
// differ from those rebuilt from history.
#include <cstdio>

#include "app/replay.hpp"
#include "app/worker.hpp"
#include "cli/commands.hpp"
#include "support/log.hpp"

namespace kassa::cli {

void print_summary(const app::RunSummary& s, const char* title);  // cli/run.cpp

namespace {

void print_replay(const app::ReplaySummary& s, const app::ReplayOptions& options) {
  app::RunSummary as_run;
  as_run.counts = s.counts;
  as_run.batches = s.batches;
  as_run.seconds = s.seconds;
  const std::string title = std::string("kassa replay") + (options.dry_run ? " --dry-run" : "") +
                            (s.completed ? ": window done" : ": stopped before the window's end") +
                            (options.dry_run ? " (nothing written; counts are what would be)" : "");
  print_summary(as_run, title.c_str());
  if (s.window_total > 0)
    std::printf("  %-34s %10lld\n", "messages in the window",
                static_cast<long long>(s.window_total));
  if (s.skipped_lines > 0)
    std::printf("  %-34s %10lld\n", "lines of other topics skipped",
                static_cast<long long>(s.skipped_lines));
  if (!options.dry_run) {
    std::printf("  %-34s %10.1f\n", "seconds until all was published", s.settled_seconds);
  } else if (s.completed) {
    std::printf(
        "  history check: %lld orders, %lld receipts, %lld packages compared, %lld differ\n",
        static_cast<long long>(s.orders_checked), static_cast<long long>(s.receipts_checked),
        static_cast<long long>(s.packages_checked), static_cast<long long>(s.difference_count));
    for (const auto& d : s.differences)
      std::printf("    %s %s (order %s): %s\n", d.kind.c_str(), d.id.c_str(), d.order_id.c_str(),
                  d.detail.c_str());
  }
  std::fflush(stdout);
}

core::UtcTime parse_time(const std::string& text, const char* option) {
  const auto parsed = core::parse_utc(text);
  if (!parsed)
    throw CLI::ValidationError(option, "expected RFC 3339 UTC like 2026-01-31T00:00:00Z");
  return *parsed;
}

}  // namespace

void add_replay(CLI::App& app, const Context& context, int& status) {
  auto* command = app.add_subcommand(
      "replay", "re-apply history (Kafka by time, or an NDJSON archive) for a backfill");
  static std::string from, to;
  static app::ReplayOptions options;
  command->add_option("--from", from, "start of the window (RFC 3339 UTC), Kafka timestamps");
  command->add_option("--to", to, "end of the window, exclusive (default: the log end now)");
  command->add_option("--file", options.file,
                      "read an NDJSON archive {topic, key, value|value_base64, partition, offset, "
                      "timestamp} instead of Kafka");
  command->add_flag("--dry-run", options.dry_run,
                    "write nothing: print what would be applied and check stored receipts and "
                    "packages against history (exit 3 if any differ)");
  command->callback([&context, &status] {
    auto config = context.config();
    log::Level level;
    if (log::parse_level(config.log_level, level)) log::set_level(level);
    if (!from.empty()) options.from = parse_time(from, "--from");
    if (!to.empty()) options.to = parse_time(to, "--to");
    if (options.file.empty() && !options.from)
      throw CLI::ValidationError("--from", "required when replaying from Kafka (or give --file)");
    if (options.from && options.to && *options.to <= *options.from)
      throw CLI::ValidationError("--to", "must be later than --from");
    if (!options.dry_run) app::require_real_requisites(config);
    app::Metrics metrics;
    const auto summary = app::run_replay(config, options, metrics, g_stop);
    print_replay(summary, options);
    status = summary.difference_count > 0 ? 3 : 0;
  });
}

}  // namespace kassa::cli
