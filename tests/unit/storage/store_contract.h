#pragma once

// The storage contract suite's fixture: every test of store_contract*_test.cc runs once per
// backend (SQLite in a temporary file, PostgreSQL in a scratch schema; see
// support/postgres_scratch.h for when the PostgreSQL half runs). Also the helpers the other
// storage tests share (make_run, scan_store, unused_port).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "cipette/core/run_store.h"
#include "cipette/storage/postgres_store.h"
#include "cipette/storage/sqlite_store.h"
#include "support/postgres_scratch.h"
#include "support/test_support.h"

namespace cipette::storage::contract {

// A SQLite database file in a temporary directory.
class SqliteBackend {
 public:
  static std::unique_ptr<SqliteBackend> create_or_skip() {
    return std::make_unique<SqliteBackend>();
  }

  // A new store (connection) on the backend's database.
  Result<std::unique_ptr<RunStore>> open() {
    auto store = SqliteStore::open(path_);
    if (!store) return store.error();
    return std::unique_ptr<RunStore>(std::move(*store));
  }

  // The first column of the first row of `sql`, through a separate connection.
  std::string value(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    std::string value = "<none>";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    } else if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      value = text ? text : "NULL";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

 private:
  cipette::testing::TempDir dir_;
  std::string path_ = dir_.file("cipette.db");
};

// A scratch schema on the test PostgreSQL server.
class PostgresBackend {
 public:
  static std::unique_ptr<PostgresBackend> create_or_skip() {
    auto scratch = cipette::testing::PostgresScratch::create_or_skip();
    if (!scratch) return nullptr;
    return std::make_unique<PostgresBackend>(std::move(*scratch));
  }
  explicit PostgresBackend(cipette::testing::PostgresScratch scratch)
      : scratch_(std::move(scratch)) {}

  Result<std::unique_ptr<RunStore>> open() {
    auto store = PostgresStore::open(scratch_.url());
    if (!store) return store.error();
    return std::unique_ptr<RunStore>(std::move(*store));
  }

  std::string value(const std::string& sql) { return scratch_.value(sql); }

 private:
  cipette::testing::PostgresScratch scratch_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;

// Test names end in /Sqlite or /Postgres instead of /0 or /1.
struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteBackend> ? "Sqlite" : "Postgres";
  }
};

inline RunRecord make_run(std::int64_t id, Timestamp updated_at = 1'700'000'300) {
  RunRecord run;
  run.id = id;
  run.repository_id = 10;
  run.repository = "octo/app";
  run.workflow_id = 20;
  run.workflow_name = "CI";
  run.path = ".github/workflows/ci.yml";
  run.run_number = id;
  run.event = "push";
  run.status = "completed";
  run.conclusion = "success";
  run.head_branch = "main";
  run.head_sha = "0123456789abcdef0123456789abcdef01234567";
  run.actor = "octocat";
  run.created_at = 1'700'000'000;
  run.run_started_at = 1'700'000'010;
  run.updated_at = updated_at;
  run.html_url = "https://github.com/octo/app/actions/runs/" + std::to_string(id);
  return run;
}

struct Scan {
  std::vector<RunRecord> runs;
  ChangeSeq last = 0;
};

inline Scan scan_store(RunReader& store, ChangeSeq since = 0) {
  Scan result;
  auto last = store.scan_runs(since, [&](const RunRecord& run) {
    result.runs.push_back(run);
    return ScanStep::kContinue;
  });
  EXPECT_TRUE(last) << last.error().message;
  result.last = last ? *last : -1;
  return result;
}

inline std::vector<std::int64_t> ids(const Scan& scan) {
  std::vector<std::int64_t> out;
  for (const RunRecord& run : scan.runs) out.push_back(run.id);
  return out;
}

// A TCP port on 127.0.0.1 that nothing listens on (the kernel's pick, released again).
inline int unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

template <typename Backend>
class StoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = Backend::create_or_skip();
    if (!backend_) return;  // skipped, or failed when PostgreSQL is required
    store_ = open();
  }

  // Another store on the same database, as another process would open it.
  std::unique_ptr<RunStore> open() {
    auto opened = backend_->open();
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }

  UpsertStats upsert(const std::vector<RunRecord>& runs) {
    auto stats = store_->upsert_runs(runs);
    EXPECT_TRUE(stats) << stats.error().message;
    return stats ? *stats : UpsertStats{-1, -1, -1};
  }

  Scan scan(ChangeSeq since = 0) { return scan_store(*store_, since); }

  std::string value(const std::string& sql) { return backend_->value(sql); }

  // Declared first: destroyed after the stores, which may hold connections into it.
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<RunStore> store_;
};

}  // namespace cipette::storage::contract
