#include "cipette/web/http_message.h"

#include "cipette/core/text.h"

namespace cipette::web {

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equal_ignoring_case(key, name)) return value;
  }
  return {};
}

std::string_view HttpRequest::param(std::string_view name) const {
  auto found = params.find(std::string(name));
  return found == params.end() ? std::string_view() : std::string_view(found->second);
}

void HttpResponse::set_header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int high = hex_digit_value(text[i + 1]);
      int low = hex_digit_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += (c == '+' && plus_is_space) ? ' ' : c;
  }
  return out;
}

QueryParams parse_query_string(std::string_view text) {
  QueryParams params;
  while (!text.empty()) {
    std::size_t end = text.find('&');
    std::string_view pair = text.substr(0, end);
    if (!pair.empty()) {
      std::size_t eq = pair.find('=');
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      params.emplace(percent_decode(pair.substr(0, eq), true), percent_decode(value, true));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return params;
}

}  // namespace cipette::web
