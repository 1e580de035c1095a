// Business time. kassa never reads the wall clock in the core: times come from events (occurred_at)
// or are passed in by the shell. Stored as microseconds since the Unix epoch, UTC.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kassa::core {

struct CivilDate {
  int year = 1970;
  int month = 1;
  int day = 1;
  auto operator<=>(const CivilDate&) const = default;
};

struct UtcTime {
  std::int64_t unix_micros = 0;
  auto operator<=>(const UtcTime&) const = default;
};

// Strict RFC 3339 in UTC: "YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z". Calendar-checked (no Feb 30, no hour
// 24).
std::optional<UtcTime> parse_utc(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ", or with ".ffffff" when there are sub-seconds.
std::string format_utc(UtcTime time);

// "YYYY-MM-DD" -> date (calendar-checked).
std::optional<CivilDate> parse_date(std::string_view text);
std::string format_date(CivilDate date);

// Moscow is UTC+3 all year (no DST since 2014); 54-FZ dates and VAT periods are Moscow dates.
inline constexpr std::int64_t kMoscowOffsetMicros = 3LL * 3600 * 1'000'000;
CivilDate moscow_date(UtcTime time);
// "DD.MM.YYYY HH:MM:SS" in Moscow time, the ATOL timestamp format.
std::string format_moscow_atol(UtcTime time);

std::int64_t days_from_civil(CivilDate date);
CivilDate civil_from_days(std::int64_t days);

}  // namespace kassa::core
