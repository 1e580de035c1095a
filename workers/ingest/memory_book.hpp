// The store's part of a batch, in memory: gives apply_batch the snapshot a batch needs (only its
// orders and event ids, as store::load_snapshot does) and keeps what it changed. For tools and
// tests that run the real batch function without a database (kassa bench core, property tests, the
// dry run and the history check of kassa replay).
#pragma once

#include "ingest/batch.hpp"

namespace kassa::ingest {

class MemoryBook {
 public:
  BatchResult apply(const std::vector<DecodedMessage>& batch, core::UtcTime now,
                    const Outputs& outputs);
  const Snapshot& state() const { return state_; }
  // Adds what a store loaded (orders, inbox entries, merchants) where the book knows nothing
  // yet: what the book changed itself always wins over the stored version (kassa replay
  // --dry-run keeps its would-be changes here, above the database).
  void seed(const Snapshot& loaded);

 private:
  Snapshot state_;
};

}  // namespace kassa::ingest
