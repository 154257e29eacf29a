#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cipette/core/job_metrics.h"
#include "cipette/core/runner_rates.h"

namespace cipette::views {

// What the runner documents say of billable minutes: always an estimate (docs/metrics.md,
// "Jobs, queue time and runners").
inline constexpr const char* kBillableNote =
    "billable_minutes_estimate is an estimate: each completed job's duration rounded up to a "
    "whole minute; GitHub bills by its own clock, per runner size, and not for self-hosted "
    "runners or free quotas";

// What the runner documents say of the estimated cost, when rates are configured.
inline constexpr const char* kCostNote =
    "estimated_cost is an estimate: billable_minutes_estimate times cost_rate_per_minute, the "
    "configured rate (CIPETTE_RUNNER_RATES, in the rates' currency) of the first configured "
    "runner label in the row's labels; null when none is (self-hosted runners are not billed)";

// The job document served by `cipette metrics --by job --format json` and GET /api/v1/jobs
// (docs/json-api.md): {"schema_version", "scope", "legs_of", "jobs": [{"repository",
// "workflow_id", "workflow", "job", "executions", "success", "failed", "neutral",
// "success_rate", "success_rate_class", "duration", "queue", "approval_waits", "flaky_jobs",
// "legs"}]}. `legs_of` is the job group whose legs `rows` are (compute_job_legs), null when
// the rows are groups (compute_job_metrics).
nlohmann::json jobs_json(const Scope& scope, const std::vector<JobRow>& rows,
                         const std::optional<std::string>& legs_of = std::nullopt);

// The runner document served by `cipette metrics --by runner --format json` and
// GET /api/v1/runners: {"schema_version", "scope", "billable_note", "runners": [{"labels",
// "runner_group", "executions", "queue", "duration", "billable_minutes_estimate"}],
// "queue_days": [{"date", "jobs", "p50_seconds", "p95_seconds"}]}. With `rates` configured
// (non-empty), also "cost_note", "runner_rates": [{"label", "per_minute"}] and in each row
// "cost_rate_label", "cost_rate_per_minute" and "estimated_cost" (estimate_cost; null when no
// rate applies); without, exactly the document above.
nlohmann::json runners_json(const Scope& scope, const std::vector<RunnerRow>& rows,
                            const std::vector<DailyQueuePoint>& days,
                            const RunnerRates& rates = {});

}  // namespace cipette::views
