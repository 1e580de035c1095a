#include "store/migrate.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "contract/encoding.hpp"
#include "support/log.hpp"

namespace kassa::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& migrations();
}

namespace kassa::store {
namespace {

// Arbitrary but fixed: the advisory lock key that serializes migrations.
constexpr std::int64_t kMigrationLock = 0x6b61737361'0001;

struct Migration {
  int version;
  std::string name;
  std::string_view sql;
};

std::vector<Migration> available() {
  std::vector<Migration> out;
  for (const auto& [file, sql] : embedded::migrations()) {
    // V001__name.sql
    const auto sep = file.find("__");
    if (file.size() < 6 || file[0] != 'V' || sep == std::string_view::npos)
      throw std::logic_error("migration file name must look like V001__name.sql: " +
                             std::string(file));
    out.push_back({std::stoi(std::string(file.substr(1, sep - 1))), std::string(file), sql});
  }
  return out;
}

}  // namespace

int latest_schema_version() {
  const auto all = available();
  return all.empty() ? 0 : all.back().version;
}

int applied_schema_version(pqxx::connection& connection) {
  pqxx::work tx(connection);
  const auto exists =
      tx.exec1("SELECT to_regclass('kassa.schema_version') IS NOT NULL")[0].as<bool>();
  if (!exists) return 0;
  return tx.exec1("SELECT coalesce(max(version), 0) FROM kassa.schema_version")[0].as<int>();
}

MigrationReport migrate(pqxx::connection& connection) {
  MigrationReport report;
  auto advisory = [&connection](const char* function) {
    pqxx::nontransaction session(connection);
    session.exec_params(std::string("SELECT ") + function + "($1)", kMigrationLock);
  };
  advisory("pg_advisory_lock");  // a second `kassa migrate` waits here, then finds nothing to do
  try {
    {
      pqxx::work tx(connection);
      tx.exec(
          "CREATE SCHEMA IF NOT EXISTS kassa;"
          "CREATE TABLE IF NOT EXISTS kassa.schema_version ("
          "  version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
          "  applied_at timestamptz NOT NULL DEFAULT now())");
      tx.commit();
    }
    for (const auto& migration : available()) {
      const std::string checksum = contract::sha256_hex(migration.sql);
      pqxx::work tx(connection);
      const auto row = tx.exec_params(
          "SELECT checksum FROM kassa.schema_version WHERE version = $1", migration.version);
      if (!row.empty()) {
        if (row[0][0].as<std::string>() != checksum)
          throw std::runtime_error(
              "migration " + migration.name +
              " was changed after it was applied (checksum differs); add a new migration instead");
        continue;
      }
      log::info("migrate: applying " + migration.name);
      tx.exec(std::string(migration.sql));
      tx.exec_params(
          "INSERT INTO kassa.schema_version (version, name, checksum) VALUES ($1, $2, $3)",
          migration.version, migration.name, checksum);
      tx.commit();
      ++report.applied;
    }
  } catch (...) {
    try {
      advisory("pg_advisory_unlock");
    } catch (const std::exception&) {
      // The connection is gone, and with it the session's lock.
    }
    throw;
  }
  advisory("pg_advisory_unlock");
  report.current = applied_schema_version(connection);
  return report;
}

}  // namespace kassa::store
