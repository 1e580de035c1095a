#include "core/utc_time.hpp"

#include <cstdio>

namespace kassa::core {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

bool digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool valid(CivilDate date) {
  return date.year >= 1970 && date.year <= 9999 && date.month >= 1 && date.month <= 12 &&
         date.day >= 1 && date.day <= days_in_month(date.year, date.month);
}

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
std::int64_t days_from_civil(CivilDate date) {
  const int y = date.year - (date.month <= 2 ? 1 : 0);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(date.month + (date.month > 2 ? -3 : 9));
  const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(date.day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0)), static_cast<int>(m),
          static_cast<int>(d)};
}

std::optional<CivilDate> parse_date(std::string_view text) {
  CivilDate date;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!digits(text, 0, 4, date.year) || !digits(text, 5, 2, date.month) ||
      !digits(text, 8, 2, date.day))
    return std::nullopt;
  if (!valid(date)) return std::nullopt;
  return date;
}

std::string format_date(CivilDate date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", date.year, date.month, date.day);
  return buffer;
}

std::optional<UtcTime> parse_utc(std::string_view text) {
  if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text.back() != 'Z')
    return std::nullopt;
  const auto date = parse_date(text.substr(0, 10));
  if (!date) return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  if (!digits(text, 11, 2, hour) || !digits(text, 14, 2, minute) || !digits(text, 17, 2, second))
    return std::nullopt;
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  std::int64_t micros = 0;
  const std::string_view rest = text.substr(19, text.size() - 20);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2 || rest.size() > 7) return std::nullopt;
    int fraction = 0;
    if (!digits(rest, 1, rest.size() - 1, fraction)) return std::nullopt;
    micros = fraction;
    for (std::size_t i = rest.size() - 1; i < 6; ++i) micros *= 10;
  }
  return UtcTime{days_from_civil(*date) * kMicrosPerDay +
                 ((hour * 60LL + minute) * 60 + second) * kMicrosPerSecond + micros};
}

namespace {
struct Parts {
  CivilDate date;
  int hour, minute, second;
  std::int64_t micros;
};
Parts split(std::int64_t unix_micros) {
  std::int64_t days = unix_micros / kMicrosPerDay;
  std::int64_t rest = unix_micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  const std::int64_t seconds = rest / kMicrosPerSecond;
  return {civil_from_days(days), static_cast<int>(seconds / 3600),
          static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60),
          rest % kMicrosPerSecond};
}
}  // namespace

std::string format_utc(UtcTime time) {
  const Parts p = split(time.unix_micros);
  char buffer[40];
  if (p.micros == 0) {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", p.date.year,
                  p.date.month, p.date.day, p.hour, p.minute, p.second);
  } else {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", p.date.year,
                  p.date.month, p.date.day, p.hour, p.minute, p.second,
                  static_cast<long long>(p.micros));
  }
  return buffer;
}

CivilDate moscow_date(UtcTime time) {
  return split(time.unix_micros + kMoscowOffsetMicros).date;
}

std::string format_moscow_atol(UtcTime time) {
  const Parts p = split(time.unix_micros + kMoscowOffsetMicros);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%02d.%02d.%04d %02d:%02d:%02d", p.date.day, p.date.month,
                p.date.year, p.hour, p.minute, p.second);
  return buffer;
}

}  // namespace kassa::core
