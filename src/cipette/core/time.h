#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cipette/core/result.h"

namespace cipette {

// Seconds since 1970-01-01T00:00:00Z. GitHub time stamps have second resolution; fractional
// seconds are truncated toward the past.
using Timestamp = std::int64_t;

inline constexpr std::int64_t kSecondsPerDay = 86400;

// Parses an ISO 8601 / RFC 3339 time stamp as GitHub writes them: "2020-01-22T19:33:08Z",
// "2020-01-20T09:42:40.000-08:00", "...+05:30". The offset is required (a time without a zone is
// ambiguous); the result is UTC. Fails, quoting the text, on anything else, including impossible
// dates (2023-02-30) and out-of-range fields.
Result<Timestamp> parse_timestamp(std::string_view text);

// Parses a user-supplied date or date-time: "YYYY-MM-DD" (midnight UTC) or any form
// parse_timestamp accepts.
Result<Timestamp> parse_date_or_timestamp(std::string_view text);

// "2020-01-22T19:33:08Z".
std::string format_timestamp(Timestamp t);

// "2020-01-22".
std::string format_date(Timestamp t);

// The UTC day a time stamp falls on, as days since 1970-01-01 (negative before).
std::int64_t day_index(Timestamp t);

// Days since 1970-01-01 of a proleptic Gregorian civil date. REQUIRES: month 1..12, day 1..31.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

// Current time, whole seconds.
Timestamp now_utc();

// The time stamps a workflow run may carry: [2000-01-01T00:00:00Z, 2200-01-01T00:00:00Z).
// Anything outside (0000-01-01, 9999-12-31) comes from a broken or hostile source and would
// blow up day-by-day series downstream (docs/decisions.md, "Data and storage").
inline constexpr Timestamp kPlausibleFrom = 946684800;    // 2000-01-01T00:00:00Z
inline constexpr Timestamp kPlausibleUntil = 7258118400;  // 2200-01-01T00:00:00Z
bool is_plausible_timestamp(Timestamp t);

}  // namespace cipette
