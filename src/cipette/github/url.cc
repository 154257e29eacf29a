#include "cipette/github/url.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>

namespace cipette::github {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;

// One part of a parsed URL, "" when absent.
std::string part(CURLU* url, CURLUPart which, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, which, &text, flags) != CURLUE_OK || text == nullptr) return "";
  std::string out(text);
  curl_free(text);
  return out;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A URL with an http or https scheme, parsed; nullptr when it is not one.
UrlPtr parse_http_url(std::string_view text) {
  UrlPtr url(curl_url());
  if (!url) return nullptr;
  std::string copy(text);
  if (curl_url_set(url.get(), CURLUPART_URL, copy.c_str(), 0) != CURLUE_OK) return nullptr;
  std::string scheme = lower(part(url.get(), CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") return nullptr;
  return url;
}

}  // namespace

Result<Origin> origin_of(std::string_view url) {
  UrlPtr parsed = parse_http_url(url);
  if (!parsed) return fail(fmt::format("\"{}\" is not an absolute http(s) URL", url));
  Origin origin;
  origin.scheme = lower(part(parsed.get(), CURLUPART_SCHEME));
  origin.host = lower(part(parsed.get(), CURLUPART_HOST));
  std::string port = part(parsed.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), origin.port);
  if (origin.host.empty() || ec != std::errc() || end != port.data() + port.size()) {
    return fail(fmt::format("\"{}\" is not an absolute http(s) URL", url));
  }
  return origin;
}

std::string describe_origin(const Origin& origin) {
  bool default_port = (origin.scheme == "https" && origin.port == 443) ||
                      (origin.scheme == "http" && origin.port == 80);
  if (default_port) return fmt::format("{}://{}", origin.scheme, origin.host);
  return fmt::format("{}://{}:{}", origin.scheme, origin.host, origin.port);
}

Result<std::string> resolve_url(std::string_view base, std::string_view reference) {
  UrlPtr url = parse_http_url(base);
  std::string copy(reference);
  if (!url || curl_url_set(url.get(), CURLUPART_URL, copy.c_str(), 0) != CURLUE_OK) {
    return fail(fmt::format("cannot resolve \"{}\" against {}", reference, base));
  }
  std::string resolved = part(url.get(), CURLUPART_URL);
  if (!parse_http_url(resolved)) {
    return fail(fmt::format("\"{}\" is not an http(s) URL", reference));
  }
  return resolved;
}

std::string encode_query_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace cipette::github
