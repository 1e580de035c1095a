// The store's part of a batch, in memory: gives apply_batch the snapshot a batch needs (only its
// orders and event ids, as store::load_snapshot does) and keeps what it changed. For tools and
// tests that run the real batch function without a database (kassa bench core, property tests).
#pragma once

#include "ingest/batch.hpp"

namespace kassa::ingest {

class MemoryBook {
 public:
  BatchResult apply(const std::vector<DecodedMessage>& batch, core::UtcTime now,
                    const Outputs& outputs);
  const Snapshot& state() const { return state_; }

 private:
  Snapshot state_;
};

}  // namespace kassa::ingest
