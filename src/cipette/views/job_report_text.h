#pragma once

#include <string>
#include <vector>

#include "cipette/core/job_metrics.h"
#include "cipette/core/runner_rates.h"

namespace cipette::views {

// The job rows as CSV (docs/json-api.md): one header line, one line per row, the fields of
// jobs_json flattened; `legs` joined by "; ". Formula-like cells are prefixed with '.
std::string jobs_csv(const std::vector<JobRow>& rows);

// The runner rows as CSV: `labels` joined by ", " (as one cell), then the fields of
// runners_json flattened, ending with billable_minutes_estimate; with `rates` configured, then
// cost_rate_label, cost_rate_per_minute and estimated_cost (format_amount; empty cells when no
// rate applies).
std::string runners_csv(const std::vector<RunnerRow>& rows, const RunnerRates& rates = {});

// The job rows as an aligned terminal table under a title line naming the scope, or a line
// saying that no completed job is in scope. Control characters in names are shown as '?'.
std::string jobs_table(const Scope& scope, const std::vector<JobRow>& rows);

// The runner rows as a terminal table, with a note that billable minutes are an estimate, or a
// line saying that no completed job is in scope. With `rates` configured, two more columns: the
// rate applied ("0.008 (ubuntu-latest)") and the estimated cost ("-" where no rate applies),
// and a note that the cost is an estimate.
std::string runners_table(const Scope& scope, const std::vector<RunnerRow>& rows,
                          const RunnerRates& rates = {});

}  // namespace cipette::views
