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

}  // namespace
}  // namespace cipette
