#pragma once

#include <string>

#include "cipette/core/metrics.h"
#include "cipette/web/job_pages.h"
#include "cipette/web/query.h"
#include "cipette/web/run_listing.h"
#include "cipette/web/snapshot.h"

namespace cipette::web {

// The HTML pages, rendered through the auto-escaping templates of web/templates. Every value
// from GitHub (names, branches, actors) is escaped; links to GitHub are built only from http(s)
// repository addresses.

// The dashboard ("/"): filters, summary cards (with the queue time of state.jobs), charts (drawn
// from /api/v1/trends by app.js) and the table per repository and workflow of `report` (with each
// workflow's flaky rate and a re-run badge where runs were re-run), or the empty state when the
// store holds no runs at all.
std::string render_dashboard(const SnapshotState& state, const ScopeQuery& query,
                             const MetricsReport& report, bool auth_enabled);

// The workflow page ("/workflow?repository=..&workflow=ID"): the workflow's cards and charts,
// its jobs (a table per job group with legs and slowest steps, when data.jobs is given),
// its flaky runs (the newest `flaky`, each attempt's outcome linked to the attempt on GitHub)
// and one page of its runs, newest first, failure streaks marked. REQUIRES: `workflow` indexes
// state.table->workflows(); `report`, `runs` and `flaky` were computed for query.scope, `flaky`
// with ListOptions flaky_only and attempts (at most kFlakyRunsShown of them).
inline constexpr int kFlakyRunsShown = 20;
struct WorkflowPageData {
  NameId workflow = 0;
  const MetricsReport* report = nullptr;
  const RunPage* runs = nullptr;
  const RunPage* flaky = nullptr;
  // The job table and slowest steps (job_pages.h, job_section over state.jobs); null: the page
  // has no job section.
  const JobSectionData* jobs = nullptr;
};
std::string render_workflow(const SnapshotState& state, const ListQuery& query,
                            const WorkflowPageData& data, bool auth_enabled);

// An error page: 400 (with the parameter at fault), 404, 500.
std::string render_error(int status, const std::string& message, const std::string& parameter,
                         bool auth_enabled);

// The sign-in form (auth enabled). `next` is the local path to return to after signing in.
std::string render_login(const std::string& next, bool failed);

}  // namespace cipette::web
