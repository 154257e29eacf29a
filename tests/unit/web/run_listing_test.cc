#include "cipette/web/run_listing.h"

#include <gtest/gtest.h>

#include "cipette/core/time.h"
#include "support/run_fixtures.h"
#include "unit/web/attempt_fixtures.h"

namespace cipette::web {
namespace {

const Timestamp kDay0 = days_from_civil(2024, 3, 1) * kSecondsPerDay;

// octo/app's CI run `id` on `branch`, taking 120 s.
RunRecord run(std::int64_t id, const std::string& branch, const std::string& conclusion,
              Timestamp created) {
  RunRecord r = testing::listed_ci_run(id, conclusion, created, 120);
  r.head_branch = branch;
  return r;
}

Scope all_time() { return testing::scope_at(Period::all(), kDay0 + 30 * kSecondsPerDay); }

// main: F(1) F(2) cancelled(3) F(4) S(5) F(7) ; dev: F(6)
RunTable streak_table() {
  RunRecord pending = run(8, "main", "", kDay0 + 800);
  pending.status = "in_progress";
  return testing::table_of(
      {run(1, "main", "failure", kDay0 + 100), run(2, "main", "timed_out", kDay0 + 200),
       run(3, "main", "cancelled", kDay0 + 300), run(4, "main", "failure", kDay0 + 400),
       run(5, "main", "success", kDay0 + 500), run(6, "dev", "failure", kDay0 + 600),
       run(7, "main", "failure", kDay0 + 700), pending},
      8);
}

TEST(RunListingTest, ListsCompletedRunsNewestFirstOnePageAtATime) {
  RunTable table = streak_table();
  RunPage first = select_runs(table, all_time(), ListOptions{{}, 1, 3, false});
  // 7 completed runs; the in-progress run 8 is not counted.
  EXPECT_EQ(first.total, 7);
  ASSERT_EQ(first.runs.size(), 3u);
  EXPECT_EQ(first.runs[0].row.id, 7);
  EXPECT_EQ(first.runs[1].row.id, 6);
  EXPECT_EQ(first.runs[2].row.id, 5);
  RunPage third = select_runs(table, all_time(), ListOptions{{}, 3, 3, false});
  ASSERT_EQ(third.runs.size(), 1u);
  EXPECT_EQ(third.runs[0].row.id, 1);
  EXPECT_TRUE(select_runs(table, all_time(), ListOptions{{}, 4, 3, false}).runs.empty());
}

TEST(RunListingTest, FiltersByOutcomeBranchAndPeriod) {
  RunTable table = streak_table();
  RunPage failed = select_runs(table, all_time(), ListOptions{Outcome::kFailed, 1, 50, false});
  // failure 1, timed_out 2, failure 4, 6, 7.
  EXPECT_EQ(failed.total, 5);
  Scope dev = all_time();
  dev.branch = "dev";
  EXPECT_EQ(select_runs(table, dev, ListOptions{}).total, 1);
  Scope range = all_time();
  range.period = Period::range(kDay0 + 150, kDay0 + 450);  // runs 2, 3, 4
  EXPECT_EQ(select_runs(table, range, ListOptions{}).total, 3);
}

TEST(RunListingTest, MarksFailureStreaksPerBranchIgnoringNeutralRuns) {
  RunTable table = streak_table();
  RunPage page = select_runs(table, all_time(), ListOptions{{}, 1, 50, true});
  std::map<std::int64_t, std::optional<StreakMark>> marks;
  for (const ListedRun& listed : page.runs) marks[listed.row.id] = listed.streak;
  // main: 1, 2, 4 are one incident (the cancelled run 3 does not end it), recovered by 5.
  ASSERT_TRUE(marks[1] && marks[2] && marks[4]);
  EXPECT_EQ(marks[1]->position, 1);
  EXPECT_EQ(marks[2]->position, 2);
  EXPECT_EQ(marks[4]->position, 3);
  EXPECT_EQ(marks[4]->length, 3);
  EXPECT_FALSE(marks[4]->open);
  EXPECT_FALSE(marks[3]);
  EXPECT_FALSE(marks[5]);
  // 7 on main and 6 on dev are separate open streaks of one.
  ASSERT_TRUE(marks[7] && marks[6]);
  EXPECT_EQ(marks[7]->length, 1);
  EXPECT_TRUE(marks[7]->open);
  EXPECT_TRUE(marks[6]->open);
}

TEST(RunListingTest, LinksToGitHubOnlyForHttpAddresses) {
  RunTableBuilder builder;
  RunRecord good = run(1, "main", "success", kDay0);
  RunRecord evil = run(2, "main", "success", kDay0);
  evil.repository = "evil/repo";
  evil.repository_id = 2;
  evil.html_url = "javascript:alert(1)//actions/runs/2";
  builder.add(good);
  builder.add(evil);
  RunTable table = builder.build(2);
  for (std::size_t i = 0; i < table.size(); ++i) {
    RunTable::Row row = table.row(i);
    std::string url = run_html_url(table, row);
    EXPECT_EQ(url, row.id == 1 ? "https://github.com/octo/app/actions/runs/1" : "") << row.id;
  }
}

TEST(RunListingTest, AttemptsLinkToTheirPageOnGitHubAndTheLatestToTheRun) {
  RunRecord good = fixtures::rerun(run(1, "main", "success", kDay0), 3, kDay0 + 500, 60,
                                   {fixtures::completed_attempt(1, 1, "failure", kDay0, 60)});
  RunRecord evil = good;
  evil.id = 2;
  evil.repository = "evil/repo";
  evil.repository_id = 2;
  evil.html_url = "javascript:alert(1)//actions/runs/2";
  evil.earlier_attempts[0].run_id = 2;
  RunTable table = testing::table_of({good, evil}, 2);
  for (std::size_t i = 0; i < table.size(); ++i) {
    RunTable::Row row = table.row(i);
    if (row.id == 1) {
      EXPECT_EQ(attempt_html_url(table, row, 1),
                "https://github.com/octo/app/actions/runs/1/attempts/1");
      EXPECT_EQ(attempt_html_url(table, row, 2),
                "https://github.com/octo/app/actions/runs/1/attempts/2");
      EXPECT_EQ(attempt_html_url(table, row, 3), "https://github.com/octo/app/actions/runs/1");
    } else {
      EXPECT_EQ(attempt_html_url(table, row, 1), "");
      EXPECT_EQ(attempt_html_url(table, row, 3), "");
    }
  }
}

TEST(RunListingTest, AnAttemptIsCompletedUnfinishedOrUnknown) {
  RunTable::Attempt attempt;
  attempt.completed = true;
  EXPECT_EQ(attempt_status(attempt), "completed");
  attempt.completed = false;
  EXPECT_EQ(attempt_status(attempt), "unfinished");
  attempt.found = false;
  EXPECT_EQ(attempt_status(attempt), "unknown");
}

}  // namespace
}  // namespace cipette::web
