// ATOL's rule for every receipt item, over the whole range a receipt line can take: for any
// quantity from 0.001 to 99 999.999 units and any sum from 1 kopeck to the ATOL maximum
// (42 949 672.95 RUB), core::price_items gives one or two items such that
//  - each item's sum = price × quantity rounded half up to the kopeck (tag 1043 = 1079 × 1023),
//  - the items' quantities add up to the quantity and their sums to the sum,
//  - two items are priced a kopeck apart, and no price is negative.
// The rule is checked with arithmetic written out here, not with the code under test.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "core/receipt.hpp"

namespace kassa::core {
namespace {

constexpr std::int64_t kMaxQuantityMilli = 99'999'999;  // 99 999.999
constexpr Kopecks kAtolMaxSum = 4'294'967'295;          // 42 949 672.95 RUB

// price × milli / 1000 rounded half up, in 128 bits.
Kopecks rounded_product(Kopecks price, std::int64_t milli) {
  const __int128 thousandths = static_cast<__int128>(price) * milli;
  return static_cast<Kopecks>((thousandths + 500) / 1000);
}

// Empty when the items of `sum` over `milli` keep every rule; else what broke.
std::string problems(std::int64_t milli, Kopecks sum) {
  const auto items = price_items({milli}, sum);
  if (items.empty() || items.size() > 2) return std::to_string(items.size()) + " items";
  Kopecks sums = 0;
  std::int64_t quantities = 0;
  for (const auto& item : items) {
    if (item.price < 0) return "negative price";
    if (item.quantity.milli <= 0) return "empty quantity";
    if (rounded_product(item.price, item.quantity.milli) != item.sum)
      return "price " + std::to_string(item.price) + " × " + std::to_string(item.quantity.milli) +
             " thousandths does not round to " + std::to_string(item.sum);
    sums += item.sum;
    quantities += item.quantity.milli;
  }
  if (sums != sum) return "sums add up to " + std::to_string(sums);
  if (quantities != milli) return "quantities add up to " + std::to_string(quantities);
  if (items.size() == 2 && items[1].price != items[0].price + 1) return "prices not a kopeck apart";
  return "";
}

// Log-uniform draws, so that small quantities and sums are as well covered as large ones.
std::int64_t log_uniform(std::mt19937_64& rng, std::int64_t max) {
  const int bits = 1 + static_cast<int>(rng() % 33);
  std::int64_t value = static_cast<std::int64_t>(rng() & ((std::uint64_t{1} << bits) - 1));
  return 1 + value % max;
}

TEST(ReceiptItems, RandomQuantitiesAndSumsOverTheWholeRange) {
  std::mt19937_64 rng(20261202);
  int failures = 0, split = 0;
  constexpr int kPairs = 300'000;
  for (int i = 0; i < kPairs && failures < 10; ++i) {
    const std::int64_t milli = log_uniform(rng, kMaxQuantityMilli);
    const Kopecks sum = log_uniform(rng, kAtolMaxSum);
    const std::string problem = problems(milli, sum);
    if (!problem.empty()) {
      ++failures;
      ADD_FAILURE() << sum << " kopecks over " << milli << " thousandths: " << problem;
    }
    split += price_items({milli}, sum).size() == 2 ? 1 : 0;
  }
  EXPECT_EQ(failures, 0);
  // The two-item construction is exercised, not only the single price.
  EXPECT_GT(split, kPairs / 10);
}

// Every sum from 1 kopeck to 20.00 over quantities around one unit, where single prices and ties
// (both products exactly half a kopeck off) are densest, and over the extremes of the range.
TEST(ReceiptItems, ExhaustiveSmallSumsAndTies) {
  int failures = 0;
  const std::int64_t quantities[] = {1,      2,      3,          7,          499,       500,  501,
                                     999,    1000,   1001,       1002,       1005,      1500, 2500,
                                     12'345, 33'333, 99'999'999, 99'999'998, 50'000'001};
  for (const std::int64_t milli : quantities)
    for (Kopecks sum = 1; sum <= 2000 && failures < 10; ++sum) {
      const std::string problem = problems(milli, sum);
      if (!problem.empty()) {
        ++failures;
        ADD_FAILURE() << sum << " kopecks over " << milli << " thousandths: " << problem;
      }
    }
  for (std::int64_t milli = 1001; milli <= 3000 && failures < 10; ++milli)
    for (Kopecks sum = 1; sum <= 400; ++sum) {
      const std::string problem = problems(milli, sum);
      if (!problem.empty()) {
        ++failures;
        ADD_FAILURE() << sum << " kopecks over " << milli << " thousandths: " << problem;
      }
    }
  EXPECT_EQ(failures, 0);
}

TEST(ReceiptItems, ExtremesOfTheRange) {
  for (const std::int64_t milli : {std::int64_t{1}, std::int64_t{1000}, kMaxQuantityMilli})
    for (const Kopecks sum : {Kopecks{1}, Kopecks{99}, kAtolMaxSum - 1, kAtolMaxSum})
      EXPECT_EQ(problems(milli, sum), "") << sum << " kopecks over " << milli << " thousandths";
  // Zero money (a free line) is one item at price 0.
  const auto free = price_items({2500}, 0);
  ASSERT_EQ(free.size(), 1u);
  EXPECT_EQ(free[0].price, 0);
  EXPECT_THROW(price_items({0}, 100), std::invalid_argument);
  EXPECT_THROW(price_items({1000}, -1), std::invalid_argument);
}

}  // namespace
}  // namespace kassa::core
