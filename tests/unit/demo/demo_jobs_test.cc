#include "cipette/demo/demo_jobs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cipette/demo/demo_history.h"
#include "cipette/demo/demo_volume.h"

namespace cipette::demo {
namespace {

constexpr Timestamp kHour = 3600;
// Wednesday 2024-05-15T14:00:00Z.
const Timestamp end_time = days_from_civil(2024, 5, 15) * kSecondsPerDay + 14 * kHour;
constexpr std::int64_t kRunId = 5'000'000'123;

RunRecord run_of(std::string repository, std::string workflow, std::string event,
                 std::string branch, std::string conclusion) {
  RunRecord run;
  run.id = kRunId;
  run.repository_id = 310'000'000;
  run.repository = std::move(repository);
  run.workflow_id = 60'000'001;
  run.workflow_name = std::move(workflow);
  run.path = ".github/workflows/ci.yml";
  run.run_number = 17;
  run.event = std::move(event);
  run.head_branch = std::move(branch);
  run.status = "completed";
  run.conclusion = std::move(conclusion);
  run.created_at = end_time - 10 * kHour;
  run.run_started_at = run.created_at + 5;
  run.updated_at = *run.run_started_at + 600;
  run.html_url = "https://github.com/" + run.repository + "/actions/runs/5000000123";
  return run;
}

std::vector<JobRecord> jobs_of(const RunRecord& run, std::uint64_t seed = 42) {
  JobGenerator generator({seed, end_time, 0});
  auto jobs = generator.jobs_of(std::span<const RunRecord>(&run, 1));
  return {jobs.begin(), jobs.end()};
}

std::vector<std::string> names_of(const std::vector<JobRecord>& jobs, std::int64_t attempt) {
  std::vector<std::string> names;
  for (const JobRecord& job : jobs) {
    if (job.run_attempt == attempt) names.push_back(job.name);
  }
  return names;
}

int count_failed(const std::vector<JobRecord>& jobs, std::int64_t attempt) {
  return static_cast<int>(std::ranges::count_if(jobs, [&](const JobRecord& j) {
    return j.run_attempt == attempt && classify_conclusion(j.conclusion) == Outcome::kFailed;
  }));
}

// Steps follow each other without gaps from the job's start, by number, and end by its end
// (the scaling rounds down: at most a second before).
void expect_steps_inside(const JobRecord& job) {
  SCOPED_TRACE(job.name);
  if (job.steps.empty()) return;
  ASSERT_TRUE(job.started_at && job.completed_at);
  EXPECT_EQ(job.steps.front().started_at, job.started_at);
  std::int64_t total = 0;
  for (std::size_t i = 0; i < job.steps.size(); ++i) {
    const StepRecord& step = job.steps[i];
    EXPECT_EQ(step.number, static_cast<std::int64_t>(i + 1));
    ASSERT_TRUE(step.started_at && step.completed_at);
    EXPECT_LE(*step.started_at, *step.completed_at);
    if (i > 0) {
      EXPECT_EQ(step.started_at, job.steps[i - 1].completed_at);
    }
    total += *step.completed_at - *step.started_at;
  }
  EXPECT_LE(*job.steps.back().completed_at, *job.completed_at);
  EXPECT_LE(total, *job.completed_at - *job.started_at);
  EXPECT_GE(total, *job.completed_at - *job.started_at - 1);
}

TEST(DemoJobsTest, APushToMainOfCiRunsItsWholeGraphWithADeploy) {
  RunRecord run = run_of("acme/notifications", "CI", "push", "main", "success");
  std::vector<JobRecord> jobs = jobs_of(run);
  EXPECT_EQ(names_of(jobs, 1),
            (std::vector<std::string>{"lint", "typecheck", "build", "test (ubuntu-latest, 3.10)",
                                      "test (ubuntu-latest, 3.11)", "test (ubuntu-latest, 3.12)",
                                      "coverage", "deploy"}));
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const JobRecord& job = jobs[i];
    SCOPED_TRACE(job.name);
    EXPECT_TRUE(validate_job(job));
    EXPECT_EQ(job.id, kRunId * 64 + static_cast<std::int64_t>(i));
    EXPECT_EQ(job.run_id, kRunId);
    EXPECT_EQ(job.status, "completed");
    EXPECT_EQ(job.conclusion, "success");
    EXPECT_EQ(job.labels, (std::vector<std::string>{"ubuntu-latest"}));
    EXPECT_EQ(job.runner_group_name, "GitHub Actions");
    EXPECT_EQ(job.html_url, "https://github.com/acme/notifications/actions/runs/5000000123/job/" +
                                std::to_string(job.id));
    EXPECT_FALSE(job.waited);
    EXPECT_GE(*job.created_at, *run.run_started_at);
    EXPECT_LE(*job.created_at, *job.started_at);
    EXPECT_LE(*job.started_at, *job.completed_at);
    EXPECT_LE(*job.completed_at, run.updated_at);
    expect_steps_inside(job);
  }
  // The lint job's steps, GitHub's own first and last.
  ASSERT_EQ(jobs[0].steps.size(), 7u);
  EXPECT_EQ(jobs[0].steps.front().name, "Set up job");
  EXPECT_EQ(jobs[0].steps.back().name, "Complete job");
  // Tests start after the build stage ends; coverage and the deploy after the tests.
  const Timestamp first_stage =
      std::max({*jobs[0].completed_at, *jobs[1].completed_at, *jobs[2].completed_at});
  const Timestamp tests =
      std::max({*jobs[3].completed_at, *jobs[4].completed_at, *jobs[5].completed_at});
  for (std::size_t i : {3, 4, 5}) EXPECT_GE(*jobs[i].created_at, first_stage);
  for (std::size_t i : {6, 7}) EXPECT_GE(*jobs[i].created_at, tests);
  // The last job completes when the run does.
  Timestamp last = 0;
  for (const JobRecord& job : jobs) last = std::max(last, *job.completed_at);
  EXPECT_EQ(last, run.updated_at);
}

// The stage of a job of acme/payments' CI graph, from its name.
int payments_ci_stage(const std::string& name) {
  if (name == "lint" || name == "typecheck" || name == "build") return 0;
  return name == "coverage" ? 2 : 1;
}

TEST(DemoJobsTest, AFailedPullRequestOnTheBuildFarmFailsOneJobAndSkipsLaterStages) {
  RunRecord run = run_of("acme/payments", "CI", "pull_request", "feature/refunds", "failure");
  std::vector<JobRecord> jobs = jobs_of(run);
  EXPECT_EQ(names_of(jobs, 1), (std::vector<std::string>{"lint", "typecheck", "build", "test (1/3)",
                                                         "test (2/3)", "test (3/3)", "coverage"}));
  EXPECT_EQ(count_failed(jobs, 1), 1);
  const std::vector<std::string> farm = {"self-hosted", "linux", "x64"};
  const std::vector<std::string> hosted = {"ubuntu-latest"};
  for (const JobRecord& job : jobs) {
    const bool on_farm = job.name == "build" || job.name.starts_with("test");
    EXPECT_EQ(job.labels, on_farm ? farm : hosted) << job.name;
  }
  auto failed = std::ranges::find_if(jobs, [](const JobRecord& j) {
    return classify_conclusion(j.conclusion) == Outcome::kFailed;
  });
  ASSERT_NE(failed, jobs.end());
  // Its main step failed; GitHub's own last step still ran.
  auto failed_step =
      std::ranges::find(failed->steps, std::string("failure"), &StepRecord::conclusion);
  ASSERT_NE(failed_step, failed->steps.end());
  EXPECT_EQ(failed->steps.back().name, "Complete job");
  EXPECT_EQ(failed->steps.back().conclusion, "success");
  const int failed_stage = payments_ci_stage(failed->name);
  for (const JobRecord& job : jobs) {
    SCOPED_TRACE(job.name);
    expect_steps_inside(job);
    EXPECT_LE(*job.completed_at, run.updated_at);
    if (&job == &*failed) continue;
    if (payments_ci_stage(job.name) > failed_stage) {
      EXPECT_EQ(job.conclusion, "skipped");
      EXPECT_TRUE(job.steps.empty());
      EXPECT_EQ(job.runner_name, "");
    } else {
      EXPECT_EQ(job.conclusion, "success");
      EXPECT_EQ(job.runner_group_name, job.labels == farm ? "build-farm" : "GitHub Actions");
    }
  }
}

TEST(DemoJobsTest, AFlakyRerunFailsAJobInTheFirstAttemptThatPassesInTheSecond) {
  RunRecord run = run_of("acme/sdk-python", "CI", "pull_request", "fix/typo", "success");
  run.run_attempt = 2;
  AttemptRecord first;
  first.run_id = run.id;
  first.attempt = 1;
  first.status = "completed";
  first.conclusion = "failure";
  first.run_started_at = run.created_at + 5;
  first.updated_at = run.created_at + 400;
  run.earlier_attempts = {first};
  run.run_started_at = run.created_at + 1'000;
  run.updated_at = run.created_at + 1'700;
  std::vector<JobRecord> jobs = jobs_of(run);
  const std::vector<std::string> graph = {"lint",
                                          "typecheck",
                                          "build",
                                          "test (ubuntu-latest, 3.10)",
                                          "test (ubuntu-latest, 3.11)",
                                          "test (ubuntu-latest, 3.12)",
                                          "test (windows-latest, 3.12)",
                                          "test (macos-14, 3.12)",
                                          "coverage"};
  EXPECT_EQ(names_of(jobs, 1), graph);
  EXPECT_EQ(names_of(jobs, 2), graph);
  EXPECT_EQ(count_failed(jobs, 1), 1);
  EXPECT_EQ(count_failed(jobs, 2), 0);
  std::set<std::int64_t> ids;
  for (const JobRecord& job : jobs) {
    SCOPED_TRACE(job.name);
    ids.insert(job.id);
    const Timestamp start = job.run_attempt == 1 ? *first.run_started_at : *run.run_started_at;
    const Timestamp end = job.run_attempt == 1 ? first.updated_at : run.updated_at;
    EXPECT_GE(*job.created_at, start);
    EXPECT_LE(*job.completed_at, end);
    if (job.run_attempt == 2) {
      EXPECT_EQ(job.conclusion, "success");
    }
  }
  EXPECT_EQ(ids.size(), jobs.size());  // each attempt's jobs have their own ids
}

TEST(DemoJobsTest, RunsThatNeverStartedHaveNoJobsAndUnfinishedOnesOnlyTheirFirstStage) {
  EXPECT_TRUE(
      jobs_of(run_of("acme/cli", "CI", "pull_request", "patch-1", "action_required")).empty());
  EXPECT_TRUE(jobs_of(run_of("acme/cli", "CI", "push", "main", "startup_failure")).empty());
  RunRecord running = run_of("acme/search", "Integration tests", "push", "main", "");
  running.status = "in_progress";
  running.run_started_at = end_time - 300;
  running.updated_at = end_time - 300;
  std::vector<JobRecord> jobs = jobs_of(running);
  ASSERT_EQ(names_of(jobs, 1), (std::vector<std::string>{"build"}));
  EXPECT_TRUE(jobs[0].status == "in_progress" || jobs[0].status == "queued");
  EXPECT_EQ(jobs[0].completed_at, std::nullopt);
  EXPECT_TRUE(jobs[0].steps.empty());
  EXPECT_EQ(jobs[0].created_at, running.run_started_at);
  if (jobs[0].started_at) {
    EXPECT_LE(*jobs[0].started_at, end_time);
  }
}

// Over a generated history: every invariant, for every run.
struct Sample {
  std::vector<RunRecord> runs;
  std::vector<JobRecord> jobs;
};

Sample generate(std::uint64_t seed, std::int64_t runs, Timestamp steps_since = 0) {
  Sample sample;
  JobGenerator generator({seed, end_time, steps_since});
  generate_history({seed, runs, end_time}, [&](std::span<const RunRecord> batch) {
    sample.runs.insert(sample.runs.end(), batch.begin(), batch.end());
    auto jobs = generator.jobs_of(batch);
    sample.jobs.insert(sample.jobs.end(), jobs.begin(), jobs.end());
  });
  return sample;
}

const Sample& sample() {
  static const Sample s = generate(42, 20000);
  return s;
}

TEST(DemoJobsTest, EveryAttemptsJobsAgreeWithItsConclusionAndFitItsTimes) {
  const Sample& s = sample();
  std::map<std::int64_t, std::vector<const JobRecord*>> by_run;
  std::set<std::int64_t> ids;
  for (const JobRecord& job : s.jobs) {
    ASSERT_TRUE(validate_job(job)) << validate_job(job).error().message;
    ASSERT_TRUE(ids.insert(job.id).second) << job.id;
    by_run[job.run_id].push_back(&job);
  }
  int failed_runs = 0;
  int reruns = 0;
  for (const RunRecord& run : s.runs) {
    SCOPED_TRACE(run.id);
    struct Window {
      std::int64_t attempt;
      std::string status, conclusion;
      Timestamp start, updated;
    };
    std::vector<Window> windows;
    for (const AttemptRecord& a : run.earlier_attempts) {
      windows.push_back({a.attempt, a.status, a.conclusion, *a.run_started_at, a.updated_at});
    }
    windows.push_back({run.run_attempt, run.status, run.conclusion, run.started(), run.updated_at});
    if (windows.size() > 1) ++reruns;
    const std::vector<const JobRecord*>& jobs = by_run[run.id];
    for (const Window& w : windows) {
      std::vector<const JobRecord*> mine;
      for (const JobRecord* job : jobs) {
        if (job->run_attempt == w.attempt) mine.push_back(job);
      }
      if (w.conclusion == "action_required" || w.conclusion == "startup_failure") {
        EXPECT_TRUE(mine.empty());
        continue;
      }
      ASSERT_FALSE(mine.empty()) << "attempt " << w.attempt;
      const auto failed = std::ranges::count_if(mine, [](const JobRecord* j) {
        return classify_conclusion(j->conclusion) == Outcome::kFailed;
      });
      if (w.status == "completed") {
        const Outcome outcome = classify_conclusion(w.conclusion);
        if (outcome == Outcome::kFailed) {
          EXPECT_EQ(failed, 1);
          ++failed_runs;
        } else {
          EXPECT_EQ(failed, 0);
        }
        if (outcome == Outcome::kSuccess) {
          for (const JobRecord* j : mine) EXPECT_EQ(j->conclusion, "success");
        }
      }
      for (const JobRecord* job : mine) {
        ASSERT_TRUE(job->created_at);
        EXPECT_GE(*job->created_at, w.start);
        if (job->started_at) {
          EXPECT_GE(*job->started_at, *job->created_at);
        }
        if (job->completed_at) {
          EXPECT_LE(*job->completed_at, w.updated);
          EXPECT_GE(*job->completed_at, *job->started_at);
        }
        if (w.status != "completed") {
          EXPECT_NE(job->status, "completed");
          EXPECT_TRUE(job->steps.empty());
          if (job->started_at) {
            EXPECT_LE(*job->started_at, end_time);
          }
        }
        expect_steps_inside(*job);
      }
    }
    // No attempt beyond the run's.
    for (const JobRecord* job : jobs) EXPECT_LE(job->run_attempt, run.run_attempt);
  }
  EXPECT_GT(failed_runs, 500);
  EXPECT_GT(reruns, 100);
  // Five to six jobs a run, earlier attempts included.
  const double per_run = static_cast<double>(s.jobs.size()) / static_cast<double>(s.runs.size());
  EXPECT_GT(per_run, 5.0);
  EXPECT_LT(per_run, 8.0);
}

TEST(DemoJobsTest, SelfHostedRunnersQueueLongInWorkingHoursAndSomeDeploysWaitForApproval) {
  std::vector<std::int64_t> busy, quiet, hosted;
  int waited = 0;
  for (const JobRecord& job : sample().jobs) {
    if (job.waited) {
      ++waited;
      EXPECT_TRUE(job.name == "deploy-production" || job.name == "publish") << job.name;
    }
    auto queue = queue_seconds(job);
    if (!queue || job.conclusion == "skipped" || job.runner_name.empty()) continue;
    if (job.runner_group_name == kBuildFarm) {
      const int day = weekday_of(*job.created_at);
      const int hour = hour_of(*job.created_at);
      (day >= 1 && day <= 5 && hour >= 8 && hour < 18 ? busy : quiet).push_back(*queue);
    } else if (job.runner_group_name == kGitHubHosted) {
      hosted.push_back(*queue);
    }
  }
  auto median = [](std::vector<std::int64_t> v) {
    std::ranges::sort(v);
    return v.empty() ? -1 : v[v.size() / 2];
  };
  ASSERT_GT(busy.size(), 1000u);
  ASSERT_GT(quiet.size(), 100u);
  // Scaled onto the runs' own times, queues shrink; still minutes against seconds.
  EXPECT_GT(median(busy), 60);
  EXPECT_LT(median(quiet), 20);
  EXPECT_LT(median(hosted), 20);
  EXPECT_GT(waited, 10);
}

TEST(DemoJobsTest, TheSameSeedGivesTheSameJobsAndStepsCanBeLeftOutForOldRuns) {
  const Sample a = generate(7, 3000);
  const Sample b = generate(7, 3000);
  EXPECT_EQ(a.jobs, b.jobs);
  const Sample other = generate(8, 3000);
  EXPECT_NE(a.jobs, other.jobs);
  const Timestamp since = end_time - 30 * kSecondsPerDay;
  const Sample recent = generate(7, 3000, since);
  ASSERT_EQ(recent.jobs.size(), a.jobs.size());
  std::map<std::int64_t, Timestamp> created;
  for (const RunRecord& run : a.runs) created[run.id] = run.created_at;
  int with_steps = 0;
  for (std::size_t i = 0; i < a.jobs.size(); ++i) {
    JobRecord expected = a.jobs[i];
    if (created[expected.run_id] < since) expected.steps.clear();
    EXPECT_EQ(recent.jobs[i], expected);
    with_steps += recent.jobs[i].steps.empty() ? 0 : 1;
  }
  EXPECT_GT(with_steps, 0);
}

}  // namespace
}  // namespace cipette::demo
