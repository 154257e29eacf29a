#pragma once

// A small RAII layer over libpq, private to the storage module: one connection that names its
// server in messages (never with the password) and can be replaced after it is lost, results
// that free themselves, values passed beside the SQL (never spliced into it), and COPY in both
// directions.

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"

namespace cipette::storage {

struct PgResultClear {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultClear>;

// The values of one statement's $1, $2, ..., sent in text format beside the SQL.
class PgParams {
 public:
  PgParams& add(std::int64_t value);
  PgParams& add(std::string_view text);
  PgParams& add(const char* text) { return add(std::string_view(text)); }
  PgParams& add(std::optional<std::int64_t> value);   // NULL when empty
  PgParams& add_text_or_null(std::string_view text);  // NULL for ""

  int size() const { return static_cast<int>(texts_.size()); }
  // Pointers into this object (nullptr for NULL), valid while it is unchanged.
  std::vector<const char*> values() const;

 private:
  std::vector<std::string> texts_;
  std::vector<bool> nulls_;
};

// One connection to a PostgreSQL server. Use it from one thread at a time.
class PgConnection {
 public:
  // Connects to the server `conninfo` names: a postgresql:// URL or key=value pairs; libpq
  // takes what is missing from the PG* environment variables and its defaults. Sets
  // client_encoding to UTF8 and discards server notices. Fails with one line naming host,
  // port and database, never the password, e.g.
  //   cannot connect to PostgreSQL at 127.0.0.1:5999 database "cipette": connection refused
  static Result<std::unique_ptr<PgConnection>> connect(const std::string& conninfo);

  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // "postgresql://user@host:port/database", for messages.
  const std::string& describe() const { return describe_; }

  // True once the connection is lost (the server restarted, the backend was terminated, the
  // network failed) or was abandoned; every statement fails until reconnect(). A statement
  // that failed with an error ending the session (FATAL or PANIC severity, SQLSTATE class 08,
  // 57P01 admin_shutdown and the like) marks the connection lost even while libpq still
  // reports it open.
  bool broken() const;
  // Replaces the connection by a new one with the same parameters. Session state (temporary
  // tables, settings) is gone afterwards: session() changes.
  Status reconnect();
  // Counts the connections made so far (1 after connect()).
  std::uint64_t session() const { return session_; }
  // Closes the connection in whatever state it is (e.g. in the middle of a COPY); broken()
  // is true afterwards.
  void abandon();
  // The server process of this connection (pg_backend_pid()), 0 when broken.
  int backend_pid() const;

  // Runs one statement with `params` (extended protocol). Fails with
  // "<doing>: <the server's message>" unless it returns rows or completes.
  Result<PgResult> exec(std::string_view sql, const PgParams& params, std::string_view doing);
  Result<PgResult> exec(std::string_view sql, std::string_view doing) {
    return exec(sql, PgParams(), doing);
  }
  // Runs a script of statements without values (simple protocol): schema migrations.
  Status exec_script(const std::string& sql, std::string_view doing);

  // Runs `copy_sql` ("COPY ... FROM STDIN ...") and sends `data` as its input.
  Status copy_in(std::string_view copy_sql, std::string_view data, std::string_view doing);
  // Runs `copy_sql` ("COPY ... TO STDOUT ...") and calls `on_row` with each row's bytes.
  // Returns kContinue after the last row, or kStop as soon as `on_row` does: then the server
  // is asked to cancel the copy and the rows it sent before are dropped, so the connection
  // stays usable, but the transaction around the copy is aborted when the cancel came in
  // time: roll it back. When `on_row` fails (its error is returned) or throws (the exception
  // propagates), the connection is abandoned.
  Result<ScanStep> copy_out(std::string_view copy_sql,
                            const std::function<Result<ScanStep>(std::string_view)>& on_row,
                            std::string_view doing);

 private:
  PgConnection(std::string conninfo, PGconn* conn);
  // "<doing>: <message>"; marks the connection lost when `result` ends the session.
  Error error(std::string_view doing, const PGresult* result);
  void note_if_lost(const PGresult* result);
  // Reads the results that end a copy; with `cancelled`, a query_canceled error is expected.
  Status finish_copy(std::string_view doing, bool cancelled = false);

  std::string conninfo_;
  PGconn* conn_;
  std::string describe_;
  std::uint64_t session_ = 1;
  bool lost_ = false;  // the server ended the session; libpq may not know yet
};

// One transaction on a connection, rolled back on destruction unless committed (so that every
// error path, and an exception thrown by a caller's callback, ends it).
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& connection) : connection_(connection) {}
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;

  // `begin_sql`: "BEGIN" or e.g. "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY".
  Status begin(std::string_view begin_sql, std::string_view doing);
  Status commit(std::string_view doing);

 private:
  PgConnection& connection_;
  bool active_ = false;
};

// Reading text-format results. REQUIRES: row and column exist.
inline bool pg_is_null(const PGresult* result, int row, int column) {
  return PQgetisnull(result, row, column) == 1;
}
inline std::string_view pg_text(const PGresult* result, int row, int column) {
  return {PQgetvalue(result, row, column),
          static_cast<std::size_t>(PQgetlength(result, row, column))};
}
// 0 for NULL or text that is not an integer.
std::int64_t pg_int(const PGresult* result, int row, int column);
std::optional<std::int64_t> pg_optional_int(const PGresult* result, int row, int column);

// A PostgreSQL array literal for a text[] parameter: {"a","b\"c",NULL}; "" becomes NULL when
// `empty_is_null`.
std::string pg_text_array(const std::vector<std::string_view>& items, bool empty_is_null);
// A PostgreSQL array literal for a bigint[] parameter: {1,2,3}.
std::string pg_int_array(const std::vector<std::int64_t>& items);

}  // namespace cipette::storage
