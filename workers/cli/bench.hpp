// Shared by the files of `kassa bench ingest` (cli/bench.cpp runs the phases and prints the
// table): the child process every mode runs in (cli/bench_child.cpp) and the raw COPY reference
// (cli/bench_raw.cpp).
//
// Why child processes: the table shows each mode's own peak RSS. The parent forks and execs
// /proc/self/exe with the hidden subcommand `kassa bench child --mode M --result FILE`, its scratch
// database, topics and group passed as KASSA_* variables (which win over --config), and takes
// ru_maxrss from wait4. The child writes its summary (RunSummary and friends live there) as one
// JSON object to FILE in the bench's temporary directory. Linux carries the RSS of the forked
// image into the child's ru_maxrss, so the parent frees the generated stream before forking and
// the child also reports its own VmHWM (after exec) as a cross-check.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "cli/commands.hpp"

namespace kassa::cli::bench {

// One row of the table: what the child reported, and its peak RSS from wait4.
struct ModeResult {
  bool ok = false;  // exited 0 and wrote its result
  std::int64_t messages = 0, packages = 0;
  double busy_seconds = 0;
  std::optional<double> settled_seconds;  // until every package was rendered and row published
  double rss_mib = 0;                     // ru_maxrss from wait4
  double own_hwm_mib = 0;                 // the child's VmHWM, for the cross-check
  std::optional<double> p50_ms, p99_ms;   // latency phase only
};

using Env = std::map<std::string, std::string>;

// The KASSA_* variables that point a child at `config`'s database, topics and group, with its
// package files under `documents_dir`, no HTTP endpoint, no e-mail and warnings only.
Env child_env(const app::Config& config, const std::string& documents_dir);

class Child {
 public:
  // Starts `kassa [--config FILE] bench child --mode MODE --result RESULT ARGS...`.
  Child(const std::optional<std::string>& config_file, const std::string& mode,
        const std::string& result, const std::vector<std::string>& args, const Env& env);
  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  ~Child();  // a child not waited for is stopped (SIGTERM) and reaped
  // Waits up to `timeout` (then SIGTERM) and reads the result.
  ModeResult wait(std::chrono::seconds timeout);
  // Latency mode: the child created RESULT.ready once its consumer had its partitions.
  bool ready(std::chrono::seconds timeout) const;

 private:
  pid_t pid_ = -1;
  std::string result_;
};

// `kassa bench ingest` (cli/bench_ingest.cpp) and the hidden `bench child` subcommand.
void add_bench_ingest(CLI::App& bench, const Context& context, int& status);
void add_bench_child(CLI::App& bench, const Context& context, int& status);

// Raw COPY reference, run inside the child: every message of the input topics, from the log
// start to the end offsets at start, COPYed into raw_messages of config.pg_dsn, one transaction
// per polled batch of config.batch_max_messages.
struct RawSummary {
  std::int64_t messages = 0;
  double busy_seconds = 0;  // first message polled to last commit
};
RawSummary raw_copy(const app::Config& config);

// Every message of `topics` now in the log (low to high watermark), with its Kafka timestamp.
struct LoggedMessage {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0, timestamp_ms = 0;
  std::string value;
};
std::vector<LoggedMessage> read_log(const app::Config& config,
                                    const std::vector<std::string>& topics);

double percentile(std::vector<double> values, double p);

}  // namespace kassa::cli::bench
