// The amount in words that accountants write on primary documents ("Всего на сумму: ..."):
// rubles in Russian words with a capital first letter and the noun agreeing with the number, then
// the kopecks as two digits and their noun:
//
//   434998  -> "Четыре тысячи триста сорок девять рублей 98 копеек"
//   201     -> "Два рубля 01 копейка"
//   2100000 -> "Двадцать одна тысяча рублей 00 копеек"  (тысяча is feminine: одна, две)
//   -100    -> "Минус один рубль 00 копеек"
//
// Pure. Every Kopecks value is spelled (up to квадриллионы), none is rejected: a negative amount
// gets "Минус " in front, the way a correction would be written.
#pragma once

#include <string>

#include "core/money.hpp"

namespace kassa::core {

std::string amount_in_words(Kopecks amount);

}  // namespace kassa::core
