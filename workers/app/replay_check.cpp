#include "app/replay_check.hpp"

#include <map>

#include "app/batch_writer.hpp"
#include "app/clock.hpp"
#include "app/packages.hpp"
#include "app/replay_source.hpp"
#include "contract/encoding.hpp"
#include "contract/package_json.hpp"
#include "ingest/memory_book.hpp"
#include "store/batch_store.hpp"
#include "store/database.hpp"
#include "store/document_store.hpp"
#include "support/log.hpp"

namespace kassa::app {
namespace {

struct Rebuilt {
  std::map<std::string, std::string> receipts;    // receipt_id -> body
  std::map<std::string, core::Package> packages;  // package_id -> package (numbers 0)
};

// The touched orders' full history through the batch function, from an empty book.
Rebuilt rebuild(const Config& config, const ReplayOptions& options,
                const std::set<std::string>& touched, const std::atomic<bool>& stop,
                store::Database& database) {
  const KeyFilter filter = [&touched](const std::optional<std::string>& key) {
    return key && touched.contains(*key);
  };
  auto source = options.file.empty() ? kafka_history(config, 0, std::nullopt, nullptr, filter)
                                     : file_history(config, options.file, std::nullopt,
                                                    std::nullopt, nullptr, filter);
  contract::Decoder decoder;
  const ingest::Outputs outputs = outputs_of(config);
  ingest::MemoryBook book;
  Rebuilt out;
  while (!stop.load() && !source->finished()) {
    auto messages = source->next(stop);
    if (messages.empty()) continue;
    const auto batch = ingest::decode_batch(decoder, std::move(messages));
    // Receipts name the supplier from kassa.merchants, as the live batch did.
    ingest::Needs merchants;
    for (const auto& id : ingest::needs_of(batch).merchant_ids)
      if (!book.state().merchants.contains(id)) merchants.merchant_ids.insert(id);
    if (!merchants.merchant_ids.empty()) {
      pqxx::work tx(database.connection());
      book.seed(store::load_snapshot(tx, merchants).snapshot);
    }
    auto result = book.apply(batch, utc_now(), outputs);
    for (auto& r : result.receipts) out.receipts[r.receipt_id] = std::move(r.body);
    for (auto& p : result.packages) out.packages[contract::package_id(p)] = std::move(p);
  }
  return out;
}

// Where two byte strings part, for the message.
std::string first_difference(const std::string& stored, const std::string& rebuilt) {
  std::size_t at = 0;
  while (at < stored.size() && at < rebuilt.size() && stored[at] == rebuilt[at]) ++at;
  auto around = [at](const std::string& s) {
    const std::size_t from = at > 20 ? at - 20 : 0;
    return s.substr(from, 60);
  };
  return "bytes differ from byte " + std::to_string(at) + ": stored \"" + around(stored) +
         "\", rebuilt \"" + around(rebuilt) + "\"";
}

class Comparison {
 public:
  Comparison(const Config& config, const ReplayOptions& options, ReplaySummary& summary)
      : config_(config), options_(options), summary_(summary) {}

  void orders(pqxx::work& tx, const std::vector<std::string>& ids, Rebuilt& rebuilt) {
    for (const auto& stored : store::receipts_of_orders(tx, ids)) {
      ++summary_.receipts_checked;
      const auto it = rebuilt.receipts.find(stored.receipt_id);
      if (it == rebuilt.receipts.end())
        differ("receipt", stored.receipt_id, stored.order_id,
               "stored, but the order's history gives no such receipt");
      else if (it->second != stored.body)
        differ("receipt", stored.receipt_id, stored.order_id,
               first_difference(stored.body, it->second));
    }
    auto numbers = store::numbers_of_orders(tx, ids);
    for (const auto& stored : store::packages_of_orders(tx, ids)) {
      ++summary_.packages_checked;
      const auto it = rebuilt.packages.find(stored.package_id);
      if (it == rebuilt.packages.end()) {
        differ("package", stored.package_id, stored.order_id,
               "stored, but the order's history gives no such package");
        continue;
      }
      core::Package package = it->second;
      for (auto& document : package.documents)
        document.number =
            numbers[stored.package_id][std::string(core::document_type_name(document.type))];
      const std::string expected = package_body(tx, std::move(package), config_, stored.issued);
      if (expected != stored.body)
        differ("package", stored.package_id, stored.order_id,
               first_difference(stored.body, expected));
    }
  }

 private:
  void differ(const char* kind, const std::string& id, const std::string& order,
              std::string detail) {
    ++summary_.difference_count;
    if (summary_.differences.size() < options_.differences_shown)
      summary_.differences.push_back({kind, id, order, std::move(detail)});
  }

  const Config& config_;
  const ReplayOptions& options_;
  ReplaySummary& summary_;
};

}  // namespace

void check_history(const Config& config, const ReplayOptions& options,
                   const std::set<std::string>& touched, const std::atomic<bool>& stop,
                   ReplaySummary& summary) {
  // Order ids are UUIDs in the store; a key that is not one has nothing stored to compare.
  std::set<std::string> orders;
  for (const auto& id : touched)
    if (contract::is_uuid(id)) orders.insert(id);
  log::info("replay: checking the stored receipts and packages of " +
            std::to_string(orders.size()) + " orders against their full history");
  store::Database database(config.pg_dsn);
  Rebuilt rebuilt = rebuild(config, options, orders, stop, database);
  if (stop.load()) return;
  Comparison comparison(config, options, summary);
  std::vector<std::string> chunk;
  auto flush = [&] {
    if (chunk.empty()) return;
    pqxx::work tx(database.connection());  // read only; never committed
    comparison.orders(tx, chunk, rebuilt);
    chunk.clear();
  };
  for (const auto& id : orders) {
    chunk.push_back(id);
    ++summary.orders_checked;
    if (chunk.size() >= 1000) flush();
  }
  flush();
}

}  // namespace kassa::app
