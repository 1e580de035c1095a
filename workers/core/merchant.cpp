#include "core/merchant.hpp"

namespace kassa::core {

std::optional<Supplier> requisites_as_of(const std::vector<MerchantVersion>& versions, UtcTime at) {
  if (versions.empty()) return std::nullopt;
  const MerchantVersion* in_force = &versions.front();
  for (const auto& version : versions)
    if (!(at < version.from)) in_force = &version;
  return in_force->supplier;
}

}  // namespace kassa::core
