// What only the PostgreSQL store does: its schema and migrations in a search_path schema, the
// one-line connection errors, text PostgreSQL cannot hold, and recovering from lost
// connections. The behaviour it shares with SQLite is in store_contract*_test.cc.

#include "cipette/storage/postgres_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <stdexcept>
#include <thread>

#include "cipette/storage/store_factory.h"
#include "store_contract.h"
#include "support/postgres_scratch.h"

namespace cipette::storage {
namespace {

using namespace std::chrono_literals;
using cipette::testing::PostgresScratch;
using contract::make_run;
using contract::scan_store;
using contract::unused_port;

// The parts of a libpq URL, as libpq reads them.
std::map<std::string, std::string> url_parts(const std::string& url) {
  std::map<std::string, std::string> parts;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), nullptr);
  for (auto* option = options; option && option->keyword; ++option) {
    if (option->val != nullptr) parts[option->keyword] = option->val;
  }
  PQconninfoFree(options);
  return parts;
}

// A key=value connection string for `url` with one part replaced.
std::string conninfo(const std::string& url, const std::string& key = "",
                     const std::string& value = "") {
  auto parts = url_parts(url);
  if (!key.empty()) parts[key] = value;
  std::string out;
  for (const auto& [k, v] : parts) {
    std::string quoted;
    for (char c : v) quoted += (c == '\'' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    out += fmt::format("{}{}='{}'", out.empty() ? "" : " ", k, quoted);
  }
  return out;
}

std::string open_error(const std::string& url) {
  auto store = PostgresStore::open(url);
  return store ? "<opened " + (*store)->describe() + ">" : store.error().message;
}

// The store's calls that must survive a lost connection, each with a check of its result.
using StoreCall = std::function<bool(PostgresStore&)>;
const std::vector<std::pair<const char*, StoreCall>>& calls_after_a_lost_connection() {
  static const std::vector<std::pair<const char*, StoreCall>> calls = {
      {"count_runs", [](PostgresStore& s) { return s.count_runs().has_value(); }},
      {"upsert_runs",
       [](PostgresStore& s) {
         return s.upsert_runs(std::vector<RunRecord>{make_run(1)}).has_value();
       }},
      {"upsert_attempts",
       [](PostgresStore& s) {
         AttemptRecord attempt{1, 1, false, "", "", std::nullopt, 0};
         return s.upsert_attempts(std::vector<AttemptRecord>{attempt}).has_value();
       }},
      {"scan_runs", [](PostgresStore& s) { return scan_store(s).runs.size() == 1; }},
      {"missing_attempts",
       [](PostgresStore& s) { return s.missing_attempts("octo/app", 10).has_value(); }},
      {"commit_sync",
       [](PostgresStore& s) {
         return s.commit_sync("octo/app", std::vector<RunRecord>{make_run(2)}, SyncState{})
             .has_value();
       }},
      {"load_sync_state",
       [](PostgresStore& s) {
         auto state = s.load_sync_state("octo/app");
         return state && state->has_value();
       }},
      {"acquire_lease",
       [](PostgresStore& s) {
         auto lease = s.acquire_lease("octo/app", "a", 60s);
         return lease && lease->acquired;
       }},
      {"sync_repositories", [](PostgresStore& s) { return s.sync_repositories().has_value(); }},
  };
  return calls;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = PostgresScratch::create_or_skip();
    if (!scratch_) return;
    auto opened = PostgresStore::open(scratch_->url());
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  // Ends the store's server process before each call of calls_after_a_lost_connection() and
  // checks that the call succeeds, on a new connection. With `wait_until_gone` the call starts
  // once the process has exited; otherwise at once, racing its exit.
  void expect_every_call_reconnects(bool wait_until_gone) {
    for (const auto& [name, call] : calls_after_a_lost_connection()) {
      int pid = store_->backend_pid();
      ASSERT_TRUE(scratch_->terminate_backend(pid)) << name;
      std::string alive = wait_until_gone ? "1" : "0";
      for (int i = 0; i < 1000 && alive != "0"; ++i) {
        std::this_thread::sleep_for(5ms);
        alive = scratch_->value(
            fmt::format("SELECT count(*) FROM pg_stat_activity WHERE pid = {}", pid));
      }
      ASSERT_EQ(alive, "0") << name;
      EXPECT_TRUE(call(*store_)) << name;
      EXPECT_NE(store_->backend_pid(), pid) << name;
    }
  }

  // Writes run 1 while the scratch connection holds the change log, so that every attempt of
  // the write stops inside its transaction, and ends the server process of each of the first
  // `cuts` attempts; then releases the log and checks that the write succeeded, counted once.
  void expect_write_survives_cuts(std::size_t cuts) {
    scratch_->query("BEGIN; SELECT last_seq FROM change_log_head FOR UPDATE");
    Result<UpsertStats> stats = UpsertStats{};
    std::thread writer([&] { stats = store_->upsert_runs(std::vector<RunRecord>{make_run(1)}); });
    std::vector<std::string> cut;
    while (cut.size() < cuts) {
      std::string pid = waiting_for_the_change_log(cut);
      if (pid.empty()) break;
      EXPECT_TRUE(scratch_->terminate_backend(std::stoi(pid)));
      cut.push_back(pid);
    }
    EXPECT_EQ(cut.size(), cuts);
    EXPECT_NE(waiting_for_the_change_log(cut), "");  // the attempt after the last cut
    scratch_->query("COMMIT");
    writer.join();
    ASSERT_TRUE(stats) << stats.error().message;
    // One new run, counted once; the attempts rolled back took no change sequence, so it has 1.
    EXPECT_EQ(*stats, (UpsertStats{1, 0, 0}));
    EXPECT_EQ(scan_store(*store_).last, 1);
  }

  // The server process waiting for the change log the scratch connection holds, other than
  // those in `except`; "" when there is none within 10 s. pg_locks, not pg_stat_activity: the
  // latter is a snapshot frozen for the transaction.
  std::string waiting_for_the_change_log(const std::vector<std::string>& except) const {
    for (int i = 0; i < 1000; ++i) {
      for (const std::string& pid :
           scratch_->query("SELECT DISTINCT pid FROM pg_locks WHERE NOT granted AND "
                           "pg_backend_pid() = ANY (pg_blocking_pids(pid))")) {
        if (std::find(except.begin(), except.end(), pid) == except.end()) return pid;
      }
      std::this_thread::sleep_for(10ms);
    }
    return "";
  }

  std::string where() const {
    auto parts = url_parts(scratch_->server_url());
    return fmt::format("{}:{} database \"{}\"", parts["host"], parts["port"], parts["dbname"]);
  }

  std::optional<PostgresScratch> scratch_;
  std::unique_ptr<PostgresStore> store_;
};

TEST(PostgresConnectErrorTest, AnUnreachableServerIsOneLineWithHostPortAndDatabase) {
  int port = unused_port();
  std::string message =
      open_error(fmt::format("postgresql://cipette:s3cret-pw@127.0.0.1:{}/cipette", port));
  EXPECT_EQ(message, fmt::format("cannot connect to PostgreSQL at 127.0.0.1:{} database "
                                 "\"cipette\": connection refused",
                                 port));
}

TEST(PostgresConnectErrorTest, AMalformedUrlIsReportedWithoutThePassword) {
  std::string message = open_error("postgresql://user:p%zzword@host/db");
  EXPECT_EQ(message.rfind("DATABASE_URL: not a valid PostgreSQL URL", 0), 0U) << message;
  EXPECT_EQ(message.find("zzword"), std::string::npos) << message;
}

TEST_F(PostgresStoreTest, AWrongPasswordIsOneLineWithoutThePassword) {
  if (!scratch_) return;
  auto parts = url_parts(scratch_->server_url());
  std::string message = open_error(conninfo(scratch_->server_url(), "password", "wr0ng-pw"));
  EXPECT_EQ(message, fmt::format("cannot connect to PostgreSQL at {}: password authentication "
                                 "failed for user \"{}\"",
                                 where(), parts["user"]));
  EXPECT_EQ(message.find("wr0ng-pw"), std::string::npos);
}

TEST_F(PostgresStoreTest, AMissingDatabaseIsOneLineNamingIt) {
  if (!scratch_) return;
  auto parts = url_parts(scratch_->server_url());
  std::string message = open_error(conninfo(scratch_->server_url(), "dbname", "cipette_nope"));
  EXPECT_EQ(message, fmt::format("cannot connect to PostgreSQL at {}:{} database "
                                 "\"cipette_nope\": database \"cipette_nope\" does not exist",
                                 parts["host"], parts["port"]));
  if (!parts["password"].empty()) {
    EXPECT_EQ(message.find(parts["password"]), std::string::npos);
  }
}

TEST_F(PostgresStoreTest, OpeningCreatesTheLatestSchemaInTheSearchPathSchema) {
  if (!scratch_) return;
  EXPECT_EQ(*store_->schema_version(), PostgresStore::latest_schema_version());
  EXPECT_EQ(PostgresStore::latest_schema_version(), 5);
  EXPECT_EQ(scratch_->query("SELECT version FROM schema_migrations ORDER BY version"),
            (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(scratch_->query("SELECT tablename FROM pg_tables WHERE schemaname = '" +
                            scratch_->schema() + "' ORDER BY tablename"),
            (std::vector<std::string>{"attempts", "change_log_head", "job_change_head", "jobs",
                                      "repositories", "run_jobs", "runs", "schema_migrations",
                                      "steps", "sync_leases", "sync_pending", "sync_rescan",
                                      "sync_state", "workflows"}));
  EXPECT_EQ(scratch_->value("SELECT count(*) FROM change_log_head"), "1");
  auto parts = url_parts(scratch_->server_url());
  EXPECT_EQ(store_->describe(), fmt::format("postgresql://{}@{}:{}/{}", parts["user"],
                                            parts["host"], parts["port"], parts["dbname"]));
}

TEST_F(PostgresStoreTest, ReopeningAnUpToDateSchemaKeepsSchemaAndData) {
  if (!scratch_) return;
  ASSERT_TRUE(store_->upsert_runs(std::vector<RunRecord>{make_run(1), make_run(2)}));
  auto again = PostgresStore::open(scratch_->url());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*(*again)->count_runs(), 2);
  EXPECT_EQ(scratch_->value("SELECT count(*) FROM schema_migrations"), "5");
}

TEST(PostgresMigrationTest, StoresOpeningAFreshSchemaTogetherMigrateItOnce) {
  for (int round = 0; round < 3; ++round) {
    auto scratch = PostgresScratch::create_or_skip();
    if (!scratch) return;
    constexpr int kStores = 4;
    std::atomic<int> ready = 0;
    std::vector<std::string> errors(kStores);
    std::vector<std::thread> threads;
    for (int i = 0; i < kStores; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        while (ready < kStores) {
        }
        auto store = PostgresStore::open(scratch->url());
        if (!store) errors[i] = store.error().message;
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (const std::string& error : errors) EXPECT_EQ(error, "");
    EXPECT_EQ(scratch->value("SELECT count(*) FROM schema_migrations"), "5");
    EXPECT_EQ(scratch->value("SELECT count(*) FROM change_log_head"), "1");
  }
}

TEST_F(PostgresStoreTest, ASchemaNewerThanThisProgramIsRefused) {
  if (!scratch_) return;
  scratch_->query("INSERT INTO schema_migrations (version) VALUES (9)");
  EXPECT_EQ(open_error(scratch_->url()),
            fmt::format("{} (schema \"{}\") has schema version 9, newer than this program knows "
                        "(5); upgrade CIPette to open it",
                        store_->describe(), scratch_->schema()));
}

TEST(PostgresMigrationTest, AnotherProgramsTablesWithoutOurVersionAreRefused) {
  auto scratch = PostgresScratch::create_or_skip();
  if (!scratch) return;
  scratch->query("CREATE TABLE runs (id integer PRIMARY KEY, name text)");
  std::string message = open_error(scratch->url());
  EXPECT_NE(message.find(fmt::format("is not a CIPette database (schema \"{}\" holds a table "
                                     "\"runs\" but no CIPette schema version)",
                                     scratch->schema())),
            std::string::npos)
      << message;
  EXPECT_EQ(scratch->value("SELECT count(*) FROM pg_tables WHERE tablename = 'workflows' AND "
                           "schemaname = '" +
                           scratch->schema() + "'"),
            "0");  // nothing created beside it
}

TEST(PostgresMigrationTest, ASearchPathWithoutAnExistingSchemaIsReported) {
  auto scratch = PostgresScratch::create_or_skip();
  if (!scratch) return;
  std::string url = scratch->server_url() +
                    (scratch->server_url().find('?') == std::string::npos ? "?" : "&") +
                    "options=-csearch_path%3Dcipette_no_such_schema";
  std::string message = open_error(url);
  EXPECT_NE(message.find("no schema of the search_path exists"), std::string::npos) << message;
}

TEST_F(PostgresStoreTest, TheFactoryOpensPostgresqlUrlsAndKeyValueStrings) {
  if (!scratch_) return;
  auto by_url = open_store(scratch_->url());
  ASSERT_TRUE(by_url) << by_url.error().message;
  EXPECT_EQ((*by_url)->describe(), store_->describe());
  std::string key_value = conninfo(scratch_->url());
  ASSERT_EQ(key_value.find("://"), std::string::npos);
  auto by_pairs = open_store(key_value);
  ASSERT_TRUE(by_pairs) << by_pairs.error().message;
  ASSERT_TRUE((*by_pairs)->upsert_runs(std::vector<RunRecord>{make_run(1)}));
  EXPECT_EQ(*store_->count_runs(), 1);  // the same schema
}

TEST_F(PostgresStoreTest, TextPostgresqlCannotHoldIsRefusedNamingTheRunAndField) {
  if (!scratch_) return;
  RunRecord nul = make_run(2);
  nul.head_branch = std::string("nul\0inside", 10);
  auto refused = store_->upsert_runs(std::vector<RunRecord>{make_run(1), nul});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "run 2: field \"head_branch\" holds a NUL byte, which PostgreSQL cannot store");
  RunRecord latin1 = make_run(3);
  latin1.actor =
      "Gr\xf6\xdf"
      "e";  // ISO-8859-1, not UTF-8
  refused = store_->upsert_runs(std::vector<RunRecord>{latin1});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "run 3: field \"actor\" is not valid UTF-8");
  EXPECT_EQ(*store_->count_runs(), 0);
}

// The server ending the connection (a restart, an administrator, a network failure) costs the
// call that notices it nothing: it reconnects and goes on. Here each call races the ending
// backend: it may reach the server before the backend has gone.
TEST_F(PostgresStoreTest, EveryCallRightAfterTheConnectionWasEndedReconnects) {
  if (!scratch_) return;
  expect_every_call_reconnects(false);
}

// An idle connection whose backend has already exited is what a collector finds between two
// pages.
TEST_F(PostgresStoreTest, EveryCallAfterTheBackendOfAnIdleConnectionExitedReconnects) {
  if (!scratch_) return;
  expect_every_call_reconnects(true);
}

// A write whose connection is cut while it waits inside its transaction is retried whole on a
// new connection, and counted once.
TEST_F(PostgresStoreTest, AWriteCutOffMidTransactionIsRetriedOnANewConnection) {
  if (!scratch_) return;
  expect_write_survives_cuts(1);
}

// A server that keeps ending connections (a failover, an administrator ending the role's
// sessions again) may cut the new connection of a retry too: the write goes again, and is
// still counted once.
TEST_F(PostgresStoreTest, AWriteWhoseRetryIsCutOffTooGoesAgainOnAThirdConnection) {
  if (!scratch_) return;
  expect_write_survives_cuts(2);
}

TEST_F(PostgresStoreTest, AVisitorThatThrowsLeavesTheStoreUsable) {
  if (!scratch_) return;
  std::vector<RunRecord> runs;
  for (int i = 1; i <= 1000; ++i) runs.push_back(make_run(i));
  ASSERT_TRUE(store_->upsert_runs(runs));
  int visited = 0;
  EXPECT_THROW((void)store_->scan_runs(0,
                                       [&](const RunRecord&) {
                                         if (++visited == 10) throw std::runtime_error("stop");
                                         return ScanStep::kContinue;
                                       }),
               std::runtime_error);
  EXPECT_EQ(visited, 10);
  EXPECT_EQ(scan_store(*store_).runs.size(), 1000U);
  EXPECT_EQ(*store_->count_runs(), 1000);
}

// Stopping a scan cancels its COPY on the server instead of closing the connection.
TEST_F(PostgresStoreTest, AStoppedScanKeepsItsConnection) {
  if (!scratch_) return;
  std::vector<RunRecord> runs;
  for (int i = 1; i <= 3000; ++i) runs.push_back(make_run(i));
  ASSERT_TRUE(store_->upsert_runs(runs));
  int pid = store_->backend_pid();
  int visited = 0;
  auto last = store_->scan_runs(
      0, [&](const RunRecord&) { return ++visited == 5 ? ScanStep::kStop : ScanStep::kContinue; });
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(visited, 5);
  EXPECT_EQ(*last, 5);
  EXPECT_EQ(store_->backend_pid(), pid);  // the same session, no reconnection
  EXPECT_EQ(scan_store(*store_).runs.size(), 3000U);
  EXPECT_TRUE(store_->upsert_runs(std::vector<RunRecord>{make_run(3001)}));
  EXPECT_EQ(*store_->count_runs(), 3001);
  EXPECT_EQ(store_->backend_pid(), pid);
}

TEST_F(PostgresStoreTest, TwoStoresOnOneSchemaSeeEachOthersWrites) {
  if (!scratch_) return;
  auto other = PostgresStore::open(scratch_->url());
  ASSERT_TRUE(other) << other.error().message;
  ASSERT_TRUE(store_->upsert_runs(std::vector<RunRecord>{make_run(1)}));
  ASSERT_TRUE((*other)->upsert_runs(std::vector<RunRecord>{make_run(2)}));
  // Sequences continue across connections: 1 from the first store, 2 from the second.
  contract::Scan all = scan_store(**other);
  EXPECT_EQ(contract::ids(all), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(all.last, 2);
}

}  // namespace
}  // namespace cipette::storage
