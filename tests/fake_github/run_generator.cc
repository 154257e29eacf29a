#include "fake_github/run_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include "cipette/demo/demo_random.h"
#include "fake_github/fake_hash.h"

// Runs are spread evenly over the span with a random offset inside each slot, so created_at
// grows with the index and run ids grow with created_at, as on GitHub. Failures come in streaks
// per workflow: a passing workflow starts failing with a small probability and a failing one
// recovers with a larger one.
namespace cipette::fake_github {
namespace {

struct WorkflowSpec {
  std::string_view name;
  std::string_view file;
  double median_seconds;
  std::uint64_t weight;  // out of 100
};

constexpr std::array<WorkflowSpec, 3> kWorkflows = {{
    {"CI", "ci.yml", 420, 60},
    {"Lint", "lint.yml", 75, 25},
    {"Deploy", "deploy.yml", 300, 15},
}};
constexpr std::array<std::string_view, 4> kActors = {"octocat", "monalisa", "hubot",
                                                     "dependabot[bot]"};
constexpr std::array<std::string_view, 3> kFeatureBranches = {"feature/login", "fix/flaky-test",
                                                              "release/1.2"};
constexpr double kStartFailing = 0.08;
constexpr double kRecover = 0.4;
constexpr std::int64_t kMaxDurationSeconds = std::int64_t{4} * 3600;
// Re-runs (RunGeneration): the share of re-run runs with a third attempt, the conclusions of
// earlier and last attempts, and the wait before someone clicks "Re-run".
constexpr double kThirdAttempt = 0.25;
constexpr double kEarlierFailure = 0.75;
constexpr double kEarlierCancelled = 0.15;  // the remaining 10% succeeded
constexpr double kLastSuccess = 0.8;
constexpr std::int64_t kMinRerunWait = 60;
constexpr std::int64_t kMaxRerunWait = std::int64_t{6} * 3600;

struct Generator {
  demo::DemoRandom random;
  const GenerationTarget& target;
  double rerun_share = 0;
  std::array<bool, kWorkflows.size()> failing{};
};

std::size_t pick_workflow(demo::DemoRandom& random) {
  std::uint64_t draw = random.below(100);
  for (std::size_t i = 0; i < kWorkflows.size(); ++i) {
    if (draw < kWorkflows[i].weight) return i;
    draw -= kWorkflows[i].weight;
  }
  return 0;
}

void pick_trigger(demo::DemoRandom& random, RunRecord& run) {
  const std::uint64_t draw = random.below(100);
  run.event = draw < 60   ? "push"
              : draw < 90 ? "pull_request"
              : draw < 95 ? "schedule"
                          : "workflow_dispatch";
  run.head_branch = run.event == "pull_request"
                        ? std::string(kFeatureBranches[random.below(kFeatureBranches.size())])
                        : "main";
  run.actor = std::string(kActors[random.below(kActors.size())]);
}

std::string pick_conclusion(Generator& gen, std::size_t workflow) {
  bool& failing = gen.failing[workflow];
  failing = failing ? !gen.random.chance(kRecover) : gen.random.chance(kStartFailing);
  const std::uint64_t draw = gen.random.below(100);
  if (draw < 3) return "cancelled";
  if (draw < 5) return "skipped";
  if (draw < 6) return "timed_out";
  return failing ? "failure" : "success";
}

std::int64_t pick_duration(Generator& gen, std::size_t workflow) {
  const double seconds = gen.random.log_normal(kWorkflows[workflow].median_seconds, 0.5);
  return std::clamp<std::int64_t>(std::llround(seconds), 5, kMaxDurationSeconds);
}

std::string earlier_conclusion(demo::DemoRandom& random) {
  const double draw = random.uniform();
  if (draw < kEarlierFailure) return "failure";
  return draw < kEarlierFailure + kEarlierCancelled ? "cancelled" : "success";
}

// Makes the completed single-attempt `run` one that was re-run: its first attempt starts when
// the run did, each re-run some minutes to hours after the previous attempt ended, and the last
// attempt becomes the run's. Attempts that would not end before `end` are not made.
void add_reruns(Generator& gen, std::size_t workflow, Timestamp end, RunRecord& run) {
  const std::size_t attempts = gen.random.chance(kThirdAttempt) ? 3 : 2;
  std::vector<std::pair<Timestamp, Timestamp>> spans = {{*run.run_started_at, run.updated_at}};
  while (spans.size() < attempts) {
    const Timestamp started =
        spans.back().second + gen.random.between(kMinRerunWait, kMaxRerunWait);
    const Timestamp ended = started + pick_duration(gen, workflow);
    if (ended >= end) break;
    spans.emplace_back(started, ended);
  }
  if (spans.size() == 1) return;
  run.earlier_attempts.clear();
  for (std::size_t i = 0; i + 1 < spans.size(); ++i) {
    run.earlier_attempts.push_back({run.id, static_cast<std::int64_t>(i + 1), true, "completed",
                                    earlier_conclusion(gen.random), spans[i].first,
                                    spans[i].second});
  }
  run.run_attempt = static_cast<std::int64_t>(spans.size());
  run.conclusion = gen.random.chance(kLastSuccess) ? "success" : "failure";
  run.run_started_at = spans.back().first;
  run.updated_at = spans.back().second;
}

// Status, conclusion and times of a run created at run.created_at.
void finish(Generator& gen, std::size_t workflow, bool in_progress, Timestamp end, RunRecord& run) {
  const Timestamp started = run.created_at + gen.random.between(0, 20);
  if (in_progress) {
    run.status = "in_progress";
    run.run_started_at = started;
    run.updated_at = started;
    return;
  }
  run.status = "completed";
  run.conclusion = pick_conclusion(gen, workflow);
  run.updated_at = std::min(started + pick_duration(gen, workflow), end - 1);
  run.run_started_at = std::min(started, run.updated_at);
  if (gen.random.chance(gen.rerun_share)) add_reruns(gen, workflow, end, run);
}

RunRecord make_run(Generator& gen, std::int64_t index, Timestamp created) {
  const GenerationTarget& target = gen.target;
  const std::size_t workflow = pick_workflow(gen.random);
  RunRecord run;
  run.id = target.first_run_id + index;
  run.repository_id = target.repository_id;
  run.repository = target.repository;
  run.workflow_id = target.repository_id * 100 + static_cast<std::int64_t>(workflow) + 1;
  run.workflow_name = std::string(kWorkflows[workflow].name);
  run.path = ".github/workflows/" + std::string(kWorkflows[workflow].file);
  run.run_number = ++(*target.run_numbers)[run.workflow_id];
  pick_trigger(gen.random, run);
  run.head_sha = hex_digest(target.repository + "@" + std::to_string(run.id), 40);
  run.created_at = created;
  run.html_url =
      "https://github.com/" + target.repository + "/actions/runs/" + std::to_string(run.id);
  return run;
}

}  // namespace

std::vector<RunRecord> generate_runs(const RunGeneration& generation,
                                     const GenerationTarget& target) {
  Generator gen{demo::DemoRandom(generation.seed ^ fnv1a(target.repository)),
                target,
                generation.rerun_share,
                {}};
  std::vector<RunRecord> runs;
  runs.reserve(static_cast<std::size_t>(generation.count));
  const Timestamp first = generation.end - generation.span_seconds;
  const double slot = static_cast<double>(generation.span_seconds) /
                      static_cast<double>(std::max<std::int64_t>(generation.count, 1));
  Timestamp previous = first;
  for (std::int64_t i = 0; i < generation.count; ++i) {
    const double offset = (static_cast<double>(i) + gen.random.uniform()) * slot;
    const Timestamp created =
        std::clamp<Timestamp>(first + static_cast<Timestamp>(offset), previous, generation.end - 1);
    previous = created;
    RunRecord run = make_run(gen, i, created);
    const std::size_t workflow = static_cast<std::size_t>(run.workflow_id % 100) - 1;
    const bool in_progress = i >= generation.count - generation.in_progress;
    finish(gen, workflow, in_progress, generation.end, run);
    runs.push_back(std::move(run));
  }
  if (generation.in_progress >= 2 && !runs.empty()) {
    RunRecord& newest = runs.back();  // one still waiting for a runner
    newest.status = "queued";
    newest.run_started_at = newest.created_at;
    newest.updated_at = newest.created_at;
  }
  return runs;
}

}  // namespace cipette::fake_github
