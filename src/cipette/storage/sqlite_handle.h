#pragma once

// Thin RAII helpers over the libsqlite3 C API, private to the storage module.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cipette/core/result.h"

namespace cipette::storage {

struct DatabaseCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};

using DatabasePtr = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// "<doing>: <sqlite's message for db>", e.g. "reading runs from x.db: database is locked".
Error sqlite_error(sqlite3* db, std::string_view doing);

// Compiles one SQL statement. Fails with sqlite's message prefixed by `doing`.
Result<StatementPtr> prepare(sqlite3* db, std::string_view sql, std::string_view doing);

// Runs SQL without bound values (schema scripts, BEGIN/COMMIT, pragmas).
Status exec(sqlite3* db, const std::string& sql, std::string_view doing);

// Reads the single integer a query such as "PRAGMA user_version" returns.
Result<std::int64_t> query_int(sqlite3* db, const std::string& sql, std::string_view doing);

// Binding by 1-based parameter index. Text is bound without a copy (SQLITE_STATIC).
// REQUIRES: bound text stays alive and unchanged until the statement is reset or rebound.
inline void bind_int(sqlite3_stmt* stmt, int index, std::int64_t value) {
  sqlite3_bind_int64(stmt, index, value);
}
inline void bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}
// Binds NULL for the empty string.
inline void bind_text_or_null(sqlite3_stmt* stmt, int index, std::string_view text) {
  if (text.empty()) {
    sqlite3_bind_null(stmt, index);
  } else {
    bind_text(stmt, index, text);
  }
}
inline void bind_optional_int(sqlite3_stmt* stmt, int index, std::optional<std::int64_t> value) {
  if (value) {
    sqlite3_bind_int64(stmt, index, *value);
  } else {
    sqlite3_bind_null(stmt, index);
  }
}

// Column readers (0-based index). Text is assigned into `out`, reusing its capacity; NULL
// reads as "".
inline std::int64_t column_int(sqlite3_stmt* stmt, int index) {
  return sqlite3_column_int64(stmt, index);
}
inline void column_text(sqlite3_stmt* stmt, int index, std::string& out) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, index));
  if (text == nullptr) {
    out.clear();
    return;
  }
  out.assign(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, index)));
}
inline std::optional<std::int64_t> column_optional_int(sqlite3_stmt* stmt, int index) {
  if (sqlite3_column_type(stmt, index) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt, index);
}

// Resets a reused statement and clears its bindings when it goes out of scope, so that an
// early return never leaves it holding a read transaction open or pointing at freed text.
class StatementReset {
 public:
  explicit StatementReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StatementReset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

// One transaction on `db`, rolled back on destruction unless committed, so that every error
// path (and an exception thrown by a caller's callback) ends it.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // `begin_sql` is "BEGIN" (a read transaction from the first read) or "BEGIN IMMEDIATE"
  // (takes the write lock now, waiting up to the busy timeout).
  Status begin(const char* begin_sql, std::string_view doing);
  // Commits; on failure rolls back and reports why.
  Status commit(std::string_view doing);

 private:
  sqlite3* db_;
  bool active_ = false;
};

}  // namespace cipette::storage
