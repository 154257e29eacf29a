#include "cipette/storage/database_url.h"

namespace cipette::storage {

// Everything between the first ':' of the user part and the last '@' is dropped (a password
// may itself hold '@', '/' or ':'), and so is the query, which may carry a password parameter.
std::string redact_database_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  std::size_t start = scheme_end + 3;
  std::string_view rest = url.substr(start);
  std::string out(url.substr(0, start));
  auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view user = rest.substr(0, at);
    out.append(user.substr(0, user.find(':')));
    rest = rest.substr(at);
  }
  out.append(rest.substr(0, rest.find('?')));
  return out;
}

Result<DatabaseUrl> parse_database_url(std::string_view url) {
  if (url.empty()) return fail("DATABASE_URL: is empty; expected a file path or sqlite:PATH");
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return DatabaseUrl{DatabaseUrl::Kind::kPostgres, std::string(url)};
  }
  if (url.starts_with("sqlite://")) {
    return DatabaseUrl{DatabaseUrl::Kind::kSqlite, std::string(url.substr(9))};
  }
  if (url.starts_with("sqlite:")) {
    return DatabaseUrl{DatabaseUrl::Kind::kSqlite, std::string(url.substr(7))};
  }
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    return fail("DATABASE_URL: unsupported scheme \"", std::string(url.substr(0, scheme)), "\" in ",
                redact_database_url(url), "; expected a file path, sqlite:PATH or ",
                "postgresql://...");
  }
  return DatabaseUrl{DatabaseUrl::Kind::kSqlite, std::string(url)};
}

}  // namespace cipette::storage
