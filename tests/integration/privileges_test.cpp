// Least privilege on the real PostgreSQL: the schema's owner migrates, the worker's role (every
// other integration test runs the worker as it) reads and writes rows and nothing more, and the
// read-only role serves dashboards and dry-run reconciliations.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "harness.hpp"

namespace kassa::testing {
namespace {

// Runs one statement as the role of `dsn`: "refused" when PostgreSQL refuses it for want of a
// privilege (SQLSTATE 42501, which libpqxx 6 reports as its own exception type), "ran" when it
// runs, and the error otherwise.
std::string outcome_of(const std::string& dsn, const std::string& sql) {
  pqxx::connection connection(dsn);
  try {
    pqxx::work tx(connection);
    tx.exec(sql);
    tx.commit();
    return "ran";
  } catch (const pqxx::insufficient_privilege&) {
    return "refused";
  } catch (const pqxx::sql_error& e) {
    return e.what();
  }
}

TEST(Privileges, WorkerRoleCannotCreateAlterOrDropInTheSchema) {
  Sandbox box("privileges");
  const std::vector<std::string> ddl = {
      "CREATE TABLE kassa.intruder (x integer)",
      "CREATE VIEW kassa.intruder AS SELECT 1",
      "CREATE INDEX intruder ON kassa.ledger (amount)",
      "CREATE FUNCTION kassa.intruder() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
      "ALTER TABLE kassa.orders ADD COLUMN intruder integer",
      "ALTER TABLE kassa.ledger DROP CONSTRAINT ledger_pkey",
      "ALTER VIEW kassa.daily_totals RENAME TO intruder",
      "DROP TABLE kassa.ledger",
      "DROP VIEW kassa.daily_totals",
      "DROP SCHEMA kassa CASCADE",
      "TRUNCATE kassa.ledger",
      "CREATE SCHEMA intruder",
      "CREATE TABLE public.intruder (x integer)",
      "CREATE TABLE invoicebox.intruder (x integer)",
      "ALTER TABLE invoicebox.orders ADD COLUMN intruder integer",
      "INSERT INTO kassa.schema_version (version, name, checksum) VALUES (999, 'x', 'x')",
      "DELETE FROM kassa.schema_version",
  };
  for (const auto& sql : ddl) EXPECT_EQ(outcome_of(box.config.pg_dsn, sql), "refused") << sql;
  // The owner can: the refusals above are the role's, not a broken statement.
  EXPECT_EQ(outcome_of(box.owner_dsn(), "CREATE TABLE kassa.intruder (x integer)"), "ran");
  EXPECT_EQ(outcome_of(box.owner_dsn(), "DROP TABLE kassa.intruder"), "ran");
}

TEST(Privileges, EveryTableOfTheSchemaIsGrantedToTheWorkerAndTheReader) {
  Sandbox box("grants");
  // A migration that forgot its grants would leave a relation out; the worker would then fail at
  // the first batch that touches it, in production.
  const auto missing = box.query(
      box.config,
      "SELECT c.relname, "
      "  has_table_privilege('kassa_worker', c.oid, 'SELECT, INSERT, UPDATE, DELETE') AS writer, "
      "  has_table_privilege('kassa_reader', c.oid, 'SELECT') AS reader, "
      "  has_table_privilege('kassa_reader', c.oid, 'INSERT, UPDATE, DELETE') AS reader_writes "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname IN ('kassa', 'invoicebox') AND c.relkind IN ('r', 'v', 'p') "
      "ORDER BY 1");
  ASSERT_GT(missing.size(), 10u);
  for (const auto& row : missing) {
    const auto name = row[0].as<std::string>();
    const bool is_view =
        !box.query("SELECT 1 FROM pg_views WHERE viewname = '" + name + "'").empty();
    if (name != "schema_version" && !is_view) {
      EXPECT_TRUE(row[1].as<bool>()) << "kassa_worker cannot write kassa." << name;
    }
    EXPECT_TRUE(row[2].as<bool>()) << "kassa_reader cannot read kassa." << name;
    EXPECT_FALSE(row[3].as<bool>()) << "kassa_reader can write kassa." << name;
  }
  const auto sequences = box.query(
      "SELECT c.relname, has_sequence_privilege('kassa_worker', c.oid, 'USAGE') "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname IN ('kassa', 'invoicebox') AND c.relkind = 'S'");
  for (const auto& row : sequences)
    EXPECT_TRUE(row[1].as<bool>()) << "kassa_worker cannot use kassa." << row[0].as<std::string>();
}

TEST(Privileges, ReadOnlyRoleRunsTheDryRunAndTheDashboardsButWritesNothing) {
  Sandbox box("reader");
  gen::Options options;
  options.orders = 200;
  options.seed = 5;
  const auto stream = gen::generate(options);
  box.publish(stream.messages);
  box.run_until_caught_up();  // as the worker's role
  ASSERT_GT(box.scalar("SELECT count(*) FROM kassa.ledger"), 0);

  app::Config reader = box.config;
  reader.pg_dsn = box.reader_dsn();
  const std::string findings = ::testing::TempDir() + "reader-findings.ndjson";
  Process dry({kassa_binary(), "reconcile", "--dry-run", "--output", findings},
              Sandbox::environment(reader));
  ASSERT_EQ(dry.wait_for(std::chrono::seconds(60)), std::optional<int>(0));
  std::ifstream lines(findings);
  std::string line;
  int found = 0;
  while (std::getline(lines, line)) ++found;
  EXPECT_GT(found, 0) << "every paid order is missing from an empty Invoicebox state";
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.recon_runs"), 0) << "a reader records nothing";

  // A real run needs the worker's role: the reader's is refused, and nothing is half-written.
  Process real({kassa_binary(), "reconcile"}, Sandbox::environment(reader));
  EXPECT_NE(real.wait_for(std::chrono::seconds(60)), std::optional<int>(0));
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.recon_runs"), 0);
  EXPECT_EQ(box.scalar("SELECT count(*) FROM kassa.recon_exceptions"), 0);

  for (const char* sql : {"INSERT INTO kassa.recon_runs (as_of, dry_run) VALUES (now(), true)",
                          "UPDATE kassa.orders SET parked_count = 0", "DELETE FROM kassa.ledger"})
    EXPECT_EQ(outcome_of(reader.pg_dsn, sql), "refused") << sql;
  // The finance dashboard's views read fine.
  pqxx::connection connection(reader.pg_dsn);
  pqxx::read_transaction tx(connection);
  EXPECT_EQ(tx.exec1("SELECT sum(paid_kopecks) FROM kassa.daily_totals")[0].as<long>(),
            stream.truth.at("ledger").at("payments_amount").get<long>());
}

}  // namespace
}  // namespace kassa::testing
