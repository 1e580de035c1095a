// Document packages in PostgreSQL: the numbering counters a batch locks, the packages, documents
// and files it writes, and the reads of `kassa documents` and the relay.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/merchant.hpp"
#include "core/package.hpp"
#include "ingest/batch.hpp"

namespace kassa::store {

// Locks the counter rows of `keys` (creating missing ones at 0) in key order and returns their
// last numbers. Held until the transaction ends: a second worker drawing from the same sequence
// waits here until this batch commits or rolls back, so numbers are never given twice or skipped.
core::Counters lock_counters(pqxx::work& tx, const std::set<core::CounterKey>& keys);

// Numbered packages (state 'rendering', body without files), their documents and the counters
// after numbering: the batch transaction.
void write_packages(pqxx::work& tx, const std::vector<ingest::PackageWrite>& packages,
                    const core::Counters& counters);

// The renderer's side. claim_rendering locks up to `limit` packages waiting to be rendered, in
// numbering order (seq), skipping those another renderer holds and those whose order has an
// earlier package still rendering; renderers in several replicas work side by side.
// finish_packages stores the message as published, the files and the e-mail.
struct PendingPackage {
  std::string package_id, body;
};
std::vector<PendingPackage> claim_rendering(pqxx::work& tx, std::size_t limit);
void finish_packages(pqxx::work& tx, const std::vector<ingest::PackageWrite>& packages);
std::int64_t count_rendering(pqxx::connection& connection);

// What is stored for some orders, for the replay's history check (ids that are not UUIDs match
// nothing).
struct StoredReceiptBody {
  std::string receipt_id, order_id, body;
};
struct StoredPackageBody {
  std::string package_id, order_id;
  bool issued = false;
  std::string body;
};
std::vector<StoredReceiptBody> receipts_of_orders(pqxx::transaction_base& tx,
                                                  const std::vector<std::string>& order_ids);
std::vector<StoredPackageBody> packages_of_orders(pqxx::transaction_base& tx,
                                                  const std::vector<std::string>& order_ids);
// package_id -> document_type -> number
std::map<std::string, std::map<std::string, std::int64_t>> numbers_of_orders(
    pqxx::transaction_base& tx, const std::vector<std::string>& order_ids);

// The merchant's EDO participant id (the FNS XML's file name) as its requisites stood at `at`:
// from the version in force then (core::requisites_as_of over the row typed into kassa.merchants
// and the merchant events), so that a document drawn again later names the same sender. Empty
// when that version has none, or the id is not a UUID.
std::string merchant_edo_id(pqxx::transaction_base& tx, const std::string& merchant_id,
                            core::UtcTime at);
// The same, from versions already loaded (store::load_merchant_versions): a batch of packages
// loads its merchants once.
std::string merchant_edo_id(
    const std::map<std::string, std::vector<core::MerchantVersion>>& versions,
    const std::string& merchant_id, core::UtcTime at);

struct StoredPackage {
  std::string package_id, kind, source_event_id, issued_at, body;
  bool issued = false;  // false: numbered, files still being rendered
};
std::vector<StoredPackage> packages_of_order(pqxx::connection& connection,
                                             const std::string& order_id);
std::optional<StoredPackage> package_by_id(pqxx::connection& connection,
                                           const std::string& package_id);

struct StoredFile {
  std::string name, media_type, sha256, bytes;
};
std::vector<StoredFile> package_files(pqxx::transaction_base& tx, const std::string& package_id);

}  // namespace kassa::store
