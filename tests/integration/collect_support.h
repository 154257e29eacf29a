#pragma once

// Shared by the end-to-end tests of `cipette collect`: a fake GitHub server and its generated
// runs, and the environment that points the built binary at it, with nothing of the developer's
// own configuration.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fake_github/fake_github.h"
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

// Every row of a query's answer on the SQLite database at `path`, as text, one line a row.
inline std::string dump_query(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      out += text == nullptr ? "NULL" : reinterpret_cast<const char*>(text);
      out += '|';
    }
    out += '\n';
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

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
