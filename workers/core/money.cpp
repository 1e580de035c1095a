#include "core/money.hpp"

#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace kassa::core {

Kopecks mul_div_half_up(Kopecks amount, std::int64_t numerator, std::int64_t denominator) {
  if (denominator <= 0) throw std::invalid_argument("mul_div_half_up: denominator must be > 0");
  const __int128 product = static_cast<__int128>(amount) * numerator;
  const bool negative = product < 0;
  const __int128 magnitude = negative ? -product : product;
  const __int128 rounded = (magnitude * 2 + denominator) / (2 * static_cast<__int128>(denominator));
  return static_cast<Kopecks>(negative ? -rounded : rounded);
}

std::string format_rubles(Kopecks amount) {
  const bool negative = amount < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(amount + 1)) + 1 : static_cast<std::uint64_t>(amount);
  std::string text = std::to_string(magnitude / 100);
  const auto cents = magnitude % 100;
  text += '.';
  text += static_cast<char>('0' + cents / 10);
  text += static_cast<char>('0' + cents % 10);
  return negative ? "-" + text : text;
}

std::optional<Kopecks> parse_rubles(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 15 || fraction.size() > 2) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  for (char c : whole)
    if (c < '0' || c > '9') return std::nullopt;
  for (char c : fraction)
    if (c < '0' || c > '9') return std::nullopt;
  Kopecks rubles = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), rubles);
  Kopecks cents = 0;
  for (std::size_t i = 0; i < 2; ++i)
    cents = cents * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  const Kopecks total = rubles * 100 + cents;
  return negative ? -total : total;
}

}  // namespace kassa::core
