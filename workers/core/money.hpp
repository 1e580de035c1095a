// Money is integer kopecks everywhere inside kassa. Rubles with two decimals exist only at the
// edges (ATOL bodies, Invoicebox exports), converted by the functions here, never via floating
// point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kassa::core {

using Kopecks = std::int64_t;

// amount × numerator / denominator rounded half up (away from zero for the .5 case of a
// non-negative result). Exact: the product is computed in 128 bits. denominator must be > 0.
Kopecks mul_div_half_up(Kopecks amount, std::int64_t numerator, std::int64_t denominator);

// 12345 -> "123.45", -5 -> "-0.05".
std::string format_rubles(Kopecks amount);

// "123.45", "123.4", "123", "-0.05" -> kopecks. More than two decimals, exponents or junk ->
// nullopt.
std::optional<Kopecks> parse_rubles(std::string_view text);

}  // namespace kassa::core
