// kassa reconcile on the real database: the generator's stream through the worker, its Invoicebox
// export through `kassa state import`, then `kassa reconcile` must find exactly the injected
// discrepancies; runs keep the age of what persists and resolve what is gone.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace kassa::testing {
namespace {

using nlohmann::json;
using Finding = std::tuple<std::string, std::string, long, long, long>;

std::string temp_file(const std::string& name) {
  return "/tmp/kassa-it-" + std::to_string(::getpid()) + "-" + name;
}

long count(Sandbox& box, const std::string& sql) {
  return box.query(sql)[0][0].as<long>();
}

std::set<Finding> read_findings(const std::string& path) {
  std::set<Finding> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    out.insert({j.at("order_id").get<std::string>(), j.at("kind").get<std::string>(),
                j.at("kassa_amount").get<long>(), j.at("invoicebox_amount").get<long>(),
                j.at("delta").get<long>()});
  }
  return out;
}

int reconcile(const app::Config& config, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {kassa_binary(), "reconcile", "--as-of", "2027-01-01T00:00:00Z"};
  args.insert(args.end(), extra.begin(), extra.end());
  Process run(args, Sandbox::environment(config));
  return run.wait();
}

TEST(Reconcile, FindsExactlyTheInjectedDiscrepanciesAndAgesThem) {
  Sandbox box("recon");
  gen::Options options;
  options.seed = 9;
  options.orders = 800;
  const auto stream = gen::generate(options);
  box.publish(stream.messages);
  box.run_until_caught_up();

  const std::string state = temp_file("invoicebox.ndjson");
  {
    std::ofstream out(state);
    for (const auto& line : stream.invoicebox_state) out << line << '\n';
    // Invoicebox's guarantee-fund operations go into the same export (kassa gen --invoicebox).
    for (const auto& line : stream.fund_operations) out << line << '\n';
  }
  Process import({kassa_binary(), "state", "import", state}, Sandbox::environment(box.config));
  ASSERT_EQ(import.wait(), 0);

  std::set<Finding> expected;
  for (const auto& r : stream.truth.at("recon"))
    expected.insert({r.at("order_id").get<std::string>(), r.at("kind").get<std::string>(),
                     r.at("kassa_amount").get<long>(), r.at("invoicebox_amount").get<long>(),
                     r.at("delta").get<long>()});
  ASSERT_GE(expected.size(), 10u);

  // The dashboard views add up to the ledger and the receipts.
  EXPECT_EQ(count(box, "SELECT sum(paid_kopecks) FROM kassa.daily_totals"),
            stream.truth.at("ledger").at("payments_amount").get<long>());
  EXPECT_EQ(count(box, "SELECT sum(refunded_kopecks) FROM kassa.daily_totals"),
            stream.truth.at("ledger").at("refunds_amount").get<long>());
  EXPECT_EQ(count(box,
                  "SELECT sum(prepayment_receipts + settlement_receipts + refund_receipts) FROM "
                  "kassa.daily_totals"),
            count(box, "SELECT count(*) FROM kassa.receipts"));
  EXPECT_GT(count(box, "SELECT count(*) FROM kassa.orders_awaiting_settlement"), 0);
  EXPECT_EQ(
      count(
          box,
          "SELECT count(*) FROM kassa.orders_awaiting_settlement WHERE open_kopecks > paid_amount"),
      0);
  EXPECT_EQ(count(box, "SELECT sum(orders) FROM kassa.awaiting_settlement_by_age"),
            count(box, "SELECT count(*) FROM kassa.orders_awaiting_settlement"));
  // Fully shipped orders are not waiting: open = paid - settled - refunded before shipping.
  EXPECT_EQ(count(box,
                  "SELECT count(*) FROM kassa.orders_awaiting_settlement a JOIN kassa.orders o "
                  "USING (order_id) "
                  "WHERE a.open_kopecks <> o.paid_amount - o.shipped_amount - (SELECT coalesce(sum("
                  "(l->>'refunded_unshipped_amount')::bigint), 0) FROM "
                  "jsonb_array_elements(o.state::jsonb->'lines') l)"),
            0);

  // A dry run finds the same, is recorded as a dry run, and leaves the exceptions alone.
  const std::string dry = temp_file("dry.ndjson");
  EXPECT_EQ(reconcile(box.config, {"--dry-run", "--output", dry}), 0)
      << "findings are not failures";
  EXPECT_EQ(read_findings(dry), expected);
  EXPECT_EQ(
      count(box, "SELECT count(*) FROM kassa.recon_runs WHERE dry_run AND status = 'completed'"),
      1);
  EXPECT_EQ(count(box, "SELECT count(*) FROM kassa.recon_exceptions"), 0);

  const std::string first = temp_file("first.ndjson");
  EXPECT_EQ(reconcile(box.config, {"--output", first}), 0);
  const long run1 = count(box, "SELECT max(run_id) FROM kassa.recon_runs");
  EXPECT_EQ(read_findings(first), expected) << "exactly the injected discrepancies, nothing else";
  EXPECT_EQ(count(box, "SELECT count(*) FROM kassa.recon_exceptions WHERE resolved_at IS NULL"),
            static_cast<long>(expected.size()));
  EXPECT_EQ(
      count(box,
            "SELECT count(*) FROM kassa.recon_runs WHERE status = 'completed' AND NOT dry_run"),
      1);

  // Fix one amount mismatch in Invoicebox's state; run again.
  const auto fixed = box.query(
      "SELECT e.order_id::text, k.paid_amount FROM kassa.recon_exceptions e JOIN kassa.orders k "
      "USING (order_id) "
      "WHERE e.kind = 'amount_mismatch' ORDER BY e.order_id LIMIT 1");
  ASSERT_EQ(fixed.size(), 1u);
  {
    pqxx::connection connection(box.config.pg_dsn);
    pqxx::work tx(connection);
    tx.exec_params("UPDATE invoicebox.orders SET amount = $2 WHERE id = $1::uuid",
                   fixed[0][0].as<std::string>(), fixed[0][1].as<long>());
    tx.commit();
  }
  EXPECT_EQ(reconcile(box.config, {}), 0);
  const long run2 = count(box, "SELECT max(run_id) FROM kassa.recon_runs");
  EXPECT_EQ(count(box, "SELECT count(*) FROM kassa.recon_exceptions WHERE resolved_at IS NULL"),
            static_cast<long>(expected.size()) - 1);
  EXPECT_EQ(count(box, "SELECT count(*) FROM kassa.recon_exceptions WHERE resolved_run = " +
                           std::to_string(run2) + " AND order_id = '" +
                           fixed[0][0].as<std::string>() + "'"),
            1)
      << "the fixed one is marked resolved by the second run";
  EXPECT_EQ(count(box,
                  "SELECT count(*) FROM kassa.recon_exceptions WHERE resolved_at IS NULL AND "
                  "first_seen_run = " +
                      std::to_string(run1) + " AND run_id = " + std::to_string(run2)),
            static_cast<long>(expected.size()) - 1)
      << "the rest keep their first-seen run: finance sees their age";

  // A second reconciliation while one runs is refused with a clear message.
  pqxx::connection holder(box.config.pg_dsn);
  {
    pqxx::nontransaction tx(holder);
    tx.exec("SELECT pg_advisory_lock(" + std::to_string(0x6b61737361'0003LL) + ")");
  }
  EXPECT_EQ(reconcile(box.config, {}), 1);
  EXPECT_EQ(count(box, "SELECT count(*) FROM kassa.recon_runs"), 3)
      << "a dry run and two real runs; the refused one recorded nothing";
  std::remove(state.c_str());
  std::remove(dry.c_str());
  std::remove(first.c_str());
}

}  // namespace
}  // namespace kassa::testing
