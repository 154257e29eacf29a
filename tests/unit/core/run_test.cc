#include "cipette/core/run.h"

#include <gtest/gtest.h>

#include <string>

namespace cipette {
namespace {

RunRecord valid_run() {
  RunRecord run;
  run.id = 42;
  run.repository = "octo-org/hello.world_2";
  run.workflow_id = 7;
  run.status = "completed";
  run.run_attempt = 1;
  return run;
}

TEST(RunTest, ClassifiesSuccessAsSuccess) {
  EXPECT_EQ(classify_conclusion("success"), Outcome::kSuccess);
}

TEST(RunTest, ClassifiesFailureTimedOutAndStartupFailureAsFailed) {
  EXPECT_EQ(classify_conclusion("failure"), Outcome::kFailed);
  EXPECT_EQ(classify_conclusion("timed_out"), Outcome::kFailed);
  EXPECT_EQ(classify_conclusion("startup_failure"), Outcome::kFailed);
}

TEST(RunTest, ClassifiesEverythingElseAsNeutral) {
  for (const char* conclusion : {"cancelled", "skipped", "neutral", "action_required", "stale", "",
                                 "Success", "something_new"}) {
    EXPECT_EQ(classify_conclusion(conclusion), Outcome::kNeutral) << conclusion;
  }
}

TEST(RunTest, NamesOutcomes) {
  EXPECT_EQ(outcome_name(Outcome::kSuccess), "success");
  EXPECT_EQ(outcome_name(Outcome::kFailed), "failed");
  EXPECT_EQ(outcome_name(Outcome::kNeutral), "neutral");
}

TEST(RunTest, AcceptsOwnerSlashNameRepositories) {
  EXPECT_TRUE(is_valid_repository_name("octo/app"));
  EXPECT_TRUE(is_valid_repository_name("Octo-Org/my_app.js"));
  EXPECT_TRUE(is_valid_repository_name("a/b"));
}

TEST(RunTest, RejectsMalformedRepositoryNames) {
  for (const char* name : {"", "octo", "/app", "octo/", "octo/app/extra", "octo app/x", "octo/a;b",
                           "octo/ä", "https://github.com/octo/app"}) {
    EXPECT_FALSE(is_valid_repository_name(name)) << name;
  }
}

TEST(RunTest, RejectsDotAndDotDotAsOwnerOrName) {
  for (const char* name : {"../etc", "./app", "octo/..", "octo/.", "../.."}) {
    EXPECT_FALSE(is_valid_repository_name(name)) << name;
  }
  EXPECT_TRUE(is_valid_repository_name("octo/.github"));
  EXPECT_TRUE(is_valid_repository_name("octo/..app"));
}

TEST(RunTest, RejectsRepositoryNamesLongerThan200Characters) {
  std::string name = "o/" + std::string(199, 'a');  // 201 characters
  EXPECT_FALSE(is_valid_repository_name(name));
  EXPECT_TRUE(is_valid_repository_name(name.substr(0, 200)));
}

TEST(RunTest, ValidateRunAcceptsAWellFormedRun) { EXPECT_TRUE(validate_run(valid_run())); }

TEST(RunTest, ValidateRunNamesTheRunAndTheBadField) {
  struct Case {
    void (*spoil)(RunRecord&);
    const char* field;
  };
  const Case cases[] = {
      {[](RunRecord& r) { r.id = 0; }, "\"id\""},
      {[](RunRecord& r) { r.repository = "not-a-repo"; }, "\"repository\""},
      {[](RunRecord& r) { r.workflow_id = -1; }, "\"workflow_id\""},
      {[](RunRecord& r) { r.status.clear(); }, "\"status\""},
      {[](RunRecord& r) { r.run_attempt = 0; }, "\"run_attempt\""},
  };
  for (const Case& c : cases) {
    RunRecord run = valid_run();
    c.spoil(run);
    Status status = validate_run(run);
    ASSERT_FALSE(status) << c.field;
    EXPECT_NE(status.error().message.find(c.field), std::string::npos) << status.error().message;
    EXPECT_NE(status.error().message.find("run " + std::to_string(run.id)), std::string::npos)
        << status.error().message;
  }
}

TEST(RunTest, ValidateRunQuotesTheBadRepository) {
  RunRecord run = valid_run();
  run.repository = "no slash";
  Status status = validate_run(run);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("\"no slash\""), std::string::npos);
}

TEST(RunTest, StartedFallsBackToCreatedAt) {
  RunRecord run = valid_run();
  run.created_at = 100;
  EXPECT_EQ(run.started(), 100);
  run.run_started_at = 150;
  EXPECT_EQ(run.started(), 150);
}

TEST(RunTest, CompletedOnlyForStatusCompleted) {
  RunRecord run = valid_run();
  EXPECT_TRUE(run.completed());
  run.status = "in_progress";
  EXPECT_FALSE(run.completed());
}

TEST(RunTest, ValidateRunRefusesAttemptsOutOfRange) {
  RunRecord run = valid_run();
  run.run_attempt = kMaxRunAttempt + 1;
  EXPECT_FALSE(validate_run(run));
  run.run_attempt = 3;
  run.earlier_attempts = {{42, 3, true, "completed", "failure", std::nullopt, 5}};
  auto not_earlier = validate_run(run);
  ASSERT_FALSE(not_earlier);
  EXPECT_NE(not_earlier.error().message.find("not below run_attempt 3"), std::string::npos);
  run.earlier_attempts = {{43, 1, true, "completed", "failure", std::nullopt, 5}};
  EXPECT_FALSE(validate_run(run));  // another run's attempt
  run.earlier_attempts = {{42, 2, true, "completed", "failure", std::nullopt, 5},
                          {42, 1, true, "completed", "failure", std::nullopt, 5}};
  EXPECT_FALSE(validate_run(run));  // out of order
  run.earlier_attempts = {{42, 1, true, "", "", std::nullopt, 5}};
  EXPECT_FALSE(validate_run(run));  // found without a status
  run.earlier_attempts = {{42, 1, false, "", "", std::nullopt, 0},
                          {42, 2, true, "completed", "success", std::nullopt, 5}};
  EXPECT_TRUE(validate_run(run));
}

TEST(RunTest, VersionsMoveForwardByAttemptThenProgressThenUpdatedAt) {
  // Each version below must replace the one before it, and never the other way round.
  const std::int64_t ordered[] = {
      run_version(1, "queued", 500),       // attempt 1 queued
      run_version(1, "waiting", 600),      // ... updated later
      run_version(1, "in_progress", 100),  // running, even with an older updated_at
      run_version(1, "in_progress", 650),
      run_version(1, "completed", 100),  // completed, even with an older updated_at
      run_version(1, "completed", 700),
      run_version(2, "requested", 50),  // a re-run: a higher attempt wins over all of attempt 1
      run_version(2, "in_progress", 40),
      run_version(2, "completed", 60),
      run_version(3, "pending", 0),
  };
  for (std::size_t i = 1; i < std::size(ordered); ++i) {
    EXPECT_LT(ordered[i - 1], ordered[i]) << i;
  }
  // Out-of-range inputs are clamped, never wrap into another attempt's range.
  EXPECT_LT(run_version(1, "completed", std::int64_t{1} << 50), run_version(2, "queued", 0));
  EXPECT_LT(run_version(1, "queued", -5), run_version(1, "queued", 1));
  // Schema 4 stored attempt << 40 | completed << 39 | updated_at: completed and waiting versions
  // keep those values, so that stored runs need no new version.
  const std::int64_t schema4_completed = (std::int64_t{3} << 40) | (std::int64_t{1} << 39) | 1234;
  EXPECT_EQ(run_version(3, "completed", 1234), schema4_completed);
  EXPECT_EQ(run_version(2, "queued", 99), (std::int64_t{2} << 40) | 99);
  // An attempt not found is below every found version.
  AttemptRecord missing{1, 1, false, "", "", std::nullopt, 0};
  AttemptRecord queued{1, 1, true, "queued", "", std::nullopt, 0};
  EXPECT_LT(attempt_version(missing), attempt_version(queued));
}

TEST(RunTest, SummarizesTheWorkedExampleOfTheMetricsDocument) {
  // docs/metrics.md, "Re-runs and flakiness": runs A, B and C.
  RunRecord a = valid_run();
  a.conclusion = "success";
  a.run_started_at = 1000;
  a.updated_at = 1300;
  AttemptSummary sa = summarize_attempts(a);
  EXPECT_EQ(sa.first, Outcome::kSuccess);
  EXPECT_FALSE(sa.flaky);
  EXPECT_EQ(sa.seconds_lost, 0);

  RunRecord b = valid_run();
  b.run_attempt = 2;
  b.conclusion = "success";
  b.earlier_attempts = {{42, 1, true, "completed", "failure", 1000, 1240}};  // 4m
  AttemptSummary sb = summarize_attempts(b);
  EXPECT_EQ(sb.first, Outcome::kFailed);
  EXPECT_TRUE(sb.flaky);
  EXPECT_EQ(sb.seconds_lost, 240);

  RunRecord c = valid_run();
  c.run_attempt = 3;
  c.conclusion = "failure";
  c.earlier_attempts = {{42, 1, true, "completed", "timed_out", 1000, 1600},  // 10m
                        {42, 2, true, "completed", "failure", 2000, 2180}};   // 3m
  AttemptSummary sc = summarize_attempts(c);
  EXPECT_EQ(sc.first, Outcome::kFailed);
  EXPECT_FALSE(sc.flaky);
  EXPECT_EQ(sc.seconds_lost, 780);
}

TEST(RunTest, SummaryLeavesUnknownUnfinishedAndNeutralAttemptsOut) {
  RunRecord run = valid_run();
  run.run_attempt = 4;
  run.conclusion = "success";
  run.earlier_attempts = {
      {42, 1, false, "", "", std::nullopt, 0},                   // unknown: first unknown
      {42, 2, true, "in_progress", "", 100, 200},                // unfinished: no duration
      {42, 3, true, "completed", "cancelled", std::nullopt, 50}  // no start: no duration
  };
  AttemptSummary s = summarize_attempts(run);
  EXPECT_EQ(s.first, std::nullopt);
  EXPECT_FALSE(s.flaky);  // nothing failed
  EXPECT_EQ(s.seconds_lost, 0);
  run.earlier_attempts[2].conclusion = "startup_failure";
  EXPECT_TRUE(summarize_attempts(run).flaky);
  run.status = "in_progress";  // the success has not happened yet
  run.conclusion = "";
  EXPECT_FALSE(summarize_attempts(run).flaky);
}

}  // namespace
}  // namespace cipette
