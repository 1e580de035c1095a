// The amount in words on primary documents (core::amount_in_words), as a table an accountant can
// read: rubles in words with a capital letter, then two-digit kopecks. Russian nouns after a number
// take one of three forms, chosen by the last two digits:
//  - ending in 1 but not 11:        рубль, тысяча, миллион, копейка
//  - ending in 2-4 but not 12-14:   рубля, тысячи, миллиона, копейки
//  - everything else (0, 5-20, 11-14, 25...): рублей, тысяч, миллионов, копеек
// тысяча is feminine (одна тысяча, две тысячи), рубль and the other scales are masculine; a triad
// of zeros is skipped (1 000 005: "Один миллион пять рублей").
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/amount_words.hpp"

namespace kassa::core {
namespace {

struct WordsCase {
  Kopecks amount;
  const char* words;
  const char* why;
};

TEST(AmountWords, SpellsRublesAndKopecks) {
  const WordsCase cases[] = {
      {0, "Ноль рублей 00 копеек", "zero rubles still spelled, the noun in the 'many' form"},
      {1, "Ноль рублей 01 копейка", "kopeck form for 1"},
      {2, "Ноль рублей 02 копейки", "kopeck form for 2-4"},
      {5, "Ноль рублей 05 копеек", "kopeck form for 5-20"},
      {11, "Ноль рублей 11 копеек", "11 is not 'one': копеек"},
      {12, "Ноль рублей 12 копеек", "12 is not 'few': копеек"},
      {21, "Ноль рублей 21 копейка", "21 ends in 1: копейка"},
      {22, "Ноль рублей 22 копейки", "22 ends in 2: копейки"},
      {99, "Ноль рублей 99 копеек", "the largest kopeck part"},
      {100, "Один рубль 00 копеек", "one ruble, masculine один"},
      {201, "Два рубля 01 копейка", "two rubles (masculine два), one kopeck"},
      {500, "Пять рублей 00 копеек", "5: рублей"},
      {1100, "Одиннадцать рублей 00 копеек", "11: рублей, not рубль"},
      {1200, "Двенадцать рублей 00 копеек", "12: рублей, not рубля"},
      {1400, "Четырнадцать рублей 00 копеек", "14: рублей, not рубля"},
      {1900, "Девятнадцать рублей 00 копеек", "the last teen"},
      {2000, "Двадцать рублей 00 копеек", "a round ten"},
      {2100, "Двадцать один рубль 00 копеек", "21 ends in 1: рубль"},
      {2200, "Двадцать два рубля 00 копеек", "22 ends in 2: рубля"},
      {2500, "Двадцать пять рублей 00 копеек", "25: рублей"},
      {4000, "Сорок рублей 00 копеек", "сорок, the irregular ten"},
      {9900, "Девяносто девять рублей 00 копеек", "девяносто, the other irregular ten"},
      {11100, "Сто одиннадцать рублей 00 копеек", "111 ends in 11: рублей"},
      {11200, "Сто двенадцать рублей 00 копеек", "112 ends in 12: рублей"},
      {10100, "Сто один рубль 00 копеек", "101 ends in 01: рубль"},
      {20000, "Двести рублей 00 копеек", "двести"},
      {35000, "Триста пятьдесят рублей 00 копеек", "the delivery line of the examples"},
      {99999, "Девятьсот девяносто девять рублей 99 копеек", "the largest triad"},
      {100000, "Одна тысяча рублей 00 копеек", "тысяча is feminine: одна"},
      {200000, "Две тысячи рублей 00 копеек", "feminine две, тысячи for 2-4"},
      {500000, "Пять тысяч рублей 00 копеек", "тысяч for 5-20"},
      {1100000, "Одиннадцать тысяч рублей 00 копеек", "11 thousand: тысяч"},
      {2100000, "Двадцать одна тысяча рублей 00 копеек", "21 thousand: одна тысяча"},
      {2200000, "Двадцать две тысячи рублей 00 копеек", "22 thousand: две тысячи"},
      {100100, "Одна тысяча один рубль 00 копеек", "feminine thousands, masculine rubles"},
      {434998, "Четыре тысячи триста сорок девять рублей 98 копеек",
       "the kettles and delivery of the examples, 4 349.98"},
      {63499700, "Шестьсот тридцать четыре тысячи девятьсот девяносто семь рублей 00 копеек",
       "634 997.00"},
      {100000000, "Один миллион рублей 00 копеек", "a million is masculine: один"},
      {200000000, "Два миллиона рублей 00 копеек", "миллиона for 2-4"},
      {500000000, "Пять миллионов рублей 00 копеек", "миллионов for 5-20"},
      {100000500, "Один миллион пять рублей 00 копеек",
       "1 000 005: the empty thousands triad is skipped"},
      {100100000, "Один миллион одна тысяча рублей 00 копеек", "1 001 000: no rubles triad"},
      {2100200000, "Двадцать один миллион две тысячи рублей 00 копеек",
       "21 002 000: masculine один before миллион, feminine две before тысячи"},
      {100000000000, "Один миллиард рублей 00 копеек", "a milliard"},
      {300000000000, "Три миллиарда рублей 00 копеек", "миллиарда for 2-4"},
      {1100000000000, "Одиннадцать миллиардов рублей 00 копеек", "миллиардов for 11"},
      {99999999999999,
       "Девятьсот девяносто девять миллиардов девятьсот девяносто девять миллионов девятьсот "
       "девяносто девять тысяч девятьсот девяносто девять рублей 99 копеек",
       "the largest amount the documents must support, 999 999 999 999.99"},
      {100000000000000, "Один триллион рублей 00 копеек", "past the milliards"},
      {-100, "Минус один рубль 00 копеек", "negative: Минус capitalised, the rest lower case"},
      {-434998, "Минус четыре тысячи триста сорок девять рублей 98 копеек",
       "a negative amount keeps its kopecks"},
      {-1, "Минус ноль рублей 01 копейка", "a negative amount under one ruble"},
  };
  for (const auto& c : cases) EXPECT_EQ(amount_in_words(c.amount), c.words) << c.why;
}

TEST(AmountWords, SpellsTheInt64Extremes) {
  // 92 233 720 368 547 758.07 rubles, the largest Kopecks; and its negative neighbour, whose
  // magnitude does not fit an int64.
  EXPECT_EQ(amount_in_words(std::numeric_limits<Kopecks>::max()),
            "Девяносто два квадриллиона двести тридцать три триллиона семьсот двадцать миллиардов "
            "триста шестьдесят восемь миллионов пятьсот сорок семь тысяч семьсот пятьдесят восемь "
            "рублей 07 копеек");
  EXPECT_EQ(amount_in_words(std::numeric_limits<Kopecks>::min()),
            "Минус девяносто два квадриллиона двести тридцать три триллиона семьсот двадцать "
            "миллиардов триста шестьдесят восемь миллионов пятьсот сорок семь тысяч семьсот "
            "пятьдесят восемь рублей 08 копеек");
}

}  // namespace
}  // namespace kassa::core
