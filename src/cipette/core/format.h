#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cipette {

// Durations of runs: "3m 48s", "45s", "0s", "1h 2m 3s"; rounded to the nearest second.
std::string format_duration(double seconds);

// Times to recovery: "1h 30m", "2h", "15m", "45s" (under a minute), "2d 3h" (a day or more);
// rounded to the nearest minute from one minute up.
std::string format_mttr(double seconds);

// Counts with thousands separators: "541,861", "7", "-1,000".
std::string format_count(std::int64_t count);

// Runs per day with thousands separators, as counts: "6,020.7" (one decimal), "0.25" (two
// decimals under 1, where one would round small rates to 0.0 or 0.1); "N/A" when not finite.
std::string format_throughput(double per_day);

// "57.14%"; "N/A" for none.
std::string format_rate(std::optional<double> percent);

// The colour band of a success rate: "high" (>= 90), "medium" (>= 70), else or none "low".
std::string_view rate_class(std::optional<double> percent);

}  // namespace cipette
