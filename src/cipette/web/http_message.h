#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cipette/web/query.h"  // QueryParams

namespace cipette::web {

// A request as the routes see it, independent of the HTTP library that read it.
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/api/v1/metrics?period=7"
  std::string path;    // the target before '?', percent-decoded
  QueryParams params;  // the query string's parameters, and a form body's (POST /login)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_addr;  // the peer's IP address
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();

  // The first header named `name` (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
  // The first value of query or form parameter `name`, or "".
  std::string_view param(std::string_view name) const;
};

// A response: status, content type, extra headers and a body shared with the response cache
// (sent from there without a copy).
struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<const std::string> body;  // null: no body
  // Held back this long before it is sent, without holding a thread (a failed sign-in).
  std::chrono::milliseconds delay{0};
  bool close = false;  // close the connection after it

  void set_header(std::string name, std::string value);
  std::size_t body_size() const { return body ? body->size() : 0; }
};

// Splits "a=1&b=x+y%21" into decoded pairs ('+' is a space); a pair without '=' has an empty
// value. Percent escapes that are not two hex digits are kept as they are.
QueryParams parse_query_string(std::string_view text);

// `text` with %XX escapes decoded (and '+' as a space when `plus_is_space`).
std::string percent_decode(std::string_view text, bool plus_is_space);

}  // namespace cipette::web
