// The one overwrite rule for stored jobs (core/job.h decide_job_write), every branch on
// hand-made jobs. The stores' behaviour over real databases is in
// tests/unit/storage/store_contract_jobs_test.cc.
#include <gtest/gtest.h>

#include "cipette/core/job.h"
#include "support/job_fixtures.h"

namespace cipette {
namespace {

using testing::completed_job;

const std::int64_t completed_version = forward_version(1, Progress::kCompleted, 1'700);

StoredJob stored_as(const JobRecord& job) { return StoredJob{completed_version, job.waited, &job}; }

TEST(JobWriteTest, ANewJobIsWrittenWithItsOwnWaitedFlag) {
  JobRecord incoming = completed_job();
  JobWriteDecision decision = decide_job_write(nullptr, incoming);
  EXPECT_EQ(decision.write, JobWrite::kReplace);
  EXPECT_FALSE(decision.waited);
  incoming.waited = true;
  decision = decide_job_write(nullptr, incoming);
  EXPECT_EQ(decision.write, JobWrite::kReplace);
  EXPECT_TRUE(decision.waited);
}

TEST(JobWriteTest, AGreaterVersionReplacesAndKeepsTheStoredWaitedFlag) {
  JobRecord incoming = completed_job();
  incoming.completed_at = 1'800;  // a later time: a greater version
  // The stored row's version alone decides: no contents needed.
  StoredJob stored{completed_version, true, nullptr};
  JobWriteDecision decision = decide_job_write(&stored, incoming);
  EXPECT_EQ(decision.write, JobWrite::kReplace);
  EXPECT_TRUE(decision.waited);  // sticky
  stored.waited = false;
  decision = decide_job_write(&stored, incoming);
  EXPECT_EQ(decision.write, JobWrite::kReplace);
  EXPECT_FALSE(decision.waited);
  // A later attempt wins over an earlier time.
  incoming.completed_at = 1'200;
  incoming.run_attempt = 2;
  EXPECT_EQ(decide_job_write(&stored, incoming).write, JobWrite::kReplace);
}

TEST(JobWriteTest, ASmallerVersionOnlyEverMarksTheJobWaited) {
  JobRecord incoming = completed_job();
  incoming.status = "waiting";  // progress below completed, whatever its times
  incoming.conclusion.clear();
  incoming.started_at.reset();
  incoming.completed_at.reset();
  incoming.steps.clear();
  StoredJob stored{completed_version, false, nullptr};
  EXPECT_EQ(decide_job_write(&stored, incoming).write, JobWrite::kUnchanged);
  incoming.waited = true;
  EXPECT_EQ(decide_job_write(&stored, incoming).write, JobWrite::kMarkWaited);
  stored.waited = true;  // already marked
  EXPECT_EQ(decide_job_write(&stored, incoming).write, JobWrite::kUnchanged);
}

TEST(JobWriteTest, AnEqualVersionWithTheSameContentsIsUnchanged) {
  JobRecord job = completed_job();
  StoredJob stored = stored_as(job);
  JobRecord incoming = completed_job();
  EXPECT_EQ(decide_job_write(&stored, incoming).write, JobWrite::kUnchanged);
  // Steps in another order are the same steps: stores keep them by number.
  std::swap(incoming.steps[0], incoming.steps[2]);
  EXPECT_EQ(decide_job_write(&stored, incoming).write, JobWrite::kUnchanged);
  // A stored waited flag is not lost to an incoming job that does not say so.
  job.waited = true;
  stored = stored_as(job);
  JobWriteDecision decision = decide_job_write(&stored, completed_job());
  EXPECT_EQ(decision.write, JobWrite::kUnchanged);
  EXPECT_TRUE(decision.waited);
}

TEST(JobWriteTest, AnEqualVersionThatOnlyWaitedMarksTheJobWaited) {
  JobRecord job = completed_job();
  StoredJob stored = stored_as(job);
  JobRecord incoming = completed_job();
  incoming.waited = true;
  JobWriteDecision decision = decide_job_write(&stored, incoming);
  EXPECT_EQ(decision.write, JobWrite::kMarkWaited);
  EXPECT_TRUE(decision.waited);
}

TEST(JobWriteTest, AnEqualVersionThatDiffersInAnyFieldReplaces) {
  JobRecord job = completed_job();
  StoredJob stored = stored_as(job);
  const std::vector<std::pair<const char*, void (*)(JobRecord&)>> changes = {
      {"run_id", [](JobRecord& j) { j.run_id = 43; }},
      {"name", [](JobRecord& j) { j.name = "build (ubuntu-latest)"; }},
      {"conclusion", [](JobRecord& j) { j.conclusion = "failure"; }},
      {"created_at", [](JobRecord& j) { j.created_at = 1'001; }},
      {"started_at", [](JobRecord& j) { j.started_at = 1'091; }},
      {"labels",
       [](JobRecord& j) {
         j.labels = {"ubuntu-latest", "x64"};
       }},
      {"runner_name", [](JobRecord& j) { j.runner_name = "GitHub Actions 4"; }},
      {"runner_group_name", [](JobRecord& j) { j.runner_group_name = "build-farm"; }},
      {"html_url", [](JobRecord& j) { j.html_url = "https://github.com/o/r/actions/runs/42"; }},
      {"a step's conclusion", [](JobRecord& j) { j.steps[1].conclusion = "failure"; }},
      {"a step's time", [](JobRecord& j) { j.steps[1].completed_at = 1'101; }},
      {"a step missing", [](JobRecord& j) { j.steps.pop_back(); }},
      {"no steps", [](JobRecord& j) { j.steps.clear(); }},
      {"a step renumbered", [](JobRecord& j) { j.steps[2].number = 4; }},
  };
  for (const auto& [what, change] : changes) {
    SCOPED_TRACE(what);
    JobRecord incoming = completed_job();
    change(incoming);
    ASSERT_EQ(incoming.version(), completed_version);  // created_at/started_at stay below 1,700
    JobWriteDecision decision = decide_job_write(&stored, incoming);
    EXPECT_EQ(decision.write, JobWrite::kReplace);
    EXPECT_FALSE(decision.waited);
  }
}

TEST(JobWriteTest, AnEqualVersionWithoutTheStoredContentsReplaces) {
  StoredJob stored{completed_version, true, nullptr};
  JobWriteDecision decision = decide_job_write(&stored, completed_job());
  EXPECT_EQ(decision.write, JobWrite::kReplace);
  EXPECT_TRUE(decision.waited);
  EXPECT_TRUE(stored_contents_needed(completed_version, completed_job()));
  EXPECT_FALSE(stored_contents_needed(completed_version - 1, completed_job()));
}

}  // namespace
}  // namespace cipette
