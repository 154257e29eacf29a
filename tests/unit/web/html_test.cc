#include "cipette/web/html.h"

#include <gtest/gtest.h>

#include <regex>

#include "cipette/core/job_table.h"
#include "cipette/core/run_table.h"
#include "cipette/core/time.h"
#include "cipette/web/assets.h"
#include "cipette/web/pages.h"
#include "support/job_fixtures.h"
#include "unit/web/attempt_fixtures.h"

namespace cipette::web {
namespace {

const Timestamp kDay0 = days_from_civil(2024, 3, 1) * kSecondsPerDay;
const std::string kScriptBranch = "<script>alert(1)</script>";
const std::string kImgWorkflow = "\"><img src=x onerror=alert(1)>";

RunRecord hostile_run(std::int64_t id, const std::string& conclusion) {
  RunRecord run;
  run.id = id;
  run.repository_id = 1;
  run.repository = "octo/app";
  run.workflow_id = 10;
  run.workflow_name = kImgWorkflow;
  run.path = ".github/workflows/ci.yml";
  run.run_number = id;
  run.event = "push";
  run.status = "completed";
  run.conclusion = conclusion;
  run.head_branch = kScriptBranch;
  run.actor = "<b>mallory</b>";
  run.created_at = kDay0 + id * 3600;
  run.updated_at = run.created_at + 60;
  run.html_url = "https://github.com/octo/app/actions/runs/" + std::to_string(id);
  return run;
}

SnapshotState hostile_state() {
  RunTableBuilder builder;
  builder.add(hostile_run(1, "failure"));
  builder.add(hostile_run(2, "failure"));
  builder.add(hostile_run(3, "success"));
  return SnapshotState{std::make_shared<const RunTable>(builder.build(3)), 1, kDay0};
}

ScopeQuery all_time_query(const QueryParams& extra = {}) {
  QueryParams params{{"period", "all"}};
  params.insert(extra.begin(), extra.end());
  auto parsed = parse_scope_query(params, kDay0 + 10 * kSecondsPerDay);
  EXPECT_TRUE(parsed);
  return *parsed;
}

TEST(HtmlTest, EscapesTheFiveHtmlSpecialCharacters) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html_escape("plain/text é"), "plain/text é");
}

TEST(HtmlTest, UrlEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(url_encode("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(url_encode("o/r x&y=\"z\""), "o%2Fr%20x%26y%3D%22z%22");
  EXPECT_EQ(url_encode("\xC3\xA9"), "%C3%A9");
}

TEST(HtmlTest, QueryStringSkipsEmptyValues) {
  EXPECT_EQ(query_string({{"period", "30"}, {"branch", ""}, {"event", "push"}}),
            "period=30&event=push");
}

TEST(HtmlTest, TemplateValuesAreEscaped) {
  std::string html = render_template("error", mstch::map{{"title", kScriptBranch},
                                                         {"status", std::string("400")},
                                                         {"heading", std::string("Bad")},
                                                         {"message", kImgWorkflow},
                                                         {"parameter", std::string("p")}});
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
}

TEST(HtmlTest, JobRunnerAndStepNamesFromGitHubAreEscaped) {
  mstch::map runner{{"labels", mstch::array{kScriptBranch}},
                    {"runner_group", kImgWorkflow},
                    {"labels_key", kScriptBranch}};
  std::string runners = render_template(
      "runners", mstch::map{{"title", std::string("Runners")}, {"rows", mstch::array{runner}}});
  EXPECT_EQ(runners.find("<script>alert"), std::string::npos);
  EXPECT_EQ(runners.find("<img src=x"), std::string::npos);
  EXPECT_NE(runners.find("<li class=\"chip\">&lt;script&gt;alert(1)&lt;/script&gt;</li>"),
            std::string::npos);
  EXPECT_NE(runners.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  mstch::map step{{"name", kImgWorkflow}, {"state", std::string("success")}};
  mstch::map job{{"name", kScriptBranch},
                 {"runner", std::string("<b>mallory</b>")},
                 {"url", safe_http_url("javascript:alert(1)")},
                 {"steps", mstch::array{step}},
                 {"has_steps", true}};
  mstch::map attempt{{"attempt", std::string("1")}, {"jobs", mstch::array{job}}};
  std::string run = render_template("run", mstch::map{{"attempts", mstch::array{attempt}}});
  EXPECT_EQ(run.find("<script>alert"), std::string::npos);
  EXPECT_EQ(run.find("<img src=x"), std::string::npos);
  EXPECT_EQ(run.find("<b>mallory"), std::string::npos);
  EXPECT_EQ(run.find("javascript:"), std::string::npos);
  EXPECT_NE(run.find("<span class=\"job-name\">&lt;script&gt;alert(1)&lt;/script&gt;</span>"),
            std::string::npos);
}

TEST(HtmlTest, SafeHttpUrlKeepsOnlyHttpAndHttpsLinks) {
  EXPECT_EQ(safe_http_url("https://github.com/o/r/actions/runs/1/job/2"),
            "https://github.com/o/r/actions/runs/1/job/2");
  EXPECT_EQ(safe_http_url("http://ghe.example.com/x"), "http://ghe.example.com/x");
  EXPECT_EQ(safe_http_url("javascript:alert(1)"), "");
  EXPECT_EQ(safe_http_url("data:text/html,<script>"), "");
  EXPECT_EQ(safe_http_url(" https://github.com"), "");
  EXPECT_EQ(safe_http_url(""), "");
}

TEST(HtmlTest, EveryTemplateAndStaticFileIsEmbedded) {
  for (const char* name :
       {"templates/head.mustache", "templates/foot.mustache", "templates/dashboard.mustache",
        "templates/workflow.mustache", "templates/error.mustache", "templates/login.mustache",
        "templates/runners.mustache", "templates/run.mustache", "templates/job_table.mustache",
        "static/app.css", "static/app.js", "static/favicon.svg", "static/vendor/uPlot.iife.min.js",
        "static/vendor/uPlot.min.css"}) {
    auto file = find_embedded(name);
    ASSERT_TRUE(file) << name;
    EXPECT_FALSE(file->empty()) << name;
  }
  EXPECT_EQ(content_type_for("static/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("static/app.css"), "text/css; charset=utf-8");
}

TEST(HtmlTest, TemplatesHaveNoInlineScriptsStylesOrTripleMustaches) {
  static const std::regex kEventHandler(R"(\son[a-z]+\s*=)");
  for (const EmbeddedFile& file : embedded_files()) {
    if (!file.name.starts_with("templates/")) continue;
    EXPECT_EQ(file.data.find("{{{"), std::string_view::npos) << file.name;
    EXPECT_EQ(file.data.find("{{&"), std::string_view::npos) << file.name;
    EXPECT_EQ(file.data.find("style="), std::string_view::npos) << file.name;
    EXPECT_EQ(file.data.find("<style"), std::string_view::npos) << file.name;
    EXPECT_FALSE(std::regex_search(std::string(file.data), kEventHandler)) << file.name;
    // Every <script> loads a file: none has a body.
    for (std::size_t at = file.data.find("<script"); at != std::string_view::npos;
         at = file.data.find("<script", at + 1)) {
      std::size_t close = file.data.find('>', at);
      EXPECT_NE(file.data.substr(at, close - at).find("src="), std::string_view::npos) << file.name;
      EXPECT_EQ(file.data.substr(close + 1, 9), "</script>") << file.name;
    }
  }
}

TEST(HtmlTest, DashboardShowsHostileNamesAsText) {
  SnapshotState state = hostile_state();
  ScopeQuery query = all_time_query();
  MetricsReport report = compute_metrics(*state.table, query.scope);
  std::string html = render_dashboard(state, query, report, false);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  // The workflow's name in the table, the branch among the filter's suggestions.
  EXPECT_NE(html.find(">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</a>"), std::string::npos);
  EXPECT_NE(html.find("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""), std::string::npos);
}

TEST(HtmlTest, DashboardShowsTheEnginesNumbers) {
  SnapshotState state = hostile_state();
  ScopeQuery query = all_time_query();
  MetricsReport report = compute_metrics(*state.table, query.scope);
  std::string html = render_dashboard(state, query, report, false);
  // 3 runs: 2 failures then a success, so 1 success / (1 + 2) = 33.33%, rate class "low".
  EXPECT_NE(html.find("<span class=\"rate low\">33.33%</span>"), std::string::npos);
  // One incident: first failure completes at 1h+60s, the success at 3h+60s: MTTR 2h.
  EXPECT_NE(html.find(">2h</td>"), std::string::npos);
  EXPECT_NE(html.find("href=\"https://github.com/octo/app\""), std::string::npos);
}

TEST(HtmlTest, WorkflowPageShowsHostileNamesAsTextAndMarksTheStreak) {
  SnapshotState state = hostile_state();
  auto parsed =
      parse_list_query({{"period", "all"}, {"repository", "octo/app"}, {"workflow", "10"}},
                       QueryRules{true, true, false, 50}, kDay0 + 10 * kSecondsPerDay);
  ASSERT_TRUE(parsed);
  MetricsReport report = compute_metrics(*state.table, parsed->scope.scope);
  RunPage runs = select_runs(*state.table, parsed->scope.scope, ListOptions{{}, 1, 50, true});
  RunPage flaky;
  std::string html =
      render_workflow(state, *parsed, WorkflowPageData{0, &report, &runs, &flaky}, false);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_EQ(html.find("<b>mallory"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;mallory&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("1 of 2 in a row"), std::string::npos);
  EXPECT_NE(html.find("2 of 2 in a row"), std::string::npos);
  EXPECT_NE(html.find("href=\"https://github.com/octo/app/actions/runs/2\""), std::string::npos);
}

// The hostile workflow's runs, re-run: 1 succeeded; 2 failed (4m) then succeeded; 3 timed
// out (10m), failed (3m), failed; 4's attempt 1 was never collected, attempt 2 failed (1m),
// attempt 3 succeeded.
SnapshotState flaky_state() {
  using fixtures::completed_attempt;
  auto at = [](std::int64_t id) { return kDay0 + id * 3600; };
  RunTableBuilder builder;
  builder.add(hostile_run(1, "success"));
  builder.add(fixtures::rerun(hostile_run(2, "success"), 2, at(2) + 300, 60,
                              {completed_attempt(2, 1, "failure", at(2), 240)}));
  builder.add(fixtures::rerun(hostile_run(3, "failure"), 3, at(3) + 1000, 60,
                              {completed_attempt(3, 1, "timed_out", at(3), 600),
                               completed_attempt(3, 2, "failure", at(3) + 700, 180)}));
  builder.add(fixtures::rerun(hostile_run(4, "success"), 3, at(4) + 200, 60,
                              {completed_attempt(4, 2, "failure", at(4) + 100, 60)}));
  return SnapshotState{std::make_shared<const RunTable>(builder.build(4)), 1, kDay0};
}

std::string workflow_page(const SnapshotState& state) {
  auto parsed =
      parse_list_query({{"period", "all"}, {"repository", "octo/app"}, {"workflow", "10"}},
                       QueryRules{true, true, false, 50}, kDay0 + 10 * kSecondsPerDay);
  EXPECT_TRUE(parsed);
  MetricsReport report = compute_metrics(*state.table, parsed->scope.scope);
  RunPage runs = select_runs(*state.table, parsed->scope.scope, ListOptions{{}, 1, 50, true});
  ListOptions flaky_options;
  flaky_options.attempts = true;
  flaky_options.flaky_only = true;
  RunPage flaky = select_runs(*state.table, parsed->scope.scope, flaky_options);
  return render_workflow(state, *parsed, WorkflowPageData{0, &report, &runs, &flaky}, false);
}

// The text of the element with id `id` (up to its closing tag `close`).
std::string element(const std::string& html, const std::string& id, const std::string& close) {
  std::size_t start = html.find("id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find(close, start) - start);
}

TEST(HtmlTest, DashboardShowsEachWorkflowsFlakyRateAndARerunBadge) {
  SnapshotState state = flaky_state();
  ScopeQuery query = all_time_query();
  std::string html =
      render_dashboard(state, query, compute_metrics(*state.table, query.scope), false);
  // 4 runs, 2 flaky (2 and 4): 50.00%; 3 re-run (2, 3, 4); 4m + 10m + 3m + 1m = 18m lost.
  EXPECT_NE(html.find("data-type=\"num\" title=\"Runs that failed and then passed on a re-run, "
                      "of all runs\">Flaky rate</button>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\" data-value=\"50\"><span class=\"rerun-badge\" "
                      "title=\"3 runs re-run, 2 flaky, 18m lost\"><span aria-hidden=\"true\">↻"
                      "</span> 3</span> 50.00%</td>"),
            std::string::npos)
      << html;
  // The flaky rate card, and the first-attempt success rate under the success rate: first
  // attempts known are 1 success, 2 failure, 3 timed_out (4's is unknown): 1 / 3 = 33.33%,
  // against a final 3 / 4 = 75.00%.
  std::string flaky_card = element(html, "card-flaky-rate", "</section>");
  EXPECT_NE(flaky_card.find(">50.00%<"), std::string::npos) << flaky_card;
  EXPECT_NE(flaky_card.find("3 runs re-run, 2 flaky, 18m lost"), std::string::npos);
  std::string success_card = element(html, "card-success-rate", "id=\"card-flaky-rate\"");
  EXPECT_NE(success_card.find(">75.00%<"), std::string::npos) << success_card;
  EXPECT_NE(success_card.find("first attempt 33.33%"), std::string::npos) << success_card;
}

TEST(HtmlTest, DashboardRowsWithoutRerunsHaveNoBadge) {
  SnapshotState state = hostile_state();
  ScopeQuery query = all_time_query();
  std::string html =
      render_dashboard(state, query, compute_metrics(*state.table, query.scope), false);
  EXPECT_EQ(html.find("rerun-badge"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\" data-value=\"0\">0.00%</td>"), std::string::npos);
  EXPECT_NE(html.find("0 runs re-run, 0 flaky, 0s lost"), std::string::npos);  // the card
}

TEST(HtmlTest, WorkflowPageListsFlakyRunsWithEachAttemptLinkedToGitHub) {
  std::string html = workflow_page(flaky_state());
  std::string section = element(html, "flaky-table", "</table>");
  ASSERT_FALSE(section.empty());
  EXPECT_NE(html.find("Flaky runs <span class=\"muted\">2 in scope</span>"), std::string::npos);
  const std::string run = "https://github.com/octo/app/actions/runs/";
  // Newest first: run 4, then run 2; run 3 never succeeded and run 1 was never re-run.
  std::size_t four = section.find("href=\"" + run + "4\"");
  std::size_t two = section.find("href=\"" + run + "2\"");
  ASSERT_NE(four, std::string::npos);
  ASSERT_NE(two, std::string::npos);
  EXPECT_LT(four, two);
  EXPECT_EQ(section.find(run + "3"), std::string::npos);
  EXPECT_EQ(section.find(run + "1\""), std::string::npos);
  auto link = [&](const std::string& url, const std::string& state, const std::string& text) {
    return "<a class=\"attempt " + state + "\" href=\"" + url +
           "\" rel=\"noopener noreferrer\" target=\"_blank\">" + text + "</a>";
  };
  // Run 4: attempt 1 was never collected, 2 failed, 3 (the run itself) succeeded.
  std::size_t a = section.find(link(run + "4/attempts/1", "unknown", "attempt 1 ? not collected"));
  std::size_t b = section.find(link(run + "4/attempts/2", "failed", "attempt 2 ✗ failed"));
  std::size_t c = section.find(link(run + "4", "success", "attempt 3 ✓ success"));
  EXPECT_NE(a, std::string::npos) << section;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, two);
  EXPECT_NE(section.find(link(run + "2/attempts/1", "failed", "attempt 1 ✗ failed")),
            std::string::npos);
  EXPECT_NE(section.find(link(run + "2", "success", "attempt 2 ✓ success")), std::string::npos);
  // Time lost to the re-runs: run 4's attempt 2 (1m), run 2's attempt 1 (4m).
  EXPECT_NE(section.find(">1m 0s</td>"), std::string::npos);
  EXPECT_NE(section.find(">4m 0s</td>"), std::string::npos);
  // The hostile branch is text.
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(section.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("id=\"flaky-empty\""), std::string::npos);
}

TEST(HtmlTest, WorkflowPageSaysSoWhenNoRunWasFlaky) {
  std::string html = workflow_page(hostile_state());
  EXPECT_NE(html.find("Flaky runs <span class=\"muted\">0 in scope</span>"), std::string::npos);
  EXPECT_NE(html.find("id=\"flaky-empty\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"flaky-table\""), std::string::npos);
}

TEST(HtmlTest, DashboardShowsTheQueueTimeOfTheSnapshotsJobs) {
  SnapshotState state = hostile_state();
  ScopeQuery query = all_time_query();
  std::string none =
      render_dashboard(state, query, compute_metrics(*state.table, query.scope), false);
  std::string card = element(none, "card-queue-time", "</section>");
  EXPECT_NE(card.find("<div class=\"card-value muted\">no job data</div>"), std::string::npos)
      << card;
  EXPECT_NE(card.find("run cipette collect to fetch jobs"), std::string::npos);
  // Runs 1 and 3 have a job each, queued 42 s and 100 s: p50 rank 1 = 42 s, p95 rank 2 = 100 s.
  testing::MemoryJobReader store;
  store.jobs = {
      testing::ci_job(11, 1, 1, kScriptBranch, "failure", kDay0 + 3600, 42, 60),
      testing::ci_job(13, 3, 1, "build", "success", kDay0 + Timestamp{3} * 3600, 100, 60)};
  auto jobs = load_job_table(store, *state.table);
  ASSERT_TRUE(jobs.has_value());
  state.jobs = *jobs;
  std::string html =
      render_dashboard(state, query, compute_metrics(*state.table, query.scope), false);
  card = element(html, "card-queue-time", "</section>");
  EXPECT_NE(card.find("<div class=\"card-value \">42s</div>"), std::string::npos) << card;
  EXPECT_NE(card.find("p95 1m 40s · 2 jobs"), std::string::npos);
  EXPECT_NE(html.find("href=\"/runners?period=all\" id=\"nav-runners\""), std::string::npos);
}

TEST(HtmlTest, AnEmptyStoreTellsTheUserHowToGetData) {
  SnapshotState state{std::make_shared<const RunTable>(), 1, kDay0};
  ScopeQuery query = all_time_query();
  MetricsReport report = compute_metrics(*state.table, query.scope);
  std::string html = render_dashboard(state, query, report, false);
  EXPECT_NE(html.find("cipette collect"), std::string::npos);
  EXPECT_NE(html.find("cipette demo"), std::string::npos);
  EXPECT_EQ(html.find("workflow-table"), std::string::npos);
}

}  // namespace
}  // namespace cipette::web
