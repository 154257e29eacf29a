#include "cipette/web/html.h"

#include <gtest/gtest.h>

#include <regex>

#include "cipette/core/run_table.h"
#include "cipette/core/time.h"
#include "cipette/web/assets.h"
#include "cipette/web/pages.h"

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

TEST(HtmlTest, EveryTemplateAndStaticFileIsEmbedded) {
  for (const char* name :
       {"templates/head.mustache", "templates/foot.mustache", "templates/dashboard.mustache",
        "templates/workflow.mustache", "templates/error.mustache", "templates/login.mustache",
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
  std::string html = render_workflow(state, *parsed, WorkflowPageData{0, &report, &runs}, false);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_EQ(html.find("<b>mallory"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;mallory&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("1 of 2 in a row"), std::string::npos);
  EXPECT_NE(html.find("2 of 2 in a row"), std::string::npos);
  EXPECT_NE(html.find("href=\"https://github.com/octo/app/actions/runs/2\""), std::string::npos);
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
