#pragma once

// Sample data shared by the tests: workflow runs of octo/app's "CI" workflow, the RunTable and
// Scope built from them, and the collector's sync state. Every builder sets the fields its
// comment names and leaves the others at their defaults; a test adjusts fields it cares about
// on the returned value, so the numbers its expectations rest on stay visible in the test.

#include <cstdint>
#include <string>
#include <vector>

#include "cipette/core/metrics.h"
#include "cipette/core/run.h"
#include "cipette/core/run_store.h"
#include "cipette/core/run_table.h"

namespace cipette::testing {

// A completed push run `id` of octo/app's "CI" workflow (workflow id 10, path
// .github/workflows/ci.yml) on main, created at `created` and last updated `duration` seconds
// later. repository_id, run_number, actor, run_started_at and html_url keep their defaults.
RunRecord ci_run(std::int64_t id, std::string conclusion, Timestamp created, Timestamp duration);

// ci_run() as GitHub lists it: repository id 1, run number `id`, and the run's page
// "https://github.com/octo/app/actions/runs/<id>" as html_url.
RunRecord listed_ci_run(std::int64_t id, std::string conclusion, Timestamp created,
                        Timestamp duration);

// `run` moved to `repository` ("owner/name") with the given repository and workflow ids; an
// html_url that was set points at the run's page in that repository.
RunRecord in_repository(RunRecord run, const std::string& repository, std::int64_t repository_id,
                        std::int64_t workflow_id);

// A RunTable of `runs` built from nothing (a later run with the same id replaces an earlier
// one), recording `watermark` as the last change it holds.
RunTable table_of(const std::vector<RunRecord>& runs, ChangeSeq watermark = 1);

// A scope without filters over `period`, evaluated at `now`.
Scope scope_at(Period period, Timestamp now);

// scope_at(Period::last_days(days), now): the `days` days up to `now`.
Scope last_days(int days, Timestamp now);

// A sync state of `repository` with every field set, as the collector leaves it in the middle
// of a backlog: floor 1'690'000'000, cursor 1'700'000'000, a gap [1'698'000'000,
// 1'699'000'000], head_from 1'699'500'000, ETag W/"abc" of the repository's first page of runs
// (".../repos/<repository>/actions/runs?per_page=100"), and `pending` as the unfinished runs.
SyncState backlog_sync_state(const std::string& repository, std::vector<PendingRun> pending);

}  // namespace cipette::testing
