#include "core/requisites.hpp"

#include <algorithm>
#include <array>

namespace kassa::core {
namespace {

bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The check digit over the first `N` digits with the given weights.
template <std::size_t N>
int check_digit(std::string_view inn, const std::array<int, N>& weights) {
  int sum = 0;
  for (std::size_t i = 0; i < N; ++i) sum += weights[i] * (inn[i] - '0');
  return sum % 11 % 10;
}

}  // namespace

bool valid_inn(std::string_view inn) {
  if (!all_digits(inn)) return false;
  if (inn.size() == 10)
    return check_digit(inn, std::array{2, 4, 10, 3, 5, 9, 4, 6, 8}) == inn[9] - '0';
  if (inn.size() == 12)
    return check_digit(inn, std::array{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) == inn[10] - '0' &&
           check_digit(inn, std::array{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) == inn[11] - '0';
  return false;
}

bool valid_kpp(std::string_view kpp) {
  return kpp.size() == 9 && all_digits(kpp);
}

}  // namespace kassa::core
