// The directly written documents against their reference: the nlohmann documents of
// views/report_json.h, dumped as the API used to dump them. The expected text is produced by
// nlohmann (an independent serialiser), never by the code under test.
#include "cipette/web/metrics_documents.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "cipette/core/time.h"
#include "cipette/views/report_json.h"
#include "cipette/web/api_documents.h"
#include "cipette/web/json_writer.h"

namespace cipette::web {
namespace {

const Timestamp kDay0 = days_from_civil(2024, 3, 1) * kSecondsPerDay;

// Names as anyone who opens a pull request may choose them: markup, quotes, backslashes,
// control characters, non-ASCII text and bytes that are not UTF-8.
const std::vector<std::string> kNames = {
    "CI",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "back\\slash",
    "tab\there\nnewline\x01",
    "déploiement 🚀",
    "bad\xFF\xFEutf8",
    "\x7F"
    "del",
    "\xC3",
};

// Makes a third of the runs re-runs: up to three earlier attempts each, of any conclusion,
// some unknown to GitHub, unfinished, without a start or ending before it.
void add_earlier_attempts(std::mt19937& rng, RunRecord& r) {
  static const std::vector<std::string> kConclusions = {"success", "failure", "timed_out",
                                                        "cancelled", ""};
  std::uniform_int_distribution<int> earlier(0, 8);
  std::uniform_int_distribution<int> pick(0, static_cast<int>(kConclusions.size()) - 1);
  std::uniform_int_distribution<int> kind(0, 9);
  std::uniform_int_distribution<Timestamp> duration(-5, 3000);
  int count = earlier(rng);
  if (count > 3) return;
  for (int k = 1; k <= count; ++k) {
    AttemptRecord a;
    a.run_id = r.id;
    a.attempt = k;
    a.status = kind(rng) == 0 ? "in_progress" : "completed";
    a.conclusion = kConclusions[static_cast<std::size_t>(pick(rng))];
    if (kind(rng) > 0) a.run_started_at = r.created_at + 100 * k;
    a.updated_at = r.created_at + 100 * k + duration(rng);
    if (kind(rng) == 0) a = AttemptRecord{r.id, k, false, "", "", std::nullopt, 0};
    r.earlier_attempts.push_back(a);
  }
  r.run_attempt = count + 1;
}

RunRecord random_run(std::mt19937& rng, std::int64_t id) {
  std::uniform_int_distribution<int> pick(0, static_cast<int>(kNames.size()) - 1);
  std::uniform_int_distribution<int> outcome(0, 9);
  std::uniform_int_distribution<Timestamp> offset(0, 40 * kSecondsPerDay);
  std::uniform_int_distribution<Timestamp> duration(-5, 4000);  // negative: no duration
  RunRecord r;
  r.id = id;
  r.repository_id = 1 + id % 3;
  r.repository = "octo/repo" + std::to_string(r.repository_id);
  r.workflow_id = 10 * r.repository_id + id % 4;
  r.workflow_name = kNames[static_cast<std::size_t>(pick(rng))];
  r.path = ".github/workflows/" + std::to_string(r.workflow_id) + ".yml";
  r.run_number = id;
  r.event = id % 5 == 0 ? "pull_request" : "push";
  r.status = id % 17 == 0 ? "in_progress" : "completed";
  int o = outcome(rng);
  r.conclusion = o < 7 ? "success" : o < 9 ? "failure" : "cancelled";
  r.head_branch = kNames[static_cast<std::size_t>(pick(rng))];
  r.actor = "octocat";
  r.created_at = kDay0 + offset(rng);
  r.updated_at = r.created_at + duration(rng);
  add_earlier_attempts(rng, r);
  return r;
}

RunTable random_table(unsigned seed, int runs) {
  std::mt19937 rng(seed);
  RunTableBuilder builder;
  for (int i = 1; i <= runs; ++i) builder.add(random_run(rng, i));
  return builder.build(runs);
}

// Three scopes per period (last 7 days, last 90 days, all time, a range): without filters,
// with repository and branch, with workflow and event too.
std::vector<Scope> scopes() {
  Timestamp now = kDay0 + 41 * kSecondsPerDay + 1234;
  std::vector<Scope> list;
  for (Period period : {Period::last_days(7), Period::last_days(90), Period::all(),
                        Period::range(kDay0 + kSecondsPerDay, kDay0 + 20 * kSecondsPerDay)}) {
    Scope scope;
    scope.period = period;
    scope.now = now;
    list.push_back(scope);
    scope.repository = "octo/repo2";
    scope.branch = kNames[1];
    list.push_back(scope);
    scope.event = "push";
    scope.workflow = kNames[6];
    list.push_back(scope);
  }
  return list;
}

std::string reference_metrics(const MetricsReport& report) {
  return dump_json(views::metrics_json(report));
}

TEST(MetricsDocumentsTest, MetricsTextIsTheDumpedViewsDocumentByteForByte) {
  for (unsigned seed : {1u, 2u, 3u}) {
    RunTable table = random_table(seed, 400);
    // The histories hold re-runs, flaky runs and time lost, so those fields are compared too.
    Metrics all = compute_metrics(table, scopes()[6]).totals;
    EXPECT_GT(all.flaky_runs, 0);
    EXPECT_GT(all.rerun_runs, all.flaky_runs);
    EXPECT_GT(all.rerun_seconds_lost, 0);
    for (const Scope& scope : scopes()) {
      MetricsReport report = compute_metrics(table, scope);
      EXPECT_EQ(metrics_json_text(report), reference_metrics(report))
          << "seed " << seed << ", repository '" << scope.repository << "'";
    }
  }
}

TEST(MetricsDocumentsTest, EmptyReportsAndUnusualNumbersMatchTheReference) {
  Scope scope;
  scope.period = Period::all();
  scope.now = kDay0;
  MetricsReport empty = compute_metrics(RunTable(), scope);
  EXPECT_EQ(metrics_json_text(empty), reference_metrics(empty));

  MetricsReport odd = empty;
  WorkflowMetrics row;
  row.repository = "octo/app";
  row.workflow = kNames[7];
  row.path = kNames[8];
  row.workflow_id = std::numeric_limits<std::int64_t>::max();
  row.metrics.success_rate = std::numeric_limits<double>::quiet_NaN();
  row.metrics.duration.mean = 1e21;
  row.metrics.duration.p50 = -1;
  row.metrics.throughput_per_day = 1e-7;
  row.metrics.mttr.mean = -0.0;
  row.metrics.first_run = -1;  // 1969-12-31T23:59:59Z
  row.metrics.rerun_rate = 100.0;
  row.metrics.flaky_rate = 1.0 / 3.0;
  row.metrics.first_attempt_success_rate = 0.0;
  row.metrics.rerun_seconds_lost = std::numeric_limits<std::int64_t>::max();
  row.metrics.flaky_runs = -1;
  row.metrics.last_run = days_from_civil(10000, 1, 1) * kSecondsPerDay;
  odd.workflows = {row, row};
  odd.period_days = 1.0 / 3.0;
  odd.totals.throughput_per_day = std::numeric_limits<double>::infinity();
  EXPECT_EQ(metrics_json_text(odd), reference_metrics(odd));
}

TEST(MetricsDocumentsTest, TrendsTextIsTheDumpedViewsDocumentByteForByte) {
  RunTable table = random_table(7, 400);
  for (const Scope& scope : scopes()) {
    auto points = compute_daily_series(table, scope);
    EXPECT_EQ(trends_json_text(scope, points), dump_json(views::trends_json(scope, points)));
  }
  Scope none;
  none.period = Period::all();
  EXPECT_EQ(trends_json_text(none, {}), dump_json(views::trends_json(none, {})));
}

TEST(JsonWriterTest, WritesCompactJsonWithCommasInThePlacesTheyBelong) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a");
  w.begin_array();
  w.value(1);
  w.value(2.5);
  w.null();
  w.value("x");
  w.begin_object();
  w.end_object();
  w.end_array();
  w.key("b");
  w.value(true);
  w.key("c");
  w.value(90.0);  // integral doubles keep a ".0", as nlohmann writes them
  w.end_object();
  EXPECT_EQ(out, R"({"a":[1,2.5,null,"x",{}],"b":true,"c":90.0})");
}

TEST(JsonWriterTest, EscapesStringsAndReplacesInvalidUtf8) {
  std::string out;
  append_json_string(out, "say \"hi\"\n");
  EXPECT_EQ(out, R"("say \"hi\"\n")");
  out.clear();
  append_json_string(out, "bad\xFF");
  EXPECT_EQ(out, "\"bad\xEF\xBF\xBD\"");  // U+FFFD in UTF-8
  out.clear();
  append_json_string(out, "caf\xC3\xA9");
  EXPECT_EQ(out, "\"caf\xC3\xA9\"");  // valid UTF-8 is written as it is
}

TEST(JsonWriterTest, TimestampsAreWrittenAsFormatTimestampWritesThem) {
  std::string out;
  // 2000-03-01 is day 30 * 365 + 7 leap days (1972..1996) = 10957 + 31 + 29 = 11017, so
  // 2000-02-29 starts at 11016 * 86400 = 951782400.
  append_timestamp(out, 951782400 + 3661);
  EXPECT_EQ(out, "2000-02-29T01:01:01Z");
  out.clear();
  append_date(out, -1);
  EXPECT_EQ(out, "1969-12-31");
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<Timestamp> any(-80'000'000'000, 300'000'000'000);
  for (int i = 0; i < 20000; ++i) {
    Timestamp t = any(rng);
    out.clear();
    append_timestamp(out, t);
    ASSERT_EQ(out, format_timestamp(t)) << t;
    out.clear();
    append_date(out, t);
    ASSERT_EQ(out, format_date(t)) << t;
  }
}

}  // namespace
}  // namespace cipette::web
