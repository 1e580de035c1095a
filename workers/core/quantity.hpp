// Quantities are integer thousandths (the 3 decimals 54-FZ allows), parsed from the contract's
// decimal strings without floating point.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kassa::core {

struct Quantity {
  std::int64_t milli = 0;
  auto operator<=>(const Quantity&) const = default;
  Quantity operator+(Quantity other) const { return {milli + other.milli}; }
  Quantity operator-(Quantity other) const { return {milli - other.milli}; }
  Quantity& operator+=(Quantity other) {
    milli += other.milli;
    return *this;
  }
  Quantity& operator-=(Quantity other) {
    milli -= other.milli;
    return *this;
  }
};

// "2", "0.750", "99999.999" -> thousandths. At most 5 integer and 3 fractional digits, no sign.
std::optional<Quantity> parse_quantity(std::string_view text);

// Shortest decimal form: 2000 -> "2", 750 -> "0.75", 1 -> "0.001".
std::string format_quantity(Quantity quantity);

}  // namespace kassa::core
