#include "cipette/web/job_documents.h"

#include "cipette/core/job_metrics.h"
#include "cipette/core/time.h"
#include "cipette/views/report_json.h"
#include "cipette/web/api_documents.h"

namespace cipette::web {

namespace {

using nlohmann::json;

using views::optional_json;
using views::optional_time_json;

// GitHub's address of the job, if it is an http(s) URL (the value comes from GitHub and must
// never become a javascript: link in a page built from this document).
json job_url(const std::string& url) {
  return url.starts_with("https://") || url.starts_with("http://") ? json(url) : json();
}

json step_json(const StepRecord& step) {
  return json{{"number", step.number},
              {"name", step.name},
              {"status", step.status},
              {"conclusion", step.conclusion.empty() ? json() : json(step.conclusion)},
              {"started_at", optional_time_json(step.started_at)},
              {"completed_at", optional_time_json(step.completed_at)},
              {"duration_seconds", optional_json(step_duration_seconds(step))}};
}

json job_json(const JobRecord& job) {
  json steps = json::array();
  for (const StepRecord& step : job.steps) steps.push_back(step_json(step));
  return json{
      {"id", job.id},
      {"name", job.name},
      {"group", std::string(job_group_name(job.name))},
      {"attempt", job.run_attempt},
      {"status", job.status},
      {"conclusion", job.conclusion.empty() ? json() : json(job.conclusion)},
      {"created_at", optional_time_json(job.created_at)},
      {"started_at", optional_time_json(job.started_at)},
      {"completed_at", optional_time_json(job.completed_at)},
      {"queue_seconds", optional_json(queue_seconds(job))},
      {"duration_seconds", optional_json(job_duration_seconds(job))},
      {"waited_for_approval", job.waited},
      {"labels", job.labels},
      {"runner_name", job.runner_name.empty() ? json() : json(job.runner_name)},
      {"runner_group", job.runner_group_name.empty() ? json() : json(job.runner_group_name)},
      {"html_url", job_url(job.html_url)},
      {"steps", std::move(steps)}};
}

}  // namespace

json run_detail_json(const RunTable& table, const ListedRun& run,
                     const std::vector<JobRecord>& jobs) {
  json list = json::array();
  for (const JobRecord& job : jobs) list.push_back(job_json(job));
  return json{{"schema_version", views::kSchemaVersion},
              {"run", run_json(table, run)},
              {"jobs", std::move(list)}};
}

json steps_json(const StepDocument& document, const StepSample& sample) {
  json steps = json::array();
  for (const StepRow& row : compute_step_metrics(sample.steps)) {
    steps.push_back({{"name", row.name}, {"duration", views::stats_json(row.duration)}});
  }
  return json{
      {"schema_version", views::kSchemaVersion},
      {"scope", views::scope_json(document.scope)},
      {"repository", document.repository},
      {"workflow_id", document.workflow_id},
      {"workflow", document.workflow},
      {"job", document.job},
      {"sample", {{"runs", sample.runs}, {"jobs", sample.jobs}, {"max_runs", document.max_runs}}},
      {"steps", std::move(steps)}};
}

}  // namespace cipette::web
