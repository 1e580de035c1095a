// The cash-register gateway (`kassa gateway`) end to end: receipts issued by the worker from the
// real broker into the real database, registered through the local ATOL-compatible server
// (scripts/atol_server.py) while it injects faults, and the gateway killed at random moments.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "atol_double.hpp"
#include "contract/encoding.hpp"
#include "gen/generator.hpp"
#include "harness.hpp"
#include "http_worker.hpp"

namespace kassa::testing {
namespace {

// A generated stream, issued as receipts by `kassa run`.
std::int64_t issue_receipts(Sandbox& box, int orders, std::uint64_t seed) {
  gen::Options options;
  options.orders = orders;
  options.seed = seed;
  box.publish(gen::generate(options).messages);
  box.run_until_caught_up();
  return box.scalar("SELECT count(*) FROM kassa.receipts");
}

std::map<std::string, std::string> gateway_settings(const AtolDouble& atol) {
  auto settings = atol.settings();
  settings["KASSA_HTTP_ADDR"] = "";
  settings["KASSA_ATOL_TIMEOUT"] = "1s";        // the server's held answers time out at once
  settings["KASSA_ATOL_FIRST_POLL"] = "100ms";  // a test day, not a real one
  settings["KASSA_ATOL_REPORT_RATE"] = "1000";
  return settings;
}

std::int64_t count_where(Sandbox& box, const std::string& condition) {
  return box.scalar("SELECT count(*) FROM kassa.registrations WHERE " + condition);
}

// Reconciliation's fiscal gaps of receipts the tax service lacks past their deadline.
std::int64_t registration_gaps(Sandbox& box) {
  const auto output = kassa_output(box.config, "reconcile", {}, 60);
  EXPECT_NE(output.find("fiscal_gap"), std::string::npos) << output;
  return box.scalar(
      "SELECT count(*) FROM kassa.recon_exceptions WHERE kind = 'fiscal_gap' AND run_id = (SELECT "
      "max(run_id) FROM kassa.recon_runs) AND detail LIKE '%not registered by the tax service%'");
}

// Every external_id the server knows was registered once, and kassa recorded what the server
// has: the same uuid, status and fiscal document number.
void expect_registered_once_as_the_server_says(Sandbox& box, const AtolDouble& atol) {
  const auto server = atol.registrations();
  std::int64_t compared = 0;
  for (const auto& row :
       box.query("SELECT external_id::text, status, coalesce(uuid, ''), "
                 "coalesce(fiscal_document_number, '') FROM kassa.registrations")) {
    const std::string id = row[0].as<std::string>();
    const auto it = server.find(id);
    ASSERT_NE(it, server.end()) << id << " never reached the server (it knows " << server.size()
                                << " external ids)";
    const auto& entry = it->second;
    EXPECT_EQ(entry.at("registrations").get<int>(), 1) << id << " was registered twice";
    EXPECT_EQ(entry.at("uuid").get<std::string>(), row[2].as<std::string>()) << id;
    EXPECT_EQ(entry.at("status").get<std::string>(), row[1].as<std::string>()) << id;
    if (row[1].as<std::string>() == "done") {
      EXPECT_EQ(entry.at("fiscal_document_number").dump(), row[3].as<std::string>()) << id;
    }
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<std::int64_t>(server.size()))
      << "the server registered something kassa does not know";
}

TEST(Gateway, EveryReceiptIsRegisteredOnceThroughTimeoutsErrorsAndRateLimits) {
  Sandbox box("gateway");
  const auto receipts = issue_receipts(box, 120, 71);
  ASSERT_GT(receipts, 100);
  EXPECT_EQ(count_where(box, "status = 'wait' AND uuid IS NULL"), receipts)
      << "every receipt gets its registration row with it";

  AtolDouble atol(
      "timeout=0.05,error5xx=0.1,rate_limit=0.05,preexisting=0.05,slow_report=2,"
      "fail=0.04,expire_token=25",
      {"--timeout-hold-ms", "2000"});
  // A gateway as it runs in production (until stopped), with its /metrics.
  const int port = free_port();
  auto settings = gateway_settings(atol);
  settings["KASSA_HTTP_ADDR"] = "127.0.0.1:" + std::to_string(port);
  Process gateway({kassa_binary(), "gateway"}, Sandbox::environment(box.config, settings));
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < deadline && count_where(box, "status = 'wait'") > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling, bounded
  EXPECT_EQ(count_where(box, "status = 'wait'"), 0);
  const auto server = atol.registrations();
  std::int64_t failed_on_server = 0;
  for (const auto& [id, entry] : server) failed_on_server += entry.at("status") == "fail";
  EXPECT_GT(failed_on_server, 0) << "the fault plan fails some receipts for good";
  {
    httplib::Client client("127.0.0.1", port);
    const auto metrics = client.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metric(metrics->body, "kassa_registrations_total{status=\"fail\"}"),
              static_cast<double>(failed_on_server));
    EXPECT_EQ(metric(metrics->body, "kassa_registrations_total{status=\"done\"}"),
              static_cast<double>(receipts - failed_on_server));
    EXPECT_GT(sum_of(metrics->body, "kassa_atol_requests_total", "verdict=\"retry\""), 0);
  }
  gateway.terminate();
  EXPECT_EQ(gateway.wait_for(std::chrono::seconds(30)), std::optional<int>(0))
      << "SIGTERM stops the gateway cleanly";
  EXPECT_EQ(count_where(box, "status = 'fail'"), failed_on_server);
  EXPECT_EQ(count_where(box, "status = 'fail' AND error_code IS NOT NULL AND error_text <> ''"),
            failed_on_server)
      << "a failure keeps the API's code and text";
  EXPECT_EQ(count_where(box, "status = 'done'"), receipts - failed_on_server);
  EXPECT_EQ(count_where(box,
                        "status = 'done' AND fn_number IS NOT NULL AND shift_number IS NOT "
                        "NULL AND fiscal_document_attribute IS NOT NULL AND "
                        "ofd_receipt_url LIKE 'https://%'"),
            receipts - failed_on_server);
  expect_registered_once_as_the_server_says(box, atol);

  const auto counts = atol.journal().at("counts");
  EXPECT_GT(counts.at("duplicate_33").get<int>(), 0) << "timeouts and preexisting ones resent";
  EXPECT_GT(counts.at("error5xx").get<int>(), 0);
  EXPECT_GT(counts.at("rate_limited").get<int>(), 0);
  EXPECT_GT(counts.at("token_expired").get<int>(), 0);

  // The generated day is long past: each order with a failed receipt is a fiscal gap.
  EXPECT_EQ(registration_gaps(box),
            box.scalar("SELECT count(DISTINCT r.order_id) FROM kassa.receipts r JOIN "
                       "kassa.registrations g ON g.external_id = r.receipt_id WHERE g.status = "
                       "'fail'"));

  // The finance views say the same.
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.receipt_registrations WHERE status = 'fail'"),
            failed_on_server);
  EXPECT_EQ(box.scalar("SELECT coalesce(sum(receipts), 0) FROM "
                       "kassa.registration_deadline_ageing WHERE age LIKE 'overdue%'"),
            failed_on_server);

  // The failed ones are shown with the API's reason, corrected once, and then registered.
  std::vector<std::string> failed;
  for (const auto& row : box.query("SELECT receipt_id::text, (SELECT order_id::text FROM "
                                   "kassa.receipts r WHERE r.receipt_id = g.receipt_id) "
                                   "FROM kassa.registrations g WHERE status = 'fail'")) {
    failed.push_back(row[0].as<std::string>());
    const auto shown = kassa_output(box.config, "receipts show " + row[1].as<std::string>(), {});
    EXPECT_NE(shown.find("not registered: code 32"), std::string::npos) << shown;
  }
  for (const auto& id : failed) {
    const auto first = kassa_output(box.config, "receipts correct " + id, {});
    EXPECT_NE(first.find("queued sell"), std::string::npos) << first;
    const auto again = kassa_output(box.config, "receipts correct " + id, {});
    EXPECT_NE(again.find("already queued"), std::string::npos) << again;
  }
  const auto corrected =
      kassa_output(box.config, "gateway --until-idle", gateway_settings(atol), 120);
  EXPECT_NE(corrected.find("nothing waits"), std::string::npos) << corrected;
  EXPECT_EQ(count_where(box, "purpose = 'correction'"), failed_on_server);
  EXPECT_EQ(count_where(box,
                        "purpose = 'correction' AND status = 'done' AND operation LIKE "
                        "'%_correction'"),
            failed_on_server);
  // Every receipt is now in the tax service: registered itself, or by its correction.
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.receipts r WHERE EXISTS (SELECT 1 FROM "
                       "kassa.registrations g WHERE g.receipt_id = r.receipt_id AND g.status = "
                       "'done')"),
            receipts);
  EXPECT_EQ(registration_gaps(box), 0) << "corrected receipts close their gaps";
  EXPECT_EQ(
      box.scalar("SELECT count(*) FROM kassa.receipt_registrations WHERE status = 'corrected'"),
      failed_on_server);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.registration_deadline_ageing"), 0);
  const auto server_after = atol.registrations();
  for (const auto& row : box.query("SELECT external_id::text, receipt_id::text FROM "
                                   "kassa.registrations WHERE purpose = 'correction'")) {
    const auto& entry = server_after.at(row[0].as<std::string>());
    const auto& info = entry.at("body").at("correction").at("correction_info");
    EXPECT_EQ(info.at("type"), "self");
    EXPECT_EQ(entry.at("registrations"), 1);
  }
  expect_registered_once_as_the_server_says(box, atol);
}

TEST(Gateway, KillingTheGatewayAtRandomMomentsNeverRegistersAReceiptTwice) {
  Sandbox box("gatewaykill");
  const auto receipts = issue_receipts(box, 150, 72);
  ASSERT_GT(receipts, 100);
  AtolDouble atol("error5xx=0.05,slow_report=1");
  const auto settings = gateway_settings(atol);
  std::mt19937 random(20261205);
  int kills = 0;
  // Each life is killed once it has recorded a few more accepted receipts, a random number, so
  // the kill lands while requests are in flight and answers not yet recorded.
  for (int life = 0; life < 8; ++life) {
    const auto before = count_where(box, "uuid IS NOT NULL");
    const auto more = std::uniform_int_distribution<std::int64_t>(3, 25)(random);
    Process gateway({kassa_binary(), "gateway"}, Sandbox::environment(box.config, settings));
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline && count_where(box, "uuid IS NOT NULL") < before + more &&
           count_where(box, "status = 'wait'") > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling, bounded
    gateway.kill_hard();
    gateway.wait();
    ++kills;
  }
  // The leases of the killed lives run out before the rows fall due again.
  EXPECT_GT(count_where(box, "status = 'wait'"), 0) << "the kills came before the end";
  box.execute("UPDATE kassa.registrations SET next_attempt_at = now() WHERE status = 'wait'");
  const auto output = kassa_output(box.config, "gateway --until-idle", settings, 120);
  EXPECT_NE(output.find("nothing waits"), std::string::npos) << output;

  EXPECT_EQ(kills, 8);
  EXPECT_EQ(count_where(box, "status = 'done'"), receipts);
  expect_registered_once_as_the_server_says(box, atol);
}

TEST(Gateway, AGatewayKilledAfterTheAPIAcceptedAReceiptFollowsTheSameRegistration) {
  Sandbox box("gatewayaccept");
  const auto receipts = issue_receipts(box, 20, 73);
  ASSERT_GT(receipts, 5);
  AtolDouble atol;
  auto settings = gateway_settings(atol);
  // Dies right after the API accepted the third receipt, before kassa recorded its uuid.
  settings["KASSA_FAULT"] = "gateway_after_accept@3";
  Process killed({kassa_binary(), "gateway"}, Sandbox::environment(box.config, settings));
  EXPECT_NE(killed.wait_for(std::chrono::seconds(60)).value_or(0), 0);
  EXPECT_EQ(count_where(box, "uuid IS NOT NULL"), 2) << "two recorded before the kill";
  settings.erase("KASSA_FAULT");
  box.execute("UPDATE kassa.registrations SET next_attempt_at = now() WHERE status = 'wait'");
  const auto output = kassa_output(box.config, "gateway --until-idle", settings, 60);
  EXPECT_NE(output.find("nothing waits"), std::string::npos) << output;
  EXPECT_EQ(atol.journal().at("counts").at("duplicate_33"), 1)
      << "the third receipt was sent again and answered as already accepted";
  EXPECT_EQ(count_where(box, "status = 'done'"), receipts);
  expect_registered_once_as_the_server_says(box, atol);
}

TEST(Gateway, AReceiptRegisteredWithWrongDataIsReversedAndThenRegisteredRight) {
  Sandbox box("gatewaywrong");
  const auto receipts = issue_receipts(box, 10, 74);
  ASSERT_GT(receipts, 2);
  AtolDouble atol;
  const auto settings = gateway_settings(atol);
  EXPECT_NE(kassa_output(box.config, "gateway --until-idle", settings, 60).find("nothing waits"),
            std::string::npos);
  const auto row = box.query(
      "SELECT r.receipt_id::text, (r.body::json -> 'atol' -> 'receipt')::text, "
      "r.body::json ->> 'operation' FROM kassa.receipts r ORDER BY r.receipt_id LIMIT 1")[0];
  const std::string id = row[0].as<std::string>(), operation = row[2].as<std::string>();
  // The right data: the buyer's e-mail was wrong on the registered receipt.
  auto right = nlohmann::json::parse(row[1].as<std::string>());
  right["client"] = {{"email", "right.buyer@example.com"}};
  const auto file = std::filesystem::temp_directory_path() / ("kassa-right-" + id + ".json");
  std::ofstream(file) << right.dump();

  const auto first = kassa_output(box.config, "receipts correct " + id, {});
  EXPECT_NE(first.find("give the right data"), std::string::npos) << first;
  const auto queued =
      kassa_output(box.config, "receipts correct " + id + " --with " + file.string(), {});
  EXPECT_NE(queued.find("sent once the one above is done"), std::string::npos) << queued;
  const auto again =
      kassa_output(box.config, "receipts correct " + id + " --with " + file.string(), {});
  EXPECT_NE(again.find("already queued sell"), std::string::npos) << again;
  EXPECT_EQ(again.find("\nqueued"), std::string::npos) << "nothing new: " << again;
  EXPECT_NE(again.rfind("already queued", 0), std::string::npos) << again;
  EXPECT_NE(kassa_output(box.config, "gateway --until-idle", settings, 60).find("nothing waits"),
            std::string::npos);
  std::filesystem::remove(file);

  const auto server = atol.registrations();
  const auto reverse = contract::uuid_v5(contract::kOutputNamespace, id + ":reverse");
  const auto corrected = contract::uuid_v5(contract::kOutputNamespace, id + ":corrected");
  ASSERT_TRUE(server.count(reverse) && server.count(corrected));
  const bool sale = operation == "sell";
  EXPECT_EQ(server.at(reverse).at("operation"),
            sale ? "sell_refund_correction" : "sell_correction");
  EXPECT_EQ(server.at(corrected).at("operation"),
            sale ? "sell_correction" : "sell_refund_correction");
  EXPECT_EQ(server.at(reverse).at("body").at("correction").at("client"),
            nlohmann::json::parse(row[1].as<std::string>()).at("client"))
      << "the reverse repeats the registered data";
  EXPECT_EQ(server.at(corrected).at("body").at("correction").at("client").at("email"),
            "right.buyer@example.com");
  EXPECT_LT(server.at(reverse).at("fiscal_document_number").get<int>(),
            server.at(corrected).at("fiscal_document_number").get<int>())
      << "the right one only after the reverse was registered";
  expect_registered_once_as_the_server_says(box, atol);
}

}  // namespace
}  // namespace kassa::testing
