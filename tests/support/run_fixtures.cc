#include "support/run_fixtures.h"

#include <utility>

namespace cipette::testing {

namespace {

std::string run_page(const std::string& repository, std::int64_t id) {
  return "https://github.com/" + repository + "/actions/runs/" + std::to_string(id);
}

}  // namespace

RunRecord ci_run(std::int64_t id, std::string conclusion, Timestamp created, Timestamp duration) {
  RunRecord run;
  run.id = id;
  run.repository = "octo/app";
  run.workflow_id = 10;
  run.workflow_name = "CI";
  run.path = ".github/workflows/ci.yml";
  run.event = "push";
  run.status = "completed";
  run.conclusion = std::move(conclusion);
  run.head_branch = "main";
  run.created_at = created;
  run.updated_at = created + duration;
  return run;
}

RunRecord listed_ci_run(std::int64_t id, std::string conclusion, Timestamp created,
                        Timestamp duration) {
  RunRecord run = ci_run(id, std::move(conclusion), created, duration);
  run.repository_id = 1;
  run.run_number = id;
  run.html_url = run_page(run.repository, id);
  return run;
}

RunRecord in_repository(RunRecord run, const std::string& repository, std::int64_t repository_id,
                        std::int64_t workflow_id) {
  run.repository = repository;
  run.repository_id = repository_id;
  run.workflow_id = workflow_id;
  if (!run.html_url.empty()) run.html_url = run_page(repository, run.id);
  return run;
}

RunTable table_of(const std::vector<RunRecord>& runs, ChangeSeq watermark) {
  RunTableBuilder builder;
  for (const RunRecord& run : runs) builder.add(run);
  return builder.build(watermark);
}

Scope scope_at(Period period, Timestamp now) {
  Scope scope;
  scope.period = period;
  scope.now = now;
  return scope;
}

Scope last_days(int days, Timestamp now) { return scope_at(Period::last_days(days), now); }

SyncState backlog_sync_state(const std::string& repository, std::vector<PendingRun> pending) {
  SyncState state;
  state.floor = 1'690'000'000;
  state.cursor = 1'700'000'000;
  state.gap_top = 1'699'000'000;
  state.gap_from = 1'698'000'000;
  state.head_from = 1'699'500'000;
  state.etag = "W/\"abc\"";
  state.etag_url = "https://api.github.com/repos/" + repository + "/actions/runs?per_page=100";
  state.pending = std::move(pending);
  return state;
}

}  // namespace cipette::testing
