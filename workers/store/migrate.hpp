// Schema migrations: the numbered SQL files of db/ (compiled into the binary), applied in order,
// each in its own transaction, recorded in kassa.schema_version with a checksum. Two processes may
// migrate at once: an advisory lock makes the second wait and then find nothing to do.
#pragma once

#include <pqxx/pqxx>

namespace kassa::store {

struct MigrationReport {
  int applied = 0;  // migrations applied by this call
  int current = 0;  // schema version afterwards
};

MigrationReport migrate(pqxx::connection& connection);

// The highest version available in this binary, and the one applied in the database (0 if none).
int latest_schema_version();
int applied_schema_version(pqxx::connection& connection);

}  // namespace kassa::store
