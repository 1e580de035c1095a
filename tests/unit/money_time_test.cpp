// Money, quantities and time: the arithmetic every receipt depends on.
#include <gtest/gtest.h>

#include "core/money.hpp"
#include "core/quantity.hpp"
#include "core/utc_time.hpp"

namespace kassa::core {
namespace {

struct RoundingCase {
  Kopecks amount;
  std::int64_t numerator, denominator;
  Kopecks expected;
  const char* why;
};

TEST(Money, HalfUpRounding) {
  const RoundingCase cases[] = {
      {599997, 22, 122, 108196, "kettle x3, VAT 22/122: 108196.18 rounds down"},
      {399998, 22, 122, 72131, "kettle x2, VAT 22/122: 72130.79 rounds up"},
      {599997, 20, 120, 100000, "boundary variant, VAT 20/120: exactly 99999.5 rounds up"},
      {199999, 20, 120, 33333, "one kettle, VAT 20/120: 33333.17"},
      {10000, 1, 3, 3333, "1 of 3 units of a 100.00 line"},
      {1, 1, 2, 1, "half a kopeck rounds up"},
      {1, 22, 122, 0, "VAT of one kopeck at 22/122 is 0.18: rounds to 0"},
      {0, 22, 122, 0, "zero stays zero"},
      {-5, 1, 2, -3, "negative halves round away from zero"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(mul_div_half_up(c.amount, c.numerator, c.denominator), c.expected) << c.why;
}

TEST(Money, RublesTextRoundTrips) {
  const std::pair<Kopecks, const char*> cases[] = {{0, "0.00"},       {1, "0.01"},
                                                   {37188, "371.88"}, {10000, "100.00"},
                                                   {-5, "-0.05"},     {4294967295, "42949672.95"}};
  for (const auto& [kopecks, text] : cases) {
    EXPECT_EQ(format_rubles(kopecks), text);
    EXPECT_EQ(parse_rubles(text), kopecks) << text;
  }
  EXPECT_EQ(parse_rubles("371.8"), 37180);
  EXPECT_EQ(parse_rubles("371"), 37100);
  for (const char* bad : {"", "1.234", "1e3", "abc", "1.", ".5", "1,5", "--1"})
    EXPECT_FALSE(parse_rubles(bad).has_value()) << bad;
}

TEST(Quantity, ParsesContractDecimals) {
  const std::pair<const char*, std::int64_t> good[] = {
      {"2", 2000}, {"0.750", 750}, {"0.001", 1}, {"99999.999", 99999999}, {"1.5", 1500}, {"0", 0}};
  for (const auto& [text, milli] : good) EXPECT_EQ(parse_quantity(text), Quantity{milli}) << text;
  for (const char* bad : {"", "1.2345", "123456", "-1", "1.", ".5", "1e2", " 1"})
    EXPECT_FALSE(parse_quantity(bad).has_value()) << bad;
  EXPECT_EQ(format_quantity({2000}), "2");
  EXPECT_EQ(format_quantity({750}), "0.75");
  EXPECT_EQ(format_quantity({1}), "0.001");
}

TEST(Time, ParsesStrictUtcAndMoscowDates) {
  const auto t = parse_utc("2025-12-31T21:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(moscow_date(*t), (CivilDate{2026, 1, 1}))
      << "21:00Z on Dec 31 is already 2026 in Moscow";
  EXPECT_EQ(moscow_date(*parse_utc("2025-12-31T20:59:59Z")), (CivilDate{2025, 12, 31}));
  EXPECT_EQ(format_moscow_atol(*t), "01.01.2026 00:00:00");
  EXPECT_EQ(format_utc(*parse_utc("2026-02-10T09:30:00.125Z")), "2026-02-10T09:30:00.125000Z");
  EXPECT_EQ(format_utc(*t), "2025-12-31T21:00:00Z");
  for (const char* bad :
       {"2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+03:00",
        "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.1234567Z", "2026-13-01T00:00:00Z"})
    EXPECT_FALSE(parse_utc(bad).has_value()) << bad;
  EXPECT_TRUE(parse_utc("2024-02-29T00:00:00Z").has_value()) << "leap day";
}

}  // namespace
}  // namespace kassa::core
