// Loading Invoicebox's state export into invoicebox.orders and invoicebox.fund_operations, in ONE
// transaction: rows are COPY'd (pqxx::stream_to) into a temporary staging table as they come (one
// table for both kinds: a connection has one COPY at a time), then set-based upserts move the last
// row of each id into its table. Memory does not grow with the file; if anything fails, or the
// caller abandons the import, nothing is written.
#pragma once

#include <cstdint>
#include <memory>

#include <pqxx/pqxx>

#include "contract/invoicebox_state.hpp"

namespace kassa::store {

struct StateImportResult {
  std::int64_t orders = 0;           // rows upserted without a parentId
  std::int64_t refund_orders = 0;    // rows upserted with a parentId
  std::int64_t inserted = 0;         // ids new to invoicebox.orders
  std::int64_t replaced = 0;         // ids whose older state this import replaced
  std::int64_t fund_operations = 0;  // guarantee-fund operations upserted
  std::int64_t fund_inserted = 0;    // of them, ids new to invoicebox.fund_operations
  std::int64_t fund_replaced = 0;
};

class StateImport {
 public:
  // Begins the transaction and the COPY into the staging table.
  explicit StateImport(pqxx::connection& connection);
  // Rolls back unless commit() succeeded.
  ~StateImport();
  StateImport(const StateImport&) = delete;
  StateImport& operator=(const StateImport&) = delete;

  // Stages one order. Within one import the order added last wins for an id.
  void add(const contract::InvoiceboxOrder& order);
  void add(const contract::FundOperation& operation);
  std::int64_t staged() const { return staged_; }

  // Ends the COPY, upserts the staged rows (deduplicated by id) and commits.
  StateImportResult commit();
  // Ends the COPY and rolls everything back.
  void abandon();

 private:
  void end_copy();

  pqxx::work tx_;
  std::unique_ptr<pqxx::stream_to> copy_;
  std::int64_t staged_ = 0;
  bool done_ = false;
};

}  // namespace kassa::store
