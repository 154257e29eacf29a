#pragma once

// Shared by the end-to-end tests of `cipette collect`: a fake GitHub server and its generated
// runs, the environment that points the built binary at it, with nothing of the developer's
// own configuration, and a test fixture run once on each store (SQLite and PostgreSQL).

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fake_github/fake_github.h"
#include "support/postgres_scratch.h"
#include "support/test_support.h"

namespace cipette::testing {

// GITHUB_TOKEN = `token`, GITHUB_API_URL = the fake; repositories, database and proxies unset.
inline std::map<std::string, std::string> collect_environment(const fake_github::FakeGitHub& fake,
                                                              std::string_view token) {
  return {{"GITHUB_TOKEN", std::string(token)},
          {"GITHUB_API_URL", fake.base_url()},
          {"TARGET_REPOSITORIES", ""},
          {"DATABASE_URL", ""},
          {"http_proxy", ""},
          {"HTTP_PROXY", ""},
          {"https_proxy", ""},
          {"HTTPS_PROXY", ""},
          {"ALL_PROXY", ""},
          {"all_proxy", ""}};
}

// A fake GitHub server accepting `token`, answering each API request after `latency`, started
// on an ephemeral port of 127.0.0.1. A failed start is a test failure.
inline std::unique_ptr<fake_github::FakeGitHub> start_fake_github(
    std::string_view token, std::chrono::milliseconds latency = {}) {
  fake_github::FakeGitHubOptions options;
  options.token = std::string(token);
  options.latency = latency;
  auto fake = std::make_unique<fake_github::FakeGitHub>(options);
  auto port = fake->start();
  EXPECT_TRUE(port.has_value()) << port.error().message;
  return fake;
}

// `count` generated runs of which `in_progress` are still running (the other settings are
// RunGeneration's defaults).
inline fake_github::RunGeneration generated_runs(std::int64_t count, std::int64_t in_progress = 1) {
  fake_github::RunGeneration generation;
  generation.count = count;
  generation.in_progress = in_progress;
  return generation;
}

// Runs the built binary with `args` ("collect", ...) and `env`, in "/" so that no .env of the
// developer's is read.
inline CommandResult run_cipette(std::vector<std::string> args,
                                 std::map<std::string, std::string> env) {
  args.insert(args.begin(), cipette_binary());
  CommandOptions options;
  options.env = std::move(env);
  options.cwd = "/";
  return run_command(args, options);
}

// Calls `visit` with each row of a query's answer on the SQLite database at `path`, opened
// read-only. Failing to open the file or to prepare the query is a test failure.
inline void for_each_sqlite_row(const std::string& path, const std::string& sql,
                                const std::function<void(sqlite3_stmt*)>& visit) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (sqlite3_step(stmt) == SQLITE_ROW) visit(stmt);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

// Column `i` of the row at `stmt`, as text (NULL as "NULL").
inline std::string sqlite_text(sqlite3_stmt* stmt, int i) {
  const unsigned char* text = sqlite3_column_text(stmt, i);
  return text == nullptr ? "NULL" : reinterpret_cast<const char*>(text);
}

// Every row of a query's answer on the SQLite database at `path`, as text, one line a row.
inline std::string dump_query(const std::string& path, const char* sql) {
  std::string out;
  for_each_sqlite_row(path, sql, [&](sqlite3_stmt* stmt) {
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) out += sqlite_text(stmt, i) + '|';
    out += '\n';
  });
  return out;
}

enum class Backend { kSqlite, kPostgres };

inline const char* backend_label(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// Names the instances of a test parameterised by Backend: "Sqlite", "Postgres".
inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return backend_label(info.param);
}

// How GoogleTest prints a Backend in a failure's "where GetParam() = ...".
inline void PrintTo(Backend backend, std::ostream* out) { *out << backend_label(backend); }

// A test run once on each store. Its databases are SQLite files in a temporary directory, or
// PostgreSQL schemas of their own on CIPETTE_TEST_POSTGRES_URL, dropped at the end
// (support/postgres_scratch.h); without that server the Postgres instance is skipped in SetUp
// (or fails, with CIPETTE_REQUIRE_POSTGRES=1) and its body does not run.
class StoreBackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kSqlite) return;
    spare_ = PostgresScratch::create_or_skip();
    if (!spare_ && !IsSkipped()) FAIL() << "no PostgreSQL schema for the test";
  }

  // The URL of the test's database `name` (a SQLite file's path), new and empty on first use.
  std::string database(const std::string& name) {
    if (GetParam() == Backend::kSqlite) return dir_.file(name + ".db");
    const PostgresScratch* scratch = schema(name);
    return scratch == nullptr ? "" : scratch->url();
  }

  // The first column of each row of `sql` on database `name`, as text (NULL as "NULL"). SQL
  // that both stores take: a boolean column read as CAST(found AS INTEGER), text joined with ||.
  std::vector<std::string> query(const std::string& name, const std::string& sql) {
    std::vector<std::string> rows;
    if (GetParam() == Backend::kSqlite) {
      for_each_sqlite_row(database(name), sql,
                          [&](sqlite3_stmt* stmt) { rows.push_back(sqlite_text(stmt, 0)); });
    } else if (const PostgresScratch* scratch = schema(name)) {
      rows = scratch->query(sql);
    }
    return rows;
  }

  // The number `sql` (SELECT COUNT(*) ...) answers on database `name`.
  std::int64_t count(const std::string& name, const std::string& sql) {
    std::vector<std::string> rows = query(name, sql);
    EXPECT_EQ(rows.size(), 1u) << sql;
    return rows.size() == 1 ? std::stoll(rows.front()) : -1;
  }

  TempDir dir_;  // the SQLite files, and any other file of the test

 private:
  // Database `name`'s schema, created on first use (the first one in SetUp, so that a test
  // without the server stops there); null after create_or_skip said why not.
  const PostgresScratch* schema(const std::string& name) {
    auto found = schemas_.find(name);
    if (found != schemas_.end()) return &found->second;
    std::optional<PostgresScratch> scratch = std::move(spare_);
    spare_.reset();
    if (!scratch) scratch = PostgresScratch::create_or_skip();
    if (!scratch) return nullptr;
    return &schemas_.emplace(name, std::move(*scratch)).first->second;
  }

  std::optional<PostgresScratch> spare_;
  std::map<std::string, PostgresScratch> schemas_;
};

// Starts `command` (the program first) with `env` in "/" `rounds` times, each killed with
// SIGKILL after a random delay of `min_ms` to `max_ms` (from `seed`) unless it has ended by
// then; returns how many were killed.
inline int kill_repeatedly(const std::vector<std::string>& command,
                           const std::map<std::string, std::string>& env, int rounds, int min_ms,
                           int max_ms, unsigned seed) {
  std::mt19937 random(seed);
  int killed = 0;
  for (int round = 0; round < rounds; ++round) {
    CommandOptions options;
    options.env = env;
    options.cwd = "/";
    pid_t pid = spawn_command(command, options, "/dev/null");
    EXPECT_GT(pid, 0);
    if (pid <= 0) return killed;
    auto delay =
        std::chrono::milliseconds(std::uniform_int_distribution<int>(min_ms, max_ms)(random));
    std::this_thread::sleep_for(delay);
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ++killed;
    }
  }
  return killed;
}

}  // namespace cipette::testing
