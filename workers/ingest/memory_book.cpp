#include "ingest/memory_book.hpp"

namespace kassa::ingest {

BatchResult MemoryBook::apply(const std::vector<DecodedMessage>& batch, core::UtcTime now,
                              const Outputs& outputs) {
  Snapshot snapshot;
  const auto needs = needs_of(batch);
  for (const auto& id : needs.order_ids)
    if (auto it = state_.orders.find(id); it != state_.orders.end()) snapshot.orders.insert(*it);
  for (const auto& id : needs.event_ids)
    if (auto it = state_.inbox.find(id); it != state_.inbox.end()) snapshot.inbox.insert(*it);
  for (const auto& id : needs.merchant_ids)
    if (auto it = state_.merchants.find(id); it != state_.merchants.end())
      snapshot.merchants.insert(*it);
  auto result = apply_batch(batch, std::move(snapshot), now, outputs);
  for (const auto& [id, order] : result.orders) state_.orders[id] = order;
  for (const auto& row : result.inbox) state_.inbox[row.event_id] = {row.fingerprint, row.status};
  return result;
}

void MemoryBook::seed(const Snapshot& loaded) {
  state_.orders.insert(loaded.orders.begin(), loaded.orders.end());
  state_.inbox.insert(loaded.inbox.begin(), loaded.inbox.end());
  state_.merchants.insert(loaded.merchants.begin(), loaded.merchants.end());
}

}  // namespace kassa::ingest
