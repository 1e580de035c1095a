#include "core/amount_words.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace kassa::core {
namespace {

// The three noun forms of Russian after a number: 1 (21, 101...), 2-4 (22-24...), 5-20 (and 0,
// 11-14, 25-30...).
struct Forms {
  std::string_view one, few, many;
};

std::string_view form(std::uint64_t n, const Forms& forms) {
  const auto last_two = n % 100;
  if (last_two >= 11 && last_two <= 14) return forms.many;
  switch (n % 10) {
    case 1:
      return forms.one;
    case 2:
    case 3:
    case 4:
      return forms.few;
    default:
      return forms.many;
  }
}

constexpr std::array<std::string_view, 10> kUnitsMasculine = {
    "", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"};
constexpr std::array<std::string_view, 10> kUnitsFeminine = {
    "", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"};
constexpr std::array<std::string_view, 10> kTeens = {
    "десять",     "одиннадцать", "двенадцать", "тринадцать",   "четырнадцать",
    "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"};
constexpr std::array<std::string_view, 10> kTens = {
    "",          "",           "двадцать",  "тридцать",    "сорок",
    "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"};
constexpr std::array<std::string_view, 10> kHundreds = {
    "",        "сто",      "двести",  "триста",    "четыреста",
    "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"};

struct Scale {
  Forms forms;
  bool feminine;
};

// Index i names the triad of 1000^i; i = 0 is the rubles themselves (masculine: один рубль).
// int64 kopecks reach 92 квадриллиона rubles, so six triads spell every amount.
const std::array<Scale, 6> kScales = {{
    {{"", "", ""}, false},
    {{"тысяча", "тысячи", "тысяч"}, true},
    {{"миллион", "миллиона", "миллионов"}, false},
    {{"миллиард", "миллиарда", "миллиардов"}, false},
    {{"триллион", "триллиона", "триллионов"}, false},
    {{"квадриллион", "квадриллиона", "квадриллионов"}, false},
}};

constexpr Forms kRubles = {"рубль", "рубля", "рублей"};
constexpr Forms kKopecks = {"копейка", "копейки", "копеек"};

void append_word(std::string& text, std::string_view word) {
  if (word.empty()) return;
  if (!text.empty()) text += ' ';
  text += word;
}

// 1..999 in words, the units in the gender of the noun that follows.
void append_triad(std::string& text, unsigned triad, bool feminine) {
  append_word(text, kHundreds[triad / 100]);
  const unsigned last_two = triad % 100;
  if (last_two >= 10 && last_two <= 19) {
    append_word(text, kTeens[last_two - 10]);
    return;
  }
  append_word(text, kTens[last_two / 10]);
  append_word(text, (feminine ? kUnitsFeminine : kUnitsMasculine)[last_two % 10]);
}

// The first letter of the words is always a Cyrillic lower-case letter (а..я, two UTF-8 bytes:
// U+0430..U+044F), whose capital is 0x20 code points below.
std::string capitalized(const std::string& words) {
  std::string text = words;
  if (text.size() < 2) return text;
  const auto lead = static_cast<unsigned char>(text[0]);
  const auto trail = static_cast<unsigned char>(text[1]);
  const unsigned code = ((lead & 0x1Fu) << 6) | (trail & 0x3Fu);
  if ((lead & 0xE0u) != 0xC0u || code < 0x430 || code > 0x44F) return text;
  const unsigned upper = code - 0x20;
  text[0] = static_cast<char>(0xC0u | (upper >> 6));
  text[1] = static_cast<char>(0x80u | (upper & 0x3Fu));
  return text;
}

}  // namespace

std::string amount_in_words(Kopecks amount) {
  const bool negative = amount < 0;
  // The magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64.
  const std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(amount) + 1 : static_cast<std::uint64_t>(amount);
  const std::uint64_t rubles = magnitude / 100;
  const auto kopecks = static_cast<unsigned>(magnitude % 100);

  std::string text;
  if (negative) text = "минус";
  if (rubles == 0) {
    append_word(text, "ноль");
  } else {
    std::array<unsigned, kScales.size()> triads{};
    std::uint64_t rest = rubles;
    for (auto& triad : triads) {
      triad = static_cast<unsigned>(rest % 1000);
      rest /= 1000;
    }
    for (std::size_t i = triads.size(); i-- > 0;) {
      if (triads[i] == 0) continue;  // 1 000 005: no "ноль тысяч"
      append_triad(text, triads[i], kScales[i].feminine);
      if (i > 0) append_word(text, form(triads[i], kScales[i].forms));
    }
  }
  // The noun agrees with the last two digits only: 1 000 000 рублей, 1 001 рубль, 111 рублей.
  append_word(text, form(rubles, kRubles));
  text += ' ';
  text += static_cast<char>('0' + kopecks / 10);
  text += static_cast<char>('0' + kopecks % 10);
  append_word(text, form(kopecks, kKopecks));
  return capitalized(std::move(text));
}

}  // namespace kassa::core
