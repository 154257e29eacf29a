#pragma once

// Job executions for the tests of the job rules and the engine, and an in-memory JobReader (the
// reader part of the job storage port, as a store answers it).

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/job_store.h"

namespace cipette::testing {

// A completed job `id` of run `run_id` at `attempt`, created at `created`, started `queue`
// seconds later and completed `duration` seconds after that, on runner labels `labels` in
// runner group "GitHub Actions".
inline JobRecord ci_job(std::int64_t id, std::int64_t run_id, std::int64_t attempt,
                        std::string name, std::string conclusion, Timestamp created,
                        Timestamp queue, Timestamp duration,
                        std::vector<std::string> labels = {"ubuntu-latest"}) {
  JobRecord job;
  job.id = id;
  job.run_id = run_id;
  job.run_attempt = attempt;
  job.name = std::move(name);
  job.status = "completed";
  job.conclusion = std::move(conclusion);
  job.created_at = created;
  job.started_at = created + queue;
  job.completed_at = created + queue + duration;
  job.labels = std::move(labels);
  job.runner_name = "runner-1";
  job.runner_group_name = "GitHub Actions";
  return job;
}

// Step `number` named `name`, completed with success, from `started` to `completed`.
inline StepRecord completed_step(std::int64_t number, std::string name, Timestamp started,
                                 Timestamp completed) {
  return StepRecord{number, std::move(name), "completed", "success", started, completed};
}

// Job 7 of run 42, attempt 1, "build": created at 1,000, started at 1,090 (queued 90 s),
// completed at 1,700 (610 s running) with success, on ubuntu-latest in runner group "GitHub
// Actions", with three steps. Its version is forward_version(1, Progress::kCompleted, 1'700).
inline JobRecord completed_job() {
  JobRecord job;
  job.id = 7;
  job.run_id = 42;
  job.name = "build";
  job.status = "completed";
  job.conclusion = "success";
  job.created_at = 1'000;
  job.started_at = 1'090;
  job.completed_at = 1'700;
  job.labels = {"ubuntu-latest"};
  job.runner_name = "GitHub Actions 3";
  job.runner_group_name = "GitHub Actions";
  job.html_url = "https://github.com/o/r/actions/runs/42/job/7";
  job.steps = {completed_step(1, "Set up job", 1'090, 1'092),
               completed_step(2, "checkout", 1'092, 1'100),
               completed_step(3, "Complete job", 1'690, 1'700)};
  return job;
}

// Jobs in change order: scan_jobs(since) visits those after the first `since` (change sequence
// = position + 1).
class MemoryJobReader : public JobReader {
 public:
  std::vector<JobRecord> jobs;

  Result<ChangeSeq> scan_jobs(ChangeSeq since,
                              const std::function<ScanStep(const JobRecord&)>& visit) override {
    ChangeSeq last = since;
    for (auto seq = static_cast<std::size_t>(since); seq < jobs.size(); ++seq) {
      last = static_cast<ChangeSeq>(seq + 1);
      if (visit(jobs[seq]) == ScanStep::kStop) break;
    }
    return last;
  }
  Result<std::vector<JobRecord>> jobs_of_run(std::int64_t run_id) override {
    std::vector<JobRecord> out;
    for (const JobRecord& job : jobs) {
      if (job.run_id == run_id) out.push_back(job);
    }
    return out;
  }
  Status scan_steps(
      std::span<const std::int64_t> /*job_ids*/,
      const std::function<void(std::int64_t, const StepRecord&)>& /*visit*/) override {
    return {};
  }
};

}  // namespace cipette::testing
