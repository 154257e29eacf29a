#pragma once

#include <limits>
#include <string_view>

#include "cipette/core/result.h"
#include "cipette/core/time.h"

// Private to the fake GitHub server: the `created` qualifier of list-workflow-runs.

namespace cipette::fake_github {

// A closed interval of time stamps [from, to].
struct TimeRange {
  Timestamp from = std::numeric_limits<Timestamp>::min();
  Timestamp to = std::numeric_limits<Timestamp>::max();

  bool contains(Timestamp t) const { return from <= t && t <= to; }
};

// Parses GitHub's search date syntax as the `created` parameter takes it (already URL-decoded):
// "D", ">D", ">=D", "<D", "<=D", "D1..D2", "D..*", "*..D". Each D is a date "YYYY-MM-DD" or a
// date-time with a zone ("2024-01-01T10:00:00Z", "...+00:00"). A date stands for its whole UTC
// day and a date-time for that second, so ">=2024-01-01" starts at the day's first second,
// "<=2024-01-01" ends at its last, "<2024-01-01" ends before it, and "D1..D2" includes both
// ends. Fails, quoting the text, on anything else.
Result<TimeRange> parse_created(std::string_view text);

}  // namespace cipette::fake_github
