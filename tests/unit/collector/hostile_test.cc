// A hostile or broken GitHub, over real HTTP: absurd waits, endless pages, absurd totals, runs
// of other repositories, implausible dates. The repository concerned fails (or, for foreign
// runs, goes on without them) with a message naming what was wrong; the others are collected.
#include <gtest/gtest.h>

#include <regex>

#include "fake_harness.h"

namespace cipette::collector {
namespace {

using fake_github::Fault;
using fake_github::FaultKind;
using std::chrono::seconds;
using testing::FakeHarness;
using testing::generated;
using testing::report_of;

Fault fault(FaultKind kind, int times, std::string path_contains) {
  Fault f;
  f.kind = kind;
  f.times = times;
  f.path_contains = std::move(path_contains);
  return f;
}

// octo/repo with 250 runs (three pages), octo/other with 60 (one page); `injected` fires for
// octo/repo only ("" stands for "/repos/octo/repo/"; "page=2" matches octo/repo's second page
// only); then one collect of both with `max_wait`.
struct HostileCase {
  explicit HostileCase(Fault injected, seconds max_wait = seconds(600)) {
    h.fake().add_generated_runs("octo/repo", generated(250));
    h.fake().add_generated_runs("octo/other", generated(60));
    if (injected.path_contains.empty()) injected.path_contains = "/repos/octo/repo/";
    h.fake().add_fault(injected);
    CollectOptions options = h.options({"octo/repo", "octo/other"});
    options.client.retry.max_wait = max_wait;
    report = h.collect(options);
  }
  const RepositoryReport& repo() const { return report_of(report, "octo/repo"); }
  // The other repository was collected whole.
  void expect_other_collected() {
    EXPECT_TRUE(report_of(report, "octo/other").done) << describe_summary(report);
  }
  std::size_t stored_of(std::string_view repository) {
    auto stored = h.stored_runs();
    return static_cast<std::size_t>(
        std::count_if(stored.begin(), stored.end(),
                      [&](const RunRecord& r) { return r.repository == repository; }));
  }
  FakeHarness h;
  CollectReport report;
};

bool waited_at_least(const std::vector<github::WaitNotice>& waits, seconds least) {
  return std::any_of(waits.begin(), waits.end(),
                     [&](const github::WaitNotice& w) { return w.duration >= least; });
}

// --- Waits longer than --max-wait ------------------------------------------------------------

// `injected` asks for a wait of 999999999 s; with --max-wait 10 octo/repo fails at once, having
// stored nothing and waited for nothing that long, and octo/other is collected.
void expect_wait_refused(Fault injected) {
  injected.retry_after = 999'999'999;
  HostileCase c(injected, seconds(10));
  EXPECT_FALSE(c.report.ok());
  // 999999999 s = 277777 h (999997200 s) + 46 min (2760 s) + 39 s.
  EXPECT_NE(c.repo().error.find(
                "GitHub asked to wait 277777h 46m 39s (Retry-After), more than --max-wait 10s"),
            std::string::npos)
      << c.repo().error;
  EXPECT_FALSE(waited_at_least(c.h.waits(), seconds(11)));
  c.expect_other_collected();
  EXPECT_EQ(c.stored_of("octo/repo"), 0u);
  EXPECT_EQ(c.stored_of("octo/other"), 60u);
}

TEST(HostileTest, AHugeRetryAfterOnA429FailsThatRepositoryAtOnce) {
  Fault limit = fault(FaultKind::kSecondaryRateLimit, 1, "");
  limit.status = 429;
  expect_wait_refused(limit);
}

TEST(HostileTest, AHugeRetryAfterOnA503FailsThatRepositoryAtOnce) {
  Fault unavailable = fault(FaultKind::kHttpError, 1, "");
  unavailable.status = 503;
  expect_wait_refused(unavailable);
}

TEST(HostileTest, TheDefaultMaxWaitIsTenMinutes) {
  Fault limit = fault(FaultKind::kSecondaryRateLimit, 1, "");
  limit.retry_after = 601;
  HostileCase c(limit);
  EXPECT_NE(c.repo().error.find("GitHub asked to wait 10m 1s (Retry-After), more than "
                                "--max-wait 10m 0s"),
            std::string::npos)
      << c.repo().error;
  c.expect_other_collected();
}

TEST(HostileTest, ARetryAfterWithinMaxWaitIsWaited) {
  Fault limit = fault(FaultKind::kSecondaryRateLimit, 1, "");
  limit.retry_after = 10;
  HostileCase c(limit, seconds(10));
  ASSERT_TRUE(c.report.ok()) << describe_summary(c.report);
  EXPECT_EQ(c.h.stored_runs(), c.h.served_runs());
}

// --- Endless pagination ----------------------------------------------------------------------

TEST(HostileTest, ALinkBackToThePageJustReadStopsThatRepository) {
  // The first listing page says its next page is itself (20 times: without the defence the
  // collector would read it 20 times and then go on).
  HostileCase c(fault(FaultKind::kSelfLink, 20, "/repos/octo/repo/actions/runs?"));
  EXPECT_FALSE(c.report.ok());
  EXPECT_NE(c.repo().error.find("the next page's link leads back to"), std::string::npos)
      << c.repo().error;
  EXPECT_NE(c.repo().error.find(", a page already read"), std::string::npos) << c.repo().error;
  c.expect_other_collected();
  EXPECT_EQ(c.stored_of("octo/repo"), 100u);  // the first page, committed before its link
}

TEST(HostileTest, ALinkBackToAnEarlierPageStopsThatRepository) {
  HostileCase c(fault(FaultKind::kSelfLink, 20, "page=2"));
  EXPECT_FALSE(c.report.ok());
  EXPECT_NE(c.repo().error.find("page=2, a page already read"), std::string::npos)
      << c.repo().error;
  c.expect_other_collected();
  EXPECT_EQ(c.stored_of("octo/repo"), 200u);
}

TEST(HostileTest, EndlessNewPagesStopAtTheTotalCount) {
  // 250 runs fill pages 1-3; the fake links on to page 4, 5, ... (30 times).
  HostileCase c(fault(FaultKind::kEndlessLink, 30, ""));
  EXPECT_FALSE(c.report.ok());
  EXPECT_NE(c.repo().error.find(
                "the next page's link asks for page 4 of the listing, but its total_count 250 "
                "fills 3 pages of 100"),
            std::string::npos)
      << c.repo().error;
  c.expect_other_collected();
  EXPECT_EQ(c.stored_of("octo/repo"), 250u);
  // Pages 1, 2 and 3 were asked for; page 4 never was.
  for (const auto& request : c.h.fake().requests()) {
    EXPECT_EQ(request.target.find("page=4"), std::string::npos) << request.target;
  }
}

TEST(HostileTest, AnOrganisationsEndlessSamePageIsStopped) {
  FakeHarness h;
  for (int i = 0; i < 3; ++i) h.fake().add_repository("acme/r" + std::to_string(i));
  h.fake().add_fault(fault(FaultKind::kSelfLink, 20, "/orgs/acme/repos"));
  CollectOptions options = h.options({});
  options.organisations = {"acme"};
  CollectReport report = h.collect(options);
  ASSERT_EQ(report.errors.size(), 1u) << describe_summary(report);
  EXPECT_NE(report.errors[0].find("listing the repositories of acme"), std::string::npos);
  EXPECT_NE(report.errors[0].find("a page already read"), std::string::npos) << report.errors[0];
}

// --- An absurd total_count -------------------------------------------------------------------

TEST(HostileTest, AOneSecondWindowReportingTheCapOrMoreFailsThatRepository) {
  // Every listing of octo/repo claims 10^15 runs: the windows shrink to one second, and a
  // one-second window holding 1,000 or more cannot be read. --since a minute ago keeps the run
  // short even without the defence (which then walked the minute second by second).
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(50));
  h.fake().add_generated_runs("octo/other", generated(60));
  h.fake().add_fault(fault(FaultKind::kTotalCount, 1'000'000, "/repos/octo/repo/actions/runs?"));
  CollectOptions options = h.options({"octo/repo", "octo/other"});
  options.sync.since = now_utc() - 60;
  CollectReport report = h.collect(options);
  const std::string& error = report_of(report, "octo/repo").error;
  EXPECT_FALSE(report.ok());
  static const std::regex kWindow(
      R"(the window (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\.\.\1 \(one second\) reports )"
      R"(1000000000000000 runs, more than the 1000 GitHub lists of a window)");
  EXPECT_TRUE(std::regex_search(error, kWindow)) << error;
  EXPECT_TRUE(report_of(report, "octo/other").done) << describe_summary(report);
}

// --- Runs of another repository --------------------------------------------------------------

TEST(HostileTest, RunsOfAnotherRepositoryInTheListingAreIgnoredAndCounted) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(250));
  h.fake().add_generated_runs("other/victim", generated(30));
  Fault foreign = fault(FaultKind::kForeignRuns, 1, "/repos/octo/repo/");
  foreign.repository = "other/victim";
  foreign.count = 2;
  h.fake().add_fault(foreign);
  CollectReport report = h.collect({"octo/repo"});
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(report_of(report, "octo/repo").foreign_runs, 2);
  EXPECT_NE(describe_summary(report).find("2 runs of other repositories ignored"),
            std::string::npos)
      << describe_summary(report);
  EXPECT_EQ(h.stored_runs(), h.served_runs({"octo/repo"}));
}

TEST(HostileTest, RunsDisguisedUnderThisNameWithAnotherRepositorysIdAreIgnored) {
  // other/victim is collected first; then octo/repo's listing carries two of its runs named
  // "octo/repo" but with other/victim's repository id, after octo/repo's own runs.
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(250));
  h.fake().add_generated_runs("other/victim", generated(30));
  ASSERT_TRUE(h.collect({"other/victim"}).ok());
  Fault disguised = fault(FaultKind::kForeignRuns, 1, "/repos/octo/repo/");
  disguised.repository = "other/victim";
  disguised.disguised = true;
  h.fake().add_fault(disguised);
  CollectReport report = h.collect({"octo/repo"});
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(report_of(report, "octo/repo").foreign_runs, 2);
  EXPECT_EQ(h.stored_runs(), h.served_runs());  // other/victim's runs untouched
}

TEST(HostileTest, RepositoryNamesCompareIgnoringCase) {
  FakeHarness h;
  h.fake().add_generated_runs("Octo/Repo", generated(120));
  CollectReport report = h.collect({"octo/repo"});
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(report_of(report, "octo/repo").foreign_runs, 0);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
}

// --- Implausible time stamps -----------------------------------------------------------------

void expect_implausible(std::string field, std::string value) {
  Fault bad = fault(FaultKind::kRunField, 1, "page=2");
  bad.field = field;
  bad.value = "\"" + value + "\"";
  HostileCase c(bad);
  EXPECT_FALSE(c.report.ok());
  std::string expected = "field \"" + field + "\": implausible time stamp \"" + value + "\"";
  EXPECT_NE(c.repo().error.find(expected), std::string::npos) << c.repo().error;
  EXPECT_NE(c.repo().error.find("page=2"), std::string::npos) << c.repo().error;
  c.expect_other_collected();
  EXPECT_EQ(c.stored_of("octo/repo"), 100u);  // the first page; nothing of the second
}

TEST(HostileTest, ARunCreatedInYearZeroFailsThatRepository) {
  expect_implausible("created_at", "0000-01-01T00:00:00Z");
}

TEST(HostileTest, ARunUpdatedInYear9999FailsThatRepository) {
  expect_implausible("updated_at", "9999-12-31T23:59:59Z");
}

TEST(HostileTest, ARunStartedBefore2000FailsThatRepository) {
  expect_implausible("run_started_at", "1999-12-31T23:59:59Z");
}

}  // namespace
}  // namespace cipette::collector
