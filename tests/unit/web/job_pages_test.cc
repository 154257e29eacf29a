// The HTML of jobs and runners (web/job_pages.h) from a small hand-built history: every number
// expected below is worked out in the comments.

#include "cipette/web/job_pages.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/job_metrics.h"
#include "cipette/core/job_table.h"
#include "cipette/core/runner_rates.h"
#include "cipette/core/time.h"
#include "cipette/web/html.h"
#include "support/job_fixtures.h"
#include "support/run_fixtures.h"

namespace cipette::web {
namespace {

using testing::ci_job;
using testing::listed_ci_run;

constexpr Timestamp kDay0 = 1709251200;  // 2024-03-01T00:00:00Z
constexpr Timestamp kRun1 = kDay0 + 3600;
constexpr Timestamp kRun2 = kDay0 + kSecondsPerDay + 3600;
constexpr std::string_view kScriptLabel = "<script>alert(1)</script>";
constexpr std::string_view kBoldGroup = "<b>pool</b>";
constexpr std::string_view kImgStep = "\"><img src=x onerror=alert(1)>";

StepRecord step(std::int64_t number, std::string name, Timestamp started, Timestamp seconds) {
  StepRecord s;
  s.number = number;
  s.name = std::move(name);
  s.status = "completed";
  s.conclusion = "success";
  s.started_at = started;
  s.completed_at = started + seconds;
  return s;
}

// Runs 1 (2024-03-01 01:00) and 2 (2024-03-02 01:00) of octo/app's CI, two jobs each:
//   job run name      conclusion queue duration labels                   group
//   1   1   build     success     30     90     ubuntu-latest            GitHub Actions
//   2   1   test (a)  failure     90    150     <script>.., linux        <b>pool</b>
//   3   2   build     success     10    121     ubuntu-latest            GitHub Actions
//   4   2   test (b)  success     50     30     <script>.., linux        <b>pool</b>
// Build's steps: run 1 Checkout 5 s and the hostile step 80 s; run 2 Checkout 3 s and the
// hostile step 100 s. Job 4's html_url is a javascript: link.
std::vector<JobRecord> jobs() {
  std::vector<std::string> hostile = {std::string(kScriptLabel), "linux"};
  std::vector<JobRecord> out = {
      ci_job(1, 1, 1, "build", "success", kRun1, 30, 90),
      ci_job(2, 1, 1, "test (a)", "failure", kRun1, 90, 150, hostile),
      ci_job(3, 2, 1, "build", "success", kRun2, 10, 121),
      ci_job(4, 2, 1, "test (b)", "success", kRun2, 50, 30, hostile),
  };
  out[1].runner_group_name = std::string(kBoldGroup);
  out[3].runner_group_name = std::string(kBoldGroup);
  out[0].steps = {step(1, "Checkout", kRun1 + 30, 5),
                  step(2, std::string(kImgStep), kRun1 + 35, 80)};
  out[2].steps = {step(1, "Checkout", kRun2 + 10, 3),
                  step(2, std::string(kImgStep), kRun2 + 13, 100)};
  for (JobRecord& job : out) {
    job.html_url = "https://github.com/octo/app/actions/runs/" + std::to_string(job.run_id) +
                   "/job/" + std::to_string(job.id);
  }
  out[3].html_url = "javascript:alert(1)";
  out[3].runner_name = "<i>runner</i>";
  return out;
}

struct History {
  SnapshotState state;
  std::shared_ptr<const JobTable> jobs;
  testing::MemoryJobReader store;
};

std::unique_ptr<History> history() {
  auto h = std::make_unique<History>();
  RunTableBuilder builder;
  builder.add(listed_ci_run(1, "failure", kRun1, 300));
  builder.add(listed_ci_run(2, "success", kRun2, 300));
  h->state.table = std::make_shared<const RunTable>(builder.build(2));
  h->state.generation = 1;
  h->state.loaded_at = kDay0;
  h->store.jobs = jobs();
  auto loaded = load_job_table(h->store, *h->state.table);
  EXPECT_TRUE(loaded.has_value());
  h->jobs = *loaded;
  return h;
}

ScopeQuery all_time() {
  auto parsed = parse_scope_query({{"period", "all"}}, kDay0 + 10 * kSecondsPerDay);
  EXPECT_TRUE(parsed);
  return *parsed;
}

// The text from the element with id `id` up to the next `close` after it.
std::string element(const std::string& html, const std::string& id, const std::string& close) {
  std::size_t start = html.find("id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find(close, start) - start);
}

bool has(const std::string& html, const std::string& text) {
  return html.find(text) != std::string::npos;
}

void expect_no_markup_from_github(const std::string& html) {
  EXPECT_FALSE(has(html, "<script>alert")) << html;
  EXPECT_FALSE(has(html, "<img src=x"));
  EXPECT_FALSE(has(html, "<b>pool"));
  EXPECT_FALSE(has(html, "<i>runner"));
  EXPECT_FALSE(has(html, "href=\"javascript:"));
}

// A card as the cards partial renders it.
std::string card_html(const mstch::map& card) {
  return render_template("cards", mstch::map{{"cards", mstch::array{card}}});
}

TEST(JobPagesTest, QueueCardPoolsEveryJobOrSaysThereIsNoJobData) {
  auto h = history();
  JobTotals totals = compute_job_totals(*h->state.table, *h->jobs, all_time().scope);
  // Queue times 10, 30, 50, 90: p50 rank 2 = 30 s, p95 rank 4 = 90 s.
  std::string card = card_html(queue_card(totals));
  EXPECT_TRUE(has(card, "<div class=\"card-value \">30s</div>")) << card;
  EXPECT_TRUE(has(card, "<div class=\"card-detail\">p95 1m 30s · 4 jobs</div>"));
  std::string none = card_html(queue_card(JobTotals{}));
  EXPECT_TRUE(has(none, "<div class=\"card-value muted\">no job data</div>")) << none;
  EXPECT_TRUE(has(none, "run cipette collect to fetch jobs"));
  JobTotals unqueued;
  unqueued.executions = 3;  // jobs without created_at (GitHub Enterprise Server before 3.9)
  std::string na = card_html(queue_card(unqueued));
  EXPECT_TRUE(has(na, ">N/A</div>")) << na;
  EXPECT_TRUE(has(na, "no queue times in 3 jobs"));
}

TEST(JobPagesTest, RunnersViewShowsEachLabelSetAndGroupWithHandWorkedNumbers) {
  auto h = history();
  std::string html = render_runners(h->state, *h->jobs, all_time(), false);
  expect_no_markup_from_github(html);
  std::string table = element(html, "runner-table", "</table>");
  ASSERT_FALSE(table.empty()) << html;
  // Label sets sorted: "<script>..." (0x3C) before "linux"; that set first ('<' < 'u').
  std::size_t hostile = table.find(
      "<li class=\"chip\">&lt;script&gt;alert(1)&lt;/script&gt;</li>"
      "<li class=\"chip\">linux</li>");
  std::size_t ubuntu = table.find("<li class=\"chip\">ubuntu-latest</li>");
  ASSERT_NE(hostile, std::string::npos) << table;
  ASSERT_NE(ubuntu, std::string::npos);
  EXPECT_LT(hostile, ubuntu);
  std::string first = table.substr(hostile, ubuntu - hostile);
  std::string second = table.substr(ubuntu);
  // Jobs 2 and 4: queue 50, 90 (p50 50 s, p95 1m 30s); durations 30, 150 (p50 30 s, p95
  // 2m 30s); billable ⌈30/60⌉ + ⌈150/60⌉ = 1 + 3 = 4.
  EXPECT_TRUE(has(first, "&lt;b&gt;pool&lt;/b&gt;")) << first;
  EXPECT_TRUE(has(first, "data-value=\"50\">50s</td>"));
  EXPECT_TRUE(has(first, "data-value=\"90\">1m 30s</td>"));
  EXPECT_TRUE(has(first, "data-value=\"30\">30s</td>"));
  EXPECT_TRUE(has(first, "data-value=\"150\">2m 30s</td>"));
  EXPECT_TRUE(has(first, "data-value=\"4\">≈ 4</td>"));
  // Jobs 1 and 3: queue 10, 30; durations 90, 121; billable 2 + 3 = 5.
  EXPECT_TRUE(has(second, "GitHub Actions"));
  EXPECT_TRUE(has(second, "data-value=\"2\">2</td>"));
  EXPECT_TRUE(has(second, "data-value=\"10\">10s</td>"));
  EXPECT_TRUE(has(second, "data-value=\"30\">30s</td>"));
  EXPECT_TRUE(has(second, "data-value=\"90\">1m 30s</td>"));
  EXPECT_TRUE(has(second, "data-value=\"121\">2m 1s</td>"));
  EXPECT_TRUE(has(second, "data-value=\"5\">≈ 5</td>"));
  EXPECT_TRUE(has(html, "Billable minutes (est.)"));
  EXPECT_TRUE(has(html, "id=\"billable-note\">Billable minutes are an estimate"));
  // The chart's points: day 2024-03-01 (1709251200) queue 30, 90; 2024-03-02 queue 10, 50.
  EXPECT_TRUE(has(html, "data-points=\"[[1709251200,2,30,90],[1709337600,2,10,50]]\""))
      << element(html, "chart-queue", ">");
  // The queue-time card over all four jobs, and the nav marks this view.
  EXPECT_TRUE(has(element(html, "card-queue-time", "</section>"), ">30s<"));
  EXPECT_TRUE(has(html, "id=\"nav-runners\" aria-current=\"page\""));
}

// The runner table's rows of `html`: the hostile label set's, then ubuntu-latest's.
std::pair<std::string, std::string> runner_rows(const std::string& html) {
  std::string table = element(html, "runner-table", "</table>");
  std::size_t ubuntu = table.find("<li class=\"chip\">ubuntu-latest</li>");
  EXPECT_NE(ubuntu, std::string::npos) << table;
  if (ubuntu == std::string::npos) return {};
  return {table.substr(0, ubuntu), table.substr(ubuntu)};
}

TEST(JobPagesTest, WithRatesTheRunnersViewShowsEachRowsEstimatedCostAndTheRateUsed) {
  auto h = history();
  // A configured label may be as hostile as GitHub's: the hostile set matches it.
  auto rates = parse_runner_rates("<script>alert(1)</script>=0.5, ubuntu-latest=0.008");
  ASSERT_TRUE(rates) << rates.error().message;
  std::string html = render_runners(h->state, *h->jobs, all_time(), false, *rates);
  expect_no_markup_from_github(html);
  EXPECT_TRUE(has(element(html, "runner-table", "</thead>"), ">Est. cost</button></th>"));
  auto [hostile_row, ubuntu_row] = runner_rows(html);
  // The hostile set: 4 billable minutes × 0.5 = 2.
  EXPECT_TRUE(has(hostile_row,
                  "data-value=\"2\">≈ 2 <span class=\"muted\">at 0.5/min "
                  "(&lt;script&gt;alert(1)&lt;/script&gt;)</span></td>"))
      << hostile_row;
  // ubuntu-latest: 5 billable minutes × 0.008 = 0.04.
  EXPECT_TRUE(has(ubuntu_row,
                  "data-value=\"0.04\">≈ 0.04 <span class=\"muted\">at 0.008/min "
                  "(ubuntu-latest)</span></td>"))
      << ubuntu_row;
  EXPECT_TRUE(has(html, "id=\"cost-note\">The estimated cost is an estimate too"));
}

TEST(JobPagesTest, ARunnerRowWithNoConfiguredLabelShowsNoRate) {
  auto h = history();
  auto rates = parse_runner_rates("ubuntu-latest=0.008");
  ASSERT_TRUE(rates) << rates.error().message;
  auto [hostile_row, ubuntu_row] =
      runner_rows(render_runners(h->state, *h->jobs, all_time(), false, *rates));
  // The self-hosted set (<script>.., linux) has no configured label: no rate, sorted as empty.
  EXPECT_TRUE(has(hostile_row, "data-value=\"\"><span class=\"muted\">no rate</span></td>"))
      << hostile_row;
  EXPECT_TRUE(has(ubuntu_row, ">≈ 0.04 <span")) << ubuntu_row;
}

TEST(JobPagesTest, WithoutRatesTheRunnersViewHasNoCostColumn) {
  auto h = history();
  std::string html = render_runners(h->state, *h->jobs, all_time(), false, RunnerRates{});
  EXPECT_EQ(html, render_runners(h->state, *h->jobs, all_time(), false));
  EXPECT_FALSE(has(html, "Est. cost"));
  EXPECT_FALSE(has(html, "no rate"));
  EXPECT_FALSE(has(html, "id=\"cost-note\""));
}

TEST(JobPagesTest, RunnersViewWithoutJobsSaysHowToCollectThem) {
  auto h = history();
  h->jobs = std::make_shared<const JobTable>();
  testing::MemoryJobReader empty;
  auto loaded = load_job_table(empty, *h->state.table);
  ASSERT_TRUE(loaded.has_value());
  std::string html = render_runners(h->state, **loaded, all_time(), false);
  EXPECT_TRUE(has(html, "No job data in this period"));
  EXPECT_TRUE(has(html, "<code>cipette collect</code>"));
  EXPECT_FALSE(has(html, "id=\"runner-table\""));
  EXPECT_TRUE(has(element(html, "card-queue-time", "</section>"), "no job data"));
}

TEST(JobPagesTest, JobSectionGroupsLegsAndRanksTheSlowestSteps) {
  auto h = history();
  auto steps = read_group_steps(h->store, {2, 1});
  ASSERT_TRUE(steps.has_value());
  ASSERT_EQ(steps->size(), 2U);  // build, test
  JobSectionData data{0, &*steps, "", 2};
  Scope scope = all_time().scope;
  mstch::map section = job_section(*h->state.table, *h->jobs, scope, data);
  std::string html = render_template("job_table", section);
  expect_no_markup_from_github(html);
  std::string table = element(html, "job-table", "</table>");
  std::size_t build = table.find(">build</a>");
  std::size_t test = table.find(">test</a>");
  ASSERT_NE(build, std::string::npos) << table;
  ASSERT_LT(build, test);
  std::string build_row = table.substr(build, test - build);
  std::string test_row = table.substr(test);
  // build: jobs 1 and 3, both success: 100.00%; durations 90, 121; queue 10, 30; no flaky job.
  EXPECT_TRUE(has(build_row, "data-value=\"2\">2</td>")) << build_row;
  EXPECT_TRUE(has(build_row, "<span class=\"rate high\">100.00%</span>"));
  EXPECT_TRUE(has(build_row, "data-value=\"90\">1m 30s</td>"));
  EXPECT_TRUE(has(build_row, "data-value=\"121\">2m 1s</td>"));
  EXPECT_TRUE(has(build_row, "data-value=\"10\">10s</td>"));
  EXPECT_TRUE(has(build_row, "data-value=\"30\">30s</td>"));
  EXPECT_FALSE(has(build_row, "legs</span>"));
  // test: jobs 2 (failure) and 4 (success), legs "test (a)" and "test (b)": 50.00%; durations
  // 30, 150; queue 50, 90. Failed and succeeded in different runs: not flaky.
  EXPECT_TRUE(has(test_row, "<span class=\"muted\">2 legs</span>")) << test_row;
  EXPECT_TRUE(has(test_row, "<span class=\"rate low\">50.00%</span>"));
  EXPECT_TRUE(has(test_row, "data-value=\"150\">2m 30s</td>"));
  EXPECT_TRUE(has(test_row, "data-value=\"50\">50s</td>"));
  EXPECT_TRUE(has(test_row, "data-value=\"0\">0</td>"));
  // The group's details: its legs, one row each.
  std::string test_group = element(html, "job-group-2", "</details>");
  EXPECT_TRUE(has(test_group, "<td class=\"text-cell\">test (a)</td>")) << test_group;
  EXPECT_TRUE(has(test_group, "<td class=\"text-cell\">test (b)</td>"));
  EXPECT_TRUE(has(test_group, "No timed steps in the jobs read."));
  // build's steps: the hostile step 80, 100 s (p50 1m 20s, p95 1m 40s) before Checkout 3, 5 s.
  std::string build_group = element(html, "job-group-1", "</details>");
  std::size_t slow = build_group.find(
      "<td class=\"text-cell\">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>\n"
      "            <td class=\"num\">2</td>\n"
      "            <td class=\"num\">1m 20s</td>\n"
      "            <td class=\"num\">1m 40s</td>");
  std::size_t checkout = build_group.find(
      "<td class=\"text-cell\">Checkout</td>\n"
      "            <td class=\"num\">2</td>\n"
      "            <td class=\"num\">3s</td>\n"
      "            <td class=\"num\">5s</td>");
  ASSERT_NE(slow, std::string::npos) << build_group;
  ASSERT_NE(checkout, std::string::npos);
  EXPECT_LT(slow, checkout);
  EXPECT_TRUE(has(html, "over the jobs of the newest 2 completed runs in scope"));
}

TEST(JobPagesTest, JobSectionSaysWhyStepsAreMissing) {
  auto h = history();
  JobSectionData data{0, nullptr, "the database is down", 0};
  std::string html =
      render_template("job_table", job_section(*h->state.table, *h->jobs, all_time().scope, data));
  EXPECT_TRUE(has(html, "Slowest steps unavailable: the database is down"));
  EXPECT_TRUE(has(html, "id=\"job-table\""));
}

TEST(JobPagesTest, RunQueryNeedsAPositiveNumericId) {
  Timestamp now = kDay0;
  auto ok = parse_run_query({{"id", "42"}, {"repository", "octo/app"}, {"workflow", "10"}}, now);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->id, 42);
  EXPECT_EQ(ok->scope.scope.repository, "octo/app");
  for (const char* bad : {"abc", "0", "-1", "12x", "", "1234567890123456789"}) {
    auto parsed = parse_run_query({{"id", bad}}, now);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().parameter, "id") << bad;
  }
  EXPECT_EQ(parse_run_query({}, now).error().parameter, "id");
  EXPECT_EQ(parse_run_query({{"id", "1"}, {"id", "2"}}, now).error().parameter, "id");
  // A page: parameters it does not know (utm_source of a shared link) are ignored.
  auto shared = parse_run_query({{"id", "1"}, {"utm_source", "chat"}}, now);
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->id, 1);
}

TEST(JobPagesTest, FindRunFindsByIdAndHonoursTheHintedWorkflow) {
  auto h = history();
  RunFinder finder;
  auto everywhere = parse_run_query({{"id", "2"}}, kDay0);
  ASSERT_TRUE(everywhere);
  auto row = find_run(h->state.table, finder, *everywhere);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->id, 2);
  EXPECT_EQ(row->created_at, kRun2);
  auto hinted = parse_run_query({{"id", "1"}, {"repository", "octo/app"}, {"workflow", "10"}}, 0);
  ASSERT_TRUE(hinted);
  EXPECT_TRUE(find_run(h->state.table, finder, *hinted).has_value());
  auto other = parse_run_query({{"id", "1"}, {"repository", "octo/app"}, {"workflow", "11"}}, 0);
  EXPECT_FALSE(find_run(h->state.table, finder, *other).has_value());
  auto unknown = parse_run_query({{"id", "999"}}, kDay0);
  EXPECT_FALSE(find_run(h->state.table, finder, *unknown).has_value());
}

TEST(JobPagesTest, RunPageDrawsEachJobQueuedThenRunningWithStepsAndLinks) {
  auto h = history();
  RunFinder finder;
  auto query = parse_run_query({{"id", "2"}, {"repository", "octo/app"}, {"workflow", "10"}}, 0);
  ASSERT_TRUE(query);
  auto row = find_run(h->state.table, finder, *query);
  ASSERT_TRUE(row.has_value());
  std::string html = render_run(h->state, *query, *row, h->store.jobs_of_run(2), false);
  expect_no_markup_from_github(html);
  std::string attempt = element(html, "attempt-1", "</section>");
  ASSERT_FALSE(attempt.empty()) << html;
  // The attempt spans kRun2 (both jobs created) to kRun2 + 131 (job 3: 10 s queued, 121 s
  // running): job 3 queued 0..10/131 = 7.63%, running from 7.63% for 121/131 = 92.37%; job 4
  // queued 50/131 = 38.17%, running from there for 30/131 = 22.90%.
  EXPECT_TRUE(has(attempt, "<rect class=\"queued\" x=\"0.00%\" y=\"0\" width=\"7.63%\""))
      << attempt;
  EXPECT_TRUE(has(attempt, "<rect class=\"running success\" x=\"7.63%\" y=\"0\" width=\"92.37%\""));
  EXPECT_TRUE(has(attempt, "<rect class=\"queued\" x=\"0.00%\" y=\"0\" width=\"38.17%\""));
  EXPECT_TRUE(
      has(attempt, "<rect class=\"running success\" x=\"38.17%\" y=\"0\" width=\"22.90%\""));
  EXPECT_TRUE(has(attempt, "queued 10s · ran 2m 1s"));
  EXPECT_TRUE(has(attempt, "queued 50s · ran 30s"));
  EXPECT_TRUE(has(attempt, "2 jobs · 2m 11s from the first job created to the last finished"));
  // Each job linked to GitHub, but never through a javascript: address; its name stays text.
  EXPECT_TRUE(has(attempt,
                  "<a class=\"job-name\" href=\"https://github.com/octo/app/actions/"
                  "runs/2/job/3\" rel=\"noopener noreferrer\" target=\"_blank\">build</a>"));
  EXPECT_TRUE(has(attempt, "<span class=\"job-name\">test (b)</span>"));
  EXPECT_TRUE(has(attempt, "on &lt;i&gt;runner&lt;/i&gt;"));
  // Conclusions with a symbol and a word, so that they read without colour.
  EXPECT_TRUE(has(attempt,
                  "<span class=\"job-state success\"><span aria-hidden=\"true\">✓</span> "
                  "success</span>"));
  // Job 3's steps with their durations: Checkout 3 s, the hostile step 1m 40s.
  EXPECT_TRUE(has(attempt,
                  "<span class=\"step-name\">Checkout</span> <span class=\"muted "
                  "step-duration\">3s</span>"));
  EXPECT_TRUE(has(attempt,
                  "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</span> <span "
                  "class=\"muted step-duration\">1m 40s</span>"));
  // The attempt and the run on GitHub.
  EXPECT_TRUE(has(attempt, "href=\"https://github.com/octo/app/actions/runs/2\""));
  EXPECT_TRUE(has(html, "id=\"run-github\""));
}

TEST(JobPagesTest, RunPageListsEveryAttemptNewestFirstAndSaysWhenJobsAreMissing) {
  auto h = history();
  RunFinder finder;
  RunTableBuilder builder;
  RunRecord rerun = listed_ci_run(5, "success", kRun2, 300);
  rerun.run_attempt = 2;
  builder.add(rerun);
  h->state.table = std::make_shared<const RunTable>(builder.build(1));
  auto query = parse_run_query({{"id", "5"}}, 0);
  ASSERT_TRUE(query);
  auto row = find_run(h->state.table, finder, *query);
  ASSERT_TRUE(row.has_value());
  std::vector<JobRecord> only_first = {ci_job(9, 5, 1, "build", "failure", kRun2, 5, 60)};
  std::string html = render_run(h->state, *query, *row, only_first, false);
  std::size_t second = html.find("id=\"attempt-2\"");
  std::size_t first = html.find("id=\"attempt-1\"");
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(second, first);
  EXPECT_TRUE(has(element(html, "attempt-2", "</section>"), "no jobs stored for this attempt"));
  EXPECT_TRUE(has(element(html, "attempt-1", "</section>"),
                  "href=\"https://github.com/octo/app/actions/runs/5/attempts/1\""));
  EXPECT_TRUE(has(html,
                  "<span class=\"job-state failed\"><span aria-hidden=\"true\">✗</span> "
                  "failure</span>"));
  std::string none = render_run(h->state, *query, *row, std::vector<JobRecord>{}, false);
  EXPECT_TRUE(has(none, "No jobs stored for this run"));
  std::string failed = render_run(h->state, *query, *row, Error{"database is locked"}, false);
  EXPECT_TRUE(has(failed, "The jobs could not be read"));
  EXPECT_TRUE(has(failed, "database is locked"));
}

}  // namespace
}  // namespace cipette::web
