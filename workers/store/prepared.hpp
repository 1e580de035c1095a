// Statements run on every batch or relay round, prepared once per connection: PostgreSQL then
// parses and plans each of them once instead of on every call, which with the small batches of
// a steady stream (tens of messages) was most of the database's work per batch.
#pragma once

#include <string>
#include <utility>

#include <pqxx/pqxx>

namespace kassa::store {

// `name` identifies `sql` on the connection (the same name must always mean the same text). The
// statement is prepared on its first use on each connection; a reconnect prepares it again.
template <typename... Args>
pqxx::result exec_prepared(pqxx::transaction_base& tx, const std::string& name,
                           const std::string& sql, Args&&... args) {
  tx.conn().prepare(name, sql);
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

}  // namespace kassa::store
