// The job and runner metrics against a brute-force reference written here from docs/metrics.md
// ("Jobs, queue time and runners"), straight from the RunRecords and JobRecords, on random
// histories and scopes; an incremental build against a fresh one; and the memory a job takes.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cipette/core/job_metrics.h"
#include "cipette/core/job_table.h"
#include "support/job_fixtures.h"
#include "support/run_fixtures.h"

namespace cipette {
namespace {

using testing::table_of;

constexpr Timestamp kDay = 86400;
constexpr Timestamp kNow = 1710072000;  // 2024-03-10T12:00:00Z

// --- Random histories ---------------------------------------------------------------------------

struct WorkflowSpec {
  const char* repository;
  std::int64_t id;
  const char* name;
  const char* path;
};

constexpr WorkflowSpec kWorkflows[] = {
    {"octo/app", 10, "CI", ".github/workflows/ci.yml"},
    {"octo/app", 20, "Lint", ".github/workflows/lint.yml"},
    {"octo/lib", 10, "CI", ".github/workflows/ci.yml"},
    {"acme/web", 40, "Deploy", ".github/workflows/deploy.yml"},
};

struct History {
  std::vector<RunRecord> runs;
  std::vector<JobRecord> jobs;  // in change order; a later version of an id replaces it
};

// `count` runs over the 12 days before kNow, up to 3 attempts, each attempt with a few jobs of
// random names (matrix legs, a name twice in one attempt), outcomes, times (missing, waited,
// started before created), labels and runner groups; a few jobs of runs not stored, and some
// jobs listed again later with another outcome.
History random_history(std::uint32_t seed, int count) {
  std::mt19937 random(seed);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  auto one_of = [&](const auto& list) {
    return list[static_cast<std::size_t>(pick(std::size(list)))];
  };
  const std::vector<std::string> names = {"build", "test (ubuntu, 3.12)", "test (windows, 3.12)",
                                          "lint",  "deploy (prod) (eu)",  "test"};
  const std::vector<std::string> conclusions = {"success",   "success", "success",
                                                "failure",   "failure", "timed_out",
                                                "cancelled", "skipped", ""};
  const std::vector<std::vector<std::string>> label_sets = {{"ubuntu-latest"},
                                                            {"self-hosted", "linux", "x64"},
                                                            {"x64", "linux", "self-hosted", "x64"},
                                                            {},
                                                            {"windows-latest"}};
  const std::vector<std::string> runner_groups = {"", "GitHub Actions", "GitHub Actions", "self"};
  History h;
  std::int64_t job_id = 1;
  for (int i = 0; i < count; ++i) {
    const WorkflowSpec& w = kWorkflows[pick(std::size(kWorkflows))];
    RunRecord run;
    run.id = 5000 + 7 * i;
    run.repository = w.repository;
    run.workflow_id = w.id;
    run.workflow_name = w.name;
    run.path = w.path;
    run.event = pick(3) == 0 ? "pull_request" : "push";
    run.status = pick(8) == 0 ? "in_progress" : "completed";
    run.conclusion = one_of(conclusions);
    run.head_branch = pick(3) == 0 ? "dev" : "main";
    run.created_at = kNow + 3600 - Timestamp{1800} * pick(12 * 48);
    run.updated_at = run.created_at + 600;
    run.run_attempt = 1 + (pick(4) == 0 ? 1 + pick(2) : 0);
    bool stored = pick(20) != 0;  // else: jobs of a run the store does not hold
    if (stored) h.runs.push_back(run);
    for (int attempt = 1; attempt <= run.run_attempt; ++attempt) {
      int jobs = 1 + pick(5);
      for (int k = 0; k < jobs; ++k) {
        JobRecord job =
            testing::ci_job(job_id++, run.id, attempt, one_of(names), one_of(conclusions),
                            run.created_at + Timestamp{700} * attempt, pick(7) * 13 - 5,
                            pick(9) * 37 - 10, one_of(label_sets));
        if (job.completed_at < job.started_at) job.completed_at = job.started_at;
        if (pick(10) == 0) job.created_at.reset();
        if (pick(12) == 0) job.waited = true;
        if (pick(10) == 0) {
          job.status = "in_progress";
          job.completed_at.reset();
        }
        if (pick(15) == 0) job.completed_at = *job.started_at - 5;  // clock trouble
        job.runner_group_name = one_of(runner_groups);
        h.jobs.push_back(job);
      }
    }
  }
  // Later versions of some jobs (the store's change order): a completion, another conclusion.
  std::size_t listed = h.jobs.size();
  for (std::size_t k = 0; k < listed / 10; ++k) {
    JobRecord job = h.jobs[static_cast<std::size_t>(pick(static_cast<int>(listed)))];
    job.status = "completed";
    job.conclusion = one_of(conclusions);
    job.completed_at = job.started_at.value_or(kNow) + 100;
    h.jobs.push_back(job);
  }
  return h;
}

// --- The reference ------------------------------------------------------------------------------

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool in_scope(const RunRecord& run, const Scope& scope) {
  bool period = true;
  if (scope.period.kind == Period::Kind::kDays) {
    period = run.created_at >= scope.now - scope.period.days * kDay;
  } else if (scope.period.kind == Period::Kind::kRange) {
    period = run.created_at >= scope.period.from && run.created_at < scope.period.to;
  }
  std::string file = run.path.substr(run.path.rfind('/') + 1);
  return period && (scope.repository.empty() || lower(run.repository) == lower(scope.repository)) &&
         (scope.workflow.empty() || run.workflow_name == scope.workflow || file == scope.workflow ||
          std::to_string(run.workflow_id) == scope.workflow) &&
         (scope.branch.empty() || run.head_branch == scope.branch) &&
         (scope.event.empty() || run.event == scope.event);
}

std::optional<std::int64_t> percentile(std::vector<std::int64_t> values, std::int64_t p) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  auto n = static_cast<std::int64_t>(values.size());
  std::int64_t rank = std::max<std::int64_t>(1, (p * n + 99) / 100);
  return values[static_cast<std::size_t>(rank - 1)];
}

JobStats stats(const std::vector<std::int64_t>& values) {
  JobStats s;
  s.count = static_cast<std::int64_t>(values.size());
  if (values.empty()) return s;
  std::int64_t sum = 0;
  for (std::int64_t v : values) sum += v;
  s.mean = static_cast<double>(sum) / static_cast<double>(s.count);
  s.p50 = percentile(values, 50);
  s.p95 = percentile(values, 95);
  return s;
}

std::string text(const JobStats& s) {
  auto opt = [](const auto& v) { return v ? fmt::format("{}", *v) : std::string("none"); };
  return fmt::format("{} {} {} {}", s.count, opt(s.mean), opt(s.p50), opt(s.p95));
}

std::string text(const JobRow& r) {
  return fmt::format("{} {} {} {} | {} {} {} {} {} | d {} | q {} | w {} f {} | {}", r.repository,
                     r.workflow_id, r.workflow, r.job, r.executions, r.success, r.failed, r.neutral,
                     r.success_rate ? fmt::format("{}", *r.success_rate) : "none", text(r.duration),
                     text(r.queue), r.approval_waits, r.flaky_jobs, fmt::join(r.legs, ";"));
}

std::string text(const RunnerRow& r) {
  return fmt::format("[{}] {} | {} | q {} | d {} | {}", fmt::join(r.labels, ","), r.runner_group,
                     r.executions, text(r.queue), text(r.duration), r.billable_minutes);
}

template <typename Row>
std::vector<std::string> texts(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(text(r));
  return out;
}

// The latest version of each job whose run is stored, with its run (once per history).
std::vector<std::pair<const RunRecord*, JobRecord>> stored_jobs(const History& h) {
  std::map<std::int64_t, JobRecord> latest;
  for (const JobRecord& job : h.jobs) latest[job.id] = job;
  std::map<std::int64_t, const RunRecord*> runs;
  for (const RunRecord& run : h.runs) runs[run.id] = &run;
  std::vector<std::pair<const RunRecord*, JobRecord>> out;
  for (const auto& [id, job] : latest) {
    auto run = runs.find(job.run_id);
    if (run != runs.end()) out.emplace_back(run->second, job);
  }
  return out;
}

// Those of them whose run is in scope.
std::vector<std::pair<const RunRecord*, const JobRecord*>> jobs_in_scope(
    const std::vector<std::pair<const RunRecord*, JobRecord>>& stored, const Scope& scope) {
  std::vector<std::pair<const RunRecord*, const JobRecord*>> out;
  for (const auto& [run, job] : stored) {
    if (in_scope(*run, scope)) out.emplace_back(run, &job);
  }
  return out;
}

struct Counts {
  std::int64_t executions = 0, success = 0, failed = 0, waits = 0, billable = 0;
  std::vector<std::int64_t> durations, queues;
  std::set<std::string> names;
  void add(const JobRecord& job) {
    ++executions;
    Outcome o = classify_conclusion(job.conclusion);
    success += o == Outcome::kSuccess;
    failed += o == Outcome::kFailed;
    waits += job.waited;
    if (auto d = job_duration_seconds(job)) {
      durations.push_back(*d);
      billable += *d / 60 + (*d % 60 != 0 ? 1 : 0);
    }
    if (auto q = queue_seconds(job)) queues.push_back(*q);
    names.insert(job.name);
  }
};

using Stored = std::vector<std::pair<const RunRecord*, JobRecord>>;

std::vector<std::string> reference_job_rows(const Stored& h, const Scope& scope) {
  using Key = std::tuple<std::string, std::string, std::int64_t, std::string>;
  std::map<Key, Counts> counts;
  std::map<Key, std::int64_t> flaky;
  // (run, name) -> attempts that failed / succeeded.
  std::map<std::pair<std::int64_t, std::string>,
           std::pair<std::set<std::int64_t>, std::set<std::int64_t>>>
      outcomes;
  std::map<std::pair<std::int64_t, std::string>, Key> key_of;
  for (const auto& [run, job_of_run] : jobs_in_scope(h, scope)) {
    const JobRecord& job = *job_of_run;
    if (!job.completed()) continue;
    Key key{run->repository, run->workflow_name, run->workflow_id,
            std::string(job_group_name(job.name))};
    counts[key].add(job);
    auto& [failed, succeeded] = outcomes[{run->id, job.name}];
    Outcome o = classify_conclusion(job.conclusion);
    if (o == Outcome::kFailed) failed.insert(job.run_attempt);
    if (o == Outcome::kSuccess) succeeded.insert(job.run_attempt);
    key_of[{run->id, job.name}] = key;
  }
  for (const auto& [run_name, attempts] : outcomes) {
    const auto& [failed, succeeded] = attempts;
    if (!failed.empty() && !succeeded.empty() && *succeeded.rbegin() > *failed.begin()) {
      ++flaky[key_of[run_name]];
    }
  }
  std::vector<std::string> out;
  for (auto& [key, c] : counts) {
    JobRow r;
    std::tie(r.repository, r.workflow, r.workflow_id, r.job) = key;
    r.executions = c.executions;
    r.success = c.success;
    r.failed = c.failed;
    r.neutral = c.executions - c.success - c.failed;
    if (c.success + c.failed > 0) {
      r.success_rate = std::round(10000.0 * static_cast<double>(c.success) /
                                  static_cast<double>(c.success + c.failed)) /
                       100.0;
    }
    r.duration = stats(c.durations);
    r.queue = stats(c.queues);
    r.approval_waits = c.waits;
    r.flaky_jobs = flaky[key];
    if (c.names.size() > 1 || *c.names.begin() != r.job) {
      r.legs.assign(c.names.begin(), c.names.end());
    }
    out.push_back(text(r));
  }
  return out;
}

std::vector<std::string> reference_runner_rows(const Stored& h, const Scope& scope) {
  std::map<std::pair<std::vector<std::string>, std::string>, Counts> counts;
  for (const auto& [run, job_of_run] : jobs_in_scope(h, scope)) {
    const JobRecord& job = *job_of_run;
    if (!job.completed()) continue;
    std::set<std::string> labels(job.labels.begin(), job.labels.end());
    counts[{std::vector<std::string>(labels.begin(), labels.end()), job.runner_group_name}].add(
        job);
  }
  std::vector<std::string> out;
  for (auto& [key, c] : counts) {
    RunnerRow r;
    std::tie(r.labels, r.runner_group) = key;
    r.executions = c.executions;
    r.queue = stats(c.queues);
    r.duration = stats(c.durations);
    r.billable_minutes = c.billable;
    out.push_back(text(r));
  }
  return out;
}

// (day, count, p50, p95) of the days with queue times; every day must be in the answer.
std::vector<std::string> reference_queue_days(const Stored& h, const Scope& scope) {
  std::map<std::int64_t, std::vector<std::int64_t>> days;
  for (const auto& [run, job] : jobs_in_scope(h, scope)) {
    if (scope.period.kind == Period::Kind::kDays && day_index(run->created_at) > day_index(kNow)) {
      continue;
    }
    if (auto q = queue_seconds(*job); q && job->completed()) {
      days[day_index(run->created_at)].push_back(*q);
    }
  }
  std::vector<std::string> out;
  out.reserve(days.size());
  for (const auto& [day, values] : days) {
    out.push_back(fmt::format("{} {} {} {}", day, values.size(), *percentile(values, 50),
                              *percentile(values, 95)));
  }
  return out;
}

std::vector<std::string> queue_days(const std::vector<DailyQueuePoint>& points) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const DailyQueuePoint& p = points[i];
    EXPECT_EQ(p.day, points[0].day + static_cast<std::int64_t>(i));
    if (p.count > 0) out.push_back(fmt::format("{} {} {} {}", p.day, p.count, *p.p50, *p.p95));
  }
  return out;
}

// Every completed job in scope pooled (compute_job_totals): executions, queue, duration.
std::string reference_totals(const Stored& h, const Scope& scope) {
  Counts c;
  for (const auto& [run, job] : jobs_in_scope(h, scope)) {
    if (job->completed()) c.add(*job);
  }
  return fmt::format("{} queue {} duration {}", c.executions, text(stats(c.queues)),
                     text(stats(c.durations)));
}

// compute_runner_report against the reference: its rows, days and totals.
void expect_runner_report(const RunTable& runs, const JobTable& jobs, const Stored& stored,
                          const Scope& scope) {
  RunnerReport report = compute_runner_report(runs, jobs, scope);
  EXPECT_EQ(texts(report.rows), reference_runner_rows(stored, scope));
  EXPECT_EQ(queue_days(report.days), reference_queue_days(stored, scope));
  EXPECT_EQ(fmt::format("{} queue {} duration {}", report.totals.executions,
                        text(report.totals.queue), text(report.totals.duration)),
            reference_totals(stored, scope));
}

std::vector<Scope> scopes() {
  std::vector<Period> periods = {Period::last_days(3), Period::last_days(30), Period::all(),
                                 Period::range(kNow - 5 * kDay, kNow - 2 * kDay)};
  std::vector<Scope> out;
  for (const Period& period : periods) {
    for (int f = 0; f < 8; ++f) {
      Scope s = testing::scope_at(period, kNow);
      if (f == 1) s.repository = "OCTO/app";
      if (f == 2) s.workflow = "ci.yml";
      if (f == 3) s.workflow = "20";
      if (f == 4) s.branch = "dev";
      if (f == 5) s.event = "pull_request";
      if (f == 6) s.branch = "nowhere";
      if (f == 7) {
        s.repository = "octo/lib";
        s.event = "push";
      }
      out.push_back(s);
    }
  }
  return out;
}

std::string describe(const Scope& s) {
  return fmt::format("period {} {} {} {} repo '{}' workflow '{}' branch '{}' event '{}'",
                     static_cast<int>(s.period.kind), s.period.days, s.period.from, s.period.to,
                     s.repository, s.workflow, s.branch, s.event);
}

std::shared_ptr<const JobTable> load(testing::MemoryJobReader& reader, const RunTable& runs,
                                     const JobTable* base = nullptr) {
  auto table = load_job_table(reader, runs, base);
  EXPECT_TRUE(table.has_value());
  return *table;
}

TEST(JobMetricsReferenceTest, JobAndRunnerRowsMatchABruteForceReference) {
  for (std::uint32_t seed : {1U, 2U, 3U}) {
    History h = random_history(seed, 400);
    RunTable runs = table_of(h.runs);
    testing::MemoryJobReader reader;
    reader.jobs = h.jobs;
    auto jobs = load(reader, runs);
    Stored stored = stored_jobs(h);
    std::size_t compared = 0;  // so that the test cannot pass on empty answers
    bool flaky = false;
    for (const Scope& scope : scopes()) {
      SCOPED_TRACE(fmt::format("seed {} {}", seed, describe(scope)));
      for (const JobRow& row : compute_job_metrics(runs, *jobs, scope)) {
        ++compared;
        flaky = flaky || (row.flaky_jobs > 0 && !row.legs.empty());
      }
      EXPECT_EQ(texts(compute_job_metrics(runs, *jobs, scope)), reference_job_rows(stored, scope));
      EXPECT_EQ(texts(compute_runner_metrics(runs, *jobs, scope)),
                reference_runner_rows(stored, scope));
      EXPECT_EQ(queue_days(compute_daily_queue(runs, *jobs, scope)),
                reference_queue_days(stored, scope));
      expect_runner_report(runs, *jobs, stored, scope);
    }
    EXPECT_GT(compared, 200U);
    EXPECT_TRUE(flaky);
  }
}

TEST(JobMetricsReferenceTest, LargeGroupsMatchTheReferenceToo) {
  // Thousands of jobs in one group and one runner row, with times past 16 bits (kept apart
  // from the counted ones).
  std::mt19937 random(5);
  History h;
  for (std::int64_t r = 0; r < 1200; ++r) {
    RunRecord run = testing::ci_run(9000 + r, "success", kNow - 400 * r, 600);
    run.event = r % 3 == 0 ? "pull_request" : "push";
    h.runs.push_back(run);
    for (std::int64_t k = 0; k < 4; ++k) {
      h.jobs.push_back(testing::ci_job(100'000 + 4 * r + k, run.id, 1, fmt::format("test ({})", k),
                                       random() % 4 == 0 ? "failure" : "success", run.created_at,
                                       static_cast<Timestamp>(random() % 300'000),
                                       static_cast<Timestamp>(random() % 100'000)));
    }
  }
  RunTable runs = table_of(h.runs);
  testing::MemoryJobReader reader;
  reader.jobs = h.jobs;
  auto jobs = load(reader, runs);
  Stored stored = stored_jobs(h);
  for (const Scope& scope : scopes()) {
    SCOPED_TRACE(describe(scope));
    EXPECT_EQ(texts(compute_job_metrics(runs, *jobs, scope)), reference_job_rows(stored, scope));
    EXPECT_EQ(texts(compute_runner_metrics(runs, *jobs, scope)),
              reference_runner_rows(stored, scope));
  }
  EXPECT_EQ(compute_job_metrics(runs, *jobs, testing::scope_at(Period::all(), kNow))[0].executions,
            4800);
}

TEST(JobMetricsReferenceTest, QueriesCountedOnTwoCoresMatchTheReference) {
  // 60,000 jobs over the four workflows: past the 50,000 jobs from which a query counts its
  // workflows on two cores (kJobsForTwoCores in job_metrics.cc), whose counts are then merged
  // (the runner rows, the daily queue times, the totals). Times spread over many bins of 256 s
  // and past 2^16 s.
  std::mt19937 random(11);
  auto seconds = [&] {
    std::uint32_t kind = random() % 10;
    return static_cast<Timestamp>(kind < 7   ? random() % 2000
                                  : kind < 9 ? random() % 60'000
                                             : random() % 300'000);
  };
  History h;
  for (std::int64_t r = 0; r < 15'000; ++r) {
    const WorkflowSpec& w = kWorkflows[static_cast<std::size_t>(r % 4)];
    RunRecord run = testing::ci_run(200'000 + r, "success", kNow - 60 * r, 600);
    run.repository = w.repository;
    run.workflow_id = w.id;
    run.workflow_name = w.name;
    run.path = w.path;
    run.event = r % 3 == 0 ? "pull_request" : "push";
    h.runs.push_back(run);
    for (std::int64_t k = 0; k < 4; ++k) {
      h.jobs.push_back(testing::ci_job(
          1'000'000 + 4 * r + k, run.id, 1, k == 3 ? "lint" : fmt::format("test ({})", k),
          random() % 5 == 0 ? "failure" : "success", run.created_at, seconds(), seconds(),
          {k % 2 == 0 ? "ubuntu-latest" : "windows-latest"}));
    }
  }
  RunTable runs = table_of(h.runs);
  testing::MemoryJobReader reader;
  reader.jobs = h.jobs;
  auto jobs = load(reader, runs);
  ASSERT_EQ(jobs->size(), 60'000U);
  Stored stored = stored_jobs(h);
  std::vector<Scope> wide = {testing::scope_at(Period::all(), kNow),
                             testing::scope_at(Period::last_days(10), kNow)};
  wide.push_back(wide[0]);
  wide.back().event = "push";  // run by run, not one range a workflow
  for (const Scope& scope : wide) {
    SCOPED_TRACE(describe(scope));
    EXPECT_EQ(texts(compute_job_metrics(runs, *jobs, scope)), reference_job_rows(stored, scope));
    EXPECT_EQ(texts(compute_runner_metrics(runs, *jobs, scope)),
              reference_runner_rows(stored, scope));
    EXPECT_EQ(queue_days(compute_daily_queue(runs, *jobs, scope)),
              reference_queue_days(stored, scope));
    JobTotals totals = compute_job_totals(runs, *jobs, scope);
    EXPECT_EQ(fmt::format("{} queue {} duration {}", totals.executions, text(totals.queue),
                          text(totals.duration)),
              reference_totals(stored, scope));
    expect_runner_report(runs, *jobs, stored, scope);
  }
  EXPECT_EQ(compute_job_totals(runs, *jobs, wide[0]).executions, 60'000);
}

TEST(JobMetricsReferenceTest, IncrementalBuildGivesTheFiguresOfAFreshOne) {
  History h = random_history(4, 500);
  // The first build sees the first half of the runs and of the job versions; the second the
  // rest, merged into it (new runs, new jobs, new versions of jobs in the base).
  testing::MemoryJobReader reader;
  reader.jobs.assign(h.jobs.begin(),
                     h.jobs.begin() + static_cast<std::ptrdiff_t>(h.jobs.size() / 2));
  RunTable first_runs = table_of(std::vector<RunRecord>(
      h.runs.begin(), h.runs.begin() + static_cast<std::ptrdiff_t>(h.runs.size() / 2)));
  auto first = load(reader, first_runs);
  EXPECT_EQ(first->watermark(), static_cast<ChangeSeq>(reader.jobs.size()));
  reader.jobs = h.jobs;
  RunTable runs = table_of(h.runs);
  auto merged = load(reader, runs, first.get());
  auto fresh = load(reader, runs);
  EXPECT_EQ(merged->size(), fresh->size());
  Stored stored = stored_jobs(h);
  for (const Scope& scope : scopes()) {
    SCOPED_TRACE(describe(scope));
    EXPECT_EQ(texts(compute_job_metrics(runs, *merged, scope)),
              texts(compute_job_metrics(runs, *fresh, scope)));
    EXPECT_EQ(texts(compute_runner_metrics(runs, *merged, scope)),
              texts(compute_runner_metrics(runs, *fresh, scope)));
    EXPECT_EQ(texts(compute_job_metrics(runs, *merged, scope)), reference_job_rows(stored, scope));
  }
}

TEST(JobMetricsReferenceTest, AJobTakesAtMostThirtyTwoBytes) {
  // 100,000 jobs: 6 per run, over 12 names, 5 label sets and 3 runner groups.
  std::vector<RunRecord> runs;
  testing::MemoryJobReader reader;
  const std::vector<std::string> names = {"build", "lint", "test (a)", "test (b)", "e2e", "docs"};
  for (std::int64_t r = 0; r < 100'000 / 6 + 1; ++r) {
    runs.push_back(testing::ci_run(1'000'000 + r, "success", kNow - 60 * r, 600));
    for (std::size_t k = 0; k < names.size() && reader.jobs.size() < 100'000; ++k) {
      reader.jobs.push_back(testing::ci_job(static_cast<std::int64_t>(reader.jobs.size()) + 1,
                                            1'000'000 + r, 1, names[k], "success", kNow - 60 * r,
                                            10, 100, {fmt::format("label-{}", r % 5)}));
      reader.jobs.back().runner_group_name = fmt::format("group-{}", r % 3);
    }
  }
  RunTable table = table_of(runs);
  auto jobs = load(reader, table);
  ASSERT_EQ(jobs->size(), 100'000U);
  double per_job = static_cast<double>(jobs->memory_bytes()) / 100'000.0;
  EXPECT_LE(per_job, 32.0);
  RecordProperty("bytes_per_job", fmt::format("{:.2f}", per_job));
}

}  // namespace
}  // namespace cipette
