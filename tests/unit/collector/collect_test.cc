// Several repositories at once, organisations, and the summary.
#include "cipette/collector/collect.h"

#include <gtest/gtest.h>

#include "fake_harness.h"

namespace cipette::collector {
namespace {

using testing::FakeHarness;
using testing::generated;
using testing::report_of;

TEST(CollectTest, SyncsSeveralRepositoriesConcurrently) {
  FakeHarness h;
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i) {
    names.push_back("octo/repo" + std::to_string(i));
    h.fake().add_generated_runs(names.back(), generated(150 + 100 * i));
  }
  CollectOptions options = h.options(names);
  options.concurrency = 3;
  CollectReport report = h.collect(options);
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  ASSERT_EQ(report.repositories.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(report.repositories[i].repository, names[i]);  // in the order named
    EXPECT_EQ(report.repositories[i].inserted, 150 + 100 * i);
  }
  EXPECT_EQ(h.stored_runs(), h.served_runs());
  EXPECT_EQ(report.requests, static_cast<std::int64_t>(h.fake().requests().size()));
  EXPECT_TRUE(report.rate.known);
}

TEST(CollectTest, AnOrganisationAddsEveryRepositoryOfIt) {
  FakeHarness h;
  h.fake().add_generated_runs("acme/api", generated(120));
  h.fake().add_generated_runs("acme/web", generated(80));
  h.fake().add_generated_runs("other/tool", generated(40));
  CollectOptions options = h.options({"other/tool", "ACME/web"});
  options.organisations = {"acme"};
  CollectReport report = h.collect(options);
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  // Named first; acme/web is named already (in another case), so only acme/api is added.
  ASSERT_EQ(report.repositories.size(), 3u);
  EXPECT_EQ(report.repositories[0].repository, "other/tool");
  EXPECT_EQ(report.repositories[1].repository, "ACME/web");
  EXPECT_EQ(report.repositories[2].repository, "acme/api");
  EXPECT_EQ(h.stored_runs(), h.served_runs());
}

TEST(CollectTest, AnUnknownOrganisationIsAnErrorAndTheRestGoesOn) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(20));
  CollectOptions options = h.options({"octo/repo"});
  options.organisations = {"nobody"};
  CollectReport report = h.collect(options);
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_NE(report.errors[0].find("listing the repositories of nobody"), std::string::npos)
      << report.errors[0];
  EXPECT_TRUE(report_of(report, "octo/repo").done);
  EXPECT_NE(describe_summary(report).find("error: listing the repositories of nobody"),
            std::string::npos);
}

TEST(CollectTest, EachRepositoryIsSyncedOnce) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(20));
  CollectReport report = h.collect({"octo/repo", "Octo/Repo", "octo/repo"});
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(report.repositories.size(), 1u);
}

TEST(CollectTest, AStoreThatCannotOpenFailsEveryRepository) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(20));
  CollectOptions options = h.options({"octo/repo"});
  SilentProgress progress;
  StoreOpener broken = []() -> Result<std::unique_ptr<RunStore>> {
    return fail("opening database x.db: disk on fire");
  };
  TransportFactory transport = []() -> Result<std::unique_ptr<github::HttpTransport>> {
    auto made = github::CurlTransport::create();
    if (!made) return made.error();
    return std::unique_ptr<github::HttpTransport>(std::move(*made));
  };
  CollectReport report = collect(options, broken, transport, progress);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report_of(report, "octo/repo").error,
            "not synced: opening database x.db: disk on fire");
}

TEST(CollectTest, SummaryNamesTotalsRepositoriesAndBudget) {
  CollectReport report;
  RepositoryReport done;
  done.repository = "octo/a";
  done.done = true;
  done.inserted = 120;
  done.updated = 3;
  done.requests = 14;
  done.not_modified = 2;
  RepositoryReport failed;
  failed.repository = "octo/b";
  failed.error = "GET x: HTTP 404: Not Found";
  failed.requests = 1;
  report.repositories = {done, failed};
  report.requests = 15;
  report.rate.known = true;
  report.rate.limit = 5000;
  report.rate.remaining = 4985;
  report.rate.reset = 1'700'000'000;  // 2023-11-14T22:13:20Z
  EXPECT_EQ(describe_summary(report),
            "collected 2 repositories (1 failed): 120 runs new, 3 updated, 15 requests; 4985 of "
            "5000 requests left until 2023-11-14T22:13:20Z\n"
            "  octo/a: 120 new, 3 updated, 14 requests (2 answered 304)\n"
            "  octo/b: failed: GET x: HTTP 404: Not Found\n");
}

}  // namespace
}  // namespace cipette::collector
