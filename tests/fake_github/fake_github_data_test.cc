// The fake's data model: generated histories, added and changed runs.

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "fake_github/fake_github.h"

namespace cipette::fake_github {
namespace {

constexpr Timestamp kEnd = 1709251200;  // 2024-03-01T00:00:00Z

TEST(FakeGitHubDataTest, GeneratesTheRequestedHistory) {
  FakeGitHub fake;
  const auto runs = fake.add_generated_runs("acme/app", {500, kEnd, 30 * 86400, 3, 5});
  ASSERT_EQ(runs.size(), 500u);
  int in_progress = 0, queued = 0;
  std::set<std::int64_t> ids;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunRecord& run = runs[i];
    EXPECT_TRUE(validate_run(run)) << run.id;
    ids.insert(run.id);
    EXPECT_GE(run.created_at, kEnd - 30 * 86400);
    EXPECT_LT(run.created_at, kEnd);
    EXPECT_GE(run.updated_at, run.created_at);
    EXPECT_EQ(run.repository, "acme/app");
    if (i > 0) {  // oldest first
      EXPECT_GE(run.created_at, runs[i - 1].created_at);
      EXPECT_GT(run.id, runs[i - 1].id);
    }
    if (run.status == "in_progress") ++in_progress;
    if (run.status == "queued") ++queued;
    if (run.completed()) {
      EXPECT_LT(run.updated_at, kEnd);
    } else {
      EXPECT_EQ(run.conclusion, "");
    }
  }
  EXPECT_EQ(ids.size(), 500u);
  EXPECT_EQ(in_progress, 2);  // the newest 3 are unfinished, the very newest still queued
  EXPECT_EQ(queued, 1);
  EXPECT_EQ(runs.back().status, "queued");
  EXPECT_GT(runs.front().id, std::int64_t{1} << 32);  // ids need 64 bits
}

TEST(FakeGitHubDataTest, TheSameOptionsGiveTheSameRuns) {
  FakeGitHub a;
  FakeGitHub b;
  EXPECT_EQ(a.add_generated_runs("acme/app", {100, kEnd, 86400 * 10, 1, 3}),
            b.add_generated_runs("acme/app", {100, kEnd, 86400 * 10, 1, 3}));
  EXPECT_NE(a.add_generated_runs("acme/lib", {100, kEnd, 86400 * 10, 1, 3}),
            b.add_generated_runs("acme/lib", {100, kEnd, 86400 * 10, 1, 4}));
}

TEST(FakeGitHubDataTest, HistoriesHaveFailuresAndSeveralWorkflows) {
  FakeGitHub fake;
  const auto runs = fake.add_generated_runs("acme/app", {1000, kEnd, 90 * 86400, 0, 1});
  std::set<std::int64_t> workflows;
  std::set<std::string> conclusions;
  for (const RunRecord& run : runs) {
    workflows.insert(run.workflow_id);
    conclusions.insert(run.conclusion);
  }
  EXPECT_EQ(workflows.size(), 3u);
  EXPECT_TRUE(conclusions.count("success"));
  EXPECT_TRUE(conclusions.count("failure"));
}

TEST(FakeGitHubDataTest, RunsOnOneDayAllFallOnThatDay) {
  FakeGitHub fake;
  const auto runs = fake.add_runs_on_one_day("acme/big", 2500, kEnd + 3600);  // any time that day
  ASSERT_EQ(runs.size(), 2500u);
  for (const RunRecord& run : runs) {
    EXPECT_EQ(day_index(run.created_at), day_index(kEnd)) << run.id;
    EXPECT_TRUE(run.completed());
  }
}

TEST(FakeGitHubDataTest, AddRunFillsIdsAndKeepsNewestFirst) {
  FakeGitHub fake;
  const std::int64_t repository_id = fake.add_repository("acme/app");
  RunRecord run;
  run.repository = "ACME/App";  // names match case-insensitively
  run.workflow_id = 9;
  run.status = "completed";
  run.conclusion = "success";
  run.created_at = kEnd - 100;
  const RunRecord older = fake.add_run(run);
  EXPECT_GT(older.id, 0);
  EXPECT_EQ(older.repository, "acme/app");
  EXPECT_EQ(older.repository_id, repository_id);
  EXPECT_EQ(older.run_number, 1);
  EXPECT_EQ(older.updated_at, kEnd - 100);
  run.created_at = kEnd - 50;
  const RunRecord newer = fake.add_run(run);
  EXPECT_EQ(newer.run_number, 2);
  const auto stored = fake.runs("acme/app");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].id, newer.id);
  EXPECT_EQ(stored[1].id, older.id);
  EXPECT_THROW(fake.add_run(newer), std::invalid_argument);  // id taken
  run.repository = "acme/missing";
  EXPECT_THROW(fake.add_run(run), std::invalid_argument);
}

TEST(FakeGitHubDataTest, CompletingARunBumpsUpdatedAt) {
  FakeGitHub fake;
  const auto runs = fake.add_generated_runs("acme/app", {10, kEnd, 86400, 1, 1});
  const RunRecord& open = runs.back();
  ASSERT_EQ(open.status, "in_progress");
  const RunRecord done = fake.complete_run(open.id, "failure", kEnd + 600);
  EXPECT_EQ(done.status, "completed");
  EXPECT_EQ(done.conclusion, "failure");
  EXPECT_EQ(done.updated_at, kEnd + 600);
  EXPECT_EQ(fake.find_run(open.id), done);
  // A change that leaves updated_at alone still moves it on by one second.
  const RunRecord renamed = fake.update_run(open.id, [](RunRecord& run) { run.head_branch = "x"; });
  EXPECT_EQ(renamed.updated_at, kEnd + 601);
  EXPECT_EQ(renamed.head_branch, "x");
  EXPECT_THROW(fake.complete_run(12345, "success", kEnd), std::invalid_argument);
}

TEST(FakeGitHubDataTest, CompletesEveryUnfinishedRun) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {10, kEnd, 86400, 2, 1});
  fake.add_generated_runs("acme/lib", {10, kEnd, 86400, 1, 1});
  EXPECT_EQ(fake.complete_in_progress_runs(kEnd + 60), 3);  // 2 + 1
  for (const RunRecord& run : fake.all_runs()) EXPECT_TRUE(run.completed());
  EXPECT_EQ(fake.all_runs().size(), 20u);
  EXPECT_EQ(fake.repositories(), (std::vector<std::string>{"acme/app", "acme/lib"}));
}

TEST(FakeGitHubDataTest, RejectsMalformedRepositoryNames) {
  FakeGitHub fake;
  EXPECT_THROW(fake.add_repository("no-slash"), std::invalid_argument);
  fake.add_repository("acme/app");
  EXPECT_THROW(fake.add_repository("acme/app"), std::invalid_argument);
  EXPECT_THROW(fake.runs("acme/none"), std::invalid_argument);
}

}  // namespace
}  // namespace cipette::fake_github
