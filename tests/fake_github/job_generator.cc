#include "fake_github/job_generator.h"

#include <array>
#include <string_view>

#include "cipette/core/time.h"
#include "fake_github/fake_hash.h"
#include "fake_github/github_json.h"

namespace cipette::fake_github {
namespace {

constexpr std::int64_t kMatrixJobs = 130;
constexpr std::int64_t kJobIdsPerRun = 100000;
constexpr std::int64_t kJobIdsPerAttempt = 1000;
constexpr std::array<std::string_view, 4> kJobNames = {"build", "test", "lint", "deploy"};
constexpr std::array<std::string_view, 5> kStepNames = {"Set up job", "Run actions/checkout@v4",
                                                        "Build", "Run tests", "Upload results"};

bool is_matrix(std::int64_t run_id) { return run_id % 20 == 7; }

std::vector<std::string> labels_of(std::int64_t k) {
  switch (k % 3) {
    case 0:
      return {"ubuntu-latest"};
    case 1:
      return {"self-hosted", "linux", "x64"};
    default:
      return {"windows-latest"};
  }
}

std::string name_of(std::int64_t run_id, std::int64_t k) {
  if (is_matrix(run_id)) return "test (shard " + std::to_string(k + 1) + ")";
  return std::string(kJobNames[static_cast<std::size_t>(k) % kJobNames.size()]);
}

// The steps of a job running from `start` for `seconds`, each taking an equal share.
std::vector<StepRecord> steps_of(std::int64_t k, Timestamp start, std::int64_t seconds,
                                 const JobRecord& job) {
  const std::int64_t count = 3 + k % 3;
  std::vector<StepRecord> steps;
  for (std::int64_t i = 0; i < count; ++i) {
    StepRecord step;
    const bool last = i + 1 == count;
    step.number = last ? i + 11 : i + 1;
    step.name = last ? "Complete job" : std::string(kStepNames[static_cast<std::size_t>(i)]);
    step.started_at = start + seconds * i / count;
    if (job.completed()) {
      step.status = "completed";
      step.conclusion = last ? job.conclusion : "success";
      step.completed_at = start + seconds * (i + 1) / count;
    } else {
      step.status = i == 0 ? "in_progress" : "queued";
      if (i > 0) step.started_at.reset();
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace

std::int64_t jobs_per_attempt(std::int64_t run_id) {
  return is_matrix(run_id) ? kMatrixJobs : 1 + run_id % 4;
}

std::vector<JobRecord> generate_attempt_jobs(const RunRecord& attempt) {
  const std::int64_t count = jobs_per_attempt(attempt.id);
  const Timestamp start = attempt.run_started_at.value_or(attempt.created_at);
  const bool completed = attempt.completed();
  std::vector<JobRecord> jobs;
  jobs.reserve(static_cast<std::size_t>(count));
  for (std::int64_t k = 0; k < count; ++k) {
    JobRecord job;
    job.id = attempt.id * kJobIdsPerRun + attempt.run_attempt * kJobIdsPerAttempt + k;
    job.run_id = attempt.id;
    job.run_attempt = attempt.run_attempt;
    job.name = name_of(attempt.id, k);
    job.labels = labels_of(k);
    job.created_at = start + k;
    job.started_at = *job.created_at + (k % 7) * 10 + attempt.id % 5;
    const std::int64_t seconds = 60 + job.id % 240;
    if (completed) {
      job.status = "completed";
      job.conclusion =
          k + 1 == count && !attempt.conclusion.empty() ? attempt.conclusion : "success";
      job.completed_at = *job.started_at + seconds;
    } else {
      job.status = "in_progress";
    }
    job.runner_name = "runner-" + std::to_string(k % 5);
    job.runner_group_name = k % 3 == 1 ? "self-hosted pool" : "GitHub Actions";
    job.html_url = "https://github.com/" + attempt.repository + "/actions/runs/" +
                   std::to_string(attempt.id) + "/job/" + std::to_string(job.id);
    job.steps = steps_of(k, *job.started_at, seconds, job);
    jobs.push_back(std::move(job));
  }
  return jobs;
}

void append_job_json(std::string& out, const JobRecord& job, const RunRecord& run,
                     std::string_view api_base) {
  auto time_or_null = [](const std::optional<Timestamp>& t) {
    return t ? Json(format_timestamp(*t)) : Json(nullptr);
  };
  auto text_or_null = [](const std::string& text) {
    return text.empty() ? Json(nullptr) : Json(text);
  };
  const std::string repo_url = std::string(api_base) + "/repos/" + run.repository;
  Json steps = Json::array();
  for (const StepRecord& step : job.steps) {
    steps.push_back(Json{{"name", step.name},
                         {"status", step.status},
                         {"conclusion", text_or_null(step.conclusion)},
                         {"number", step.number},
                         {"started_at", time_or_null(step.started_at)},
                         {"completed_at", time_or_null(step.completed_at)}});
  }
  const bool hosted = job.runner_group_name == "GitHub Actions";
  Json body{{"id", job.id},
            {"run_id", job.run_id},
            {"run_url", repo_url + "/actions/runs/" + std::to_string(job.run_id)},
            {"run_attempt", job.run_attempt},
            {"node_id", "CR_" + hex_digest("job:" + std::to_string(job.id), 16)},
            {"head_sha", run.head_sha},
            {"url", repo_url + "/actions/jobs/" + std::to_string(job.id)},
            {"html_url", job.html_url},
            {"status", job.status},
            {"conclusion", text_or_null(job.conclusion)},
            {"created_at", time_or_null(job.created_at)},
            {"started_at", time_or_null(job.started_at)},
            {"completed_at", time_or_null(job.completed_at)},
            {"name", job.name},
            {"steps", steps},
            {"check_run_url", repo_url + "/check-runs/" + std::to_string(job.id)},
            {"labels", job.labels},
            {"runner_id", hosted ? 1 : 2},
            {"runner_name", text_or_null(job.runner_name)},
            {"runner_group_id", hosted ? 1 : 2},
            {"runner_group_name", text_or_null(job.runner_group_name)},
            {"workflow_name", run.workflow_name},
            {"head_branch", text_or_null(run.head_branch)}};
  out += body.dump();
}

}  // namespace cipette::fake_github
