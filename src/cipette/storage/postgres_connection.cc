#include "cipette/storage/postgres_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

namespace cipette::storage {
namespace {

// How long a connection attempt may take, unless the URL or PGCONNECT_TIMEOUT says otherwise:
// without it libpq waits for the operating system's TCP timeout (minutes) on an unreachable
// host.
constexpr const char* kConnectTimeoutSeconds = "10";

// COPY data goes to libpq in pieces of this size.
constexpr std::size_t kCopyChunkBytes = 1 << 20;

void ignore_notice(void* /*arg*/, const char* /*message*/) {}

std::string first_line(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  for (std::string_view prefix : {"FATAL:  ", "ERROR:  "}) {
    if (text.starts_with(prefix)) text.remove_prefix(prefix.size());
  }
  return std::string(text);
}

// `text` with every `from` replaced by `to` (built anew: GCC 12 at -O3 warns falsely about
// std::string::replace).
std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  if (from.empty()) return std::string(text);
  std::string out;
  for (auto at = text.find(from); at != std::string_view::npos; at = text.find(from)) {
    out.append(text.substr(0, at)).append(to);
    text.remove_prefix(at + from.size());
  }
  return out.append(text);
}

// The passwords `conninfo` may hold, as written and as libpq decodes them, so that messages
// that quote a piece of it can be scrubbed.
std::vector<std::string> passwords_in(const std::string& conninfo) {
  std::vector<std::string> found;
  if (auto scheme = conninfo.find("://"); scheme != std::string::npos) {
    std::string_view rest = std::string_view(conninfo).substr(scheme + 3);
    rest = rest.substr(0, rest.find('?'));
    auto at = rest.rfind('@');
    auto colon = rest.find(':');
    if (at != std::string_view::npos && colon < at) {
      found.emplace_back(rest.substr(colon + 1, at - colon - 1));
    }
  }
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  PQfreemem(message);
  for (auto* option = options; option != nullptr && option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == "password" && option->val != nullptr) {
      found.emplace_back(option->val);
    }
  }
  PQconninfoFree(options);
  return found;
}

std::string scrubbed(std::string message, const std::string& conninfo) {
  for (const std::string& password : passwords_in(conninfo)) {
    message = replace_all(message, password, "***");
  }
  return message;
}

// libpq's report of a failed connection, e.g. 'connection to server at "127.0.0.1", port 5999
// failed: Connection refused\n\tIs the server running...', cut down to "connection refused".
std::string connect_failure_reason(PGconn* conn) {
  std::string_view text = PQerrorMessage(conn);
  std::string_view last;  // several addresses tried: the last attempt's line
  while (!text.empty()) {
    std::string_view line = text.substr(0, text.find('\n'));
    text.remove_prefix(std::min(text.size(), line.size() + 1));
    if (!line.empty() && line.front() != '\t' && line.front() != ' ') last = line;
  }
  if (last.starts_with("connection to server")) {
    if (auto failed = last.find(" failed: "); failed != std::string_view::npos) {
      last.remove_prefix(failed + 9);
    }
  }
  std::string reason = first_line(last);
  if (reason.size() > 1 && std::isupper(static_cast<unsigned char>(reason[0])) &&
      std::islower(static_cast<unsigned char>(reason[1]))) {
    reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  }
  return reason.empty() ? "unknown error" : reason;
}

std::string or_empty(const char* text) { return text ? text : ""; }

// True when `result` reports the end of the session: FATAL or PANIC severity, a connection
// exception (class 08) or an operator intervention that ends it (57P01 admin_shutdown, 57P02
// crash_shutdown, 57P03 cannot_connect_now, ...). libpq can hand such a result back while
// PQstatus still says CONNECTION_OK (e.g. a backend terminated during a COPY): it notices the
// closed socket only when it reads again.
bool ends_session(const PGresult* result) {
  if (result == nullptr) return false;
  auto field = [result](int code) {
    const char* text = PQresultErrorField(result, code);
    return std::string_view(text ? text : "");
  };
  std::string_view severity = field(PG_DIAG_SEVERITY_NONLOCALIZED);
  std::string_view sqlstate = field(PG_DIAG_SQLSTATE);
  return severity == "FATAL" || severity == "PANIC" || sqlstate.starts_with("08") ||
         sqlstate.starts_with("57P0");
}

Error connect_error(PGconn* conn, const std::string& conninfo) {
  return fail(scrubbed(fmt::format("cannot connect to PostgreSQL at {}:{} database \"{}\": {}",
                                   or_empty(PQhost(conn)), or_empty(PQport(conn)),
                                   or_empty(PQdb(conn)), connect_failure_reason(conn)),
                       conninfo));
}

// Rejects a malformed URL or key=value string before any connection attempt.
Status check_conninfo(const std::string& conninfo) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  PQconninfoFree(options);
  if (options != nullptr) return {};
  std::string reason = message ? first_line(message) : "out of memory";
  PQfreemem(message);
  return fail(scrubbed("DATABASE_URL: not a valid PostgreSQL URL or connection string: " + reason,
                       conninfo));
}

PGconn* connect_with_defaults(const std::string& conninfo) {
  // Keywords after "dbname" (which expands the URL) override the URL's; those before it are
  // defaults the URL may override.
  std::vector<const char*> keywords = {"fallback_application_name"};
  std::vector<const char*> values = {"cipette"};
  if (std::getenv("PGCONNECT_TIMEOUT") == nullptr) {
    keywords.push_back("connect_timeout");
    values.push_back(kConnectTimeoutSeconds);
  }
  keywords.insert(keywords.end(), {"dbname", "client_encoding", nullptr});
  values.insert(values.end(), {conninfo.c_str(), "UTF8", nullptr});
  return PQconnectdbParams(keywords.data(), values.data(), 1);
}

// A connection to `conninfo`, ready for statements (server notices discarded), or the one-line
// reason there is none.
Result<PGconn*> open_connection(const std::string& conninfo) {
  PGconn* conn = connect_with_defaults(conninfo);
  if (conn == nullptr) return fail("connecting to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Error error = connect_error(conn, conninfo);
    PQfinish(conn);
    return error;
  }
  PQsetNoticeProcessor(conn, ignore_notice, nullptr);
  return conn;
}

std::string describe_connection(PGconn* conn) {
  return fmt::format("postgresql://{}@{}:{}/{}", or_empty(PQuser(conn)), or_empty(PQhost(conn)),
                     or_empty(PQport(conn)), or_empty(PQdb(conn)));
}

}  // namespace

PgParams& PgParams::add(std::int64_t value) {
  texts_.push_back(fmt::format_int(value).str());
  nulls_.push_back(false);
  return *this;
}

PgParams& PgParams::add(std::string_view text) {
  texts_.emplace_back(text);
  nulls_.push_back(false);
  return *this;
}

PgParams& PgParams::add(std::optional<std::int64_t> value) {
  if (value) return add(*value);
  texts_.emplace_back();
  nulls_.push_back(true);
  return *this;
}

PgParams& PgParams::add_text_or_null(std::string_view text) {
  add(text);
  nulls_.back() = text.empty();
  return *this;
}

std::vector<const char*> PgParams::values() const {
  std::vector<const char*> out;
  out.reserve(texts_.size());
  for (std::size_t i = 0; i < texts_.size(); ++i) {
    out.push_back(nulls_[i] ? nullptr : texts_[i].c_str());
  }
  return out;
}

Result<std::unique_ptr<PgConnection>> PgConnection::connect(const std::string& conninfo) {
  if (auto valid = check_conninfo(conninfo); !valid) return valid.error();
  auto conn = open_connection(conninfo);
  if (!conn) return conn.error();
  // The constructor is private, so std::make_unique cannot reach it.
  return std::unique_ptr<PgConnection>(new PgConnection(conninfo, *conn));
}

PgConnection::PgConnection(std::string conninfo, PGconn* conn)
    : conninfo_(std::move(conninfo)), conn_(conn), describe_(describe_connection(conn)) {}

PgConnection::~PgConnection() { abandon(); }

bool PgConnection::broken() const {
  return conn_ == nullptr || lost_ || PQstatus(conn_) != CONNECTION_OK;
}

void PgConnection::abandon() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  lost_ = false;
}

Status PgConnection::reconnect() {
  abandon();
  auto conn = open_connection(conninfo_);
  if (!conn) return conn.error();
  conn_ = *conn;
  ++session_;
  return {};
}

int PgConnection::backend_pid() const { return broken() ? 0 : PQbackendPID(conn_); }

Error PgConnection::error(std::string_view doing, const PGresult* result) {
  note_if_lost(result);
  std::string message;
  if (result != nullptr) {
    if (const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) {
      message = primary;
    }
  }
  if (message.empty() && conn_ != nullptr && !lost_) message = first_line(PQerrorMessage(conn_));
  if (message.empty()) message = "the connection was lost";
  return fail(doing, ": ", message);
}

void PgConnection::note_if_lost(const PGresult* result) {
  if (ends_session(result)) lost_ = true;
}

Result<PgResult> PgConnection::exec(std::string_view sql, const PgParams& params,
                                    std::string_view doing) {
  if (conn_ == nullptr || lost_) return error(doing, nullptr);
  std::string text(sql);  // libpq wants it NUL-terminated
  std::vector<const char*> values = params.values();
  PgResult result(PQexecParams(conn_, text.c_str(), params.size(), nullptr, values.data(), nullptr,
                               nullptr, 0));
  ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  return error(doing, result.get());
}

Status PgConnection::exec_script(const std::string& sql, std::string_view doing) {
  if (conn_ == nullptr || lost_) return error(doing, nullptr);
  PgResult result(PQexec(conn_, sql.c_str()));
  ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
  return error(doing, result.get());
}

Status PgConnection::finish_copy(std::string_view doing, bool cancelled) {
  Status status;
  while (PgResult result{PQgetResult(conn_)}) {
    note_if_lost(result.get());
    if (status && PQresultStatus(result.get()) != PGRES_COMMAND_OK &&
        !(cancelled && or_empty(PQresultErrorField(result.get(), PG_DIAG_SQLSTATE)) == "57014")) {
      status = error(doing, result.get());
    }
  }
  return status;
}

Status PgConnection::copy_in(std::string_view copy_sql, std::string_view data,
                             std::string_view doing) {
  if (conn_ == nullptr || lost_) return error(doing, nullptr);
  PgResult started(PQexec(conn_, std::string(copy_sql).c_str()));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) return error(doing, started.get());
  // libpq fails these calls only when the connection is gone; abandon it so that the next
  // call starts afresh instead of finding a copy half done.
  for (std::size_t at = 0; at < data.size(); at += kCopyChunkBytes) {
    std::string_view chunk = data.substr(at, kCopyChunkBytes);
    if (PQputCopyData(conn_, chunk.data(), static_cast<int>(chunk.size())) != 1) {
      Error failed = error(doing, nullptr);
      abandon();
      return failed;
    }
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) {
    Error failed = error(doing, nullptr);
    abandon();
    return failed;
  }
  return finish_copy(doing);
}

Result<ScanStep> PgConnection::copy_out(
    std::string_view copy_sql, const std::function<Result<ScanStep>(std::string_view)>& on_row,
    std::string_view doing) {
  if (conn_ == nullptr || lost_) return error(doing, nullptr);
  PgResult started(PQexec(conn_, std::string(copy_sql).c_str()));
  if (PQresultStatus(started.get()) != PGRES_COPY_OUT) return error(doing, started.get());
  // Until the server has ended the copy the connection cannot run anything else: an error or
  // an exception in on_row costs the connection.
  struct AbandonUnlessDone {
    PgConnection& connection;
    bool done = false;
    ~AbandonUnlessDone() {
      if (!done) connection.abandon();
    }
  } guard{*this};
  ScanStep step = ScanStep::kContinue;
  for (;;) {
    char* buffer = nullptr;
    int length = PQgetCopyData(conn_, &buffer, 0);
    if (length == -1) break;
    if (length < 0) return error(doing, nullptr);
    std::unique_ptr<char, decltype(&PQfreemem)> owned(buffer, &PQfreemem);
    if (step == ScanStep::kStop) continue;  // sent before the server saw the cancel request
    auto handled = on_row({buffer, static_cast<std::size_t>(length)});
    if (!handled) return fail(doing, ": ", handled.error().message);
    step = *handled;
    // PQcancel returns once the server has the request, so it cannot cancel a later
    // statement. If it cannot be sent, the rest of the copy is read to its end.
    if (step == ScanStep::kStop) {
      std::unique_ptr<PGcancel, decltype(&PQfreeCancel)> cancel(PQgetCancel(conn_), &PQfreeCancel);
      char message[256];
      if (cancel) (void)PQcancel(cancel.get(), message, sizeof message);
    }
  }
  guard.done = true;
  if (auto finished = finish_copy(doing, step == ScanStep::kStop); !finished) {
    return finished.error();
  }
  return step;
}

PgTransaction::~PgTransaction() {
  if (active_ && !connection_.broken()) (void)connection_.exec("ROLLBACK", "rolling back");
}

Status PgTransaction::begin(std::string_view begin_sql, std::string_view doing) {
  auto begun = connection_.exec(begin_sql, doing);
  active_ = begun.has_value();
  if (!begun) return begun.error();
  return {};
}

Status PgTransaction::commit(std::string_view doing) {
  auto committed = connection_.exec("COMMIT", doing);
  active_ = false;  // a failed COMMIT ends the transaction too
  if (!committed) return committed.error();
  // COMMIT of a transaction that an error aborted reports ROLLBACK instead of failing.
  if (std::string_view(PQcmdStatus(committed->get())) != "COMMIT") {
    return fail(doing, ": the transaction was rolled back");
  }
  return {};
}

std::int64_t pg_int(const PGresult* result, int row, int column) {
  std::string_view text = pg_text(result, row, column);
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<std::int64_t> pg_optional_int(const PGresult* result, int row, int column) {
  if (pg_is_null(result, row, column)) return std::nullopt;
  return pg_int(result, row, column);
}

std::string pg_text_array(const std::vector<std::string_view>& items, bool empty_is_null) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    if (empty_is_null && items[i].empty()) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string pg_int_array(const std::vector<std::int64_t>& items) {
  return fmt::format("{{{}}}", fmt::join(items, ","));
}

}  // namespace cipette::storage
