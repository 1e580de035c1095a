// The merchants table's database side (contract section 6): merchant events as versions in
// kassa.merchant_versions, and the orders that wait for a merchant (kassa.orders.
// waiting_merchant_id).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "contract/merchant_event.hpp"

namespace kassa::store {

struct MerchantRecord {
  contract::MerchantEvent event;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

// Every version of these merchants, in date order: the row typed into kassa.merchants (from the
// beginning of time) first, then the merchant events by occurred_at and event id. Ids that are
// not UUIDs have none.
using MerchantVersions = std::map<std::string, std::vector<core::MerchantVersion>>;
MerchantVersions load_merchant_versions(pqxx::transaction_base& tx,
                                        const std::set<std::string>& merchant_ids);

// Inserts the versions (a second write of an event_id is a no-op) and returns the merchants
// that got a version they did not have before.
std::set<std::string> record_merchant_versions(pqxx::work& tx,
                                               const std::vector<MerchantRecord>& records);

// Merchants that have a version now and orders still waiting for them.
std::set<std::string> arrived_merchants_with_waiting_orders(pqxx::work& tx);

// Up to `limit` orders waiting for any of these merchants, in id order.
std::set<std::string> orders_waiting_for(pqxx::work& tx, const std::set<std::string>& merchants,
                                         std::size_t limit);

// `kassa merchants show`: the hand-typed row, if any, then every version by date.
struct MerchantHistoryRow {
  std::string from;  // occurred_at, or "(by hand)"
  std::string event_type, event_id, partner_id, name, inn, kpp, phones, email, site_url,
      edo_participant_id;
};
std::vector<MerchantHistoryRow> merchant_history(pqxx::connection& connection,
                                                 const std::string& merchant_id);
std::int64_t orders_waiting_for_merchant(pqxx::connection& connection,
                                         const std::string& merchant_id);

}  // namespace kassa::store
