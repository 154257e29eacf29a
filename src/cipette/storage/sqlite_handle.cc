#include "cipette/storage/sqlite_handle.h"

#include <fmt/format.h>

namespace cipette::storage {

Error sqlite_error(sqlite3* db, std::string_view doing) {
  return fail(fmt::format("{}: {}", doing, db ? sqlite3_errmsg(db) : "out of memory"));
}

Result<StatementPtr> prepare(sqlite3* db, std::string_view sql, std::string_view doing) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  StatementPtr stmt(raw);
  if (rc != SQLITE_OK) return sqlite_error(db, doing);
  return stmt;
}

Status exec(sqlite3* db, const std::string& sql, std::string_view doing) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return fail(fmt::format("{}: {}", doing, text));
}

Result<std::int64_t> query_int(sqlite3* db, const std::string& sql, std::string_view doing) {
  auto stmt = prepare(db, sql, doing);
  if (!stmt) return stmt.error();
  int rc = sqlite3_step(stmt->get());
  if (rc == SQLITE_ROW) return sqlite3_column_int64(stmt->get(), 0);
  if (rc == SQLITE_DONE) return fail(fmt::format("{}: no result", doing));
  return sqlite_error(db, doing);
}

Transaction::~Transaction() {
  if (active_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status Transaction::begin(const char* begin_sql, std::string_view doing) {
  auto begun = exec(db_, begin_sql, doing);
  active_ = begun.has_value();
  return begun;
}

Status Transaction::commit(std::string_view doing) {
  auto committed = exec(db_, "COMMIT", doing);
  // A failed COMMIT may leave the transaction open (e.g. SQLITE_BUSY); the destructor then
  // rolls it back. sqlite3_get_autocommit tells whether it is still open.
  active_ = sqlite3_get_autocommit(db_) == 0;
  return committed;
}

}  // namespace cipette::storage
