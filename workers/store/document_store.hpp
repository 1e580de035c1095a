// Document packages in PostgreSQL: the numbering counters a batch locks, the packages, documents
// and files it writes, and the reads of `kassa documents` and the relay.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/package.hpp"
#include "ingest/batch.hpp"

namespace kassa::store {

// Locks the counter rows of `keys` (creating missing ones at 0) in key order and returns their
// last numbers. Held until the transaction ends: a second worker drawing from the same sequence
// waits here until this batch commits or rolls back, so numbers are never given twice or skipped.
core::Counters lock_counters(pqxx::work& tx, const std::set<core::CounterKey>& keys);

// Packages, their documents and files, and the counters after numbering (batch transaction).
void write_packages(pqxx::work& tx, const std::vector<ingest::PackageWrite>& packages,
                    const core::Counters& counters);

struct StoredPackage {
  std::string package_id, kind, source_event_id, issued_at, body;
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
