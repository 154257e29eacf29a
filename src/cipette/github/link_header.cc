#include "cipette/github/link_header.h"

#include <algorithm>
#include <cctype>

namespace cipette::github {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Whether the parameters after a link target (`; rel="next"; title=x`) name relation `rel`.
bool has_relation(std::string_view params, std::string_view rel) {
  while (!params.empty()) {
    auto semicolon = params.find(';');
    std::string_view param = trim(params.substr(0, semicolon));
    params =
        semicolon == std::string_view::npos ? std::string_view{} : params.substr(semicolon + 1);
    auto eq = param.find('=');
    if (eq == std::string_view::npos || !equals_ignoring_case(trim(param.substr(0, eq)), "rel")) {
      continue;
    }
    std::string_view value = trim(param.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    while (!value.empty()) {
      auto space = value.find(' ');
      if (equals_ignoring_case(trim(value.substr(0, space)), rel)) return true;
      value = space == std::string_view::npos ? std::string_view{} : value.substr(space + 1);
    }
  }
  return false;
}

// Searches one Link field value, which may hold several comma-separated links.
std::optional<std::string> find_in_field(std::string_view field, std::string_view rel) {
  while (true) {
    auto open = field.find('<');
    if (open == std::string_view::npos) return std::nullopt;
    auto close = field.find('>', open);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view target = field.substr(open + 1, close - open - 1);
    field = field.substr(close + 1);
    // The parameters run to the next link; a comma inside a quoted value is not a separator.
    std::size_t end = 0;
    bool quoted = false;
    while (end < field.size() && (quoted || (field[end] != ',' && field[end] != '<'))) {
      if (field[end] == '"') quoted = !quoted;
      ++end;
    }
    if (has_relation(field.substr(0, end), rel)) return std::string(trim(target));
    field = field.substr(end);
  }
}

}  // namespace

std::optional<std::string> find_link(const std::vector<std::string_view>& link_fields,
                                     std::string_view rel) {
  for (std::string_view field : link_fields) {
    if (auto found = find_in_field(field, rel)) return found;
  }
  return std::nullopt;
}

}  // namespace cipette::github
