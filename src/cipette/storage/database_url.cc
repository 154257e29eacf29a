#include "cipette/storage/database_url.h"

namespace cipette::storage {

std::string redact_database_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  std::size_t authority = scheme_end + 3;
  std::size_t authority_end = url.find_first_of("/?#", authority);
  std::string_view userinfo_host = url.substr(authority, authority_end - authority);
  auto at = userinfo_host.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string_view userinfo = userinfo_host.substr(0, at);
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, authority));
  out += userinfo.substr(0, colon);
  out += url.substr(authority + at);
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
