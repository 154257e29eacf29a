#include "cipette/cli/dotenv.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "cipette/core/text.h"

namespace cipette::cli {

namespace {

bool valid_key(std::string_view key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  for (char c : key) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The value part after '=': quoted values are taken verbatim between the quotes; unquoted ones
// end at " #" (an inline comment) and are trimmed.
Result<std::string> parse_value(std::string_view raw) {
  raw = trim_whitespace(raw);
  if (!raw.empty() && (raw[0] == '"' || raw[0] == '\'')) {
    char quote = raw[0];
    auto end = raw.find(quote, 1);
    if (end == std::string_view::npos) return fail("unclosed ", std::string(1, quote), " quote");
    std::string_view rest = trim_whitespace(raw.substr(end + 1));
    if (!rest.empty() && rest[0] != '#') return fail("unexpected text after the closing quote");
    return std::string(raw.substr(1, end - 1));
  }
  auto comment = raw.find(" #");
  if (comment == std::string_view::npos) comment = raw.find("\t#");
  return std::string(trim_whitespace(raw.substr(0, comment)));
}

}  // namespace

Result<DotenvEntries> parse_dotenv(std::string_view text, std::string_view source) {
  DotenvEntries entries;
  std::size_t line_number = 0;
  while (!text.empty()) {
    auto newline = text.find('\n');
    std::string_view line = trim_whitespace(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    if (line.substr(0, 7) == "export ") line = trim_whitespace(line.substr(7));
    auto eq = line.find('=');
    auto where = [&](std::string_view what) {
      return fail(fmt::format("{}:{}: {}", source, line_number, what));
    };
    if (eq == std::string_view::npos) return where("expected KEY=VALUE");
    std::string_view key = trim_whitespace(line.substr(0, eq));
    if (!valid_key(key)) return where(fmt::format("invalid variable name \"{}\"", key));
    auto value = parse_value(line.substr(eq + 1));
    if (!value) return where(value.error().message);
    entries.emplace_back(std::string(key), std::move(*value));
  }
  return entries;
}

Result<DotenvEntries> load_dotenv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return DotenvEntries{};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_dotenv(text.str(), path);
}

}  // namespace cipette::cli
