#include "cipette/storage/database_url.h"

#include <array>
#include <cctype>

namespace cipette::storage {
namespace {

// The libpq keywords a key=value connection string is recognised by when it starts with one.
constexpr std::array<std::string_view, 12> kConninfoKeywords = {
    "host",    "hostaddr", "port",    "dbname",           "user",           "password", "passfile",
    "service", "options",  "sslmode", "application_name", "connect_timeout"};

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view skip_spaces(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  return text;
}

// Splits "key = value rest" into key and the text after '=' (spaces skipped); false when the
// text does not start with a key and '='.
bool split_key(std::string_view text, std::string_view& key, std::string_view& after) {
  std::size_t end = 0;
  while (end < text.size() &&
         (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
    ++end;
  }
  key = text.substr(0, end);
  after = skip_spaces(text.substr(end));
  if (key.empty() || after.empty() || after.front() != '=') return false;
  after = skip_spaces(after.substr(1));
  return true;
}

// Length of the value at the start of `text`: 'quoted, with \' escapes' or up to a space.
std::size_t value_length(std::string_view text) {
  if (text.empty() || text.front() != '\'') {
    std::size_t end = 0;
    while (end < text.size() && !is_space(text[end])) end += text[end] == '\\' ? 2 : 1;
    return std::min(end, text.size());
  }
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '\'') {
      return i + 1;
    }
  }
  return text.size();
}

bool is_conninfo(std::string_view text) {
  std::string_view key;
  std::string_view after;
  if (!split_key(skip_spaces(text), key, after)) return false;
  for (std::string_view keyword : kConninfoKeywords) {
    if (key == keyword) return true;
  }
  return false;
}

// Drops every password=... pair of a key=value string.
std::string redact_conninfo(std::string_view text) {
  std::string out;
  for (text = skip_spaces(text); !text.empty(); text = skip_spaces(text)) {
    std::string_view key;
    std::string_view after;
    if (!split_key(text, key, after)) {  // not key=value: keep the rest as it is
      out.append(out.empty() ? "" : " ").append(text);
      break;
    }
    std::size_t length = value_length(after);
    std::string_view pair =
        text.substr(0, static_cast<std::size_t>(after.data() - text.data()) + length);
    if (key != "password") out.append(out.empty() ? "" : " ").append(pair);
    text = after.substr(length);
  }
  return out;
}

}  // namespace

// Everything between the first ':' of the user part and the last '@' is dropped (a password
// may itself hold '@', '/' or ':'), and so is the query, which may carry a password parameter.
std::string redact_database_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return is_conninfo(url) ? redact_conninfo(url) : std::string(url);
  }
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
  if (url.starts_with("postgresql://") || url.starts_with("postgres://") || is_conninfo(url)) {
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
