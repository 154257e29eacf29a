#pragma once

#include <string>
#include <string_view>

#include "cipette/core/result.h"

namespace cipette::github {

// Scheme, host and port of a URL: what decides whether a request goes to the API host.
struct Origin {
  std::string scheme;  // lower case: "https"
  std::string host;    // lower case, IPv6 in brackets
  int port = 0;        // explicit, or the scheme's default (443, 80)

  friend bool operator==(const Origin&, const Origin&) = default;
};

// The origin of an absolute http:// or https:// URL. Fails, quoting the URL, on anything else
// (relative references, other schemes, URLs libcurl cannot parse).
Result<Origin> origin_of(std::string_view url);

// "https://api.github.com", "http://127.0.0.1:8080" (the port only when not the default).
std::string describe_origin(const Origin& origin);

// Resolves `reference` (absolute, or relative as a Location header may be) against `base`.
// Fails, quoting both, when the result is not an absolute http(s) URL.
Result<std::string> resolve_url(std::string_view base, std::string_view reference);

// Percent-encodes a query parameter value: everything but A-Z a-z 0-9 - . _ ~.
std::string encode_query_value(std::string_view value);

}  // namespace cipette::github
