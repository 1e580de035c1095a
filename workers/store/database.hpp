// PostgreSQL access for one thread: a lazily (re)connected libpqxx connection. libpqxx objects are
// not thread-safe, so every thread that talks to the database owns its own Database.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <pqxx/pqxx>

namespace kassa::store {

class Database {
 public:
  explicit Database(std::string dsn) : dsn_(std::move(dsn)) {}

  // The open connection; connects first if there is none (throws pqxx::broken_connection).
  pqxx::connection& connection();
  // Forget the connection after an error that may have broken it; the next call reconnects.
  void reset() { connection_.reset(); }
  const std::string& dsn() const { return dsn_; }

 private:
  std::string dsn_;
  std::unique_ptr<pqxx::connection> connection_;
};

// Errors worth retrying with the same input: the connection broke, the commit's outcome is
// unknown, or the server asked us to retry (serialization failure, deadlock).
bool is_transient(const std::exception& error);

}  // namespace kassa::store

namespace kassa::store {

// The same connection settings pointing at another database (for scratch databases of the
// benchmark and the tests); works for both conninfo strings and URIs.
std::string dsn_with_database(const std::string& dsn, const std::string& database);
// The same connection settings as another role (the tests' worker and read-only roles).
std::string dsn_with_user(const std::string& dsn, const std::string& user);
// The password a DSN holds ("" if none), for the log to redact. Throws std::invalid_argument,
// without quoting the DSN, when libpq cannot parse it or when its host holds an '@' (an
// unescaped '@' in a URI's password, which libpq would otherwise report as the host name).
std::string dsn_password(const std::string& dsn);
// Drops (if present) and creates a database, connecting through `dsn`.
void recreate_database(const std::string& dsn, const std::string& database);

// Every stored message of an issued-output table (kassa.receipts, kassa.packages) in id order, a
// page at a time (keyset paging), so a check over millions of rows keeps its memory flat.
// `table`, `id_column` and `condition` (a WHERE clause) are kassa's own text, never user input.
void for_each_body(pqxx::connection& connection, const std::string& table,
                   const std::string& id_column, const std::string& condition,
                   const std::function<void(const std::string& id, const char* body)>& each);

}  // namespace kassa::store
