// The generator's building blocks, shared by its parts (generator.cpp: the order stories, the
// Invoicebox export and the truth; partner_flows.cpp: merchants, payouts, guarantee funds).
// Internal to workers/gen; everything is deterministic and platform-independent.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace kassa::gen::detail {

using nlohmann::json;

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

// ---------------------------------------------------------------------------------------------
// Randomness. std:: distributions differ between standard libraries, so everything is built on
// xoshiro256** with our own bounded-integer and probability helpers.

inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  // Independent streams per (seed, purpose, index), so that changing one rate does not reshuffle
  // the content of unrelated orders.
  explicit Rng(std::uint64_t seed, std::uint64_t purpose = 0, std::uint64_t index = 0) {
    std::uint64_t s = seed;
    s = splitmix64(s) ^ purpose;
    s = splitmix64(s) ^ index;
    for (auto& word : state_) word = splitmix64(s);
  }

  std::uint64_t next() {
    const std::uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = std::rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, n), n > 0; rejection keeps it unbiased.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t r = next();
      if (r >= threshold) return r % n;
    }
  }

  // Uniform in [lo, hi], lo <= hi.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }

  std::size_t index(std::size_t n) { return static_cast<std::size_t>(below(n)); }

  // 53 random bits give an exactly representable double in [0, 1): same on every IEEE platform.
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[index(i)]);
  }

 private:
  std::array<std::uint64_t, 4> state_{};
};

inline std::string hex(std::uint64_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4)
    out[static_cast<std::size_t>(i)] = kHex[value & 15];
  return out;
}

// Looks like an RFC 4122 version 4 UUID; the bits come from the seeded PRNG.
inline std::string make_uuid(Rng& r) {
  const std::uint64_t hi = (r.next() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const std::uint64_t lo = (r.next() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  const std::string h = hex(hi, 16);
  const std::string l = hex(lo, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + l.substr(0, 4) +
         "-" + l.substr(4);
}

inline std::string digits(Rng& r, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += static_cast<char>('0' + r.below(10));
  return out;
}

inline std::string pad(std::int64_t value, int width) {
  std::string s = std::to_string(value);
  if (static_cast<int>(s.size()) < width)
    s.insert(0, static_cast<std::size_t>(width) - s.size(), '0');
  return s;
}

// ---------------------------------------------------------------------------------------------
// Time: seconds since the Unix epoch, UTC, civil conversions after H. Hinnant.

inline std::int64_t days_from_civil(std::int64_t y, std::int64_t m, std::int64_t d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

inline void civil_from_days(std::int64_t z, std::int64_t& y, std::int64_t& m, std::int64_t& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
}

inline std::int64_t parse_utc(const std::string& s) {
  // Exactly YYYY-MM-DDTHH:MM:SSZ: the generator only needs its own format.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  bool ok = s.size() == kShape.size();
  for (std::size_t i = 0; ok && i < s.size(); ++i) {
    ok = kShape[i] == 'd' ? (s[i] >= '0' && s[i] <= '9') : s[i] == kShape[i];
  }
  if (!ok) throw std::invalid_argument("gen: time must look like 2025-12-24T00:00:00Z: " + s);
  auto num = [&](std::size_t pos, std::size_t len) { return std::stoll(s.substr(pos, len)); };
  const std::int64_t mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
                     se = num(17, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) {
    throw std::invalid_argument("gen: time out of range: " + s);
  }
  return days_from_civil(num(0, 4), mo, d) * kDay + h * kHour + mi * kMinute + se;
}

inline std::string format_date(std::int64_t t) {
  std::int64_t y = 0, m = 0, d = 0;
  civil_from_days(t >= 0 ? t / kDay : (t - kDay + 1) / kDay, y, m, d);
  return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2);
}

inline std::string format_clock(std::int64_t t) {
  const std::int64_t s = ((t % kDay) + kDay) % kDay;
  return pad(s / kHour, 2) + ":" + pad(s / kMinute % 60, 2) + ":" + pad(s % 60, 2);
}

inline std::string format_utc(std::int64_t t) {
  return format_date(t) + "T" + format_clock(t) + "Z";
}

// Invoicebox writes times with an explicit offset.
inline std::string format_offset(std::int64_t t) {
  return format_date(t) + "T" + format_clock(t) + "+00:00";
}

// ---------------------------------------------------------------------------------------------
// Money (kopecks) and quantities (thousandths) as text, never through floating point.

inline std::string rubles(std::int64_t kopecks) {
  const std::int64_t a = kopecks < 0 ? -kopecks : kopecks;
  return (kopecks < 0 ? "-" : "") + std::to_string(a / 100) + "." + pad(a % 100, 2);
}

// Event quantity: "2" or "0.750".
inline std::string quantity_text(std::int64_t thousandths) {
  if (thousandths % 1000 == 0) return std::to_string(thousandths / 1000);
  return std::to_string(thousandths / 1000) + "." + pad(thousandths % 1000, 3);
}

// Invoicebox quantity: a JSON number such as 2 or 0.75.
inline std::string quantity_number(std::int64_t thousandths) {
  std::string s = quantity_text(thousandths);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
  }
  return s;
}

// round-half-up(a * b / c) for non-negative operands; callers keep a * b well inside int64
// (line totals below 10^10 kopecks times quantities below 10^8 thousandths).
inline std::int64_t mul_div_round(std::int64_t a, std::int64_t b, std::int64_t c) {
  return (a * b * 2 + c) / (2 * c);
}

inline int vat_rate(std::string_view code) {
  if (code.substr(0, 7) != "RUS_VAT") return 0;
  int rate = 0;
  for (const char c : code.substr(7)) {
    if (c < '0' || c > '9') break;
    rate = rate * 10 + (c - '0');
  }
  return rate;
}

// Rough VAT for the Invoicebox export only; kassa does not reconcile it.
inline std::int64_t vat_of(std::int64_t gross, std::string_view code) {
  const int rate = vat_rate(code);
  return rate == 0 ? 0 : mul_div_round(gross, rate, 100 + rate);
}

// INN with valid check digits, so that stricter validators downstream accept it.
inline std::string make_inn(Rng& r, int length) {
  std::vector<int> d;
  d.push_back(static_cast<int>(1 + r.below(9)));
  for (int i = 1; i < length - (length == 10 ? 1 : 2); ++i)
    d.push_back(static_cast<int>(r.below(10)));
  auto check = [&](const std::vector<int>& coef) {
    int sum = 0;
    for (std::size_t i = 0; i < coef.size(); ++i) sum += coef[i] * d[i];
    d.push_back(sum % 11 % 10);
  };
  if (length == 10) {
    check({2, 4, 10, 3, 5, 9, 4, 6, 8});
  } else {
    check({7, 2, 4, 10, 3, 5, 9, 4, 6, 8});
    check({3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8});
  }
  std::string out;
  for (const int v : d) out += static_cast<char>('0' + v);
  return out;
}

inline std::size_t share(double rate, int orders) {
  return static_cast<std::size_t>(std::llround(rate * static_cast<double>(orders)));
}

// Builds a JSON object line with keys in the given order and raw (already encoded) values, so that
// money can be written as literal two-decimal numbers.
class RawObject {
 public:
  RawObject& raw(std::string_view key, std::string_view value) {
    out_ += out_.empty() ? "{" : ",";
    out_ += json(std::string(key)).dump();
    out_ += ':';
    out_ += value;
    return *this;
  }
  RawObject& str(std::string_view key, const std::string& value) {
    return raw(key, json(value).dump());
  }
  RawObject& money(std::string_view key, std::int64_t kopecks) { return raw(key, rubles(kopecks)); }
  std::string close() const { return out_.empty() ? "{}" : out_ + "}"; }

 private:
  std::string out_;
};

inline json recon_entry(const std::string& order_id, std::string_view kind, std::int64_t kassa,
                        std::int64_t invoicebox) {
  return {{"order_id", order_id},
          {"kind", kind},
          {"kassa_amount", kassa},
          {"invoicebox_amount", invoicebox},
          {"delta", kassa - invoicebox}};
}

}  // namespace kassa::gen::detail
