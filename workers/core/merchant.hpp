// A merchant's requisites over time (contract section 6): each merchant event is a version dated
// by its occurred_at; a receipt or document uses the version in force when its order event
// occurred. Pure.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/receipt.hpp"
#include "core/utc_time.hpp"

namespace kassa::core {

// Rows of kassa.merchants, typed in by hand, count as activated at the beginning of time.
inline constexpr UtcTime kBeginningOfTime{std::numeric_limits<std::int64_t>::min()};

struct MerchantVersion {
  UtcTime from = kBeginningOfTime;  // the merchant event's occurred_at
  Supplier supplier;
};

// The requisites in force at `at`: those of the latest version dated not after it. When every
// version is dated later (an order taken while the shop was still onboarding, released by its
// activation), the earliest one. nullopt: no version at all. `versions` in date order.
std::optional<Supplier> requisites_as_of(const std::vector<MerchantVersion>& versions, UtcTime at);

}  // namespace kassa::core
