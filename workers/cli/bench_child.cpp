// The child process side of `kassa bench ingest` (why: cli/bench.hpp): starting one, waiting for
// it with wait4, and the hidden `kassa bench child` subcommand that runs one mode and writes its
// summary as JSON.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "app/replay.hpp"
#include "app/worker.hpp"
#include "cli/bench.hpp"
#include "support/log.hpp"

extern char** environ;

namespace kassa::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

// This process's own peak RSS since exec (VmHWM), in MiB.
double own_hwm_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

std::int64_t packages_of(const ingest::Counts& counts) {
  std::int64_t n = 0;
  for (const auto& [kind, count] : counts.packages_by_kind) n += count;
  return n;
}

// Payment to prepayment receipt published, per receipt: the Kafka timestamp of the receipt
// message (the relay's producer stamps it when it sends) minus that of the payment (the paced
// producer's), joined through kassa.receipts.source_event_id and the inbox's source offsets.
// Only prepayments: a settlement receipt of a shipment that arrived before its payment waits,
// rightly, for the payment, which would measure the stream and not kassa.
std::vector<double> receipt_latencies_ms(const app::Config& config) {
  std::map<std::string, std::tuple<std::string, std::int32_t, std::int64_t>> source_of;
  {
    pqxx::connection connection(config.pg_dsn);
    pqxx::read_transaction tx(connection);
    for (const auto& row :
         tx.exec("SELECT r.receipt_id::text, i.source_topic, i.source_partition, i.source_offset "
                 "FROM kassa.receipts r JOIN kassa.inbox i ON i.event_id = r.source_event_id "
                 "WHERE r.kind = 'prepayment'"))
      source_of[row[0].as<std::string>()] = {row[1].as<std::string>(), row[2].as<std::int32_t>(),
                                             row[3].as<std::int64_t>()};
  }
  std::map<std::tuple<std::string, std::int32_t, std::int64_t>, std::int64_t> event_ms;
  for (const auto& m : read_log(config, config.input_topics()))
    event_ms[{m.topic, m.partition, m.offset}] = m.timestamp_ms;
  std::vector<double> out;
  for (const auto& m : read_log(config, {config.topic_receipts})) {
    const auto source = source_of.find(nlohmann::json::parse(m.value).at("receipt_id"));
    if (source == source_of.end()) continue;
    const auto event = event_ms.find(source->second);
    if (event != event_ms.end()) out.push_back(static_cast<double>(m.timestamp_ms - event->second));
  }
  return out;
}

// Latency mode: a live worker (no --until-caught-up) fed by the parent's paced producer. Once
// `expect` messages are committed and the outbox has nothing left to publish it stops, and the
// latency of every receipt, from its event's timestamp to its own on the receipts topic, is
// taken from the logs. RESULT.ready tells the parent when the consumer has its partitions, so
// that the paced producer does not measure the group join.
nlohmann::json run_latency(const app::Config& config, std::int64_t expect,
                           const std::string& ready_path) {
  app::Metrics metrics;
  app::RunOptions options;
  options.serve_http = false;
  options.progress_every = std::chrono::seconds(0);
  std::atomic<bool> stop{false}, committed_all{false};
  std::int64_t seen = 0;  // the hook is called by one consumer at a time
  options.committed_timestamps = [&](const std::vector<std::int64_t>& timestamps) {
    seen += static_cast<std::int64_t>(timestamps.size());
    if (seen >= expect) committed_all = true;
  };
  std::thread watcher([&] {
    bool ready = false;
    std::optional<pqxx::connection> connection;
    while (!stop) {
      if (!ready && metrics.assigned_partitions.Value() > 0) {
        std::ofstream(ready_path) << "ready\n";
        ready = true;
      }
      if (g_stop) stop = true;
      if (committed_all) {
        if (!connection) connection.emplace(config.pg_dsn);
        pqxx::read_transaction tx(*connection);
        if (tx.exec1("SELECT count(*) FROM kassa.outbox WHERE published_at IS NULL "
                     "AND failed_at IS NULL")[0]
                .as<std::int64_t>() == 0)
          stop = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  app::RunSummary s;
  try {
    s = app::run_worker(config, options, metrics, stop);
  } catch (...) {
    stop = true;
    watcher.join();
    throw;
  }
  stop = true;
  watcher.join();
  const auto latency_ms = receipt_latencies_ms(config);
  return {{"messages", s.counts.messages},
          {"busy_seconds", s.busy_seconds},
          {"receipts", latency_ms.size()},
          {"p50_ms", percentile(latency_ms, 0.5)},
          {"p99_ms", percentile(latency_ms, 0.99)}};
}

nlohmann::json run_mode(const app::Config& config, const std::string& mode, std::int64_t expect,
                        const std::string& result) {
  if (mode == "raw") {
    const auto s = raw_copy(config);
    return {{"messages", s.messages}, {"busy_seconds", s.busy_seconds}};
  }
  if (mode == "latency") return run_latency(config, expect, result + ".ready");
  app::Metrics metrics;
  if (mode == "replay") {  // a rebuild from zero: the whole log
    app::ReplayOptions options;
    options.from = core::parse_utc("1970-01-01T00:00:00Z");
    options.progress_every = std::chrono::seconds(0);
    const auto s = app::run_replay(config, options, metrics, g_stop);
    return {{"messages", s.counts.messages},
            {"busy_seconds", s.busy_seconds},
            {"settled_seconds", s.settled_seconds},
            {"packages", packages_of(s.counts)}};
  }
  app::RunOptions options;  // "worker": kassa run --until-caught-up
  options.until_caught_up = true;
  options.serve_http = false;
  options.progress_every = std::chrono::seconds(0);
  const auto s = app::run_worker(config, options, metrics, g_stop);
  return {{"messages", s.counts.messages},
          {"busy_seconds", s.busy_seconds},
          {"settled_seconds", s.settled_seconds},
          {"packages", packages_of(s.counts)}};
}

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

Env child_env(const app::Config& config, const std::string& documents_dir) {
  return {{"KASSA_PG_DSN", config.pg_dsn},
          {"KASSA_GROUP_ID", config.group_id},
          {"KASSA_TOPIC_PAYMENTS", config.topic_payments},
          {"KASSA_TOPIC_SHIPMENTS", config.topic_shipments},
          {"KASSA_TOPIC_REFUNDS", config.topic_refunds},
          {"KASSA_TOPIC_MERCHANTS", config.topic_merchants},
          {"KASSA_TOPIC_PAYOUTS", config.topic_payouts},
          {"KASSA_TOPIC_DLQ", config.topic_dlq},
          {"KASSA_TOPIC_RECEIPTS", config.topic_receipts},
          {"KASSA_TOPIC_DOCUMENTS", config.topic_documents},
          {"KASSA_BATCH_MAX_MESSAGES", std::to_string(config.batch_max_messages)},
          {"KASSA_HTTP_ADDR", ""},
          {"KASSA_SMTP_ADDR", ""},
          {"KASSA_DOCUMENTS_DIR", documents_dir},
          {"KASSA_LOG_LEVEL", "warn"}};
}

Child::Child(const std::optional<std::string>& config_file, const std::string& mode,
             const std::string& result, const std::vector<std::string>& args, const Env& env)
    : result_(result) {
  std::vector<std::string> argv = {"kassa"};
  if (config_file) argv.insert(argv.end(), {"--config", *config_file});
  argv.insert(argv.end(), {"bench", "child", "--mode", mode, "--result", result});
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envp;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (!env.contains(text.substr(0, text.find('=')))) envp.push_back(text);
  }
  for (const auto& [key, value] : env) envp.push_back(key + "=" + value);
  // Everything exec needs is built before fork: the child only calls execve.
  auto pointers = [](std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
  };
  auto argv_p = pointers(argv);
  auto envp_p = pointers(envp);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("bench: fork failed");
  if (pid_ == 0) {
    execve("/proc/self/exe", argv_p.data(), envp_p.data());
    _exit(127);
  }
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), result_(std::move(other.result_)) {}

Child::~Child() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
}

bool Child::ready(std::chrono::seconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline && !g_stop) {
    if (std::filesystem::exists(result_ + ".ready")) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

ModeResult Child::wait(std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  int status = 0;
  rusage usage{};
  bool signalled = false;
  for (;;) {
    const pid_t done = wait4(pid_, &status, signalled ? 0 : WNOHANG, &usage);
    if (done == pid_ || (done < 0 && errno != EINTR)) break;
    if (!signalled && (g_stop || Clock::now() >= deadline)) {
      if (!g_stop) log::warn("bench: child " + std::to_string(pid_) + " timed out; stopping it");
      kill(pid_, SIGTERM);
      signalled = true;
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  ModeResult out;
  out.rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  std::ifstream in(result_);
  if (!in) return out;
  const auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded()) return out;
  out.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  out.messages = json.value("messages", std::int64_t{0});
  out.packages = json.value("packages", std::int64_t{0});
  out.busy_seconds = json.value("busy_seconds", 0.0);
  out.own_hwm_mib = json.value("vm_hwm_mib", 0.0);
  if (json.contains("settled_seconds")) out.settled_seconds = json["settled_seconds"].get<double>();
  if (json.contains("p50_ms")) out.p50_ms = json["p50_ms"].get<double>();
  if (json.contains("p99_ms")) out.p99_ms = json["p99_ms"].get<double>();
  return out;
}

void add_bench_child(CLI::App& bench, const Context& context, int& status) {
  auto* child = bench.add_subcommand("child", "internal: one mode of `bench ingest`");
  child->group("");  // hidden from --help
  static std::string mode, result;
  static std::int64_t expect = 0;
  child->add_option("--mode", mode)
      ->required()
      ->check(CLI::IsMember({"raw", "worker", "replay", "latency"}));
  child->add_option("--result", result, "file for the JSON summary")->required();
  child->add_option("--expect", expect, "latency: stop after this many messages");
  child->callback([&context, &status] {
    const auto config = context.config();
    log::Level level;
    if (log::parse_level(config.log_level, level)) log::set_level(level);
    auto summary = run_mode(config, mode, expect, result);
    summary["vm_hwm_mib"] = own_hwm_mib();
    std::ofstream(result) << summary.dump() << "\n";
    status = g_stop ? 1 : 0;
  });
}

}  // namespace kassa::cli::bench
