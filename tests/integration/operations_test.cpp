// What an operator sees of a running worker: /metrics agrees with what was sent, /healthz fails
// within seconds when the poll loop or the relay hangs, /readyz when the relay cannot publish,
// and the dashboards' queries run: PromQL against a real Prometheus scraping the worker, SQL
// against the worker's database.
// Each test runs the real `kassa run` as a subprocess with its HTTP endpoint on a free port.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "http_worker.hpp"

namespace kassa::testing {
namespace {

TEST(Operations, MetricsCountTheEventsThatWereSent) {
  Sandbox box("metrics");
  gen::Options options;
  options.orders = 300;
  options.seed = 11;
  const auto generated = gen::generate(options);
  box.publish(generated.messages);
  // The order topics' messages (kassa_events_total); merchants and payouts have counters of
  // their own.
  const double sent = static_cast<double>(gen::count_order_messages(generated.messages));

  Worker worker(box.config, {});
  auto handled = [&](const std::string& text) {
    // Every message ends in one outcome; a parked event counts again when it is released.
    return sum_of(text, "kassa_events_total", R"(outcome="applied")") +
           sum_of(text, "kassa_events_total", R"(outcome="duplicate")") +
           sum_of(text, "kassa_events_total", R"(outcome="parked")") +
           sum_of(text, "kassa_events_total", R"(outcome="rejected")") -
           sum_of(text, "kassa_events_total", R"(outcome="released")");
  };
  ASSERT_TRUE(worker.eventually("/metrics", std::chrono::seconds(90),
                                [&](int status, auto& text) {
                                  return status == 200 && handled(text) == sent &&
                                         metric(text, "kassa_outbox_rows_waiting") == 0;
                                }))
      << "the worker did not account for all " << sent << " messages";
  ASSERT_TRUE(worker.eventually("/readyz", std::chrono::seconds(10),
                                [](int status, auto&) { return status == 200; }));
  // Every package the batches numbered is rendered, and counted once.
  const double packages = static_cast<double>(box.scalar("SELECT count(*) FROM kassa.packages"));
  ASSERT_GT(packages, 0);
  EXPECT_TRUE(worker.eventually("/metrics", std::chrono::seconds(60), [&](int, auto& now) {
    return metric(now, R"(kassa_document_renders_total{outcome="rendered"})") == packages;
  })) << worker.get("/metrics").second;
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.packages WHERE state <> 'issued'"), 0);
  EXPECT_TRUE(worker.eventually("/metrics", std::chrono::seconds(30), [&](int, auto& now) {
    return metric(now, "kassa_outbox_rows_waiting") == 0;
  }));
  const auto [status, text] = worker.get("/metrics");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(worker.get("/healthz").first, 200);

  // The counters agree with what the database says was issued and refused.
  for (const char* kind : {"prepayment", "settlement", "refund"})
    EXPECT_EQ(metric(text, std::string("kassa_receipts_total{kind=\"") + kind + "\"}"),
              static_cast<double>(box.scalar(
                  std::string("SELECT count(*) FROM kassa.receipts WHERE kind = '") + kind + "'")))
        << kind;
  for (const char* kind : {"shipment_package", "refund_package"})
    EXPECT_EQ(metric(text, std::string("kassa_packages_total{kind=\"") + kind + "\"}"),
              static_cast<double>(box.scalar(
                  std::string("SELECT count(*) FROM kassa.packages WHERE kind = '") + kind + "'")))
        << kind;
  EXPECT_EQ(sum_of(text, "kassa_events_total", R"(outcome="rejected")"),
            static_cast<double>(box.scalar("SELECT count(*) FROM kassa.rejections")));
  EXPECT_EQ(sum_of(text, "kassa_events_total", R"(outcome="applied")"),
            static_cast<double>(box.scalar("SELECT count(*) FROM kassa.ledger")));
  // By topic: the payments applied are the ledger's payments.
  EXPECT_EQ(
      metric(text,
             "kassa_events_total{outcome=\"applied\",topic=\"" + box.config.topic_payments + "\"}"),
      static_cast<double>(box.scalar("SELECT count(*) FROM kassa.ledger WHERE kind = 'payment'")));
  EXPECT_GT(metric(text, R"(kassa_receipts_total{kind="prepayment"})"), 0);
  EXPECT_EQ(metric(text, "kassa_assigned_partitions"), 9) << "3 topics x 3 partitions";
  EXPECT_EQ(metric(text, R"(kassa_document_renders_total{outcome="failed"})"), 0);
  // A lane counts what it published after its transaction commits, so the other lane's gauge
  // can read "nothing waiting" a moment before the count catches up.
  const double published = static_cast<double>(
      box.scalar("SELECT count(*) FROM kassa.outbox WHERE published_at IS NOT NULL"));
  EXPECT_TRUE(worker.eventually(
      "/metrics", std::chrono::seconds(10),
      [&](int, auto& now) { return metric(now, "kassa_outbox_published_total") == published; }))
      << published << " rows published";

  // Lag per partition from librdkafka's statistics (every 5 s), measured from the offsets in
  // PostgreSQL: nine series, all zero once everything is applied.
  EXPECT_TRUE(worker.eventually("/metrics", std::chrono::seconds(30), [&](int, auto& now) {
    int series = 0;
    for (const auto& topic : box.config.input_topics())
      for (int p = 0; p < 3; ++p)
        if (metric(now, "kassa_consumer_partition_lag_messages{partition=\"" + std::to_string(p) +
                            "\",topic=\"" + topic + "\"}") == 0)
          ++series;
    return series == 9 && metric(now, "kassa_consumer_lag_messages") == 0;
  })) << worker.get("/metrics").second;
  EXPECT_NE(text.find("kassa_build_info{librdkafka=\""), std::string::npos);
  EXPECT_NE(text.find(",version=\"0.1.0\"} 1"), std::string::npos);

  // The database's gauges: events waiting for their payment, and reconciliation (none yet, then
  // one run against an empty Invoicebox state: every paid order is missing there).
  const double waiting =
      static_cast<double>(box.scalar("SELECT coalesce(sum(parked_count), 0) FROM kassa.orders"));
  EXPECT_TRUE(worker.eventually("/metrics", std::chrono::seconds(30), [&](int, auto& now) {
    return metric(now, "kassa_parked_events") == waiting;
  }));
  EXPECT_EQ(
      metric(worker.get("/metrics").second, "kassa_reconciliation_last_success_timestamp_seconds"),
      0);
  Process reconcile({kassa_binary(), "reconcile"}, Sandbox::environment(box.config));
  ASSERT_EQ(reconcile.wait_for(std::chrono::seconds(60)), std::optional<int>(0));
  const double missing = static_cast<double>(
      box.scalar("SELECT count(*) FROM kassa.recon_exceptions WHERE kind = 'missing_in_invoicebox' "
                 "AND resolved_at IS NULL"));
  EXPECT_GT(missing, 0);
  EXPECT_TRUE(worker.eventually("/metrics", std::chrono::seconds(30), [&](int, auto& now) {
    return metric(now, R"(kassa_reconciliation_open_exceptions{kind="missing_in_invoicebox"})") ==
               missing &&
           metric(now, "kassa_reconciliation_last_success_timestamp_seconds") > 1.7e9;
  })) << "the worker refreshes reconciliation's gauges from the database";
  EXPECT_EQ(worker.stop(), 0) << "SIGTERM ends the run cleanly";
}

TEST(Operations, HealthzFailsWithinSecondsWhenThePollLoopHangs) {
  Sandbox box("stuck_loop");
  Worker worker(box.config, {{"KASSA_FAULT", "stall_poll_loop"}, {"KASSA_LIVENESS_TIMEOUT", "2s"}});
  const auto started = Clock::now();
  ASSERT_TRUE(worker.eventually("/healthz", std::chrono::seconds(30), [](int status, auto&) {
    return status == 503;
  })) << "/healthz kept answering while the poll loop hung";
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(worker.get("/metrics").first, 200) << "the endpoint itself still answers";
  EXPECT_EQ(worker.stop(), 0) << "a hung loop still lets SIGTERM stop the worker";
}

TEST(Operations, HealthzFailsWhenTheRelayHangsAndStaysUpOtherwise) {
  Sandbox box("stuck_relay");
  {
    Worker healthy(box.config, {{"KASSA_LIVENESS_TIMEOUT", "2s"}});
    ASSERT_TRUE(healthy.eventually("/readyz", std::chrono::seconds(30),
                                   [](int status, auto&) { return status == 200; }));
    // Three liveness periods, polled: a healthy worker never fails its probe.
    const auto until = Clock::now() + std::chrono::seconds(6);
    while (Clock::now() < until) {
      ASSERT_EQ(healthy.get("/healthz").first, 200);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // polling, bounded
    }
    EXPECT_EQ(healthy.stop(), 0);
  }
  Worker worker(box.config, {{"KASSA_FAULT", "stall_relay"}, {"KASSA_LIVENESS_TIMEOUT", "2s"}});
  EXPECT_TRUE(worker.eventually("/healthz", std::chrono::seconds(30), [](int status, auto&) {
    return status == 503;
  })) << "/healthz kept answering while the relay hung";
  EXPECT_EQ(worker.stop(), 0);
}

TEST(Operations, ReadyzFailsWhileTheRelayCannotPublishAndHealthzDoesNot) {
  Sandbox box("unready");
  gen::Options options;
  options.orders = 20;
  box.publish(gen::generate(options).messages);
  Worker worker(box.config, {{"KASSA_FAULT", "relay_unacknowledged"}});
  ASSERT_TRUE(worker.eventually("/metrics", std::chrono::seconds(60), [](int status, auto& text) {
    return status == 200 && metric(text, "kassa_outbox_rows_waiting") > 0;
  })) << "receipts were written and wait for the relay";
  EXPECT_TRUE(worker.eventually("/readyz", std::chrono::seconds(30), [](int status, auto&) {
    return status == 503;
  })) << "ready although nothing can be published";
  EXPECT_EQ(worker.get("/healthz").first, 200) << "alive: restarting would not help";
  EXPECT_TRUE(box.read_topic(box.config.topic_receipts).empty());
  EXPECT_EQ(worker.stop(), 0);
}

// Every PromQL query of the on-call dashboard is accepted by a real Prometheus (Debian's) that
// scrapes a real worker, and the core panels have data; every SQL query of the finance
// dashboard runs against the worker's database. Grafana itself is not installed here: its
// variables are replaced as Grafana would ($__rate_interval, $__timeFilter).
TEST(Operations, EveryDashboardQueryRunsAgainstRealPrometheusAndPostgreSQL) {
  const std::string prometheus_binary = "/usr/bin/prometheus";
  ASSERT_TRUE(std::filesystem::exists(prometheus_binary))
      << "Debian's prometheus package (scripts/setup installs it)";
  Sandbox box("dashboards");
  Worker worker(box.config, {});
  const int worker_port = worker.port();

  const auto dir = std::filesystem::temp_directory_path() /
                   ("kassa-it-prometheus-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\n"
      << "scrape_configs:\n  - job_name: kassa\n"
      << "    static_configs:\n      - targets: ['127.0.0.1:" << worker_port << "']\n";
  const int port = free_port();
  Process prometheus({prometheus_binary, "--config.file=" + (dir / "prometheus.yml").string(),
                      "--storage.tsdb.path=" + (dir / "data").string(),
                      "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                     {"PATH=/usr/bin:/bin"});
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10);
  auto query = [&](const std::string& promql) {
    const auto response =
        client.Get("/api/v1/query", httplib::Params{{"query", promql}}, httplib::Headers{});
    if (!response) return nlohmann::json{{"status", "no answer"}};
    // Prometheus answers in plain text while it starts up ("Service Unavailable").
    auto answer = nlohmann::json::parse(response->body, nullptr, false);
    if (answer.is_discarded() || !answer.is_object())
      return nlohmann::json{{"status", "not json: " + response->body.substr(0, 200)}};
    return answer;
  };
  auto has_data = [&](const std::string& promql) {
    const auto answer = query(promql);
    return answer.value("status", "") == "success" && !answer["data"]["result"].empty();
  };
  // The stream goes out once Prometheus scrapes the worker, so that its rates see it applied.
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline && !has_data("kassa_build_info"))
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // polling, bounded
  ASSERT_TRUE(has_data("kassa_build_info")) << "Prometheus never scraped the worker";
  gen::Options options;
  options.orders = 300;
  options.seed = 5;
  box.publish(gen::generate(options).messages);
  deadline = Clock::now() + std::chrono::seconds(90);
  while (Clock::now() < deadline &&
         !(has_data("kassa_build_info") && has_data("sum(rate(kassa_receipts_total[1m])) > 0") &&
           // kassa_events_total's series appear with the first events, so a rate has data only
           // from the second scrape after them (zero if they all came before the first).
           has_data("sum(rate(kassa_events_total[1m]))") &&
           has_data("count_over_time(kassa_consumer_lag_messages[1m]) > 3")))
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // polling, bounded
  ASSERT_TRUE(has_data("sum(rate(kassa_receipts_total[1m])) > 0"))
      << "Prometheus never saw the worker issue receipts";

  const auto oncall = nlohmann::json::parse(std::ifstream(
      std::string(KASSA_SOURCE_DIR) + "/helm/kassa/files/dashboards/kassa-oncall.json"));
  std::set<std::string> with_data;
  int queries = 0;
  for (const auto& panel : oncall["panels"])
    for (const auto& target : panel["targets"]) {
      std::string promql = target["expr"];
      promql = std::regex_replace(promql, std::regex(R"(\$__rate_interval)"), "1m");
      const auto answer = query(promql);
      ++queries;
      EXPECT_EQ(answer.value("status", ""), "success")
          << panel["title"] << ": " << promql << " -> " << answer.dump();
      if (answer.value("status", "") == "success" && !answer["data"]["result"].empty())
        with_data.insert(panel["title"].get<std::string>());
    }
  EXPECT_GE(queries, 20);
  for (const char* core :
       {"Events per second by outcome", "Consumer lag per partition", "Receipts per second by kind",
        "Batch latency", "Where the consumer's time goes", "Workers"})
    EXPECT_EQ(with_data.count(core), 1u) << core << " had no data";

  // Finance: every SQL panel, over a window that holds the generated days.
  Process reconcile({kassa_binary(), "reconcile"}, Sandbox::environment(box.config));
  ASSERT_EQ(reconcile.wait_for(std::chrono::seconds(60)), std::optional<int>(0));
  const auto finance = nlohmann::json::parse(std::ifstream(
      std::string(KASSA_SOURCE_DIR) + "/helm/kassa/files/dashboards/kassa-finance.json"));
  int statements = 0;
  for (const auto& panel : finance["panels"])
    for (const auto& target : panel["targets"]) {
      std::string sql = target["rawSql"];
      sql =
          std::regex_replace(sql, std::regex(R"(\$__timeFilter\(([^)]*\)?)\))"),
                             "$1 BETWEEN '2000-01-01'::timestamptz AND '2100-01-01'::timestamptz");
      ++statements;
      try {
        const auto rows = box.query(sql);
        if (panel["title"].get<std::string>().rfind("Daily totals", 0) == 0) {
          EXPECT_GT(rows.size(), 0u) << "the generated days";
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << panel["title"] << ": " << e.what() << "\n" << sql;
      }
    }
  EXPECT_GE(statements, 7);
  prometheus.terminate();
  prometheus.wait_for(std::chrono::seconds(30));
  std::filesystem::remove_all(dir);
  EXPECT_EQ(worker.stop(), 0);
}

// Log lines are JSON objects with the line's ids as fields, and the buyer's contacts masked:
// here an outbox row for a topic that does not exist (parked, logged as an error with its ids),
// keyed by a phone number as a careless producer might.
TEST(Operations, LogLinesAreJsonWithIdsAsFieldsAndContactsMasked) {
  Sandbox box("logs");
  const std::string missing = box.config.topic_receipts + ".missing";
  box.execute(
      "INSERT INTO kassa.outbox (message_id, topic, message_key, payload) VALUES "
      "('0b0c0d0e-0f10-4112-8314-15161718191a', '" +
      missing + "', convert_to('+79161234567', 'UTF8'), convert_to('{}', 'UTF8'))");
  std::string command = "env -i";
  for (const auto& variable : Sandbox::environment(
           box.config, {{"KASSA_LOG_FORMAT", "json"},
                        {"KASSA_KAFKA_TOPIC_METADATA_PROPAGATION_MAX_MS", "2000"}}))
    command += " '" + variable + "'";
  command += std::string(" ") + kassa_binary() + " run --until-caught-up 2>&1 >/dev/null";
  const std::string logged = command_output(command);
  std::istringstream lines(logged);
  std::string line;
  int count = 0;
  bool parked = false;
  while (std::getline(lines, line)) {
    const auto object = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(object.is_object()) << "not a JSON line: " << line;
    EXPECT_TRUE(object.contains("time") && object.contains("level") && object.contains("msg"))
        << line;
    EXPECT_EQ(line.find("+79161234567"), std::string::npos) << "an unmasked phone: " << line;
    ++count;
    if (object.value("level", "") == "error" &&
        object.value("msg", "").find("can never be published") != std::string::npos) {
      parked = true;
      EXPECT_EQ(object.value("message_id", ""), "0b0c0d0e-0f10-4112-8314-15161718191a");
      EXPECT_EQ(object.value("topic", ""), missing);
      EXPECT_EQ(object.value("order_id", ""), "+79*******67");
    }
  }
  EXPECT_GE(count, 2) << logged;  // the parked row, and the warning that one is parked
  EXPECT_TRUE(parked) << logged;
}

}  // namespace
}  // namespace kassa::testing
