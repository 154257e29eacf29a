#pragma once

// Scratch schemas on a test PostgreSQL server, for any test that stores in PostgreSQL.
//
// The server is named by CIPETTE_TEST_POSTGRES_URL (a postgresql:// URL without `options`,
// for a role that may CREATE SCHEMA in its database), e.g.
//   CIPETTE_TEST_POSTGRES_URL=postgresql://cipette:cipette-dev@127.0.0.1:55432/cipette
// Without it, or when the server cannot be reached, create_or_skip() marks the running test
// SKIPPED with a message saying why and how to run it; with CIPETTE_REQUIRE_POSTGRES=1 (CI sets
// it) the test FAILS instead, so that the PostgreSQL tests never silently vanish.

#include <memory>
#include <optional>
#include <string>
#include <vector>

struct pg_conn;

namespace cipette::testing {

class PostgresScratch {
 public:
  // A new, empty schema for the running test, or nullopt after recording the skip (or the
  // failure). Call it from a test body or SetUp() and return when it yields nullopt:
  //   auto pg = PostgresScratch::create_or_skip();
  //   if (!pg) return;
  //   auto store = storage::open_store(pg->url());
  static std::optional<PostgresScratch> create_or_skip();

  // Drops the schema with everything in it.
  ~PostgresScratch();
  PostgresScratch(PostgresScratch&& other) noexcept;
  // Takes `other`'s schema; `other` drops the one this held.
  PostgresScratch& operator=(PostgresScratch&& other) noexcept;

  // The server's URL plus options=-csearch_path=<schema>: a store opened with it lives in the
  // scratch schema (tables, migrations and all).
  const std::string& url() const { return url_; }
  // The scratch schema's name: "cipette_test_<pid>_<n>_<random>".
  const std::string& schema() const { return schema_; }
  // The server's URL as CIPETTE_TEST_POSTGRES_URL gives it.
  const std::string& server_url() const { return server_url_; }

  // Runs `sql` in the scratch schema on a connection of its own and returns the first column
  // of each row as text (NULL as "NULL"); records a test failure on an error.
  std::vector<std::string> query(const std::string& sql) const;
  // The first column of the first row of `sql`, "<none>" when there is none.
  std::string value(const std::string& sql) const;
  // Ends server process `pid` (pg_terminate_backend), as a server restart would end a
  // connection. True when it was ended.
  bool terminate_backend(int pid) const;

 private:
  struct ConnectionCloser {
    void operator()(pg_conn* conn) const;
  };
  PostgresScratch(std::string server_url, std::string schema, pg_conn* admin);

  std::string server_url_;
  std::string schema_;
  std::string url_;
  std::unique_ptr<pg_conn, ConnectionCloser> admin_;  // search_path = schema_
};

}  // namespace cipette::testing
