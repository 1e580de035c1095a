#include "store/database.hpp"

namespace kassa::store {

pqxx::connection& Database::connection() {
  if (!connection_ || !connection_->is_open()) {
    connection_.reset();
    connection_ = std::make_unique<pqxx::connection>(dsn_);
  }
  return *connection_;
}

bool is_transient(const std::exception& error) {
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) return true;
  if (dynamic_cast<const pqxx::transaction_rollback*>(&error) != nullptr)
    return true;  // 40001, 40P01
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    const std::string state = sql->sqlstate();
    // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08xxx connection.
    return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03";
  }
  return false;
}

}  // namespace kassa::store

#include <libpq-fe.h>

#include <stdexcept>
#include <utility>
#include <vector>

namespace kassa::store {

namespace {

// The settings a DSN holds, keyword and value, as libpq parses them (URIs and conninfo alike).
// Refused without libpq's message, which may quote the DSN, password included.
std::vector<std::pair<std::string, std::string>> dsn_settings(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    throw std::invalid_argument(
        "not a libpq connection string or URI (in a URI, percent-encode special characters of "
        "the user and password: '@' as %40, ':' as %3A, '/' as %2F)");
  }
  std::vector<std::pair<std::string, std::string>> settings;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option)
    if (option->val != nullptr) settings.emplace_back(option->keyword, option->val);
  PQconninfoFree(options);
  return settings;
}

// The conninfo of `dsn` with one keyword set to `value` (URIs come back as conninfo).
std::string dsn_with(const std::string& dsn, const std::string& keyword, const std::string& value) {
  auto quote = [](const std::string& text) {
    std::string out = "'";
    for (char c : text) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  };
  std::string out;
  for (const auto& [name, setting] : dsn_settings(dsn))
    if (name != keyword) out += name + "=" + quote(setting) + " ";
  return out + keyword + "=" + quote(value);
}

}  // namespace

std::string dsn_with_database(const std::string& dsn, const std::string& database) {
  return dsn_with(dsn, "dbname", database);
}

std::string dsn_with_user(const std::string& dsn, const std::string& user) {
  return dsn_with(dsn, "user", user);
}

std::string dsn_password(const std::string& dsn) {
  std::string password;
  for (const auto& [keyword, value] : dsn_settings(dsn)) {
    if (keyword == "password") password = value;
    if ((keyword == "host" || keyword == "hostaddr") && value.find('@') != std::string::npos)
      throw std::invalid_argument(
          "its host holds an '@': percent-encode '@' in the URI's user or password as %40");
  }
  return password;
}

void recreate_database(const std::string& dsn, const std::string& database) {
  pqxx::connection connection(dsn);
  pqxx::nontransaction tx(connection);
  const std::string name = tx.quote_name(database);
  tx.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  tx.exec("CREATE DATABASE " + name);
}

void for_each_body(pqxx::connection& connection, const std::string& table,
                   const std::string& id_column, const std::string& condition,
                   const std::function<void(const std::string& id, const char* body)>& each) {
  const std::string query = "SELECT " + id_column + "::text, body FROM " + table + " WHERE (" +
                            condition + ") AND " + id_column + " > $1::uuid ORDER BY " + id_column +
                            " LIMIT 5000";
  std::string after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    pqxx::read_transaction tx(connection);
    const auto rows = tx.exec_params(query, after);
    if (rows.empty()) return;
    for (const auto& row : rows) {
      after = row[0].as<std::string>();
      each(after, row[1].c_str());
    }
  }
}

}  // namespace kassa::store
