// What only the PostgreSQL store does about re-runs: the migration that fills runs.version from
// the C++ rule in batches, and attempt text PostgreSQL cannot hold. The behaviour it shares with
// SQLite is in store_contract_attempts_test.cc.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cipette/storage/postgres_connection.h"
#include "cipette/storage/postgres_migrations.h"
#include "cipette/storage/postgres_store.h"
#include "store_contract.h"
#include "support/postgres_scratch.h"

namespace cipette::storage {
namespace {

using cipette::testing::PostgresScratch;
using contract::make_run;

// Every column of runs but version, as one text per run in id order (what a migration must keep).
constexpr const char* kRunsAsText =
    "SELECT (change_seq, id, repository_id, workflow_id, run_number, run_attempt, created_at, "
    "run_started_at, updated_at, status, conclusion, event, head_branch, head_sha, actor, "
    "workflow_name, path, html_url)::text FROM runs ORDER BY id";

// 25,003 runs, more than two of the migration's batches of 10,000: run i is at attempt
// 1 + i % 3, completed when i is even (conclusion NULL otherwise), updated at 1'700'000'000 + i.
TEST(PostgresMigrationTest, MigratingFromVersion3FillsEveryRunVersionFromTheRuleAndLosesNothing) {
  auto scratch = PostgresScratch::create_or_skip();
  if (!scratch) return;
  {
    auto connection = PgConnection::connect(scratch->url());
    ASSERT_TRUE(connection) << connection.error().message;
    auto migrated = migrate_postgres(**connection, 3);
    ASSERT_TRUE(migrated) << migrated.error().message;
  }
  scratch->query(
      "INSERT INTO repositories (id, full_name) VALUES (10, 'octo/app');"
      "INSERT INTO workflows (id, repository_id, name, path) VALUES "
      "(20, 10, 'CI', '.github/workflows/ci.yml');"
      "INSERT INTO runs (change_seq, id, repository_id, workflow_id, run_number, run_attempt, "
      "created_at, run_started_at, updated_at, status, conclusion, event, head_branch, head_sha, "
      "actor, workflow_name, path, html_url) "
      "SELECT i, i, 10, 20, i, 1 + i % 3, 1700000000, NULL, 1700000000 + i, "
      "CASE WHEN i % 2 = 0 THEN 'completed' ELSE 'in_progress' END, "
      "CASE WHEN i % 2 = 0 THEN 'success' END, 'push', 'main', 'sha', 'octocat', 'CI', "
      "'.github/workflows/ci.yml', 'u' || i FROM generate_series(1, 25003) AS i;"
      "UPDATE change_log_head SET last_seq = 25003;");
  ASSERT_EQ(scratch->value("SELECT count(*) FROM schema_migrations"), "3");
  std::vector<std::string> before = scratch->query(kRunsAsText);
  ASSERT_EQ(before.size(), 25'003U);

  auto store = PostgresStore::open(scratch->url());
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(*(*store)->schema_version(), 5);
  EXPECT_EQ(scratch->query(kRunsAsText), before);
  std::vector<std::string> versions = scratch->query("SELECT version FROM runs ORDER BY id");
  ASSERT_EQ(versions.size(), 25'003U);
  for (std::int64_t i = 1; i <= 25'003; ++i) {
    ASSERT_EQ(versions[i - 1],
              std::to_string(run_version(1 + i % 3, i % 2 == 0 ? "completed" : "in_progress",
                                         1'700'000'000 + i)))
        << "run " << i;
  }
  // The column has no default after the migration: a writer cannot leave it out.
  EXPECT_EQ(scratch->value("SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                           "current_schema() AND table_name = 'runs' AND column_name = 'version' "
                           "AND column_default IS NULL AND is_nullable = 'NO'"),
            "1");
  // The rule applies to migrated rows: run 1 (attempt 2, in progress, updated at +1) completes
  // with an older updated_at; run 2 (attempt 3) ignores attempt 2.
  RunRecord one = make_run(1, 1'700'000'000);
  one.run_attempt = 2;
  RunRecord two = make_run(2, 1'700'009'999);
  two.run_attempt = 2;
  auto stats = (*store)->upsert_runs(std::vector<RunRecord>{one, two});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (UpsertStats{0, 1, 1, 0}));
}

TEST(PostgresAttemptsTest, AttemptTextPostgresqlCannotHoldIsRefusedNamingTheAttemptAndField) {
  auto scratch = PostgresScratch::create_or_skip();
  if (!scratch) return;
  auto store = PostgresStore::open(scratch->url());
  ASSERT_TRUE(store) << store.error().message;
  RunRecord run = make_run(1);
  run.run_attempt = 2;
  ASSERT_TRUE((*store)->upsert_runs(std::vector<RunRecord>{run}));

  AttemptRecord nul{1, 1, true, std::string("completed\0", 10), "failure", std::nullopt, 5};
  auto refused = (*store)->upsert_attempts(std::vector<AttemptRecord>{nul});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "run 1 attempt 1: field \"status\" holds a NUL byte, which PostgreSQL cannot store");
  RunRecord with_latin1 = run;
  with_latin1.earlier_attempts = {AttemptRecord{1, 1, true, "completed",
                                                "Gr\xf6\xdf"
                                                "e",
                                                std::nullopt, 5}};
  refused = (*store)->upsert_runs(std::vector<RunRecord>{with_latin1});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "run 1 attempt 1: field \"conclusion\" is not valid UTF-8");
  EXPECT_EQ(scratch->value("SELECT count(*) FROM attempts"), "0");
}

}  // namespace
}  // namespace cipette::storage
