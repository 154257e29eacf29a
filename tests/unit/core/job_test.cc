#include "cipette/core/job.h"

#include <gtest/gtest.h>

#include "support/job_fixtures.h"

namespace cipette {
namespace {

using testing::completed_job;

TEST(JobTest, QueueTimeIsStartMinusCreationAndNoneWithoutBoth) {
  JobRecord job = completed_job();
  EXPECT_EQ(queue_seconds(job), 90);
  EXPECT_EQ(job_duration_seconds(job), 610);
  job.created_at.reset();  // GitHub Enterprise Server before 3.9
  EXPECT_EQ(queue_seconds(job), std::nullopt);
  EXPECT_EQ(job_duration_seconds(job), 610);
  job = completed_job();
  job.started_at = 999;  // before created_at: clock trouble
  EXPECT_EQ(queue_seconds(job), std::nullopt);
  job = completed_job();
  job.waited = true;  // an approval wait is not queue time
  EXPECT_EQ(queue_seconds(job), std::nullopt);
  EXPECT_EQ(job_duration_seconds(job), 610);
}

TEST(JobTest, DurationOnlyForCompletedJobsThatEndedAfterTheyStarted) {
  JobRecord job = completed_job();
  job.status = "in_progress";
  EXPECT_EQ(job_duration_seconds(job), std::nullopt);
  job = completed_job();
  job.completed_at = 1'089;
  EXPECT_EQ(job_duration_seconds(job), std::nullopt);
  job.completed_at = 1'090;
  EXPECT_EQ(job_duration_seconds(job), 0);
}

TEST(JobTest, MatrixLegsAreGroupedUnderTheirJobName) {
  EXPECT_EQ(job_group_name("test (ubuntu-latest, 3.12)"), "test");
  EXPECT_EQ(job_group_name("build"), "build");
  EXPECT_EQ(job_group_name("lint (fast)"), "lint");
  EXPECT_EQ(job_group_name("deploy (prod) (eu)"), "deploy (prod)");  // only the last part
  EXPECT_EQ(job_group_name("(setup)"), "(setup)");                   // nothing would be left
  EXPECT_EQ(job_group_name("a (b) c"), "a (b) c");                   // not at the end
}

TEST(JobTest, LabelSetsAreSortedWithoutDuplicates) {
  EXPECT_EQ(label_set_key({"self-hosted", "linux", "x64", "linux"}), "linux, self-hosted, x64");
  EXPECT_EQ(label_set_key({"ubuntu-latest"}), "ubuntu-latest");
  EXPECT_EQ(label_set_key({}), "");
}

TEST(JobTest, VersionsMoveForwardByProgressThenTime) {
  JobRecord queued = completed_job();
  queued.status = "queued";
  queued.started_at.reset();
  queued.completed_at.reset();
  JobRecord running = completed_job();
  running.status = "in_progress";
  running.completed_at.reset();
  JobRecord done = completed_job();
  EXPECT_LT(queued.version(), running.version());
  EXPECT_LT(running.version(), done.version());
  // A completed job wins even over a running one with a later time stamp.
  running.started_at = 5'000;
  EXPECT_LT(running.version(), done.version());
  EXPECT_EQ(done.version(), forward_version(1, Progress::kCompleted, 1'700));
}

TEST(JobTest, ValidationNamesTheJobAndTheField) {
  EXPECT_TRUE(validate_job(completed_job()));
  JobRecord job = completed_job();
  job.run_id = 0;
  EXPECT_EQ(validate_job(job).error().message,
            "job 7: field \"run_id\" must be a positive integer");
  job = completed_job();
  job.status.clear();
  EXPECT_EQ(validate_job(job).error().message, "job 7: field \"status\" is missing");
  job = completed_job();
  job.steps = {StepRecord{1, "a", "completed", "success", 1, 2},
               StepRecord{1, "b", "completed", "success", 2, 3}};
  EXPECT_EQ(validate_job(job).error().message, "job 7: field \"steps\" holds step number 1 twice");
  job = completed_job();
  job.labels.assign(kMaxJobLabels + 1, "x");
  EXPECT_FALSE(validate_job(job));
  job = completed_job();
  job.run_attempt = kMaxRunAttempt + 1;
  EXPECT_FALSE(validate_job(job));
}

}  // namespace
}  // namespace cipette
