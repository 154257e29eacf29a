// Each fault the fake GitHub server can inject: the collector recovers, or reports it for the
// repository concerned, and the database holds exactly the runs it should.
#include <gtest/gtest.h>

#include "fake_harness.h"

namespace cipette::collector {
namespace {

using fake_github::Fault;
using fake_github::FaultKind;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeHarness;
using testing::generated;
using testing::kToken;
using testing::report_of;

Fault fault(FaultKind kind, int times = 1, std::string path_contains = "") {
  Fault f;
  f.kind = kind;
  f.times = times;
  f.path_contains = std::move(path_contains);
  return f;
}

bool waited(const std::vector<github::WaitNotice>& waits, milliseconds duration,
            std::string_view reason) {
  return std::any_of(waits.begin(), waits.end(), [&](const github::WaitNotice& w) {
    return w.duration == duration && w.reason == reason;
  });
}

// A repository with 250 runs (three pages), another with 60 (one page), and a fault; "page=2"
// matches the first repository's second page only.
struct FaultCase {
  explicit FaultCase(Fault injected) {
    h.fake().add_generated_runs("octo/repo", generated(250));
    h.fake().add_generated_runs("octo/other", generated(60));
    if (injected.path_contains.empty()) injected.path_contains = "/repos/octo/repo/";
    h.fake().add_fault(injected);
    report = h.collect({"octo/repo", "octo/other"});
  }
  const RepositoryReport& repo() const { return report_of(report, "octo/repo"); }
  FakeHarness h;
  CollectReport report;
};

TEST(FaultsTest, ServerErrorsAreRetried) {
  FaultCase c(fault(FaultKind::kHttpError, 2, "page=2"));
  ASSERT_TRUE(c.report.ok()) << describe_summary(c.report);
  EXPECT_EQ(c.h.stored_runs(), c.h.served_runs());
  auto waits = c.h.waits();
  EXPECT_EQ(std::count_if(waits.begin(), waits.end(),
                          [](const auto& w) { return w.reason == "HTTP 500"; }),
            2);
}

TEST(FaultsTest, BadGatewaysAndUnavailableAreRetried) {
  Fault bad_gateway = fault(FaultKind::kHttpError, 1, "page=2");
  bad_gateway.status = 502;
  FaultCase c(bad_gateway);
  ASSERT_TRUE(c.report.ok()) << describe_summary(c.report);
  EXPECT_EQ(c.h.stored_runs(), c.h.served_runs());
}

TEST(FaultsTest, PersistentServerErrorsFailOnlyThatRepository) {
  FaultCase c(fault(FaultKind::kHttpError, 100));
  EXPECT_FALSE(c.report.ok());
  EXPECT_NE(c.repo().error.find("gave up after 5 retries"), std::string::npos) << c.repo().error;
  EXPECT_TRUE(report_of(c.report, "octo/other").done);
  EXPECT_EQ(c.h.stored_runs(), c.h.served_runs({"octo/other"}));
}

TEST(FaultsTest, SecondaryLimitWithRetryAfterIsHonoured) {
  Fault limit = fault(FaultKind::kSecondaryRateLimit, 1, "page=2");
  limit.retry_after = 7;
  FaultCase c(limit);
  ASSERT_TRUE(c.report.ok()) << describe_summary(c.report);
  EXPECT_TRUE(waited(c.h.waits(), seconds(7), "secondary rate limit"));
  EXPECT_EQ(c.h.stored_runs(), c.h.served_runs());
}

TEST(FaultsTest, SecondaryLimitWithoutRetryAfterWaitsAMinute) {
  Fault limit = fault(FaultKind::kSecondaryRateLimit, 1, "page=2");
  limit.status = 429;
  FaultCase c(limit);
  ASSERT_TRUE(c.report.ok()) << describe_summary(c.report);
  EXPECT_TRUE(waited(c.h.waits(), seconds(60), "secondary rate limit"));
  EXPECT_EQ(c.h.stored_runs(), c.h.served_runs());
}

TEST(FaultsTest, ATimeoutIsRetried) {
  Fault slow = fault(FaultKind::kDelay, 1, "page=2");
  slow.delay = milliseconds(6000);  // the harness's transport gives up after 4 s
  FaultCase c(slow);
  ASSERT_TRUE(c.report.ok()) << describe_summary(c.report);
  EXPECT_EQ(c.h.stored_runs(), c.h.served_runs());
}

TEST(FaultsTest, ABodyCutShortIsRetried) {
  FaultCase c(fault(FaultKind::kTruncatedBody, 1, "page=2"));
  ASSERT_TRUE(c.report.ok()) << describe_summary(c.report);
  EXPECT_EQ(c.h.stored_runs(), c.h.served_runs());
}

// A page that is complete but not a runs page: an error for the repository, nothing of that
// page stored, the first page (committed before) kept, the other repository done.
void expect_page_rejected(FaultCase& c, std::string_view what) {
  EXPECT_FALSE(c.report.ok());
  EXPECT_NE(c.repo().error.find("page=2"), std::string::npos) << c.repo().error;
  EXPECT_NE(c.repo().error.find(what), std::string::npos) << c.repo().error;
  EXPECT_TRUE(report_of(c.report, "octo/other").done);
  auto stored = c.h.stored_runs();
  auto other = c.h.served_runs({"octo/other"});
  EXPECT_EQ(stored.size(), other.size() + 100);  // octo/repo's first page only
}

TEST(FaultsTest, HalfAJsonDocumentIsRejected) {
  FaultCase c(fault(FaultKind::kHalfJson, 1, "page=2"));
  expect_page_rejected(c, "line ");
}

TEST(FaultsTest, InvalidJsonIsRejected) {
  FaultCase c(fault(FaultKind::kInvalidJson, 1, "page=2"));
  expect_page_rejected(c, "line ");
}

TEST(FaultsTest, JsonOfTheWrongShapeIsRejected) {
  FaultCase c(fault(FaultKind::kWrongShape, 1, "page=2"));
  expect_page_rejected(c, "expected");
}

TEST(FaultsTest, ALinkToAForeignHostIsRefusedAndReported) {
  FaultCase c(fault(FaultKind::kForeignLink, 1));
  EXPECT_FALSE(c.report.ok());
  EXPECT_NE(c.repo().error.find("evil.example.invalid"), std::string::npos) << c.repo().error;
  EXPECT_EQ(c.repo().error.find(kToken), std::string::npos);
  EXPECT_EQ(c.h.stored_runs(), c.h.served_runs({"octo/other"}));
}

TEST(FaultsTest, ARedirectToAForeignHostIsRefusedAndReported) {
  FaultCase c(fault(FaultKind::kRedirect, 1));
  EXPECT_FALSE(c.report.ok());
  EXPECT_NE(c.repo().error.find("refusing a redirect to http://evil.example.invalid"),
            std::string::npos)
      << c.repo().error;
}

TEST(FaultsTest, ARedirectOnTheApiHostIsFollowed) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(50));
  Fault same_host = fault(FaultKind::kRedirect, 1);
  same_host.target = h.fake().base_url();  // Location: the same path on the API host
  h.fake().add_fault(same_host);
  CollectReport report = h.collect({"octo/repo"});
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
}

TEST(FaultsTest, AForeignHostNeverReceivesARequest) {
  // The "foreign host" is a second fake server: it must see nothing, so no token either.
  FakeHarness h;
  FakeHarness foreign;
  h.fake().add_generated_runs("octo/repo", generated(250));
  Fault link = fault(FaultKind::kForeignLink, 1);
  link.target = foreign.fake().base_url();
  Fault redirect = fault(FaultKind::kRedirect, 1);
  redirect.target = foreign.fake().base_url();
  h.fake().add_fault(link);
  h.fake().add_fault(redirect);
  EXPECT_FALSE(h.collect({"octo/repo"}).ok());
  EXPECT_FALSE(h.collect({"octo/repo"}).ok());
  EXPECT_TRUE(foreign.fake().requests().empty());
}

TEST(FaultsTest, AnUnknownRepositoryIsReportedAndTheOthersGoOn) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(50));
  CollectReport report = h.collect({"octo/missing", "octo/repo"});
  EXPECT_FALSE(report.ok());
  EXPECT_NE(report_of(report, "octo/missing").error.find("HTTP 404: Not Found"), std::string::npos)
      << report_of(report, "octo/missing").error;
  EXPECT_TRUE(report_of(report, "octo/repo").done);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
}

TEST(FaultsTest, BadCredentialsAreReportedWithoutTheToken) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(50));
  h.fake().set_token("another-token");
  CollectReport report = h.collect({"octo/repo"});
  EXPECT_FALSE(report.ok());
  const std::string& error = report_of(report, "octo/repo").error;
  EXPECT_NE(error.find("HTTP 401: Bad credentials (check GITHUB_TOKEN)"), std::string::npos)
      << error;
  EXPECT_EQ(describe_summary(report).find(kToken), std::string::npos);
  EXPECT_TRUE(h.stored_runs().empty());
}

TEST(FaultsTest, AnExhaustedBudgetWaitsForTheResetAndGoesOn) {
  // 450 runs: the first listing and its 4 further pages, then the listing of the newest hour:
  // 6 requests on a budget of 5 every 2 s, so the sixth meets an empty budget (403,
  // remaining 0) and waits for the reset, at most 2 s away, plus one second.
  FakeHarness h;
  h.real_wait_cap = milliseconds(4000);
  h.fake().add_generated_runs("octo/repo", generated(450));
  fake_github::RateLimit budget;
  budget.limit = 5;
  budget.remaining = 5;
  budget.reset = now_utc() + 2;
  budget.window_seconds = 2;
  h.fake().set_rate_limit(budget);
  CollectReport report = h.collect({"octo/repo"});
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
  auto waits = h.waits();
  ASSERT_FALSE(waits.empty());
  EXPECT_EQ(waits.front().reason, "primary rate limit exhausted");
  EXPECT_LE(waits.front().duration, seconds(3));
}

}  // namespace
}  // namespace cipette::collector
