#include "cipette/demo/demo_jobs.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "cipette/demo/demo_random.h"
#include "cipette/demo/demo_volume.h"

// Shape of an attempt's jobs: the graph's stages run one after the other; a stage's jobs are
// created together when the previous stage ends, each waits for a runner (its queue time), then
// runs. The plan is laid out in seconds from 0 (queues drawn in seconds, running times as shares
// of the attempt's duration), then scaled onto [run_started_at, updated_at] so that the last
// job completes at updated_at: the run generator's times stay the truth.
namespace cipette::demo {
namespace {

constexpr std::size_t kMaxGraphJobs = 12;
constexpr std::int64_t kIdsPerRun = 64;
constexpr std::int64_t kIdsPerAttempt = 20;
static_assert(kMaxGraphJobs <= kIdsPerAttempt && kIdsPerAttempt * 3 <= kIdsPerRun);

enum class Runner : std::uint8_t { kUbuntu, kWindows, kMacos, kFarm, kArmFarm };
enum class Kind : std::uint8_t { kLint, kBuild, kTest, kDeploy, kPublish, kAnalyze, kPlan };

struct JobSpec {
  std::string_view name;
  int stage = 0;
  Runner runner = Runner::kUbuntu;
  Kind kind = Kind::kBuild;
  double weight = 1;      // running time, relative to the other stages' jobs
  bool approval = false;  // a production environment: sometimes waits for an approval
};

struct Graph {
  std::array<JobSpec, kMaxGraphJobs> jobs;
  std::size_t count = 0;
  int stages = 0;

  void add(std::string_view name, int stage, Runner runner, Kind kind, double weight,
           bool approval = false) {
    jobs[count++] = JobSpec{name, stage, runner, kind, weight, approval};
    stages = std::max(stages, stage + 1);
  }
  std::span<const JobSpec> all() const { return {jobs.data(), count}; }
};

// Repositories whose build and test jobs run on the self-hosted build farm.
constexpr std::array<std::string_view, 8> kFarmRepositories = {
    "acme/api-gateway", "acme/payments",  "acme/data-pipeline", "acme/search",
    "acme/billing",     "acme/analytics", "acme/ml-platform",   "octo-labs/infra",
};

bool on_farm(std::string_view repository) {
  return std::ranges::find(kFarmRepositories, repository) != kFarmRepositories.end();
}

// The test matrix of a repository's CI.
void add_test_legs(Graph& g, std::string_view repository, Runner build_runner) {
  if (repository == "acme/sdk-python") {
    g.add("test (ubuntu-latest, 3.10)", 1, Runner::kUbuntu, Kind::kTest, 4);
    g.add("test (ubuntu-latest, 3.11)", 1, Runner::kUbuntu, Kind::kTest, 4);
    g.add("test (ubuntu-latest, 3.12)", 1, Runner::kUbuntu, Kind::kTest, 4);
    g.add("test (windows-latest, 3.12)", 1, Runner::kWindows, Kind::kTest, 6);
    g.add("test (macos-14, 3.12)", 1, Runner::kMacos, Kind::kTest, 5);
  } else if (repository == "acme/sdk-js") {
    g.add("test (18)", 1, Runner::kUbuntu, Kind::kTest, 4);
    g.add("test (20)", 1, Runner::kUbuntu, Kind::kTest, 4);
    g.add("test (22)", 1, Runner::kUbuntu, Kind::kTest, 4);
  } else if (repository == "acme/cli") {
    g.add("test (ubuntu-latest)", 1, Runner::kUbuntu, Kind::kTest, 4);
    g.add("test (windows-latest)", 1, Runner::kWindows, Kind::kTest, 6);
    g.add("test (macos-14)", 1, Runner::kMacos, Kind::kTest, 5);
  } else if (repository == "acme/mobile-app") {
    g.add("test (ios)", 1, Runner::kMacos, Kind::kTest, 6);
    g.add("test (android)", 1, Runner::kUbuntu, Kind::kTest, 5);
  } else if (build_runner == Runner::kFarm) {
    g.add("test (1/3)", 1, Runner::kFarm, Kind::kTest, 4);
    g.add("test (2/3)", 1, Runner::kFarm, Kind::kTest, 4);
    g.add("test (3/3)", 1, Runner::kFarm, Kind::kTest, 4);
  } else {
    g.add("test (ubuntu-latest, 3.10)", 1, Runner::kUbuntu, Kind::kTest, 4);
    g.add("test (ubuntu-latest, 3.11)", 1, Runner::kUbuntu, Kind::kTest, 4);
    g.add("test (ubuntu-latest, 3.12)", 1, Runner::kUbuntu, Kind::kTest, 4);
  }
}

// The job graph of `run`'s workflow: fixed per workflow and repository, with the jobs that
// only run on a push to main (deploys, publishing) added for those.
void build_graph(const RunRecord& run, Graph& g) {
  g.count = 0;
  g.stages = 0;
  const Runner heavy = on_farm(run.repository) ? Runner::kFarm : Runner::kUbuntu;
  const bool main_push =
      run.head_branch == "main" && (run.event == "push" || run.event == "workflow_dispatch");
  const std::string_view w = run.workflow_name;
  if (w == "CI") {
    g.add("lint", 0, Runner::kUbuntu, Kind::kLint, 1);
    g.add("typecheck", 0, Runner::kUbuntu, Kind::kLint, 1.2);
    g.add("build", 0, heavy, Kind::kBuild, 3);
    add_test_legs(g, run.repository, heavy);
    g.add("coverage", 2, Runner::kUbuntu, Kind::kPublish, 0.5);
    if (main_push) g.add("deploy", 2, Runner::kUbuntu, Kind::kDeploy, 1.5);
  } else if (w == "Build") {
    g.add("build (ubuntu-latest)", 0, Runner::kUbuntu, Kind::kBuild, 4);
    g.add("build (windows-latest)", 0, Runner::kWindows, Kind::kBuild, 6);
    g.add("build (macos-14)", 0, Runner::kMacos, Kind::kBuild, 5);
    g.add("package", 1, Runner::kUbuntu, Kind::kPublish, 1);
  } else if (w == "Lint") {
    g.add("lint", 0, Runner::kUbuntu, Kind::kLint, 1);
    g.add("typecheck", 0, Runner::kUbuntu, Kind::kLint, 1.2);
    g.add("format", 0, Runner::kUbuntu, Kind::kLint, 0.5);
  } else if (w == "Unit tests") {
    g.add("unit (1/4)", 0, heavy, Kind::kTest, 1);
    g.add("unit (2/4)", 0, heavy, Kind::kTest, 1);
    g.add("unit (3/4)", 0, heavy, Kind::kTest, 1);
    g.add("unit (4/4)", 0, heavy, Kind::kTest, 1);
    g.add("merge-coverage", 1, Runner::kUbuntu, Kind::kPublish, 0.2);
  } else if (w == "Integration tests") {
    g.add("build", 0, heavy, Kind::kBuild, 1);
    g.add("integration (postgres)", 1, heavy, Kind::kTest, 3);
    g.add("integration (redis)", 1, heavy, Kind::kTest, 2);
    g.add("integration (kafka)", 1, heavy, Kind::kTest, 2.5);
  } else if (w == "E2E tests") {
    g.add("build", 0, heavy, Kind::kBuild, 1);
    g.add("e2e (chromium)", 1, heavy, Kind::kTest, 3);
    g.add("e2e (firefox)", 1, heavy, Kind::kTest, 3.5);
    g.add("e2e (webkit)", 1, Runner::kMacos, Kind::kTest, 3.5);
    g.add("report", 2, Runner::kUbuntu, Kind::kPublish, 0.2);
  } else if (w == "Deploy") {
    g.add("build", 0, heavy, Kind::kBuild, 2);
    g.add("deploy-staging", 1, Runner::kUbuntu, Kind::kDeploy, 1);
    g.add("deploy-production", 2, Runner::kUbuntu, Kind::kDeploy, 1, true);
  } else if (w == "Release") {
    g.add("build (ubuntu-latest)", 0, Runner::kUbuntu, Kind::kBuild, 3);
    g.add("build (windows-latest)", 0, Runner::kWindows, Kind::kBuild, 4);
    g.add("build (macos-14)", 0, Runner::kMacos, Kind::kBuild, 4);
    g.add("publish", 1, Runner::kUbuntu, Kind::kPublish, 1, true);
  } else if (w == "CodeQL") {
    g.add("analyze (javascript)", 0, Runner::kUbuntu, Kind::kAnalyze, 1);
    g.add("analyze (python)", 0, Runner::kUbuntu, Kind::kAnalyze, 1.2);
    g.add("analyze (go)", 0, Runner::kUbuntu, Kind::kAnalyze, 1.1);
  } else if (w == "Docs") {
    g.add("build-docs", 0, Runner::kUbuntu, Kind::kBuild, 2);
    g.add("linkcheck", 0, Runner::kUbuntu, Kind::kLint, 1);
    if (main_push) g.add("publish-docs", 1, Runner::kUbuntu, Kind::kPublish, 1);
  } else if (w == "Terraform plan") {
    g.add("fmt", 0, Runner::kUbuntu, Kind::kLint, 0.3);
    g.add("validate", 0, Runner::kUbuntu, Kind::kLint, 0.4);
    g.add("tflint", 0, Runner::kUbuntu, Kind::kLint, 0.4);
    g.add("plan (staging)", 1, Runner::kFarm, Kind::kPlan, 2);
    g.add("plan (production)", 1, Runner::kFarm, Kind::kPlan, 2.5);
  } else if (w == "Docker image") {
    g.add("image (amd64)", 0, heavy, Kind::kBuild, 2);
    g.add("image (arm64)", 0, Runner::kArmFarm, Kind::kBuild, 3);
    if (main_push) g.add("push", 1, Runner::kUbuntu, Kind::kPublish, 0.5);
  } else if (w == "Nightly") {
    g.add("nightly (1/4)", 0, Runner::kFarm, Kind::kTest, 1);
    g.add("nightly (2/4)", 0, Runner::kFarm, Kind::kTest, 1);
    g.add("nightly (3/4)", 0, Runner::kFarm, Kind::kTest, 1);
    g.add("nightly (4/4)", 0, Runner::kFarm, Kind::kTest, 1);
    g.add("report", 1, Runner::kUbuntu, Kind::kPublish, 0.1);
  } else {
    g.add("build", 0, Runner::kUbuntu, Kind::kBuild, 1);
  }
}

// Steps of a job kind: names and shares of its running time; kMain is the step that fails or is
// cancelled. The first and the last two are GitHub's own.
struct StepSpec {
  std::string_view name;
  double weight;
};
struct StepPlan {
  std::span<const StepSpec> steps;
  std::size_t main;
  std::size_t post;  // steps from here on run even after a failure
};

constexpr std::array kLintSteps = {StepSpec{"Set up job", 2},
                                   StepSpec{"Run actions/checkout@v4", 2},
                                   StepSpec{"Run actions/setup-node@v4", 3},
                                   StepSpec{"Run npm ci", 10},
                                   StepSpec{"Run npm run lint", 20},
                                   StepSpec{"Post Run actions/checkout@v4", 0.5},
                                   StepSpec{"Complete job", 0.5}};
constexpr std::array kBuildSteps = {StepSpec{"Set up job", 2},
                                    StepSpec{"Run actions/checkout@v4", 3},
                                    StepSpec{"Run actions/cache@v4", 4},
                                    StepSpec{"Run make build", 60},
                                    StepSpec{"Run actions/upload-artifact@v4", 5},
                                    StepSpec{"Post Run actions/cache@v4", 3},
                                    StepSpec{"Post Run actions/checkout@v4", 0.5},
                                    StepSpec{"Complete job", 0.5}};
constexpr std::array kTestSteps = {StepSpec{"Set up job", 2},
                                   StepSpec{"Run actions/checkout@v4", 3},
                                   StepSpec{"Run actions/setup-python@v5", 3},
                                   StepSpec{"Install dependencies", 12},
                                   StepSpec{"Run tests", 70},
                                   StepSpec{"Upload test results", 2},
                                   StepSpec{"Post Run actions/checkout@v4", 0.5},
                                   StepSpec{"Complete job", 0.5}};
constexpr std::array kDeploySteps = {StepSpec{"Set up job", 2},
                                     StepSpec{"Run actions/checkout@v4", 3},
                                     StepSpec{"Run actions/download-artifact@v4", 4},
                                     StepSpec{"Deploy", 40},
                                     StepSpec{"Post Run actions/checkout@v4", 0.5},
                                     StepSpec{"Complete job", 0.5}};
constexpr std::array kAnalyzeSteps = {StepSpec{"Set up job", 2},
                                      StepSpec{"Run actions/checkout@v4", 3},
                                      StepSpec{"Initialize CodeQL", 10},
                                      StepSpec{"Autobuild", 20},
                                      StepSpec{"Perform CodeQL Analysis", 60},
                                      StepSpec{"Post Run actions/checkout@v4", 0.5},
                                      StepSpec{"Complete job", 0.5}};
constexpr std::array kPlanSteps = {StepSpec{"Set up job", 2},
                                   StepSpec{"Run actions/checkout@v4", 3},
                                   StepSpec{"Run hashicorp/setup-terraform@v3", 3},
                                   StepSpec{"Run terraform init", 15},
                                   StepSpec{"Run terraform plan", 50},
                                   StepSpec{"Post Run actions/checkout@v4", 0.5},
                                   StepSpec{"Complete job", 0.5}};

StepPlan step_plan(Kind kind) {
  switch (kind) {
    case Kind::kLint:
      return {kLintSteps, 4, 5};
    case Kind::kBuild:
      return {kBuildSteps, 3, 5};
    case Kind::kTest:
      return {kTestSteps, 4, 6};
    case Kind::kDeploy:
    case Kind::kPublish:
      return {kDeploySteps, 3, 4};
    case Kind::kAnalyze:
      return {kAnalyzeSteps, 4, 5};
    case Kind::kPlan:
      return {kPlanSteps, 4, 5};
  }
  return {kBuildSteps, 3, 5};
}

struct RunnerLabels {
  std::array<std::string_view, 3> labels;
  std::size_t count;
  std::string_view group;
  std::string_view name_prefix;  // runner_name: prefix and a number
};

RunnerLabels runner_labels(Runner runner) {
  switch (runner) {
    case Runner::kUbuntu:
      return {{"ubuntu-latest"}, 1, kGitHubHosted, "GitHub Actions "};
    case Runner::kWindows:
      return {{"windows-latest"}, 1, kGitHubHosted, "GitHub Actions "};
    case Runner::kMacos:
      return {{"macos-14"}, 1, kGitHubHosted, "GitHub Actions "};
    case Runner::kFarm:
      return {{"self-hosted", "linux", "x64"}, 3, kBuildFarm, "build-farm-"};
    case Runner::kArmFarm:
      return {{"self-hosted", "linux", "arm64"}, 3, kArmFarm, "arm-farm-"};
  }
  return {{"ubuntu-latest"}, 1, kGitHubHosted, "GitHub Actions "};
}

bool busy_hour(Timestamp t) {
  const int day = weekday_of(t);
  const int hour = hour_of(t);
  return day >= 1 && day <= 5 && hour >= 8 && hour < 18;
}

double clamp_seconds(double seconds, double lo, double hi) { return std::clamp(seconds, lo, hi); }

// Seconds a job created at `t` waits for a runner with these labels. Self-hosted pools are
// sized for nights and weekends: in working hours jobs queue for minutes, up to an hour.
double queue_seconds_for(DemoRandom& random, Runner runner, Timestamp t) {
  switch (runner) {
    case Runner::kUbuntu:
      return clamp_seconds(random.log_normal(4, 0.8), 1, 180);
    case Runner::kWindows:
      return clamp_seconds(random.log_normal(9, 0.8), 2, 300);
    case Runner::kMacos:
      return clamp_seconds(random.log_normal(20, 1.0), 2, 900);
    case Runner::kFarm:
      return busy_hour(t) ? clamp_seconds(random.log_normal(300, 0.9), 10, 3600)
                          : clamp_seconds(random.log_normal(6, 0.8), 1, 300);
    case Runner::kArmFarm:
      return busy_hour(t) ? clamp_seconds(random.log_normal(600, 0.8), 30, 5400)
                          : clamp_seconds(random.log_normal(15, 0.8), 2, 600);
  }
  return 5;
}

// A share of production deploys waits for someone to approve the environment.
constexpr double kApprovalShare = 0.3;

std::uint64_t mix(std::uint64_t seed, std::int64_t run_id) {
  std::uint64_t state = seed ^ (static_cast<std::uint64_t>(run_id) * 0x9E3779B97F4A7C15ULL);
  return splitmix64(state);
}

void append_number(std::string& out, std::int64_t n) {
  char digits[24];
  const auto written = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, written.ptr);
}

void assign_labels(JobRecord& job, const RunnerLabels& r) {
  job.labels.resize(r.count);
  for (std::size_t i = 0; i < r.count; ++i) job.labels[i].assign(r.labels[i]);
}

struct AttemptTimes {
  std::int64_t number = 1;
  std::string_view status;
  std::string_view conclusion;
  Timestamp start = 0;    // run_started_at
  Timestamp updated = 0;  // updated_at
};

// Lays out and writes the jobs of one attempt.
class AttemptJobs {
 public:
  AttemptJobs(const RunRecord& run, const Graph& graph, DemoRandom& random, Timestamp end,
              bool steps)
      : run_(run), graph_(graph), random_(random), end_(end), steps_(steps) {}

  template <typename NextJob>
  void add(const AttemptTimes& a, std::size_t failing, NextJob&& next_job);

 private:
  struct Planned {
    double created = 0;
    double started = 0;
    double completed = 0;
    bool waited = false;
    std::string_view conclusion;  // "" for a job that is not written
  };

  void fill_common(JobRecord& job, const AttemptTimes& a, std::size_t index) const;
  void fill_steps(JobRecord& job, Kind kind, std::string_view conclusion) const;

  const RunRecord& run_;
  const Graph& graph_;
  DemoRandom& random_;
  Timestamp end_;
  bool steps_;
  std::array<Planned, kMaxGraphJobs> plan_{};
};

void AttemptJobs::fill_common(JobRecord& job, const AttemptTimes& a, std::size_t index) const {
  const JobSpec& spec = graph_.jobs[index];
  job.id =
      run_.id * kIdsPerRun + (a.number - 1) * kIdsPerAttempt + static_cast<std::int64_t>(index);
  job.run_id = run_.id;
  job.run_attempt = a.number;
  job.name.assign(spec.name);
  assign_labels(job, runner_labels(spec.runner));
  job.html_url.assign(run_.html_url);
  job.html_url.append("/job/");
  append_number(job.html_url, job.id);
  job.runner_name.clear();
  job.runner_group_name.clear();
  job.steps.clear();
  job.waited = false;
  job.created_at.reset();
  job.started_at.reset();
  job.completed_at.reset();
}

// Steps partition [started_at, completed_at] in order by their weights; after a failed or
// cancelled main step the others up to the post steps are skipped and take no time.
void AttemptJobs::fill_steps(JobRecord& job, Kind kind, std::string_view conclusion) const {
  const StepPlan plan = step_plan(kind);
  const bool broken = conclusion != "success";
  double total = 0;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    if (!broken || i <= plan.main || i >= plan.post) total += plan.steps[i].weight;
  }
  const Timestamp from = *job.started_at;
  const Timestamp span = *job.completed_at - from;
  job.steps.resize(plan.steps.size());
  double done = 0;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    StepRecord& step = job.steps[i];
    const bool skipped = broken && i > plan.main && i < plan.post;
    step.number = static_cast<std::int64_t>(i + 1);
    step.name.assign(plan.steps[i].name);
    step.status.assign("completed");
    step.started_at = from + static_cast<Timestamp>(std::floor(span * (done / total)));
    if (!skipped) done += plan.steps[i].weight;
    step.completed_at =
        from + static_cast<Timestamp>(std::floor(span * std::min(1.0, done / total)));
    if (skipped) {
      step.conclusion.assign("skipped");
    } else if (broken && i == plan.main) {
      step.conclusion.assign(conclusion);
    } else {
      step.conclusion.assign("success");
    }
  }
}

template <typename NextJob>
void AttemptJobs::add(const AttemptTimes& a, std::size_t failing, NextJob&& next_job) {
  const std::span<const JobSpec> specs = graph_.all();
  if (a.status != "completed") {
    // In progress or queued at the end of the history: the first stage only, no steps.
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].stage != 0) continue;
      JobRecord& job = next_job();
      fill_common(job, a, i);
      job.created_at = a.start;
      const auto queue =
          static_cast<Timestamp>(queue_seconds_for(random_, specs[i].runner, a.start));
      job.conclusion.clear();
      if (a.status == "in_progress" && a.start + queue <= end_) {
        const RunnerLabels r = runner_labels(specs[i].runner);
        job.status.assign("in_progress");
        job.started_at = a.start + queue;
        job.runner_name.assign(r.name_prefix);
        append_number(job.runner_name, random_.between(1, 40));
        job.runner_group_name.assign(r.group);
      } else {
        job.status.assign("queued");
      }
    }
    return;
  }
  if (a.conclusion == "skipped") {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].stage != 0) continue;
      JobRecord& job = next_job();
      fill_common(job, a, i);
      job.status.assign("completed");
      job.conclusion.assign("skipped");
      job.created_at = job.started_at = job.completed_at = a.start;
    }
    return;
  }
  const bool failed = a.conclusion == "failure" || a.conclusion == "timed_out";
  const bool cancelled = a.conclusion == "cancelled";
  // The last stage that runs: the failing job's, or the one a cancellation cuts short.
  int last_stage = graph_.stages - 1;
  if (failed) last_stage = specs[failing].stage;
  if (cancelled) {
    last_stage = static_cast<int>(random_.below(static_cast<std::uint64_t>(graph_.stages)));
  }
  // Running times are shares of the attempt's duration along the stages that run.
  double path_weight = 0;
  for (int s = 0; s <= last_stage; ++s) {
    double longest = 0;
    for (const JobSpec& spec : specs) {
      if (spec.stage == s) longest = std::max(longest, spec.weight);
    }
    path_weight += longest;
  }
  const double duration = static_cast<double>(std::max<Timestamp>(a.updated - a.start, 1));
  double stage_start = 0;
  for (int s = 0; s <= last_stage; ++s) {
    double stage_end = stage_start;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      const JobSpec& spec = specs[i];
      if (spec.stage != s) continue;
      Planned& p = plan_[i];
      p = Planned{stage_start, stage_start, stage_start, false, "success"};
      double queue =
          queue_seconds_for(random_, spec.runner, a.start + static_cast<Timestamp>(stage_start));
      if (spec.approval && random_.chance(kApprovalShare)) {
        p.waited = true;
        queue = clamp_seconds(random_.log_normal(900, 1.0), 60, 4 * 3600);
      }
      double running = duration * spec.weight / path_weight * random_.log_normal(1, 0.25);
      if (failed && i == failing) {
        running *= 0.3 + 0.7 * random_.uniform();  // fails part way
        p.conclusion = a.conclusion;
      }
      p.started = stage_start + queue;
      p.completed = p.started + running;
      stage_end = std::max(stage_end, p.completed);
    }
    if (cancelled && s == last_stage) {
      // Someone cancels part way through the stage: its jobs end then, started or not.
      const double cut = stage_start + (stage_end - stage_start) * (0.2 + 0.7 * random_.uniform());
      for (std::size_t i = 0; i < specs.size(); ++i) {
        if (specs[i].stage != s) continue;
        Planned& p = plan_[i];
        p.conclusion = "cancelled";
        p.started = std::min(p.started, cut);
        p.completed = cut;
      }
      stage_end = cut;
    }
    // GitHub takes a moment to create the next stage's jobs.
    stage_start = s < last_stage ? stage_end + 2 : stage_end;
  }
  // Jobs of later stages: skipped when the failed stage ends; after a cancellation, never made.
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].stage > last_stage) {
      plan_[i] = Planned{stage_start, stage_start, stage_start, false, failed ? "skipped" : ""};
    }
  }
  // Scale [0, stage_start] onto [start, updated]: monotonic, so the order of every time holds.
  const double span = std::max(stage_start, 1.0);
  const Timestamp window = a.updated - a.start;
  auto at = [&](double t) {
    return a.start + std::min(window, static_cast<Timestamp>(
                                          std::floor(t / span * static_cast<double>(window))));
  };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const Planned& p = plan_[i];
    if (p.conclusion.empty()) continue;
    JobRecord& job = next_job();
    fill_common(job, a, i);
    job.status.assign("completed");
    job.conclusion.assign(p.conclusion);
    job.waited = p.waited;
    job.created_at = at(p.created);
    job.started_at = at(p.started);
    job.completed_at = at(p.completed);
    // A skipped job, or one cancelled before a runner took it, never ran: no runner, no steps.
    if (p.conclusion == "skipped" || p.started >= p.completed) continue;
    const RunnerLabels r = runner_labels(specs[i].runner);
    job.runner_name.assign(r.name_prefix);
    append_number(job.runner_name, random_.between(1, 40));
    job.runner_group_name.assign(r.group);
    if (steps_) fill_steps(job, specs[i].kind, p.conclusion);
  }
}

bool never_started(std::string_view conclusion) {
  return conclusion == "action_required" || conclusion == "startup_failure";
}

}  // namespace

std::span<const JobRecord> JobGenerator::jobs_of(std::span<const RunRecord> runs) {
  used_ = 0;
  auto next_job = [this]() -> JobRecord& {
    if (used_ == jobs_.size()) jobs_.emplace_back();
    return jobs_[used_++];
  };
  Graph graph;
  for (const RunRecord& run : runs) {
    DemoRandom random(mix(options_.seed, run.id));
    build_graph(run, graph);
    // The job that fails in every failed attempt of this run.
    const auto failing = static_cast<std::size_t>(random.below(graph.count));
    const bool steps = run.created_at >= options_.steps_since;
    AttemptJobs jobs(run, graph, random, options_.end, steps);
    for (const AttemptRecord& earlier : run.earlier_attempts) {
      if (!earlier.found || never_started(earlier.conclusion)) continue;
      const Timestamp start = earlier.run_started_at.value_or(run.created_at);
      jobs.add({earlier.attempt, earlier.status, earlier.conclusion, start, earlier.updated_at},
               failing, next_job);
    }
    if (never_started(run.conclusion)) continue;
    jobs.add({run.run_attempt, run.status, run.conclusion, run.started(), run.updated_at}, failing,
             next_job);
  }
  return {jobs_.data(), used_};
}

}  // namespace cipette::demo
