// The routes over real HTTP: a server started in-process on an ephemeral port of 127.0.0.1,
// queried with httplib::Client.
#include <atomic>

#include "cipette/views/report_json.h"
#include "cipette/web/api_documents.h"
#include "unit/web/attempt_fixtures.h"
#include "unit/web/http_test_support.h"

namespace cipette::web {
namespace {

TEST_F(HttpServerTest, MetricsEndpointServesTheEnginesNumbers) {
  start();
  json doc = get_json("/api/v1/metrics?period=30");
  // 6 completed runs: 3 success, 2 failed, 1 cancelled: rate 3 / 5 = 60%.
  EXPECT_EQ(doc["totals"]["runs"], 6);
  EXPECT_EQ(doc["totals"]["neutral"], 1);
  EXPECT_DOUBLE_EQ(doc["totals"]["success_rate"].get<double>(), 60.0);
  ASSERT_EQ(doc["workflows"].size(), 2u);
  const json& ci = doc["workflows"][0];
  EXPECT_EQ(ci["repository"], "octo/app");
  // 2 success / (2 + 2) = 50%; durations 50,100,200,300,400: mean 210, p50 rank 3 = 200,
  // p95 rank ceil(4.75) = 5 = 400.
  EXPECT_DOUBLE_EQ(ci["success_rate"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(ci["duration"]["mean_seconds"].get<double>(), 210.0);
  EXPECT_EQ(ci["duration"]["p50_seconds"], 200);
  EXPECT_EQ(ci["duration"]["p95_seconds"], 400);
  // Incident: first failure completes at 2h+200s, recovery at 4h+400s: 2h 200s = 7400 s.
  EXPECT_DOUBLE_EQ(ci["mttr"]["mean_seconds"].get<double>(), 7400.0);
  EXPECT_EQ(ci["mttr"]["open_incidents"], 0);
}

TEST_F(HttpServerTest, MetricsBodyIsTheViewsDocumentDumpedWithTheCacheOnAndOff) {
  Scope scope = testing::scope_at(Period::all(), kNow);
  std::string expected = dump_json(views::metrics_json(compute_metrics(*sample_table(), scope)));
  for (int ttl : {60, 0}) {
    ServerOptions options;
    options.cache_ttl_seconds = ttl;
    start(options);
    for (int i = 0; i < 2; ++i) {  // a miss then a hit (ttl 60), twice uncached (ttl 0)
      auto res = get("/api/v1/metrics?period=all");
      ASSERT_TRUE(res);
      EXPECT_EQ(res->body, expected) << "ttl " << ttl << ", request " << i;
      EXPECT_EQ(res->get_header_value("Content-Length"), std::to_string(expected.size()));
    }
    TearDown();
    server_.reset();
  }
}

TEST_F(HttpServerTest, ConcurrentIdenticalRequestsWithTheCacheOffAllGetTheDocument) {
  ServerOptions options;
  options.cache_ttl_seconds = 0;
  start(options);
  std::string expected = get("/api/v1/trends?period=30")->body;
  ASSERT_FALSE(expected.empty());
  std::vector<std::thread> clients;
  std::atomic<int> matching = 0;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", port_);
      for (int k = 0; k < 10; ++k) {
        auto res = client.Get("/api/v1/trends?period=30");
        if (res && res->status == 200 && res->body == expected) ++matching;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(matching.load(), 40);  // 4 clients x 10 requests, shared or not, all identical
}

TEST_F(HttpServerTest, AKeepAliveConnectionServesManyRequestsInOrder) {
  start();
  client_->set_keep_alive(true);
  std::string metrics = get("/api/v1/metrics?period=all")->body;
  std::string page = get("/?period=all")->body;
  for (int i = 0; i < 20; ++i) {
    auto res = get(i % 2 == 0 ? "/api/v1/metrics?period=all" : "/?period=all");
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, i % 2 == 0 ? metrics : page) << i;
  }
  EXPECT_EQ(get("/missing")->status, 404);  // an error page on the same connection
  EXPECT_EQ(get("/healthz")->status, 200);
}

TEST_F(HttpServerTest, KeepAliveResponsesSayHowLongTheConnectionMayIdle) {
  start();
  RawConnection connection(port_);
  connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(connection.receive_until("\"status\":\"ok\""));
  // The idle timeout is 2 s: a client that waits longer opens a new connection.
  EXPECT_NE(connection.received().find("\r\nKeep-Alive: timeout=2\r\n"), std::string::npos)
      << connection.received();
  auto closing = get("/healthz");  // httplib's client asks to close: nothing to keep
  ASSERT_TRUE(closing);
  EXPECT_EQ(closing->get_header_value("Keep-Alive"), "");
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  connection.send(
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
      "GET /nothing-here HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
      "GET /api/v1/metrics?period=all HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(connection.receive_until_closed());
  const std::string& text = connection.received();
  std::size_t health = text.find("HTTP/1.1 200 OK");
  std::size_t missing = text.find("HTTP/1.1 404 Not Found");
  std::size_t metrics = text.find("HTTP/1.1 200 OK", health + 1);
  ASSERT_NE(metrics, std::string::npos) << text;
  EXPECT_LT(health, missing);
  EXPECT_LT(missing, metrics);
  EXPECT_TRUE(text.ends_with(get("/api/v1/metrics?period=all")->body));
}

TEST_F(HttpServerTest, AClientExpectingContinueGetsItBeforeSendingTheBody) {
  start();
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  std::string body = "token=x&next=%2F";
  connection.send(
      "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  ASSERT_TRUE(connection.receive_until("HTTP/1.1 100 Continue\r\n\r\n")) << connection.received();
  connection.send(body);
  // No access token is configured, so signing in just redirects to `next`.
  EXPECT_TRUE(connection.receive_until("HTTP/1.1 303 See Other")) << connection.received();
}

TEST_F(HttpServerTest, AnIdleKeepAliveConnectionIsClosedAfterTheTimeout) {
  start();
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(connection.receive_until("\"status\":\"ok\""));
  // The server closes it once it has been idle for the keep-alive timeout (2 s), well before
  // the 5 s the receive waits.
  EXPECT_TRUE(connection.receive_until_closed());
  EXPECT_EQ(count_of(connection.received(), "HTTP/1.1 200 OK"), 1u);
}

TEST_F(HttpServerTest, FiltersSelectTheSameRunsAsTheEngine) {
  start();
  EXPECT_EQ(get_json("/api/v1/metrics?repository=OCTO/APP")["totals"]["runs"], 5);
  EXPECT_EQ(get_json("/api/v1/metrics?days=30&repository=octo/lib")["totals"]["runs"], 1);
  EXPECT_EQ(get_json("/api/v1/metrics?branch=main")["totals"]["runs"], 5);
  EXPECT_EQ(get_json("/api/v1/metrics?event=pull_request")["totals"]["runs"], 1);
  EXPECT_EQ(get_json("/api/v1/metrics?workflow=CI")["totals"]["runs"], 5);
  // The runs are on kDay0, ten days before "now": outside the last 7 days.
  EXPECT_EQ(get_json("/api/v1/metrics?period=7")["totals"]["runs"], 0);
  EXPECT_EQ(
      get_json("/api/v1/metrics?period=custom&from=2024-03-01&to=2024-03-01")["totals"]["runs"], 6);
  EXPECT_EQ(get_json("/api/v1/metrics?from=2024-03-02")["totals"]["runs"], 0);
}

TEST_F(HttpServerTest, TrendsRunsRepositoriesAndHealthAnswer) {
  start();
  json trends = get_json("/api/v1/trends?period=all");
  std::int64_t runs = 0;
  for (const json& day : trends["days"]) runs += day["runs"].get<std::int64_t>();
  EXPECT_EQ(runs, 6);
  json page = get_json("/api/v1/runs?period=all&per_page=2");
  EXPECT_EQ(page["total"], 6);
  EXPECT_EQ(page["pages"], 3);
  EXPECT_EQ(page["runs"][0]["id"], 6);
  EXPECT_EQ(page["runs"][1]["id"], 5);
  EXPECT_EQ(get_json("/api/v1/runs?period=all&outcome=failed")["total"], 2);
  // No run of the sample was re-run.
  EXPECT_EQ(get_json("/api/v1/runs?period=all&rerun=1")["total"], 0);
  EXPECT_EQ(get_json("/api/v1/runs?period=all&flaky=1")["total"], 0);
  EXPECT_EQ(get_json("/api/v1/runs?period=all&rerun=0&flaky=0")["total"], 6);
  json repositories = get_json("/api/v1/repositories");
  EXPECT_EQ(repositories["repositories"][0]["name"], "octo/app");
  json health = get_json("/healthz");
  EXPECT_EQ(health["status"], "ok");
  EXPECT_EQ(health["runs"], 6);
  EXPECT_EQ(get_json("/api/v1/healthz")["status"], "ok");
}

TEST_F(HttpServerTest, RunsFilterToReRunAndFlakyRunsAndTheWorkflowPageListsTheFlakyOnes) {
  // Run 1 failed, then passed on attempt 2 (flaky); run 2 failed on both attempts; run 3 was
  // never re-run.
  Timestamp one = kDay0 + 3600;
  Timestamp two = kDay0 + 7200;
  snapshot_.publish(std::make_shared<const RunTable>(
      testing::table_of({fixtures::rerun(run(1, "success", 0), 2, one + 500, 100,
                                         {fixtures::completed_attempt(1, 1, "failure", one, 200)}),
                         fixtures::rerun(run(2, "failure", 0), 2, two + 500, 100,
                                         {fixtures::completed_attempt(2, 1, "failure", two, 200)}),
                         run(3, "success", 100)},
                        3)));
  start();
  json reruns = get_json("/api/v1/runs?period=all&rerun=1");
  EXPECT_EQ(reruns["total"], 2);
  json flaky = get_json("/api/v1/runs?period=all&flaky=1");
  ASSERT_EQ(flaky["total"], 1);
  EXPECT_EQ(flaky["runs"][0]["id"], 1);
  EXPECT_EQ(flaky["runs"][0]["attempts"][0]["attempt"], 1);
  EXPECT_EQ(flaky["runs"][0]["attempts"][0]["outcome"], "failed");
  EXPECT_EQ(get_json("/api/v1/runs?period=all&rerun=1&flaky=1")["total"], 1);
  auto page = get("/workflow?period=all&repository=octo/app&workflow=10");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("href=\"https://github.com/octo/app/actions/runs/1/attempts/1\""),
            std::string::npos);
  EXPECT_EQ(page->body.find("/actions/runs/2/attempts/1"), std::string::npos);  // not flaky
}

TEST_F(HttpServerTest, CsvExportHasOneLinePerWorkflowAndATotal) {
  start();
  auto res = get("/api/v1/export.csv?period=all");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_NE(res->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
  // Header, two workflows, and the TOTAL line.
  EXPECT_EQ(std::count(res->body.begin(), res->body.end(), '\n'), 4);
  EXPECT_NE(res->body.find("\r\nTOTAL,"), std::string::npos);
}

TEST_F(HttpServerTest, BadParametersGet400sNamingTheParameter) {
  start();
  EXPECT_EQ(problem_parameter("/api/v1/metrics?period=fortnight"), "period");
  EXPECT_EQ(problem_parameter("/api/v1/metrics?days=-1"), "days");
  EXPECT_EQ(problem_parameter("/api/v1/metrics?days=100000000000000000000"), "days");
  EXPECT_EQ(problem_parameter("/api/v1/metrics?from=2024-02-30"), "from");
  EXPECT_EQ(problem_parameter("/api/v1/trends?to=soon&from=2024-01-01"), "to");
  EXPECT_EQ(problem_parameter("/api/v1/metrics?verbose=1"), "verbose");
  EXPECT_EQ(problem_parameter("/api/v1/metrics?branch=%FF%FE"), "branch");
  EXPECT_EQ(problem_parameter("/api/v1/metrics?repository=not-a-repo"), "repository");
  EXPECT_EQ(problem_parameter("/api/v1/runs?per_page=0"), "per_page");
  EXPECT_EQ(problem_parameter("/api/v1/runs?page=abc"), "page");
  EXPECT_EQ(problem_parameter("/api/v1/runs?rerun=yes"), "rerun");
  EXPECT_EQ(problem_parameter("/api/v1/runs?flaky=2"), "flaky");
  EXPECT_EQ(problem_parameter("/api/v1/metrics?flaky=1"), "flaky");
  EXPECT_EQ(problem_parameter("/api/v1/export.csv?period=7&period=30"), "period");
  EXPECT_EQ(problem_parameter("/api/v1/repositories?x=1"), "x");
  EXPECT_EQ(problem_parameter("/healthz?x=1"), "x");
}

// The message of the 400 document of `target`.
std::string problem_message(httplib::Client& client, const std::string& target) {
  auto res = client.Get(target.c_str());
  if (!res || res->status != 400) return "(no 400)";
  return json::parse(res->body)["error"].value("message", "");
}

TEST_F(HttpServerTest, ErrorMessagesNameTheParameterAndTheBadValue) {
  start();
  auto message = [&](const std::string& target) { return problem_message(*client_, target); };
  EXPECT_EQ(message("/api/v1/metrics?period=custom"),
            "from: period=custom needs from and to (YYYY-MM-DD; without to the range ends now); "
            "from was not given");
  EXPECT_EQ(message("/api/v1/metrics?to=2024-03-02"),
            R"(to: needs a start (from) too; got "2024-03-02" alone)");
  EXPECT_EQ(message("/api/v1/metrics?period=7&from=2024-03-01"),
            R"(period: cannot be combined with from/to; got "7" beside a range)");
  EXPECT_EQ(
      message("/api/v1/metrics?days=7&period=30"),
      R"(days: cannot be combined with period (days is its older name); got days="7" and period="30")");
  EXPECT_EQ(message("/api/v1/metrics?verbose=yes"),
            R"(verbose: not a parameter of this endpoint; got "yes")");
  EXPECT_EQ(message("/api/v1/metrics?period=7&period=30"),
            R"(period: given more than once; got "30" again)");
  EXPECT_EQ(message("/api/v1/runs?page=abc"),
            R"(page: expected a whole number from 1 to 1000000; got "abc")");
  EXPECT_EQ(message("/api/v1/repositories?x=1"),
            R"(x: this endpoint takes no parameters; got "1")");
  EXPECT_EQ(
      message("/api/v1/jobs?job=build"),
      R"(repository: required with job (the job group's workflow); got job="build" without it)");
  EXPECT_EQ(message("/api/v1/runs/12x"),
            R"(id: expected a run id (a positive whole number); got "12x")");
  // The pages show the same text.
  auto page = get("/workflow?repository=octo/app");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 400);
  EXPECT_NE(page->body.find("workflow: required: the page shows one workflow of one repository"),
            std::string::npos)
      << page->body;
  auto run = get("/run?id=-3");
  ASSERT_TRUE(run);
  EXPECT_NE(run->body.find("id: expected a run id (a positive whole number); got &quot;-3&quot;"),
            std::string::npos)
      << run->body;
}

TEST_F(HttpServerTest, DashboardRendersNumbersAndHostileNamesAsText) {
  start();
  auto res = get("/?period=30");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(res->body.find("60.00%"), std::string::npos);
  EXPECT_EQ(res->body.find("<script>alert"), std::string::npos);
  EXPECT_EQ(res->body.find("<img src=x"), std::string::npos);
  EXPECT_NE(res->body.find("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(res->body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST_F(HttpServerTest, DashboardRefusesBadParametersWithAnHtmlPage) {
  start();
  auto res = get("/?days=0");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(res->body.find("<code>days</code>"), std::string::npos);
}

TEST_F(HttpServerTest, TheDateFieldsAreUsableWithoutJavaScript) {
  start();
  // A browser without JavaScript submits what the served form holds: From and To must not be
  // disabled there (app.js disables them while another period is chosen).
  auto res = get("/?period=30");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find(R"(<input type="date" name="from" id="filter-from" value="">)"),
            std::string::npos);
  EXPECT_NE(res->body.find(R"(<input type="date" name="to" id="filter-to" value="">)"),
            std::string::npos);
  EXPECT_EQ(res->body.find("disabled"), std::string::npos);
  // Custom range applied with no dates: the page says which field is missing.
  auto empty = get("/?period=custom&from=&to=");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  EXPECT_NE(empty->body.find("period=custom needs from and to (YYYY-MM-DD"), std::string::npos)
      << empty->body;
  EXPECT_NE(empty->body.find("<code>from</code>"), std::string::npos);
  // With the dates, the range is served (2024-03-01..03: runs 1-6 all fall on 03-01).
  auto range = get("/?period=custom&from=2024-03-01&to=2024-03-03");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 200);
  EXPECT_NE(range->body.find(R"(id="filter-from" value="2024-03-01")"), std::string::npos);
}

TEST_F(HttpServerTest, PagesIgnoreUnknownParametersAndTheApiRefusesThem) {
  start();
  for (const char* target : {"/?period=30&utm_source=chat&utm_medium=link",
                             "/workflow?repository=octo/app&workflow=10&period=all&fbclid=x",
                             "/runners?period=30&ref=share", "/?bra%FFnch=x"}) {
    auto res = get(target);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->status, 200) << target << "\n" << res->body;
  }
  // The page is the one without the extra parameter: 60% success of octo/app + octo/lib.
  EXPECT_NE(get("/?period=30&utm_source=chat")->body.find("60.00%"), std::string::npos);
  // Known parameters are still checked on pages.
  EXPECT_EQ(get("/?period=30&utm_source=chat&period=7")->status, 400);
  EXPECT_EQ(problem_parameter("/api/v1/metrics?period=30&utm_source=chat"), "utm_source");
  EXPECT_EQ(problem_parameter("/api/v1/runs?utm_source=chat"), "utm_source");
  EXPECT_EQ(problem_parameter("/api/v1/export.csv?utm_source=chat"), "utm_source");
}

TEST_F(HttpServerTest, WorkflowPageListsRunsWithLinksAndStreaks) {
  start();
  auto res = get("/workflow?repository=octo/app&workflow=10&period=all");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("href=\"https://github.com/octo/app/actions/runs/3\""),
            std::string::npos);
  EXPECT_NE(res->body.find("2 of 2 in a row"), std::string::npos);
  EXPECT_EQ(get("/workflow?repository=octo/app&workflow=999")->status, 404);
  EXPECT_EQ(get("/workflow?repository=octo/app")->status, 400);
  EXPECT_EQ(get("/workflow?repository=octo/app&workflow=ci.yml&period=all")->status, 200);
}

TEST_F(HttpServerTest, TheWorkflowPageShowsTheNearestPageForPageNumbersOutOfRange) {
  start();
  // octo/app's CI has runs 1-5, newest first two a page: [5 4] [3 2] [1].
  const std::string base = "/workflow?repository=octo/app&workflow=10&period=all&per_page=2";
  const std::string run1 = "href=\"https://github.com/octo/app/actions/runs/1\"";
  const std::string run5 = "href=\"https://github.com/octo/app/actions/runs/5\"";
  for (const char* past : {"4", "999", "1000000", "99999999999999999999"}) {
    auto res = get(base + "&page=" + past);
    ASSERT_TRUE(res) << past;
    EXPECT_EQ(res->status, 200) << past;
    EXPECT_NE(res->body.find("Page 3 of 3"), std::string::npos) << past;
    EXPECT_NE(res->body.find(run1), std::string::npos) << past;
    EXPECT_EQ(res->body.find(run5), std::string::npos) << past;
  }
  for (const char* below : {"0", "-2", "abc", "00"}) {
    auto res = get(base + "&page=" + below);
    ASSERT_TRUE(res) << below;
    EXPECT_EQ(res->status, 200) << below;
    EXPECT_NE(res->body.find("Page 1 of 3"), std::string::npos) << below;
    EXPECT_NE(res->body.find(run5), std::string::npos) << below;
  }
  // The API keeps refusing page numbers that are not ones.
  EXPECT_EQ(problem_parameter("/api/v1/runs?page=0"), "page");
  EXPECT_EQ(problem_parameter("/api/v1/runs?page=-2"), "page");
  EXPECT_EQ(problem_parameter("/api/v1/runs?page=abc"), "page");
}

TEST_F(HttpServerTest, EveryResponseCarriesTheSecurityHeaders) {
  start();
  for (const char* target : {"/", "/api/v1/metrics", "/static/app.js", "/nowhere"}) {
    auto res = get(target);
    ASSERT_TRUE(res) << target;
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("script-src 'self'"),
              std::string::npos)
        << target;
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff") << target;
    EXPECT_EQ(res->get_header_value("Referrer-Policy"), "same-origin") << target;
  }
}

TEST_F(HttpServerTest, UnknownPathsGetA404InTheRightFormat) {
  start();
  auto page = get("/nowhere");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 404);
  EXPECT_NE(page->body.find("Page not found"), std::string::npos);
  json api = get_json("/api/v1/nowhere", 404);
  EXPECT_EQ(api["error"]["status"], 404);
  EXPECT_EQ(get("/static/nothing.js")->status, 404);
  EXPECT_EQ(get("/static/../templates/head.mustache")->status, 404);
}

TEST_F(HttpServerTest, ServesTheEmbeddedAssets) {
  start();
  auto js = get("/static/vendor/uPlot.iife.min.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js->body.find("uPlot"), std::string::npos);
  EXPECT_EQ(get("/static/app.css")->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(get("/favicon.ico")->status, 200);
}

TEST_F(HttpServerTest, CachedResponsesAreReplacedWhenANewSnapshotLands) {
  start();
  auto first = get("/api/v1/metrics?period=all");
  auto second = get("/api/v1/metrics?period=all");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->get_header_value("X-Cache"), "miss");
  EXPECT_EQ(second->get_header_value("X-Cache"), "hit");
  EXPECT_EQ(second->body, first->body);
  snapshot_.publish(sample_table(2));
  auto third = get("/api/v1/metrics?period=all");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->get_header_value("X-Cache"), "miss");
  EXPECT_EQ(json::parse(third->body)["totals"]["runs"], 8);  // 6 + 2 added
}

TEST_F(HttpServerTest, ZeroTtlServesEveryRequestFresh) {
  ServerOptions options;
  options.cache_ttl_seconds = 0;
  start(options);
  EXPECT_EQ(get("/api/v1/metrics")->get_header_value("X-Cache"), "off");
  EXPECT_EQ(get("/api/v1/metrics")->get_header_value("X-Cache"), "off");
}

TEST_F(HttpServerTest, NoRequestFailsWhileSnapshotsAreSwapped) {
  start();
  std::atomic<bool> done = false;
  std::thread publisher([&] {
    for (int i = 0; i < 50 && !done; ++i) {
      snapshot_.publish(sample_table(i % 5));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    done = true;
  });
  int failures = 0;
  int requests = 0;
  httplib::Client client("127.0.0.1", port_);
  while (!done) {
    auto res = client.Get("/api/v1/metrics?period=all");
    ++requests;
    if (!res || res->status != 200) ++failures;
  }
  publisher.join();
  EXPECT_GT(requests, 0);
  EXPECT_EQ(failures, 0);
}

TEST_F(HttpServerTest, AccessTokenIsRequiredWhenConfigured) {
  ServerOptions options;
  options.auth_token = "s3cret";
  start(options);
  EXPECT_EQ(get("/api/v1/metrics")->status, 401);
  EXPECT_EQ(get("/api/v1/metrics", {{"Authorization", "Bearer wrong"}})->status, 401);
  EXPECT_EQ(get("/api/v1/metrics", {{"Authorization", "Bearer s3cret"}})->status, 200);
  EXPECT_EQ(get("/healthz")->status, 200);
  auto page = get("/?period=7");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 303);
  // httplib's client percent-decodes Location; on the wire it is /login?next=%2F%3Fperiod%3D7.
  EXPECT_EQ(page->get_header_value("Location"), "/login?next=/?period=7");
  EXPECT_EQ(get("/login")->status, 200);
}

TEST_F(HttpServerTest, SigningInSetsACookieThatOpensTheDashboard) {
  ServerOptions options;
  options.auth_token = "s3cret";
  start(options);
  auto wrong = client_->Post("/login", "token=nope&next=%2F", "application/x-www-form-urlencoded");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto right = client_->Post("/login", "token=s3cret&next=%2F%3Fperiod%3D7",
                             "application/x-www-form-urlencoded");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 303);
  EXPECT_EQ(right->get_header_value("Location"), "/?period=7");
  std::string cookie = right->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  auto page = get("/", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
}

TEST_F(HttpServerTest, OversizedBodiesAreRefused) {
  start();
  auto res =
      client_->Post("/login", std::string(64 * 1024, 'x'), "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST_F(HttpServerTest, AnEmptyStoreShowsHowToGetData) {
  snapshot_.publish(std::make_shared<const RunTable>());
  start();
  auto res = get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("cipette collect"), std::string::npos);
  EXPECT_NE(res->body.find("cipette demo"), std::string::npos);
}

TEST_F(HttpServerTest, StopEndsRunAndFreesThePort) {
  start();
  ASSERT_TRUE(get("/healthz"));
  server_->stop();
  thread_.join();
  EXPECT_FALSE(get("/healthz"));
}

}  // namespace
}  // namespace cipette::web
