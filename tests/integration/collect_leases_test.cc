// Several `cipette collect` processes on one database (SQLite file or PostgreSQL): they share
// the work through leases, and what they store equals what one collector stores. A collector
// killed while holding a lease does not keep its repository from the next one.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "cipette/storage/store_factory.h"
#include "collect_support.h"
#include "fake_github/fake_github.h"
#include "support/postgres_scratch.h"
#include "support/test_support.h"

namespace cipette {
namespace {

using fake_github::FakeGitHub;
using testing::CommandOptions;
using testing::CommandResult;
using testing::generated_runs;
using testing::TempDir;

constexpr std::string_view kToken = "ghp_leaseTestSecret";

CommandOptions collect_options(const FakeGitHub& fake) {
  CommandOptions options;
  options.env = testing::collect_environment(fake, kToken);
  options.cwd = "/";
  return options;
}

// Runs only: the leases are about who syncs a repository, and the job phase runs inside the
// same lease (a request per run at the fake's latency would only make these tests minutes
// longer). The job phase's own kill test is CollectJobsCommandTest.
std::vector<std::string> collect_args(const std::string& repositories, const std::string& db) {
  return {testing::cipette_binary(),
          "collect",
          "--repo",
          repositories,
          "--concurrency",
          "2",
          "--no-jobs",
          "--db",
          db};
}

std::unique_ptr<FakeGitHub> start_fake(std::chrono::milliseconds latency) {
  return testing::start_fake_github(kToken, latency);
}

// Every run of a database, by id, as the port reads it (repository by name: ids of
// repositories are the store's business).
std::vector<RunRecord> stored_runs(const std::string& database_url) {
  auto store = storage::open_store(database_url);
  EXPECT_TRUE(store.has_value()) << store.error().message;
  std::vector<RunRecord> runs;
  if (!store) return runs;
  auto scanned = (*store)->scan_runs(0, [&](const RunRecord& run) {
    runs.push_back(run);
    return ScanStep::kContinue;
  });
  EXPECT_TRUE(scanned.has_value()) << scanned.error().message;
  std::sort(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return runs;
}

std::int64_t count_runs(const std::string& database_url) {
  auto store = storage::open_store(database_url);
  if (!store) return 0;
  auto count = (*store)->count_runs();
  return count ? *count : 0;
}

// The shared database: a SQLite file, or a PostgreSQL schema of its own.
class CollectLeasesTest : public testing::StoreBackendTest {};

TEST_P(CollectLeasesTest, TwoCollectorsAtOnceStoreExactlyWhatOneCollectorStores) {
  auto fake = start_fake(std::chrono::milliseconds(10));
  std::string names;
  for (int i = 0; i < 6; ++i) {
    std::string name = "acme/repo" + std::to_string(i);
    fake->add_generated_runs(name, generated_runs(200 + 150 * i));
    names += (names.empty() ? "" : ",") + name;
  }
  CommandOptions options = collect_options(*fake);
  // The reference: one collector alone, into a SQLite file of its own.
  CommandResult alone = testing::run_command(collect_args(names, dir_.file("alone.db")), options);
  ASSERT_EQ(alone.exit_code, 0) << alone.err;

  pid_t first = testing::spawn_command(collect_args(names, database("shared")), options,
                                       dir_.file("first.log"));
  pid_t second = testing::spawn_command(collect_args(names, database("shared")), options,
                                        dir_.file("second.log"));
  ASSERT_GT(first, 0);
  ASSERT_GT(second, 0);
  EXPECT_EQ(testing::wait_command(first), 0) << testing::read_file(dir_.file("first.log"));
  EXPECT_EQ(testing::wait_command(second), 0) << testing::read_file(dir_.file("second.log"));

  std::vector<RunRecord> expected = stored_runs(dir_.file("alone.db"));
  EXPECT_EQ(expected.size(), static_cast<std::size_t>(6 * 200 + 150 * (0 + 1 + 2 + 3 + 4 + 5)));
  EXPECT_EQ(stored_runs(database("shared")), expected);
}

TEST_P(CollectLeasesTest, ACollectorKilledHoldingALeaseIsTakenOverByTheNextOne) {
  // 50 ms per request and 3,000 runs (30 pages): the first collector is still reading when
  // it is killed.
  auto fake = start_fake(std::chrono::milliseconds(50));
  fake->add_generated_runs("acme/big", generated_runs(3000));
  CommandOptions options = collect_options(*fake);
  pid_t killed = testing::spawn_command(collect_args("acme/big", database("shared")), options,
                                        dir_.file("k.log"));
  ASSERT_GT(killed, 0);
  // Killed once it has stored a page, so it holds the lease mid-sync.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_runs(database("shared")) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(killed, SIGKILL);
  testing::wait_command(killed);
  ASSERT_GT(count_runs(database("shared")), 0) << testing::read_file(dir_.file("k.log"));
  ASSERT_LT(count_runs(database("shared")), 3000);

  CommandResult next = testing::run_command(collect_args("acme/big", database("shared")), options);
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.err.find("acme/big: taking over from"), std::string::npos) << next.err;
  std::vector<RunRecord> served = fake->all_runs();
  std::sort(served.begin(), served.end(), [](auto& a, auto& b) { return a.id < b.id; });
  std::vector<RunRecord> stored = stored_runs(database("shared"));
  ASSERT_EQ(stored.size(), served.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(stored[i].id, served[i].id);
    EXPECT_EQ(stored[i].updated_at, served[i].updated_at);
    EXPECT_EQ(stored[i].conclusion, served[i].conclusion);
  }
}

// A PostgreSQL connection lost in the middle of a sync (the server restarted, a proxy cut it)
// is reopened and the sync goes on: no page is lost or stored twice.
TEST(CollectPostgresTest, ConnectionsCutDuringASyncAreReopenedAndNothingIsLostOrDuplicated) {
  auto scratch = testing::PostgresScratch::create_or_skip();
  if (!scratch) return;
  auto fake = start_fake(std::chrono::milliseconds(20));
  fake->add_generated_runs("acme/big", generated_runs(2500));
  fake->add_generated_runs("acme/small", generated_runs(400));
  // The collector's connections carry a name of their own, so that only they are cut.
  std::string url = scratch->url() + "&application_name=cut_me";
  TempDir dir;
  pid_t collector = testing::spawn_command(collect_args("acme/big,acme/small", url),
                                           collect_options(*fake), dir.file("collect.log"));
  ASSERT_GT(collector, 0);
  // Cut once the sync is under way (a cut while the store opens is a plain start-up error).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_runs(scratch->url()) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  int cuts = 0;
  int status = 0;
  bool exited = false;
  while (cuts < 5 && !exited && std::chrono::steady_clock::now() < deadline) {
    for (const std::string& pid :
         scratch->query("SELECT pid FROM pg_stat_activity WHERE application_name = 'cut_me'")) {
      cuts += scratch->terminate_backend(std::stoi(pid)) ? 1 : 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    exited = waitpid(collector, &status, WNOHANG) == collector;
  }
  if (!exited) waitpid(collector, &status, 0);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::string log = testing::read_file(dir.file("collect.log"));
  EXPECT_GT(cuts, 0) << "the collector finished before any connection was cut";
  ASSERT_EQ(code, 0) << log;
  EXPECT_NE(log.find("collected 2 repositories (0 failed): 2900 runs new"), std::string::npos)
      << log;
  std::vector<RunRecord> served = fake->all_runs();
  std::vector<RunRecord> stored = stored_runs(url);
  ASSERT_EQ(stored.size(), served.size());
  std::sort(served.begin(), served.end(), [](auto& a, auto& b) { return a.id < b.id; });
  for (std::size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].id, served[i].id);
}

INSTANTIATE_TEST_SUITE_P(Backends, CollectLeasesTest,
                         ::testing::Values(testing::Backend::kSqlite, testing::Backend::kPostgres),
                         testing::backend_name);

}  // namespace
}  // namespace cipette
