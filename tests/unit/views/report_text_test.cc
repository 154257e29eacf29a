// The re-run and flakiness figures in the CLI's outputs (table, CSV, JSON), on the worked example
// of docs/metrics.md ("Re-runs and flakiness"), whose numbers are worked out there by hand.
#include "cipette/views/report_text.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cipette/core/time.h"
#include "cipette/views/report_json.h"
#include "support/run_fixtures.h"

namespace cipette::views {
namespace {

const Timestamp kDay0 = days_from_civil(2024, 3, 1) * kSecondsPerDay;

AttemptRecord earlier(std::int64_t run_id, std::int64_t number, std::string conclusion,
                      Timestamp started, Timestamp duration) {
  AttemptRecord a;
  a.run_id = run_id;
  a.attempt = number;
  a.status = "completed";
  a.conclusion = std::move(conclusion);
  a.run_started_at = started;
  a.updated_at = started + duration;
  return a;
}

// The latest attempt of run `id`, started `started` and taking `duration`, after `earlier`.
RunRecord rerun(std::int64_t id, const std::string& conclusion, Timestamp created,
                Timestamp started, Timestamp duration, std::vector<AttemptRecord> attempts) {
  RunRecord r = testing::listed_ci_run(id, conclusion, created, started - created + duration);
  r.run_started_at = started;
  r.run_attempt = static_cast<std::int64_t>(attempts.size()) + 1;
  r.earlier_attempts = std::move(attempts);
  return r;
}

// docs/metrics.md: A success (5m); B failure (4m), success (5m); C timed_out (10m),
// failure (3m), failure (3m).
MetricsReport worked_example() {
  Timestamp b = kDay0 + 3600;
  Timestamp c = kDay0 + 7200;
  RunTable table = testing::table_of(
      {testing::listed_ci_run(1, "success", kDay0, 300),
       rerun(2, "success", b, b + 1000, 300, {earlier(2, 1, "failure", b, 240)}),
       rerun(3, "failure", c, c + 2000, 180,
             {earlier(3, 1, "timed_out", c, 600), earlier(3, 2, "failure", c + 1000, 180)})},
      3);
  return compute_metrics(table, testing::scope_at(Period::all(), kDay0 + 10 * kSecondsPerDay));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ReportTextTest, CsvEndsEachLineWithTheRerunAndFlakinessColumns) {
  std::string csv = metrics_csv(worked_example());
  std::vector<std::string> lines = lines_of(csv);
  ASSERT_EQ(lines.size(), 3u);  // header, CI, TOTAL
  EXPECT_TRUE(
      lines[0].ends_with(",last_run,rerun_runs,rerun_rate,flaky_runs,flaky_rate,"
                         "first_attempt_success_rate,rerun_seconds_lost\r"))
      << lines[0];
  // Re-run 2 of 3 (66.67%), flaky 1 (33.33%), first attempts 1 success of 3 (33.33%), and
  // 4m + 10m + 3m = 1020 s lost.
  EXPECT_TRUE(lines[1].ends_with(",2,66.67,1,33.33,33.33,1020\r")) << lines[1];
  EXPECT_TRUE(lines[2].starts_with("TOTAL,")) << lines[2];
  EXPECT_TRUE(lines[2].ends_with(",2,66.67,1,33.33,33.33,1020\r")) << lines[2];
}

TEST(ReportTextTest, CsvLeavesRatesEmptyWithoutRuns) {
  std::vector<std::string> lines = lines_of(metrics_csv(MetricsReport{}));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[1].ends_with(",0,,0,,,0\r")) << lines[1];
}

TEST(ReportTextTest, TableShowsTheFirstAttemptRateAndFlakyRunsBesideTheSuccessRate) {
  std::vector<std::string> lines = lines_of(metrics_table(worked_example(), false));
  // Title, blank, header, the CI row, blank, TOTAL.
  ASSERT_EQ(lines.size(), 6u);
  const std::string& header = lines[2];
  std::size_t success = header.find("SUCCESS");
  std::size_t first_try = header.find("1ST TRY");
  std::size_t flaky = header.find("FLAKY");
  ASSERT_NE(success, std::string::npos);
  EXPECT_LT(success, first_try);
  EXPECT_LT(first_try, flaky);
  EXPECT_LT(flaky, header.find("MEAN"));
  // Right-aligned under their headers: success 2 of 3 = 66.67%, first attempts 33.33%, 1 flaky.
  for (const std::string& line : {lines[3], lines[5]}) {
    EXPECT_EQ(line.substr(success + 7 - 6, 6), "66.67%") << line;
    EXPECT_EQ(line.substr(first_try + 7 - 6, 6), "33.33%") << line;
    EXPECT_EQ(line.substr(flaky + 5 - 10, 10), "1 (33.33%)") << line;
  }
  EXPECT_EQ(lines[3].size(), header.size());
  EXPECT_EQ(lines[5].size(), header.size());
}

TEST(ReportTextTest, TableCountsAndRunsPerDayHaveThousandsSeparatorsAsOnTheDashboard) {
  MetricsReport report;
  report.scope.period = Period::all();
  Metrics busy;
  busy.total = 541861;
  busy.success = 530000;
  busy.failed = 11861;
  busy.flaky_runs = 1200;
  busy.throughput_per_day = 6020.7;  // the dashboard's "6020.7/day" beside "541,861"
  Metrics quiet;
  quiet.total = 9;
  quiet.success = 9;
  quiet.throughput_per_day = 0.25;
  report.workflows = {{"octo/app", 1, "Busy", ".github/workflows/busy.yml", busy},
                      {"octo/app", 2, "Quiet", ".github/workflows/quiet.yml", quiet}};
  report.totals = busy;
  std::vector<std::string> lines = lines_of(metrics_table(report, false));
  // Title, blank, header, two rows, blank, TOTAL.
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_TRUE(lines[0].ends_with("(541,861 runs)")) << lines[0];
  for (const char* cells : {" 541,861  530,000  11,861 ", " 1,200 (N/A) "}) {
    EXPECT_NE(lines[3].find(cells), std::string::npos) << lines[3];
    EXPECT_NE(lines[6].find(cells), std::string::npos) << lines[6];
  }
  EXPECT_TRUE(lines[3].ends_with(" 6,020.7")) << lines[3];
  EXPECT_TRUE(lines[4].ends_with(" 0.25")) << lines[4];  // two decimals under one, as the web
  EXPECT_TRUE(lines[6].ends_with(" 6,020.7")) << lines[6];
}

TEST(ReportJsonTest, MetricsCarryTheRerunAndFlakinessFieldsPerRowAndInTotals) {
  nlohmann::json doc = metrics_json(worked_example());
  ASSERT_EQ(doc["workflows"].size(), 1u);
  for (const nlohmann::json& m : {doc["totals"], doc["workflows"][0]}) {
    EXPECT_EQ(m["rerun_runs"], 2);
    EXPECT_EQ(m["rerun_rate"], 66.67);
    EXPECT_EQ(m["flaky_runs"], 1);
    EXPECT_EQ(m["flaky_rate"], 33.33);
    EXPECT_EQ(m["first_attempt_success_rate"], 33.33);
    EXPECT_EQ(m["rerun_seconds_lost"], 1020);
    EXPECT_EQ(m["success_rate"], 66.67);  // the final outcomes: A and B succeeded
  }
}

TEST(ReportJsonTest, RatesAreNullWithoutRuns) {
  nlohmann::json totals = metrics_json(MetricsReport{})["totals"];
  EXPECT_EQ(totals["rerun_runs"], 0);
  EXPECT_TRUE(totals["rerun_rate"].is_null());
  EXPECT_EQ(totals["flaky_runs"], 0);
  EXPECT_TRUE(totals["flaky_rate"].is_null());
  EXPECT_TRUE(totals["first_attempt_success_rate"].is_null());
  EXPECT_EQ(totals["rerun_seconds_lost"], 0);
}

}  // namespace
}  // namespace cipette::views
