// The storage contract, part 4: job executions through every RunStore backend (core/job_store.h)
// — the forward-only rule in any arrival order, steps replaced with their job, the sticky
// `waited`, orphans, all-or-nothing writes, the backlog of runs wanting jobs, the jobs' own
// change log, and the order jobs_of_run gives. Expected values are worked out by hand in the
// comments.

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cipette/core/job_metrics.h"
#include "cipette/core/job_table.h"
#include "cipette/core/run_store.h"
#include "cipette/storage/postgres_connection.h"
#include "cipette/storage/postgres_migrations.h"
#include "old_schema.h"
#include "store_contract.h"

namespace cipette::storage::contract {
namespace {

template <typename Backend>
class StoreJobsContractTest : public StoreContractTest<Backend> {
 protected:
  JobUpsertStats upsert_jobs(const std::vector<JobRecord>& jobs) {
    auto stats = this->store_->upsert_jobs(jobs);
    EXPECT_TRUE(stats) << stats.error().message;
    return stats ? *stats : JobUpsertStats{-1, -1, -1, -1};
  }

  JobUpsertStats commit(const std::vector<RunJobs>& fetched) {
    auto stats = this->store_->commit_run_jobs(fetched);
    EXPECT_TRUE(stats) << stats.error().message;
    return stats ? *stats : JobUpsertStats{-1, -1, -1, -1};
  }

  std::vector<JobRecord> jobs_of(std::int64_t run_id) {
    auto jobs = this->store_->jobs_of_run(run_id);
    EXPECT_TRUE(jobs) << jobs.error().message;
    return jobs ? *jobs : std::vector<JobRecord>{};
  }

  std::vector<std::int64_t> job_ids_of(std::int64_t run_id) {
    std::vector<std::int64_t> ids;
    for (const JobRecord& job : jobs_of(run_id)) ids.push_back(job.id);
    return ids;
  }

  // The jobs scan_jobs visits after `since` (stopping after `stop_after` when given), and the
  // sequence it returns.
  std::pair<std::vector<JobRecord>, ChangeSeq> scan_jobs(ChangeSeq since,
                                                         std::size_t stop_after = 0) {
    std::vector<JobRecord> seen;
    auto last = this->store_->scan_jobs(since, [&](const JobRecord& job) {
      seen.push_back(job);
      return seen.size() == stop_after ? ScanStep::kStop : ScanStep::kContinue;
    });
    EXPECT_TRUE(last) << last.error().message;
    return {seen, last ? *last : -1};
  }

  std::vector<JobsWanted> wanted(std::string_view repository, Timestamp since,
                                 std::size_t limit = 100) {
    auto runs = this->store_->runs_wanting_jobs(repository, since, limit);
    EXPECT_TRUE(runs) << runs.error().message;
    return runs ? *runs : std::vector<JobsWanted>{};
  }

  std::int64_t count_wanted(std::string_view repository, Timestamp since) {
    auto count = this->store_->count_runs_wanting_jobs(repository, since);
    EXPECT_TRUE(count) << count.error().message;
    return count ? *count : -1;
  }
};
TYPED_TEST_SUITE(StoreJobsContractTest, Backends, BackendNames);

StepRecord step(std::int64_t number, const std::string& name, Timestamp started) {
  return StepRecord{number, name, "completed", "success", started, started + 5};
}

// Job `id` of run `run_id` at `status`: created at +20, started at +30 unless queued or
// waiting, completed at `completed_at` when completed (concluded success), with two steps once
// started.
JobRecord job_of(std::int64_t id, std::int64_t run_id, const std::string& status = "completed",
                 Timestamp completed_at = 1'700'000'100, std::int64_t attempt = 1) {
  JobRecord job;
  job.id = id;
  job.run_id = run_id;
  job.run_attempt = attempt;
  job.name = "test (ubuntu-latest, 3.12)";
  job.status = status;
  job.created_at = 1'700'000'020;
  if (status == "in_progress" || status == "completed") {
    job.started_at = 1'700'000'030;
    job.steps = {step(1, "Set up job", 1'700'000'030), step(2, "Run tests", 1'700'000'040)};
    job.runner_name = "runner-1";
    job.runner_group_name = "GitHub Actions";
  }
  if (status == "completed") {
    job.conclusion = "success";
    job.completed_at = completed_at;
  }
  job.labels = {"ubuntu-latest"};
  job.html_url = "https://github.com/octo/app/actions/runs/" + std::to_string(run_id) + "/job/" +
                 std::to_string(id);
  return job;
}

RunRecord run_created(std::int64_t id, Timestamp created_at, std::int64_t attempt = 1,
                      const std::string& status = "completed") {
  RunRecord run = make_run(id, created_at + 300);
  run.created_at = created_at;
  run.run_attempt = attempt;
  run.status = status;
  run.conclusion = status == "completed" ? "success" : "";
  return run;
}

// Four versions of one job, in the order the rule ranks them (core/run.h, forward_version):
//   0: queued (latest time: created at +20);
//   1: in progress (started at +30): more progress;
//   2: completed at +100: more progress still;
//   3: completed at +150 (a failure re-reported later): same progress, later time.
// Each has its own runner name, so that the stored row tells which version it is.
std::array<JobRecord, 4> ranked_versions(std::int64_t id) {
  std::array<JobRecord, 4> versions = {job_of(id, 1, "queued"), job_of(id, 1, "in_progress"),
                                       job_of(id, 1, "completed", 1'700'000'100),
                                       job_of(id, 1, "completed", 1'700'000'150)};
  for (std::size_t i = 0; i < versions.size(); ++i) {
    versions[i].runner_name = "runner-" + std::to_string(i);
  }
  versions[3].conclusion = "failure";
  return versions;
}

TYPED_TEST(StoreJobsContractTest, EveryArrivalOrderEndsAtTheGreatestVersion) {
  if (!this->store_) return;
  this->upsert({make_run(1)});
  // One job per permutation of the four versions (24), each written one version at a time.
  std::array<int, 4> order = {0, 1, 2, 3};
  std::int64_t id = 100;
  std::int64_t updates = 0, unchanged = 0;
  do {
    ++id;
    for (std::size_t i = 0; i < order.size(); ++i) {
      JobUpsertStats stats = this->upsert_jobs({ranked_versions(id)[order[i]]});
      // The first write inserts; a later one updates exactly when it outranks all before it.
      bool best_so_far = std::all_of(order.begin(), order.begin() + static_cast<long>(i),
                                     [&](int earlier) { return earlier < order[i]; });
      if (i == 0) {
        EXPECT_EQ(stats, (JobUpsertStats{1, 0, 0, 0}));
      } else if (best_so_far) {
        EXPECT_EQ(stats, (JobUpsertStats{0, 1, 0, 0}));
        ++updates;
      } else {
        EXPECT_EQ(stats, (JobUpsertStats{0, 0, 1, 0}));
        ++unchanged;
      }
    }
  } while (std::next_permutation(order.begin(), order.end()));
  // Of the 3 later writes of each of the 24 orders, a record-breaker is a later version than
  // every earlier one: 24 * (1/2 + 1/3 + 1/4) = 26 of the 72.
  EXPECT_EQ(updates, 26);
  EXPECT_EQ(unchanged, 46);
  std::vector<JobRecord> stored = this->jobs_of(1);
  ASSERT_EQ(stored.size(), 24U);
  for (const JobRecord& job : stored) EXPECT_EQ(job, ranked_versions(job.id)[3]) << job.id;
}

TYPED_TEST(StoreJobsContractTest, AVersionReplacesTheStepsAndIdenticalOnesChangeNothing) {
  if (!this->store_) return;
  this->upsert({make_run(1)});
  JobRecord first = job_of(7, 1, "in_progress");
  first.steps.push_back(step(3, "Upload", 1'700'000'050));
  EXPECT_EQ(this->upsert_jobs({first}), (JobUpsertStats{1, 0, 0, 0}));
  // The same again: unchanged. Its steps in another order are the same steps.
  std::reverse(first.steps.begin(), first.steps.end());
  EXPECT_EQ(this->upsert_jobs({first}), (JobUpsertStats{0, 0, 1, 0}));
  // Same version, one step renamed: a difference, so it replaces.
  JobRecord renamed = first;
  renamed.steps[0].name = "Upload artifacts";
  EXPECT_EQ(this->upsert_jobs({renamed}), (JobUpsertStats{0, 1, 0, 0}));
  // Completed, with steps 16 and 2 (in that order): step 1 and 3 are gone.
  JobRecord done = job_of(7, 1, "completed");
  done.steps = {step(16, "Post job", 1'700'000'090), step(2, "Run tests", 1'700'000'040)};
  EXPECT_EQ(this->upsert_jobs({done}), (JobUpsertStats{0, 1, 0, 0}));
  std::vector<JobRecord> stored = this->jobs_of(1);
  ASSERT_EQ(stored.size(), 1U);
  ASSERT_EQ(stored[0].steps.size(), 2U);
  EXPECT_EQ(stored[0].steps[0], step(2, "Run tests", 1'700'000'040));
  EXPECT_EQ(stored[0].steps[1], step(16, "Post job", 1'700'000'090));
}

TYPED_TEST(StoreJobsContractTest, LabelsAndEmptyFieldsComeBackAsWritten) {
  if (!this->store_) return;
  this->upsert({make_run(1)});
  JobRecord odd = job_of(1, 1, "queued");
  odd.labels = {"self-hosted", "line\nbreak", "back\\slash\\n", "", "comma, space"};
  JobRecord none = job_of(2, 1, "queued");
  none.labels = {};
  JobRecord one_empty = job_of(3, 1, "queued");
  one_empty.labels = {""};
  one_empty.created_at.reset();  // GitHub Enterprise Server before 3.9
  this->upsert_jobs({odd, none, one_empty});
  std::vector<JobRecord> stored = this->jobs_of(1);
  ASSERT_EQ(stored.size(), 3U);
  EXPECT_EQ(stored[0], odd);
  EXPECT_EQ(stored[1], none);
  EXPECT_EQ(stored[2], one_empty);
}

TYPED_TEST(StoreJobsContractTest, WaitedStaysOnceAnyVersionSaidSo) {
  if (!this->store_) return;
  this->upsert({make_run(1)});
  JobRecord waiting = job_of(1, 1, "waiting");
  waiting.waited = true;
  this->upsert_jobs({waiting, job_of(2, 1, "completed")});
  // The completed version no longer says it waited; the flag stays.
  EXPECT_EQ(this->upsert_jobs({job_of(1, 1, "completed")}), (JobUpsertStats{0, 1, 0, 0}));
  // An older version that saw job 2 waiting arrives late: only the flag moves (updated), the
  // rest stays the completed version.
  JobRecord late = job_of(2, 1, "waiting");
  late.waited = true;
  EXPECT_EQ(this->upsert_jobs({late}), (JobUpsertStats{0, 1, 0, 0}));
  EXPECT_EQ(this->upsert_jobs({late}), (JobUpsertStats{0, 0, 1, 0}));
  std::vector<JobRecord> stored = this->jobs_of(1);
  ASSERT_EQ(stored.size(), 2U);
  JobRecord expected = job_of(1, 1, "completed");
  expected.waited = true;
  EXPECT_EQ(stored[0], expected);
  expected = job_of(2, 1, "completed");
  expected.waited = true;
  EXPECT_EQ(stored[1], expected);
}

TYPED_TEST(StoreJobsContractTest, JobsOfRunsNotStoredAreCountedAndLeftOut) {
  if (!this->store_) return;
  this->upsert({make_run(1)});
  EXPECT_EQ(this->upsert_jobs({job_of(1, 1), job_of(2, 99), job_of(3, 99)}),
            (JobUpsertStats{1, 0, 0, 2}));
  EXPECT_EQ(this->job_ids_of(1), (std::vector<std::int64_t>{1}));
  EXPECT_TRUE(this->jobs_of(99).empty());
  EXPECT_EQ(this->scan_jobs(0).first.size(), 1U);
}

TYPED_TEST(StoreJobsContractTest, AnInvalidJobFailsTheBatchWritingNothing) {
  if (!this->store_) return;
  this->upsert({make_run(1)});
  JobRecord nameless = job_of(2, 1);
  nameless.name = "";
  std::vector<JobRecord> batch = {job_of(1, 1), nameless};
  auto stats = this->store_->upsert_jobs(batch);
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().message.find("job 2"), std::string::npos) << stats.error().message;
  EXPECT_TRUE(this->jobs_of(1).empty());
  EXPECT_EQ(this->scan_jobs(0).second, 0);
}

// A job in two fetches of one call is decided against what the first left (core/job.h,
// decide_job_write): PostgreSQL, which reads a call's rows once, must read the steps the second
// fetch's equal version needs, as SQLite reads them per job.
TYPED_TEST(StoreJobsContractTest, AJobFetchedTwiceInOneCommitIsComparedBothTimes) {
  if (!this->store_) return;
  this->upsert({run_created(1, 1'700'000'000)});
  const JobRecord completed = job_of(5, 1, "completed", 1'700'000'100);
  EXPECT_EQ(this->upsert_jobs({completed}), (JobUpsertStats{1, 0, 0, 0}));
  const ChangeSeq after_insert = this->scan_jobs(0).second;
  // An older version, then the stored one again: nothing changes, no new change sequence.
  std::vector<RunJobs> fetched = {RunJobs{1, 1, true, {job_of(5, 1, "in_progress")}},
                                  RunJobs{1, 1, true, {completed}}};
  EXPECT_EQ(this->commit(fetched), (JobUpsertStats{0, 0, 2, 0}));
  EXPECT_TRUE(this->scan_jobs(after_insert).first.empty());
  // The older version saw the job waiting: only the flag moves (one update); the stored
  // version that follows is then unchanged, and the row keeps its fields and steps.
  fetched[0].jobs[0].waited = true;
  EXPECT_EQ(this->commit(fetched), (JobUpsertStats{0, 1, 1, 0}));
  std::vector<JobRecord> stored = this->jobs_of(1);
  ASSERT_EQ(stored.size(), 1U);
  JobRecord expected = completed;
  expected.waited = true;
  EXPECT_EQ(stored[0], expected);
}

TYPED_TEST(StoreJobsContractTest, CommitRunJobsIsAllOrNothing) {
  if (!this->store_) return;
  this->upsert({run_created(1, 1'700'000'000), run_created(2, 1'700'001'000)});
  // The second fetch holds a job of run 3: the whole call fails, naming both runs.
  std::vector<RunJobs> fetched = {RunJobs{1, 1, true, {job_of(11, 1)}},
                                  RunJobs{2, 1, true, {job_of(21, 2), job_of(22, 3)}}};
  auto stats = this->store_->commit_run_jobs(fetched);
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().message.find("job 22 belongs to run 3, not to run 2"), std::string::npos)
      << stats.error().message;
  // An invalid job in the second fetch fails it too.
  fetched[1].jobs[1] = job_of(22, 2);
  fetched[1].jobs[1].status = "";
  ASSERT_FALSE(this->store_->commit_run_jobs(fetched));
  EXPECT_TRUE(this->jobs_of(1).empty());
  EXPECT_TRUE(this->jobs_of(2).empty());
  EXPECT_EQ(this->count_wanted("octo/app", 0), 2);
  // Mended, it writes both fetches and their records.
  fetched[1].jobs[1].status = "completed";
  EXPECT_EQ(this->commit(fetched), (JobUpsertStats{3, 0, 0, 0}));
  EXPECT_EQ(this->job_ids_of(2), (std::vector<std::int64_t>{21, 22}));
  EXPECT_EQ(this->count_wanted("octo/app", 0), 0);
}

TYPED_TEST(StoreJobsContractTest, RunsWantingJobsAreTheCompletedOnesNotFetchedAtTheirAttempt) {
  if (!this->store_) return;
  RunRecord other = run_created(6, 1'700'005'000);
  other.repository_id = 11;
  other.repository = "octo/other";
  this->upsert({
      run_created(1, 1'700'001'000),                    // wanted
      run_created(2, 1'700'002'000),                    // wanted
      run_created(3, 1'700'002'000),                    // wanted: same time, larger id first
      run_created(4, 1'700'003'000, 1, "in_progress"),  // not completed
      run_created(5, 1'699'000'000),                    // created before `since`
      other,                                            // another repository
  });
  Timestamp since = 1'700'000'000;
  // Newest first: 3 and 2 (created at +2000, id descending), then 1.
  EXPECT_EQ(this->wanted("OCTO/App", since),
            (std::vector<JobsWanted>{
                {3, 1, 1'700'002'000}, {2, 1, 1'700'002'000}, {1, 1, 1'700'001'000}}));
  EXPECT_EQ(this->wanted("octo/app", since, 2),
            (std::vector<JobsWanted>{{3, 1, 1'700'002'000}, {2, 1, 1'700'002'000}}));
  EXPECT_TRUE(this->wanted("octo/app", since, 0).empty());
  EXPECT_EQ(this->count_wanted("octo/app", since), 3);
  EXPECT_EQ(this->count_wanted("octo/app", 0), 4);  // run 5 too
  EXPECT_EQ(this->count_wanted("nobody/none", 0), 0);

  // Run 3's jobs fetched; run 2 deleted meanwhile (404): neither is wanted any more.
  this->commit({RunJobs{3, 1, true, {job_of(31, 3)}}, RunJobs{2, 1, false, {}}});
  EXPECT_EQ(this->wanted("octo/app", since), (std::vector<JobsWanted>{{1, 1, 1'700'001'000}}));
  // Run 3 re-run: attempt 2 stored, so its jobs are wanted again at attempt 2.
  this->upsert({run_created(3, 1'700'002'000, 2)});
  EXPECT_EQ(this->wanted("octo/app", since),
            (std::vector<JobsWanted>{{3, 2, 1'700'002'000}, {1, 1, 1'700'001'000}}));
  // A late fetch record of attempt 1 does not make attempt 2 fetched.
  this->commit({RunJobs{3, 1, true, {}}});
  EXPECT_EQ(this->count_wanted("octo/app", since), 2);
  this->commit({RunJobs{3, 2, true, {job_of(32, 3, "completed", 1'700'000'100, 2)}}});
  EXPECT_EQ(this->wanted("octo/app", since), (std::vector<JobsWanted>{{1, 1, 1'700'001'000}}));
  // Run 4 completes: wanted.
  this->upsert({run_created(4, 1'700'003'000)});
  EXPECT_EQ(this->wanted("octo/app", since, 1), (std::vector<JobsWanted>{{4, 1, 1'700'003'000}}));
}

TYPED_TEST(StoreJobsContractTest, ScanJobsFollowsTheJobsOwnChangeLog) {
  if (!this->store_) return;
  // Runs take change sequences 1 and 2 of the runs' log; jobs start their own at 1.
  this->upsert({make_run(1), make_run(2)});
  this->upsert_jobs({job_of(11, 1, "in_progress"), job_of(12, 1), job_of(21, 2)});
  auto [all, last] = this->scan_jobs(0);
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].id, 11);
  EXPECT_EQ(all[1].id, 12);
  EXPECT_EQ(all[2].id, 21);
  EXPECT_EQ(last, 3);
  EXPECT_TRUE(all[1].steps.empty());  // scans leave steps out
  JobRecord expected = job_of(12, 1);
  expected.steps.clear();
  EXPECT_EQ(all[1], expected);
  // Since 2: job 21 only. Stopped after the first: sequence 1.
  auto since_two = this->scan_jobs(2);
  ASSERT_EQ(since_two.first.size(), 1U);
  EXPECT_EQ(since_two.first[0].id, 21);
  EXPECT_EQ(since_two.second, 3);
  auto stopped = this->scan_jobs(0, 1);
  EXPECT_EQ(stopped.first.size(), 1U);
  EXPECT_EQ(stopped.second, 1);
  // Job 11 completes: sequence 4; an unchanged write takes none.
  this->upsert_jobs({job_of(11, 1), job_of(12, 1)});
  auto after = this->scan_jobs(3);
  ASSERT_EQ(after.first.size(), 1U);
  EXPECT_EQ(after.first[0].id, 11);
  EXPECT_EQ(after.second, 4);
  EXPECT_TRUE(this->scan_jobs(4).first.empty());
  EXPECT_EQ(this->scan_jobs(4).second, 4);
  // The store still works after a stopped scan.
  EXPECT_EQ(this->upsert_jobs({job_of(13, 1)}), (JobUpsertStats{1, 0, 0, 0}));
}

TYPED_TEST(StoreJobsContractTest, ScanAllJobsVisitsEachJobOnceWithTheNewestSequence) {
  if (!this->store_) return;
  this->upsert({make_run(1), make_run(2)});
  // Change order 21, 11, 12 (sequences 1-3), then 21 again (4): neither order is the ids'.
  this->upsert_jobs({job_of(21, 2, "in_progress"), job_of(11, 1), job_of(12, 1)});
  this->upsert_jobs({job_of(21, 2)});
  std::vector<JobRecord> seen;
  auto last = this->store_->scan_all_jobs([&](const JobRecord& job) {
    seen.push_back(job);
    return ScanStep::kContinue;
  });
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(*last, 4);
  std::sort(seen.begin(), seen.end(),
            [](const JobRecord& a, const JobRecord& b) { return a.id < b.id; });
  ASSERT_EQ(seen.size(), 3U);
  // Each as scan_jobs gives it: the newest version, no steps.
  for (auto [at, id, run] : {std::tuple{0, 11, 1}, std::tuple{1, 12, 1}, std::tuple{2, 21, 2}}) {
    JobRecord expected = job_of(id, run);
    expected.steps.clear();
    EXPECT_EQ(seen[static_cast<std::size_t>(at)], expected);
  }
  // Stopped after the first job: one visited, and its sequence (1-4) returned.
  std::size_t visited = 0;
  auto stopped = this->store_->scan_all_jobs([&](const JobRecord&) {
    ++visited;
    return ScanStep::kStop;
  });
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(visited, 1U);
  EXPECT_GE(*stopped, 1);
  EXPECT_LE(*stopped, 4);
}

// load_tables reads the jobs on a second connection while the first loads the runs; the tables
// are those of a load on one connection.
TYPED_TEST(StoreJobsContractTest, LoadTablesOnTwoConnectionsLoadsWhatOneDoes) {
  if (!this->store_) return;
  this->upsert({make_run(1), make_run(2)});
  this->upsert_jobs({job_of(21, 2), job_of(11, 1, "in_progress"), job_of(12, 1),
                     job_of(31, 3)});  // run 3 is not stored: the job is an orphan, left out
  auto other = this->open();
  ASSERT_TRUE(other);
  auto both = load_tables(*this->store_, *this->store_, *other);
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->runs->size(), 2U);
  EXPECT_EQ(both->runs->watermark(), 2);
  EXPECT_EQ(both->jobs->size(), 3U);      // jobs 11, 12 and 21
  EXPECT_EQ(both->jobs->watermark(), 3);  // three jobs written
  EXPECT_EQ(both->jobs->run_rows(), 2U);  // laid out for the run table loaded beside it
  auto runs = load_run_table(*this->store_);
  ASSERT_TRUE(runs);
  auto jobs = load_job_table(*this->store_, **runs);
  ASSERT_TRUE(jobs);
  EXPECT_EQ((*jobs)->size(), both->jobs->size());
  EXPECT_EQ((*jobs)->watermark(), both->jobs->watermark());
  EXPECT_EQ((*jobs)->names(), both->jobs->names());
}

// What the metrics of a job table say, per job group and per runner row: the meaning of the
// table, whatever ids its dictionaries gave.
using GroupFacts = std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                              std::optional<std::int64_t>, std::optional<std::int64_t>>;
using RunnerFacts =
    std::tuple<std::vector<std::string>, std::string, std::int64_t, std::optional<std::int64_t>>;

std::pair<std::vector<GroupFacts>, std::vector<RunnerFacts>> facts(const LoadedTables& tables) {
  Scope scope;
  scope.period = Period::all();
  std::pair<std::vector<GroupFacts>, std::vector<RunnerFacts>> out;
  for (const JobRow& row : compute_job_metrics(*tables.runs, *tables.jobs, scope)) {
    out.first.emplace_back(row.job, row.executions, row.success, row.failed, row.flaky_jobs,
                           row.queue.p50, row.duration.p95);
  }
  for (const RunnerRow& row : compute_runner_metrics(*tables.runs, *tables.jobs, scope)) {
    out.second.emplace_back(row.labels, row.runner_group, row.executions, row.duration.p95);
  }
  return out;
}

// A store that reads jobs by id range: a full load splits the ids over both connections, each
// builder with dictionaries of its own, merged; the tables mean what one scan's do.
TYPED_TEST(StoreJobsContractTest, LoadTablesSplitByIdRangeLoadsWhatOneScanDoes) {
  if (!this->store_) return;
  this->upsert({make_run(1), run_created(2, 1'700'000'000, 2)});
  JobRecord lint = job_of(2, 1);
  lint.name = "lint";
  lint.labels = {"self-hosted", "linux"};
  lint.runner_group_name = "Private";
  JobRecord failed = job_of(640, 2);
  failed.conclusion = "failure";
  JobRecord lint_running = lint;
  lint_running.id = 1281;
  lint_running.run_id = 2;
  lint_running.status = "in_progress";
  lint_running.conclusion.clear();
  lint_running.completed_at.reset();
  // Ids 1 to 1281: 64 ranges of 21 ids, jobs in ranges 0, 30 and 60, read by either connection.
  this->upsert_jobs(
      {job_of(1, 1), lint, failed, job_of(1280, 2, "completed", 1'700'000'200, 2), lint_running});
  auto span = this->store_->job_id_span();
  ASSERT_TRUE(span) << span.error().message;
  if (*span) {
    EXPECT_EQ(**span, (JobIdRange{1, 1281}));
  }
  auto other = this->open();
  ASSERT_TRUE(other);
  auto split = load_tables(*this->store_, *this->store_, *other);
  ASSERT_TRUE(split) << split.error().message;
  EXPECT_EQ(split->jobs->size(), 5U);
  EXPECT_EQ(split->jobs->watermark(), 5);  // five jobs written, one sequence each
  EXPECT_EQ(split->jobs->run_rows(), 2U);
  // By hand: "test" of runs 1 and 2 (jobs 1, 640, 1280): 3 completed, 2 success, 1 failed, one
  // flaky pair (run 2 failed in attempt 1, succeeded in 2); queue 30 - 20 = 10 s each;
  // durations 70, 70 and 170 s. "lint": job 2 completed (70 s), job 1281 still running.
  using Groups = std::vector<GroupFacts>;
  using Runners = std::vector<RunnerFacts>;
  auto [groups, runners] = facts(*split);
  EXPECT_EQ(groups, (Groups{{"lint", 1, 1, 0, 0, 10, 70}, {"test", 3, 2, 1, 1, 10, 170}}));
  EXPECT_EQ(runners, (Runners{{{"linux", "self-hosted"}, "Private", 1, 70},
                              {{"ubuntu-latest"}, "GitHub Actions", 3, 170}}));
  // One scan on one connection: the same meaning.
  auto runs = load_run_table(*this->store_);
  ASSERT_TRUE(runs);
  auto jobs = load_job_table(*this->store_, **runs);
  ASSERT_TRUE(jobs) << jobs.error().message;
  EXPECT_EQ((*jobs)->watermark(), split->jobs->watermark());
  EXPECT_EQ(facts(LoadedTables{*runs, *jobs}), facts(*split));
  // A refresh from the split load's watermark reads only what changed after it: job 1281
  // completes (sequence 6) and is counted.
  lint_running.status = "completed";
  lint_running.conclusion = "success";
  lint_running.completed_at = 1'700'000'130;  // 100 s
  this->upsert_jobs({lint_running});
  auto refreshed = load_job_table(*this->store_, *split->runs, split->jobs.get());
  ASSERT_TRUE(refreshed) << refreshed.error().message;
  EXPECT_EQ((*refreshed)->watermark(), 6);
  EXPECT_EQ((*refreshed)->size(), 5U);
  EXPECT_EQ(std::get<1>(facts(LoadedTables{split->runs, *refreshed}).first[0]), 2);  // lint
}

// scan_job_ranges reads one snapshot: a job written while it reads is not seen, and the
// sequence it returns is the snapshot's largest, of every job, in the ranges or not, so that a
// refresh from it reads that write.
TYPED_TEST(StoreJobsContractTest, ScanJobRangesReadsOneSnapshotAndItsLargestSequence) {
  if (!this->store_) return;
  auto none = this->store_->job_id_span();
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(*none);  // no job stored (or no range reads)
  this->upsert({make_run(1), make_run(2)});
  // Sequences: job 1 -> 1, job 100 -> 2, job 50 -> 3 (outside the ranges read below).
  this->upsert_jobs({job_of(1, 1), job_of(100, 2, "in_progress"), job_of(50, 1)});
  auto span = this->store_->job_id_span();
  ASSERT_TRUE(span) << span.error().message;
  if (!*span) GTEST_SKIP() << "this store reads no job id ranges: a load reads scan_all_jobs";
  EXPECT_EQ(**span, (JobIdRange{1, 100}));
  auto writer = this->open();
  ASSERT_TRUE(writer);
  std::vector<JobIdRange> ranges = {{1, 10}, {90, 200}};
  std::size_t next = 0;
  std::vector<JobRecord> seen;
  auto head = this->store_->scan_job_ranges(
      [&]() -> std::optional<JobIdRange> {
        if (next == ranges.size()) return std::nullopt;
        return ranges[next++];
      },
      [&](const JobRecord& job) {
        if (seen.empty()) {  // job 100 completes (sequence 4) and job 5 is added (5) meanwhile
          auto written = writer->upsert_jobs(std::vector{job_of(100, 2), job_of(5, 1)});
          EXPECT_TRUE(written) << written.error().message;
        }
        seen.push_back(job);
      });
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(*head, 3);
  ASSERT_EQ(seen.size(), 2U);
  // As stored before the write, without steps, runner name or URL.
  for (auto [at, id, run, status] :
       {std::tuple{0, 1, 1, "completed"}, std::tuple{1, 100, 2, "in_progress"}}) {
    JobRecord expected = job_of(id, run, status);
    expected.steps.clear();
    expected.runner_name.clear();
    expected.html_url.clear();
    EXPECT_EQ(seen[static_cast<std::size_t>(at)], expected);
  }
  EXPECT_EQ(this->scan_jobs(*head).second, 5);  // what a refresh from it reads
}

TYPED_TEST(StoreJobsContractTest, JobsOfRunComeByAttemptThenStartThenId) {
  if (!this->store_) return;
  this->upsert({run_created(1, 1'700'000'000, 2), make_run(2)});
  auto started = [](std::int64_t id, std::int64_t attempt, std::optional<Timestamp> at) {
    JobRecord job = job_of(id, 1, "completed", 1'700'000'500, attempt);
    job.started_at = at;
    return job;
  };
  // Expected: attempt 1 first — started +100 (ids 1, 2), +200 (3), never (4) — then attempt 2.
  this->upsert_jobs({started(5, 2, 1'700'000'050), started(4, 1, std::nullopt),
                     started(3, 1, 1'700'000'200), started(2, 1, 1'700'000'100),
                     started(1, 1, 1'700'000'100), job_of(9, 2)});
  EXPECT_EQ(this->job_ids_of(1), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));

  // scan_steps: jobs in the order given, unknown ids skipped, steps by number.
  JobRecord many = job_of(6, 1);
  many.steps = {step(3, "c", 3), step(1, "a", 1)};
  this->upsert_jobs({many});
  std::vector<std::int64_t> asked = {6, 999, 9};
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;
  auto scanned = this->store_->scan_steps(asked, [&](std::int64_t job_id, const StepRecord& s) {
    seen.emplace_back(job_id, s.number);
  });
  ASSERT_TRUE(scanned) << scanned.error().message;
  EXPECT_EQ(seen,
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{6, 1}, {6, 3}, {9, 1}, {9, 2}}));
}

TYPED_TEST(StoreJobsContractTest, AnotherConnectionSeesTheJobs) {
  if (!this->store_) return;
  this->upsert({make_run(1)});
  this->commit({RunJobs{1, 1, true, {job_of(1, 1)}}});
  auto other = this->open();
  ASSERT_TRUE(other);
  auto jobs = other->jobs_of_run(1);
  ASSERT_TRUE(jobs) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 1U);
  EXPECT_EQ((*jobs)[0], job_of(1, 1));
  EXPECT_EQ(this->value("SELECT count(*) FROM steps"), "2");
  EXPECT_EQ(this->value("SELECT run_attempt FROM run_jobs WHERE run_id = 1"), "1");
}

// SQLite's writer inserts a new job's steps without deleting any first (PostgreSQL's deletes
// the steps of every job it writes, so a stray row is replaced there). A step row that cannot
// be written, here because of a stray row of job 2 left by hand (no writer leaves one), fails
// the whole batch, the jobs and steps written before it included, and the store writes the
// next batch: the steps' INSERT is OR ROLLBACK, so the failing statement itself ends the
// transaction (docs/decisions.md, "Jobs in the store").
TEST(SqliteJobsWriterTest, AStepRowThatCannotBeWrittenFailsTheBatchWritingNothing) {
  SqliteBackend backend;
  auto opened = backend.open();
  ASSERT_TRUE(opened) << opened.error().message;
  RunStore& store = **opened;
  std::vector<RunRecord> runs = {make_run(1)};
  ASSERT_TRUE(store.upsert_runs(runs));
  backend.value(
      "INSERT INTO steps (job_id, number, started_at, completed_at, name, status, conclusion) "
      "VALUES (2, 2, NULL, NULL, 'stray', 'completed', NULL)");
  std::vector<JobRecord> batch = {job_of(1, 1), job_of(2, 1)};  // both with steps 1 and 2
  auto failed = store.upsert_jobs(batch);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("writing jobs to"), std::string::npos)
      << failed.error().message;
  EXPECT_EQ(backend.value("SELECT count(*) FROM jobs"), "0");
  EXPECT_EQ(backend.value("SELECT count(*) FROM steps"), "1");  // the stray row alone
  std::vector<RunJobs> fetched = {RunJobs{1, 1, true, {job_of(1, 1)}}};
  auto written = store.commit_run_jobs(fetched);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(*written, (JobUpsertStats{1, 0, 0, 0}));
  auto jobs = store.jobs_of_run(1);
  ASSERT_TRUE(jobs) << jobs.error().message;
  EXPECT_EQ(*jobs, (std::vector<JobRecord>{job_of(1, 1)}));
  EXPECT_EQ(backend.value("SELECT count(*) FROM steps"), "3");
  EXPECT_EQ(backend.value("SELECT last_seq FROM job_change_head"), "1");
}

// Schema 5 adds tables and an index only: a schema-4 database keeps every run and attempt,
// its completed runs are wanted, and jobs can be written at once.
TEST(SqliteJobsMigrationTest, MigratingFromVersion4KeepsEverything) {
  cipette::testing::TempDir dir;
  std::string path = dir.file("v4.db");
  std::int64_t done = run_version(2, "completed", 1'700'000'300);
  std::int64_t running = run_version(1, "in_progress", 1'700'000'400);
  testing::create_sqlite_at_version(
      path, 4,
      std::string("INSERT INTO repositories (id, full_name, seen_at) VALUES (10, 'octo/app', 5);"
                  "INSERT INTO workflows (id, repository_id, name, path) VALUES "
                  "(20, 10, 'CI', '.github/workflows/ci.yml');"
                  "INSERT INTO runs (") +
          testing::kRunColumnsBeforeVersion4 +
          ", version) VALUES "
          "(1, 101, 10, 20, 1, 2, 1700000000, 1700000010, 1700000300, 'completed', 'success', "
          "'push', 'main', 'sha1', 'octocat', 'CI', '.github/workflows/ci.yml', 'u101', " +
          std::to_string(done) +
          "),"
          "(2, 102, 10, 20, 2, 1, 1700000100, NULL, 1700000400, 'in_progress', NULL, "
          "'push', 'main', 'sha2', 'octocat', 'CI', '.github/workflows/ci.yml', 'u102', " +
          std::to_string(running) +
          ");"
          "INSERT INTO attempts (run_id, attempt, version, found, run_started_at, updated_at, "
          "status, conclusion) VALUES (101, 1, 1, 1, 1700000005, 1700000200, 'completed', "
          "'failure');"
          "UPDATE change_log_head SET last_seq = 2;");
  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(*(*store)->schema_version(), 5);
  Scan all = scan_store(**store);
  EXPECT_EQ(ids(all), (std::vector<std::int64_t>{101, 102}));
  EXPECT_EQ(all.last, 2);
  ASSERT_EQ(all.runs.size(), 2U);
  ASSERT_EQ(all.runs[0].earlier_attempts.size(), 1U);
  EXPECT_EQ(all.runs[0].earlier_attempts[0].conclusion, "failure");
  EXPECT_EQ(all.runs[0].run_attempt, 2);
  EXPECT_EQ(all.runs[1].status, "in_progress");
  // The completed run 101 is wanted at its attempt 2; 102 is still running.
  auto wanted = (*store)->runs_wanting_jobs("octo/app", 0, 10);
  ASSERT_TRUE(wanted) << wanted.error().message;
  EXPECT_EQ(*wanted, (std::vector<JobsWanted>{{101, 2, 1'700'000'000}}));
  JobRecord job = job_of(1, 101, "completed", 1'700'000'100, 2);
  std::vector<RunJobs> fetched = {RunJobs{101, 2, true, {job}}};
  auto stats = (*store)->commit_run_jobs(fetched);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (JobUpsertStats{1, 0, 0, 0}));
  EXPECT_EQ(*(*store)->count_runs_wanting_jobs("octo/app", 0), 0);
  // The runs' change log is untouched by jobs.
  EXPECT_TRUE(scan_store(**store, 2).runs.empty());
}

// The same in PostgreSQL: schema 5 creates tables and indexes only.
TEST(PostgresJobsMigrationTest, MigratingFromVersion4KeepsEverything) {
  auto scratch = cipette::testing::PostgresScratch::create_or_skip();
  if (!scratch) return;
  {
    auto connection = PgConnection::connect(scratch->url());
    ASSERT_TRUE(connection) << connection.error().message;
    auto migrated = migrate_postgres(**connection, 4);
    ASSERT_TRUE(migrated) << migrated.error().message;
  }
  scratch->query(
      "INSERT INTO repositories (id, full_name) VALUES (10, 'octo/app');"
      "INSERT INTO workflows (id, repository_id, name, path) VALUES "
      "(20, 10, 'CI', '.github/workflows/ci.yml');"
      "INSERT INTO runs (change_seq, id, repository_id, workflow_id, run_number, run_attempt, "
      "created_at, run_started_at, updated_at, status, conclusion, event, head_branch, head_sha, "
      "actor, workflow_name, path, html_url, version) VALUES "
      "(1, 101, 10, 20, 1, 2, 1700000000, 1700000010, 1700000300, 'completed', 'success', "
      "'push', 'main', 'sha1', 'octocat', 'CI', '.github/workflows/ci.yml', 'u101', " +
      std::to_string(run_version(2, "completed", 1'700'000'300)) +
      "),"
      "(2, 102, 10, 20, 2, 1, 1700000100, NULL, 1700000400, 'in_progress', NULL, "
      "'push', 'main', 'sha2', 'octocat', 'CI', '.github/workflows/ci.yml', 'u102', " +
      std::to_string(run_version(1, "in_progress", 1'700'000'400)) +
      ");"
      "INSERT INTO attempts (run_id, attempt, version, found, run_started_at, updated_at, "
      "status, conclusion) VALUES (101, 1, 1, true, 1700000005, 1700000200, 'completed', "
      "'failure');"
      "UPDATE change_log_head SET last_seq = 2;");
  auto store = PostgresStore::open(scratch->url());
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(*(*store)->schema_version(), 5);
  Scan all = scan_store(**store);
  EXPECT_EQ(ids(all), (std::vector<std::int64_t>{101, 102}));
  EXPECT_EQ(all.last, 2);
  ASSERT_EQ(all.runs.size(), 2U);
  ASSERT_EQ(all.runs[0].earlier_attempts.size(), 1U);
  EXPECT_EQ(all.runs[0].earlier_attempts[0].conclusion, "failure");
  auto wanted = (*store)->runs_wanting_jobs("Octo/App", 0, 10);
  ASSERT_TRUE(wanted) << wanted.error().message;
  EXPECT_EQ(*wanted, (std::vector<JobsWanted>{{101, 2, 1'700'000'000}}));
  std::vector<RunJobs> fetched = {
      RunJobs{101, 2, true, {job_of(1, 101, "completed", 1'700'000'100, 2)}}};
  auto stats = (*store)->commit_run_jobs(fetched);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (JobUpsertStats{1, 0, 0, 0}));
  EXPECT_EQ(*(*store)->count_runs_wanting_jobs("octo/app", 0), 0);
  EXPECT_TRUE(scan_store(**store, 2).runs.empty());
}

}  // namespace
}  // namespace cipette::storage::contract
