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

namespace kassa::store {

std::string dsn_with_database(const std::string& dsn, const std::string& database) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? error : "unparsable";
    PQfreemem(error);
    throw std::invalid_argument("KASSA_PG_DSN: " + message);
  }
  auto quote = [](const std::string& value) {
    std::string out = "'";
    for (char c : value) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  };
  std::string out;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (std::string(option->keyword) == "dbname" || option->val == nullptr) continue;
    out += std::string(option->keyword) + "=" + quote(option->val) + " ";
  }
  PQconninfoFree(options);
  return out + "dbname=" + quote(database);
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
