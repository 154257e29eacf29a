#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

// Private to the fake GitHub server: `per_page`/`page` and the `Link` header.

namespace cipette::fake_github {

using QueryParams = std::multimap<std::string, std::string>;  // decoded, as httplib keeps them

inline constexpr std::int64_t kDefaultPerPage = 30;
inline constexpr std::int64_t kMaxPerPage = 100;

// One page of a listing of `reachable` items: items [begin, end) are on it.
struct Page {
  std::int64_t number = 1;
  std::int64_t per_page = kDefaultPerPage;
  std::int64_t last = 1;  // the last page holding reachable items (1 when there are none)
  std::int64_t begin = 0;
  std::int64_t end = 0;
};

// Reads per_page (default 30; clamped to 1..100; not a number = 30) and page (default 1;
// not a positive number = 1) and places the page among `reachable` items.
Page paginate(const QueryParams& params, std::int64_t reachable);

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

// `url` (absolute, without query) with the request's parameters, per_page and page replaced.
std::string page_url(std::string_view url, const QueryParams& params, std::int64_t per_page,
                     std::int64_t page);

// The Link header value for `page`, as GitHub writes it: rel="prev", "next", "last", "first",
// those that apply; "" when everything fits on one page (page.last == 1 and page.number == 1).
std::string link_header(std::string_view url, const QueryParams& params, const Page& page);

}  // namespace cipette::fake_github
