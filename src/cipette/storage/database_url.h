#pragma once

#include <string>
#include <string_view>

#include "cipette/core/result.h"

namespace cipette::storage {

// What a DATABASE_URL names.
struct DatabaseUrl {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string target;  // kSqlite: the file path; kPostgres: the URL or key=value string as given
};

// Reads "PATH", "sqlite:PATH", "sqlite://PATH" ("sqlite:///abs" is "/abs"), a PostgreSQL URL
// ("postgresql://..." or "postgres://...") or a libpq key=value string whose first key is one
// of libpq's ("host=db port=5432 dbname=cipette"). Fails, naming DATABASE_URL and never
// echoing a password, on an empty value or another scheme.
Result<DatabaseUrl> parse_database_url(std::string_view url);

// The URL with any password removed ("postgresql://user:secret@host/db?password=x" ->
// "postgresql://user@host/db"; "host=db password=x user=u" -> "host=db user=u"), for messages
// and logs.
std::string redact_database_url(std::string_view url);

}  // namespace cipette::storage
