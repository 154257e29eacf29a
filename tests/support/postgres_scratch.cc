#include "support/postgres_scratch.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <string_view>

namespace cipette::testing {
namespace {

bool postgres_required() {
  const char* required = std::getenv("CIPETTE_REQUIRE_POSTGRES");
  return required != nullptr && std::string_view(required) == "1";
}

// Records why PostgreSQL is not available: a failure when it is required, else a skip.
void not_available(const std::string& why, const std::string& how_to_run = "") {
  if (postgres_required()) {
    ADD_FAILURE() << "the PostgreSQL server is required (CIPETTE_REQUIRE_POSTGRES=1), but " << why;
    return;
  }
  [&] { GTEST_SKIP() << "PostgreSQL tests skipped: " << why << how_to_run; }();
}

std::string first_line(const char* text) {
  std::string line = text ? text : "";
  return line.substr(0, line.find('\n'));
}

std::string unique_schema_name() {
  static std::atomic<int> counter = 0;
  std::random_device random;
  return "cipette_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
         std::to_string(random() % 1'000'000);
}

std::string with_search_path(const std::string& url, const std::string& schema) {
  if (url.find("://") == std::string::npos) return url + " options='-csearch_path=" + schema + "'";
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  return url + separator + "options=-csearch_path%3D" + schema;
}

// Connects, or returns nullptr after recording why not. Remembers a server that could not be
// reached, so that the tests after the first skip at once instead of waiting again.
PGconn* connect_or_report(const std::string& url) {
  static std::string unreachable;
  if (!unreachable.empty()) {
    not_available(unreachable);
    return nullptr;
  }
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) == CONNECTION_OK) return conn;
  unreachable = "CIPETTE_TEST_POSTGRES_URL cannot be reached: " + first_line(PQerrorMessage(conn));
  PQfinish(conn);
  not_available(unreachable);
  return nullptr;
}

bool run(PGconn* conn, const std::string& sql, std::string* error) {
  PGresult* result = PQexec(conn, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  if (!ok && error != nullptr) *error = first_line(PQresultErrorMessage(result));
  PQclear(result);
  return ok;
}

}  // namespace

void PostgresScratch::ConnectionCloser::operator()(pg_conn* conn) const { PQfinish(conn); }

std::optional<PostgresScratch> PostgresScratch::create_or_skip() {
  const char* server = std::getenv("CIPETTE_TEST_POSTGRES_URL");
  if (server == nullptr || *server == '\0') {
    not_available("CIPETTE_TEST_POSTGRES_URL is not set",
                  "; set CIPETTE_TEST_POSTGRES_URL=postgresql://user:password@host:port/database "
                  "to run them");
    return std::nullopt;
  }
  PGconn* setup = connect_or_report(server);
  if (setup == nullptr) return std::nullopt;
  std::string schema = unique_schema_name();
  std::string error;
  bool created = run(setup, "CREATE SCHEMA " + schema, &error);
  PQfinish(setup);
  if (!created) {
    ADD_FAILURE() << "creating schema " << schema << " on CIPETTE_TEST_POSTGRES_URL: " << error;
    return std::nullopt;
  }
  PGconn* admin = PQconnectdb(with_search_path(server, schema).c_str());
  if (PQstatus(admin) != CONNECTION_OK) {
    ADD_FAILURE() << "connecting to schema " << schema << ": " << first_line(PQerrorMessage(admin));
    PQfinish(admin);
    return std::nullopt;
  }
  PQsetNoticeProcessor(
      admin, [](void*, const char*) {}, nullptr);
  return PostgresScratch(server, std::move(schema), admin);
}

PostgresScratch::PostgresScratch(std::string server_url, std::string schema, pg_conn* admin)
    : server_url_(std::move(server_url)),
      schema_(std::move(schema)),
      url_(with_search_path(server_url_, schema_)),
      admin_(admin) {}

PostgresScratch::PostgresScratch(PostgresScratch&& other) noexcept
    : server_url_(std::move(other.server_url_)),
      schema_(std::move(other.schema_)),
      url_(std::move(other.url_)),
      admin_(std::move(other.admin_)) {
  other.schema_.clear();
}

PostgresScratch& PostgresScratch::operator=(PostgresScratch&& other) noexcept {
  std::swap(server_url_, other.server_url_);
  std::swap(schema_, other.schema_);
  std::swap(url_, other.url_);
  std::swap(admin_, other.admin_);
  return *this;
}

PostgresScratch::~PostgresScratch() {
  if (schema_.empty() || !admin_) return;
  // A store the test left open may hold locks in the schema: fail rather than hang.
  std::string error;
  if (!run(admin_.get(), "SET lock_timeout = '10s'", &error) ||
      !run(admin_.get(), "DROP SCHEMA " + schema_ + " CASCADE", &error)) {
    ADD_FAILURE() << "dropping schema " << schema_ << ": " << error;
  }
}

std::vector<std::string> PostgresScratch::query(const std::string& sql) const {
  std::vector<std::string> rows;
  PGresult* result = PQexec(admin_.get(), sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    ADD_FAILURE() << sql << ": " << first_line(PQresultErrorMessage(result));
  }
  for (int row = 0; status == PGRES_TUPLES_OK && row < PQntuples(result); ++row) {
    rows.emplace_back(PQgetisnull(result, row, 0) ? "NULL" : PQgetvalue(result, row, 0));
  }
  PQclear(result);
  return rows;
}

std::string PostgresScratch::value(const std::string& sql) const {
  auto rows = query(sql);
  return rows.empty() ? "<none>" : rows.front();
}

bool PostgresScratch::terminate_backend(int pid) const {
  const std::string text = std::to_string(pid);
  const char* values[] = {text.c_str()};
  PGresult* result = PQexecParams(admin_.get(), "SELECT pg_terminate_backend($1::integer)", 1,
                                  nullptr, values, nullptr, nullptr, 0);
  bool ended = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1 &&
               std::string_view(PQgetvalue(result, 0, 0)) == "t";
  PQclear(result);
  return ended;
}

}  // namespace cipette::testing
