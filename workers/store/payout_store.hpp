// The pieces of the payouts batch transaction (app/payout_feed.hpp runs them, in ONE
// transaction with the offset compare-and-set of store::advance_offsets):
//   1. load_recorded_payouts: which of the batch's event_ids and (merchant_id, payout_id) pairs
//      kassa.payouts already holds, with the content of those event_ids;
//   2. insert_payouts: kassa.payouts and kassa.payout_orders, each payout at most once;
//   3. write_dead_letters: kassa.rejections and the outbox rows the relay publishes to the DLQ.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "core/payout.hpp"
#include "ingest/batch.hpp"

namespace kassa::store {

using PayoutKey = std::pair<std::string, std::string>;  // (merchant_id, payout_id)

struct RecordedPayouts {
  std::map<std::string, core::Payout> by_event_id;  // stored payouts, orders included
  std::set<PayoutKey> keys;                         // recorded (merchant_id, payout_id)
};
RecordedPayouts load_recorded_payouts(pqxx::work& tx,
                                      const std::vector<const core::Payout*>& batch);

struct PayoutWrite {
  const core::Payout* payout = nullptr;
  std::string source_topic;
  std::int32_t source_partition = 0;
  std::int64_t source_offset = 0;
};
// Inserts the payouts that are not there yet (ON CONFLICT DO NOTHING on either key) and the
// orders of exactly those; returns the keys it inserted.
std::set<PayoutKey> insert_payouts(pqxx::work& tx, const std::vector<PayoutWrite>& payouts);

// kassa.rejections rows (the whole original) and their dead letters in the outbox.
void write_dead_letters(pqxx::work& tx, const std::vector<ingest::RejectionWrite>& rejections,
                        const std::vector<ingest::OutboxWrite>& outbox);

}  // namespace kassa::store
