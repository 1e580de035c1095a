#include "core/quantity.hpp"

namespace kassa::core {

std::optional<Quantity> parse_quantity(std::string_view text) {
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 5 || fraction.size() > 3) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  std::int64_t milli = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    milli = milli * 10 + (c - '0');
  }
  for (std::size_t i = 0; i < 3; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    milli = milli * 10 + (c - '0');
  }
  return Quantity{milli};
}

std::string format_quantity(Quantity quantity) {
  std::string text = std::to_string(quantity.milli / 1000);
  std::int64_t fraction = quantity.milli % 1000;
  if (fraction == 0) return text;
  std::string digits = {static_cast<char>('0' + fraction / 100),
                        static_cast<char>('0' + fraction / 10 % 10),
                        static_cast<char>('0' + fraction % 10)};
  while (digits.back() == '0') digits.pop_back();
  return text + "." + digits;
}

}  // namespace kassa::core
