#include "cipette/core/period_parse.h"

#include <fmt/format.h>

#include <charconv>

namespace cipette {

namespace {

Result<Period> reject(PeriodError* error, PeriodField field, std::string message) {
  if (error != nullptr) *error = PeriodError{field, message};
  return Error{std::move(message)};
}

// fmt rather than operator+: g++ 12 at -O3 warns falsely (-Wrestrict) on "literal" + string&&.
std::string quoted(std::string_view text) { return fmt::format("\"{}\"", text.substr(0, 64)); }

Result<Period> parse_days(std::string_view text, PeriodError* error) {
  if (text == "all") return Period::all();
  std::string_view digits = text;
  if (!digits.empty() && (digits.back() == 'd' || digits.back() == 'D')) digits.remove_suffix(1);
  int days = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), days);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || days < 1 ||
      days > kMaxPeriodDays) {
    return reject(error, PeriodField::kPeriod,
                  fmt::format("expected a number of days from 1 to {}, or \"all\"; got {}",
                              kMaxPeriodDays, quoted(text)));
  }
  return Period::last_days(days);
}

}  // namespace

Result<Period> parse_period(const PeriodInput& input, Timestamp now, Period fallback,
                            PeriodError* error) {
  bool range = !input.from.empty() || !input.to.empty();
  if (!input.period.empty() && range) {
    return reject(error, PeriodField::kPeriod,
                  fmt::format("cannot be combined with from/to; got {} beside a range",
                              quoted(input.period)));
  }
  if (!range) return input.period.empty() ? fallback : parse_days(input.period, error);
  if (input.from.empty()) {
    return reject(error, PeriodField::kTo,
                  fmt::format("needs a start (from) too; got {} alone", quoted(input.to)));
  }
  auto from = parse_date_or_timestamp(input.from);
  if (!from) return reject(error, PeriodField::kFrom, from.error().message);
  Timestamp to = now;
  if (!input.to.empty()) {
    auto parsed = parse_date_or_timestamp(input.to);
    if (!parsed) return reject(error, PeriodField::kTo, parsed.error().message);
    // A bare date names a whole day: include it.
    to = *parsed + (input.to.size() == 10 ? kSecondsPerDay : 0);
  }
  if (to <= *from) {
    return reject(
        error, PeriodField::kTo,
        "must be after the start of the range; got " + quoted(input.to.empty() ? "now" : input.to));
  }
  if (to - *from > kMaxRangeDays * kSecondsPerDay) {
    return reject(error, PeriodField::kFrom,
                  fmt::format("the range may span at most {} days; got {}", kMaxRangeDays,
                              quoted(input.from)));
  }
  return Period::range(*from, to);
}

}  // namespace cipette
