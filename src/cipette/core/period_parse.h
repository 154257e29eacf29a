#pragma once

#include <string_view>

#include "cipette/core/metrics.h"
#include "cipette/core/result.h"

namespace cipette {

// Which input a parse error is about, so that the CLI can name its flag and the web API its
// query parameter.
enum class PeriodField { kPeriod, kFrom, kTo };

struct PeriodError {
  PeriodField field;
  std::string message;  // without the field's name: "expected a number of days from 1 to 3650 ..."
};

// Reads a period as users give it on the command line and in URLs:
//   period: "N" (days, 1..3650), "Nd", or "all"; empty for none given.
//   from/to: "YYYY-MM-DD" or a time stamp with a zone. A bare `to` date covers that whole day
//   (the range ends at the next midnight); `from` without `to` runs until `now`.
// Exactly one of period or from/to may be given; with neither, the period is `fallback`.
// Fails on garbage, out-of-range numbers, `to` without `from`, an empty or inverted range, a
// range longer than kMaxRangeDays, or both forms at once.
struct PeriodInput {
  std::string_view period;
  std::string_view from;
  std::string_view to;
};
Result<Period> parse_period(const PeriodInput& input, Timestamp now, Period fallback,
                            PeriodError* error);

}  // namespace cipette
