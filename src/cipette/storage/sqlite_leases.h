#pragma once

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <string_view>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"
#include "cipette/storage/sqlite_handle.h"

namespace cipette::storage {

// The collectors' leases on repositories (LeaseStore::acquire_lease / release_lease) in the
// sync_leases table (migration 3), keyed by repository name, case-insensitively. The clock is
// this machine's (now_utc()): every process sharing a SQLite file runs on the same machine.
// Keeps its prepared statements. Does not own `db`.
class SqliteLeases {
 public:
  SqliteLeases(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  // See LeaseStore::acquire_lease. One BEGIN IMMEDIATE transaction (waiting up to the busy
  // timeout for another writer) holding a conditional upsert and the read of its outcome, so
  // that of two connections asking at once exactly one gets the lease. Fails on an empty
  // holder, a negative ttl or a database error.
  Result<LeaseState> acquire(std::string_view repository, std::string_view holder,
                             std::chrono::seconds ttl);

  // See LeaseStore::release_lease: when `holder` holds the lease, nobody holds it afterwards
  // (holder "", expires_at now) and released_at is now. Otherwise nothing changes.
  Status release(std::string_view repository, std::string_view holder);

 private:
  Status prepare_statements();
  Status claim(std::string_view repository, std::string_view holder, Timestamp now,
               Timestamp expires_at, std::string_view doing);
  Status read_back(std::string_view repository, LeaseState& state, std::string_view doing);

  sqlite3* db_;
  std::string path_;
  StatementPtr claim_;
  StatementPtr read_;
  StatementPtr release_;
};

}  // namespace cipette::storage
