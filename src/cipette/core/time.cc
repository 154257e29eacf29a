#include "cipette/core/time.h"

#include <fmt/format.h>

#include <chrono>
#include <optional>

namespace cipette {

namespace {

// A cursor over the text being parsed; every reader fails the whole parse on a mismatch.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;

  bool done() const { return pos >= text.size(); }
  bool peek(char c) const { return pos < text.size() && text[pos] == c; }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++pos;
    return true;
  }
  // Reads exactly `width` decimal digits.
  std::optional<int> digits(int width) {
    if (pos + width > text.size()) return std::nullopt;
    int value = 0;
    for (int i = 0; i < width; ++i) {
      char c = text[pos + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    pos += width;
    return value;
  }
};

bool is_leap(std::int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

Error bad_timestamp(std::string_view text, std::string_view why) {
  return fail("invalid time stamp \"", std::string(text.substr(0, 64)), "\": ", std::string(why));
}

// Parses "YYYY-MM-DD" at the cursor into days since the epoch.
Result<std::int64_t> parse_civil_date(Cursor& in) {
  auto year = in.digits(4);
  if (!year || !in.eat('-')) return bad_timestamp(in.text, "expected YYYY-MM-DD");
  auto month = in.digits(2);
  if (!month || !in.eat('-')) return bad_timestamp(in.text, "expected YYYY-MM-DD");
  auto day = in.digits(2);
  if (!day) return bad_timestamp(in.text, "expected YYYY-MM-DD");
  if (*month < 1 || *month > 12) return bad_timestamp(in.text, "month out of range");
  if (*day < 1 || static_cast<unsigned>(*day) > days_in_month(*year, *month)) {
    return bad_timestamp(in.text, "day out of range");
  }
  return days_from_civil(*year, *month, *day);
}

// Parses "hh:mm:ss[.fff...]" into seconds of the day.
Result<std::int64_t> parse_clock(Cursor& in) {
  auto hour = in.digits(2);
  if (!hour || !in.eat(':')) return bad_timestamp(in.text, "expected hh:mm:ss");
  auto minute = in.digits(2);
  if (!minute || !in.eat(':')) return bad_timestamp(in.text, "expected hh:mm:ss");
  auto second = in.digits(2);
  if (!second) return bad_timestamp(in.text, "expected hh:mm:ss");
  if (*hour > 23 || *minute > 59 || *second > 60) {
    return bad_timestamp(in.text, "time of day out of range");
  }
  if (in.eat('.')) {
    std::size_t start = in.pos;
    while (!in.done() && in.text[in.pos] >= '0' && in.text[in.pos] <= '9') ++in.pos;
    if (in.pos == start) return bad_timestamp(in.text, "expected digits after '.'");
  }
  // A leap second (:60) is folded onto the next second.
  return std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second;
}

// Parses "Z", "+hh:mm" or "-hh:mm" into seconds east of UTC.
Result<std::int64_t> parse_offset(Cursor& in) {
  if (in.eat('Z') || in.eat('z')) return std::int64_t{0};
  int sign = 0;
  if (in.eat('+'))
    sign = 1;
  else if (in.eat('-'))
    sign = -1;
  else
    return bad_timestamp(in.text, "expected a zone: Z or +hh:mm");
  auto hours = in.digits(2);
  if (!hours || !in.eat(':')) return bad_timestamp(in.text, "expected a zone: Z or +hh:mm");
  auto minutes = in.digits(2);
  if (!minutes || *hours > 23 || *minutes > 59) {
    return bad_timestamp(in.text, "zone offset out of range");
  }
  return sign * (std::int64_t{*hours} * 3600 + std::int64_t{*minutes} * 60);
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  // Howard Hinnant's algorithm (public domain), shifted so that March is month 0.
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Result<Timestamp> parse_timestamp(std::string_view text) {
  Cursor in{text};
  auto days = parse_civil_date(in);
  if (!days) return days.error();
  if (!in.eat('T') && !in.eat('t') && !in.eat(' ')) {
    return bad_timestamp(text, "expected 'T' between date and time");
  }
  auto clock = parse_clock(in);
  if (!clock) return clock.error();
  auto offset = parse_offset(in);
  if (!offset) return offset.error();
  if (!in.done()) return bad_timestamp(text, "unexpected text after the zone");
  return *days * kSecondsPerDay + *clock - *offset;
}

Result<Timestamp> parse_date_or_timestamp(std::string_view text) {
  if (text.size() == 10) {
    Cursor in{text};
    auto days = parse_civil_date(in);
    if (!days) return days.error();
    return *days * kSecondsPerDay;
  }
  return parse_timestamp(text);
}

std::int64_t day_index(Timestamp t) {
  // Floor division that never negates `t`: any int64, a hostile header's too, is safe.
  return t >= 0 ? t / kSecondsPerDay : (t + 1) / kSecondsPerDay - 1;
}

namespace {

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t z) {
  // Inverse of days_from_civil (Howard Hinnant).
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Civil{static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

}  // namespace

std::string format_date(Timestamp t) {
  Civil c = civil_from_days(day_index(t));
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

std::string format_timestamp(Timestamp t) {
  std::int64_t seconds = t % kSecondsPerDay;  // of the day; day_index(t) * 86400 may overflow
  if (seconds < 0) seconds += kSecondsPerDay;
  return fmt::format("{}T{:02}:{:02}:{:02}Z", format_date(t), seconds / 3600, seconds / 60 % 60,
                     seconds % 60);
}

Timestamp now_utc() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_plausible_timestamp(Timestamp t) { return t >= kPlausibleFrom && t < kPlausibleUntil; }

}  // namespace cipette
