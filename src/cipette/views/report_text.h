#pragma once

#include <string>

#include "cipette/core/metrics.h"

namespace cipette::views {

// The metrics as CSV (RFC 4180, one header line, one line per workflow, then a TOTAL line).
// Cells that a spreadsheet would run as a formula (starting with = + - @) are prefixed with '.
std::string metrics_csv(const MetricsReport& report);

// The metrics as an aligned terminal table with a title line and a totals line: beside the
// success rate, the first-attempt success rate ("1ST TRY") and the flaky runs with their share
// of the runs ("FLAKY", "2 (1.50%)"). With `colour`, success rates are green/amber/red (ANSI).
// Control characters in names are shown as '?', so a hostile workflow name cannot drive the
// terminal.
std::string metrics_table(const MetricsReport& report, bool colour);

// A one-line description of the scope: "last 30 days", "all time", "2024-01-01 to 2024-01-31",
// followed by the filters in use.
std::string describe_scope(const Scope& scope);

}  // namespace cipette::views
