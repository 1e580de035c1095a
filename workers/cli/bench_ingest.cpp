// `kassa bench ingest [--orders N] [--seed S] [--skip-naive]`: one table, side by side, of
//  - raw COPY: what Kafka and PostgreSQL here can move without kassa (cli/bench_raw.cpp);
//  - naive: kassa with one transaction per event;
//  - live: `kassa run --until-caught-up`, batches of KASSA_BATCH_MAX_MESSAGES;
//  - replay: `kassa replay --from 1970-01-01T00:00:00Z` into an empty database (a rebuild);
// all four on the same generated stream of private buyers, then live on a stream of organization
// buyers only (every shipment and refund gets a PDF + XML package), then live's end-to-end
// latency while a paced producer publishes a fresh private stream at half live's events/s and at
// 100 events/s.
// Every mode runs in its own child process (cli/bench.hpp) on its own scratch database; topics,
// databases and the temporary directory are removed at the end.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "app/feed.hpp"
#include "bus/admin.hpp"
#include "bus/kafka.hpp"
#include "cli/bench.hpp"
#include "gen/generator.hpp"
#include "store/database.hpp"
#include "store/migrate.hpp"
#include "support/log.hpp"

namespace kassa::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The scratch resources of one run, named after it and removed by the destructor whatever
// happens: a temporary directory (results, package files), topics, databases.
class Scratch {
 public:
  explicit Scratch(app::Config base) : base_(std::move(base)) {
    run_ = std::to_string(getpid());
    std::string pattern = (std::filesystem::temp_directory_path() / "kassa-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("bench: cannot create a temporary directory");
    dir_ = pattern;
  }
  ~Scratch() {
    try {
      if (!topics_.empty()) bus::delete_topics(base_.brokers, topics_, std::chrono::seconds(30));
      pqxx::connection connection(base_.pg_dsn);
      pqxx::nontransaction tx(connection);
      for (const auto& name : databases_)
        tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    } catch (const std::exception& e) {
      log::warn(std::string("bench: cleanup: ") + e.what());
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Fresh input and output topics for one stream (6 partitions, as the existing bench).
  app::Config topics(const std::string& tag) {
    app::Config config = base_;
    const std::string prefix = "kassa-bench." + run_ + "." + tag + ".";
    app::prefix_topics(config, prefix);
    const std::vector<std::string> names = {config.topic_payments, config.topic_shipments,
                                            config.topic_refunds,  config.topic_merchants,
                                            config.topic_payouts,  config.topic_dlq,
                                            config.topic_receipts, config.topic_documents};
    topics_.insert(topics_.end(), names.begin(), names.end());
    bus::create_topics(base_.brokers, names, 6, std::chrono::seconds(30));
    return config;
  }

  // Starts `mode` on a fresh database `name` (migrated unless raw) reading `config`'s topics.
  Child start(const std::optional<std::string>& config_file, app::Config config,
              const std::string& name, const std::string& mode,
              const std::vector<std::string>& args = {}) {
    const std::string database = "kassa_bench_" + run_ + "_" + name;
    databases_.push_back(database);
    store::recreate_database(base_.pg_dsn, database);
    config.pg_dsn = store::dsn_with_database(base_.pg_dsn, database);
    config.group_id = "kassa-bench-" + run_ + "-" + name;
    if (mode != "raw") {
      store::Database db(config.pg_dsn);
      log::set_level(log::Level::warn);  // not a line per migration per mode
      store::migrate(db.connection());
      log::set_level(log::Level::info);
    }
    return Child(config_file, mode, dir_ + "/" + name + ".json", args,
                 child_env(config, dir_ + "/" + name + "-documents"));
  }

 private:
  app::Config base_;
  std::string run_, dir_;
  std::vector<std::string> topics_, databases_;
};

// The upstream producer of a latency phase: librdkafka's defaults (idempotent, linger 5 ms), no
// flush until the end, as a steady producer runs. Created, connected and told the topics' metadata
// before the worker starts, so that its own start (about 1 s with librdkafka 2.0) is not measured.
class PacedProducer {
 public:
  explicit PacedProducer(const app::Config& config) : config_(config) {
    bus::Settings settings = config.kafka_extra;
    settings["bootstrap.servers"] = config.brokers;
    settings["enable.idempotence"] = "true";
    handle_ = bus::make_handle(RD_KAFKA_PRODUCER, bus::make_conf(settings));
    for (const auto& topic : config.input_topics()) {
      rd_kafka_topic_t* t = rd_kafka_topic_new(handle_.get(), topic.c_str(), nullptr);
      const rd_kafka_metadata_t* metadata = nullptr;
      if (rd_kafka_metadata(handle_.get(), 0, t, &metadata, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        rd_kafka_metadata_destroy(metadata);
      rd_kafka_topic_destroy(t);
    }
  }

  // Message i goes out at i / rate seconds.
  void publish(const std::vector<gen::Message>& messages, double rate) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < messages.size() && !g_stop; ++i) {
      std::this_thread::sleep_until(
          start + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(static_cast<double>(i) / rate)));
      const auto& m = messages[i];
      const std::string& topic = app::topic_for(config_, m.stream);
      rd_kafka_resp_err_t err;
      while ((err = rd_kafka_producev(
                  handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                  RD_KAFKA_V_KEY(m.key.data(), m.key.size()),
                  RD_KAFKA_V_VALUE(const_cast<char*>(m.value.data()), m.value.size()),
                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
             RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(handle_.get(), 10);
      if (err) throw std::runtime_error(std::string("bench: produce: ") + rd_kafka_err2str(err));
      rd_kafka_poll(handle_.get(), 0);
    }
    // A message that is never delivered shows as a worker that never sees --expect messages.
    rd_kafka_flush(handle_.get(), 30000);
  }

 private:
  const app::Config& config_;
  bus::Handle handle_;
};

// A live worker on fresh topics and database while a fresh stream of `count` messages is
// published at `rate`: each message's commit time minus its Kafka timestamp.
ModeResult latency_phase(Scratch& scratch, const std::optional<std::string>& config_file,
                         const std::string& tag, double rate, std::size_t count,
                         std::uint64_t seed) {
  const auto config = scratch.topics(tag);
  gen::Options options;
  options.seed = seed;
  options.orders = static_cast<int>(count / 2 + 1);  // about 2.3 messages an order
  options.legal_share = 0;                           // as the main stream
  auto messages = gen::generate(options).messages;
  messages.resize(std::min(messages.size(), count));
  PacedProducer producer(config);
  // The worker counts the order topics' messages; the merchants (first in the stream) and the
  // payouts go out with them but are read apart.
  auto child = scratch.start(config_file, config, tag, "latency",
                             {"--expect", std::to_string(gen::count_order_messages(messages))});
  if (child.ready(std::chrono::seconds(60))) {
    // The shops are onboarded before their orders come: the stream's leading merchant events go
    // out at once, and the pace (and the measurement) is the orders'.
    const auto orders = std::find_if(messages.begin(), messages.end(), [](const gen::Message& m) {
      return m.stream != gen::Stream::merchants;
    });
    producer.publish({messages.begin(), orders}, 1e9);
    std::this_thread::sleep_for(std::chrono::seconds(1));  // its first fetches under way
    producer.publish({orders, messages.end()}, rate);
  }
  return child.wait(std::chrono::seconds(60));
}

struct Row {
  std::string name;
  ModeResult result;
  bool paced = false;  // latency rows: the producer sets the pace, events/s says nothing
};

std::string cell(std::optional<double> value, const char* format) {
  if (!value) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, *value);
  return buffer;
}

void print_table(const std::vector<Row>& rows, double raw_rate) {
  std::printf("%-22s %9s %8s %9s %7s %9s %10s %8s %8s %8s\n", "mode", "messages", "busy s",
              "events/s", "vs raw", "settled s", "packages/s", "RSS MiB", "p50 ms", "p99 ms");
  for (const auto& [name, r, paced] : rows) {
    const double rate = r.busy_seconds > 0 ? static_cast<double>(r.messages) / r.busy_seconds : 0;
    std::optional<double> packages_rate;
    if (r.settled_seconds && *r.settled_seconds > 0 && r.packages > 0)
      packages_rate = static_cast<double>(r.packages) / *r.settled_seconds;
    std::printf("%-22s %9lld %8.3f %9s %7s %9s %10s %8.1f %8s %8s%s\n", name.c_str(),
                static_cast<long long>(r.messages), r.busy_seconds,
                paced ? "n/a" : cell(rate, "%.0f").c_str(),
                paced || raw_rate <= 0 ? "n/a" : cell(rate / raw_rate, "%.3f").c_str(),
                cell(r.settled_seconds, "%.2f").c_str(), cell(packages_rate, "%.1f").c_str(),
                r.rss_mib, cell(r.p50_ms, "%.1f").c_str(), cell(r.p99_ms, "%.1f").c_str(),
                r.ok ? "" : "  (FAILED: see stderr)");
    if (std::abs(r.rss_mib - r.own_hwm_mib) > 5 && r.own_hwm_mib > 0)
      std::printf("%-22s (its own VmHWM: %.1f MiB)\n", "", r.own_hwm_mib);
  }
}

void print_targets(const std::vector<Row>& rows, double raw_rate) {
  auto find = [&](const std::string& prefix) -> const ModeResult* {
    for (const auto& row : rows)
      if (row.name.rfind(prefix, 0) == 0) return &row.result;
    return nullptr;
  };
  auto verdict = [](bool ok) { return ok ? "ok" : "MISS"; };
  std::printf("targets:\n");
  if (const auto* live = find("live (batch"); live && live->busy_seconds > 0) {
    const double rate = static_cast<double>(live->messages) / live->busy_seconds;
    std::printf("  live events/s >= 10000          %8.0f  %s\n", rate, verdict(rate >= 10000));
    if (raw_rate > 0)
      std::printf("  live / raw COPY >= 0.30         %8.2f  %s\n", rate / raw_rate,
                  verdict(rate / raw_rate >= 0.3));
    if (const auto* replay = find("replay"); replay && replay->busy_seconds > 0) {
      const double replay_rate = static_cast<double>(replay->messages) / replay->busy_seconds;
      std::printf("  replay / live >= 1.00           %8.2f  %s\n", replay_rate / rate,
                  verdict(replay_rate >= rate));
    }
  }
  double peak = 0;
  std::string which;
  for (const auto& row : rows)
    if (row.name != "raw COPY" && row.result.rss_mib > peak) {
      peak = row.result.rss_mib;
      which = row.name;
    }
  std::printf("  peak RSS < 200 MiB (any kassa)  %8.1f  %s (%s)\n", peak, verdict(peak < 200),
              which.c_str());
  for (const auto& row : rows)
    if (row.name.rfind("live @ ", 0) == 0 && row.name != "live @ 100 ev/s" && row.result.p99_ms)
      std::printf("  p99 at half rate < 250 ms       %8.1f  %s\n", *row.result.p99_ms,
                  verdict(*row.result.p99_ms < 250));
  if (const auto* slow = find("live @ 100 "); slow && slow->p99_ms)
    std::printf("  p99 at 100 ev/s < 100 ms        %8.1f  %s\n", *slow->p99_ms,
                verdict(*slow->p99_ms < 100));
}

}  // namespace

void add_bench_ingest(CLI::App& bench, const Context& context, int& status) {
  auto* ingest = bench.add_subcommand(
      "ingest", "raw COPY vs naive vs live vs replay, org buyers and latency: one table");
  static gen::Options options;
  options.orders = 5000;
  // The main stream is of private buyers (receipts only), as in the reference
  // measurement; organization buyers (packages) have their own row.
  options.legal_share = 0;
  static bool skip_naive = false;
  ingest->add_option("--orders", options.orders, "orders to generate (about 2.3 messages each)")
      ->capture_default_str();
  ingest->add_option("--seed", options.seed, "generator seed")->capture_default_str();
  ingest->add_flag("--skip-naive", skip_naive, "leave out the one-transaction-per-event row");
  ingest->callback([&context, &status] {
    const auto base = context.config();
    const auto& file = context.config_file;
    Scratch scratch(base);
    std::vector<Row> rows;

    // The stream every throughput mode reads. It is freed (and the heap trimmed) before any
    // child is forked: a forked child starts with the parent's resident pages (bench.hpp).
    const auto main = scratch.topics("main");
    std::size_t messages = 0;
    double produce_seconds = 0;
    {
      const auto generated = gen::generate(options);
      messages = generated.messages.size();
      const auto start = Clock::now();
      app::publish_generated(main, generated.messages, false);
      produce_seconds = since(start);
    }
    malloc_trim(0);

    auto run = [&](const std::string& name, const app::Config& config, const std::string& tag,
                   const std::string& mode) {
      if (g_stop) return;
      log::info("bench: " + name);
      rows.push_back({name, scratch.start(file, config, tag, mode).wait(std::chrono::minutes(15))});
    };
    run("raw COPY", main, "raw", "raw");
    if (!skip_naive) {
      app::Config naive = main;
      naive.batch_max_messages = 1;
      run("naive (batch 1)", naive, "naive", "worker");
    }
    run("live (batch " + std::to_string(base.batch_max_messages) + ")", main, "live", "worker");
    run("replay (from 1970)", main, "replay", "replay");

    // Organization buyers only: every shipment and refund is a package (PDF + XML). A fifth of
    // the orders, so that rendering stays within the bench's time.
    gen::Options org = options;
    org.orders = std::max(100, options.orders / 5);
    org.legal_share = 1.0;
    std::size_t org_messages = 0;
    if (!g_stop) {
      const auto org_topics = scratch.topics("org");
      {
        const auto generated = gen::generate(org);
        org_messages = generated.messages.size();
        app::publish_generated(org_topics, generated.messages, false);
      }
      malloc_trim(0);
      run("live, org buyers", org_topics, "org", "worker");
    }

    // Latency: about 10 s per phase (at most 40 000 messages), long enough for a steady state.
    double max_rate = 0;
    for (const auto& row : rows)
      if (row.name.rfind("live (batch", 0) == 0 && row.result.busy_seconds > 0)
        max_rate = static_cast<double>(row.result.messages) / row.result.busy_seconds;
    for (const double rate : {std::round(max_rate / 2), 100.0}) {
      if (g_stop || rate < 1) continue;
      const auto count = static_cast<std::size_t>(std::min(40000.0, rate * 10));
      const std::string tag = "lat" + std::to_string(static_cast<long long>(rate));
      log::info("bench: latency at " + std::to_string(static_cast<long long>(rate)) + " ev/s");
      rows.push_back({"live @ " + std::to_string(static_cast<long long>(rate)) + " ev/s",
                      latency_phase(scratch, file, tag, rate, count, options.seed + 1), true});
    }

    double raw_rate = 0;
    for (const auto& [name, r, paced] : rows)
      if (name == "raw COPY" && r.ok && r.busy_seconds > 0)
        raw_rate = static_cast<double>(r.messages) / r.busy_seconds;
    std::printf(
        "\nkassa bench ingest: %zu messages (%d orders, seed %llu, published in %.2f s); org "
        "buyers: %zu messages (%d orders)\n",
        messages, options.orders, static_cast<unsigned long long>(options.seed), produce_seconds,
        org_messages, org.orders);
    print_table(rows, raw_rate);
    std::printf(
        "raw COPY: librdkafka consumer COPYing (topic, partition, offset, key, value) into an "
        "indexed table,\n  a transaction per batch of %zu: the hardware reference. naive: one "
        "transaction per event.\n  live: kassa run --until-caught-up. replay: kassa replay "
        "--from 1970-01-01T00:00:00Z. Each on an empty database.\n"
        "org buyers: live, every buyer an organization (a PDF + XML package per shipment and "
        "refund).\nlive @ R: live while a producer publishes a fresh stream at R ev/s (half "
        "live's events/s, then 100).\n"
        "busy s: first message polled to last commit; events/s = messages / busy s; vs raw: "
        "events/s / raw's.\nsettled s: until every package is rendered and every outbox row "
        "published; packages/s = packages / settled s.\n"
        "RSS MiB: peak RSS of the mode's own process (wait4). p50/p99: payment to prepayment "
        "receipt\n  published, the receipt message's Kafka timestamp - the payment's.\n",
        base.batch_max_messages);
    print_targets(rows, raw_rate);
    std::fflush(stdout);
    status = g_stop ? 1 : 0;
  });
}

}  // namespace kassa::cli::bench
