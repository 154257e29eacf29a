#include "fake_github/pagination.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace cipette::fake_github {
namespace {

std::int64_t number_param(const QueryParams& params, const std::string& name,
                          std::int64_t fallback) {
  const auto it = params.find(name);
  if (it == params.end()) return fallback;
  std::int64_t value = 0;
  const std::string& text = it->second;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1) return fallback;
  return value;
}

bool unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

Page paginate(const QueryParams& params, std::int64_t reachable) {
  Page page;
  page.per_page = std::min(number_param(params, "per_page", kDefaultPerPage), kMaxPerPage);
  page.number = number_param(params, "page", 1);
  page.last = std::max<std::int64_t>(1, (reachable + page.per_page - 1) / page.per_page);
  // Guard the multiplication against absurd page numbers.
  const std::int64_t number = std::min(page.number, page.last + 1);
  page.begin = std::min(reachable, (number - 1) * page.per_page);
  page.end = std::min(reachable, page.begin + page.per_page);
  return page;
}

std::string url_encode(std::string_view text) {
  std::string encoded;
  for (const char c : text) {
    if (unreserved(c)) {
      encoded += c;
    } else {
      encoded += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return encoded;
}

std::string page_url(std::string_view url, const QueryParams& params, std::int64_t per_page,
                     std::int64_t page) {
  std::string result(url);
  char separator = '?';
  for (const auto& [name, value] : params) {
    if (name == "page" || name == "per_page") continue;
    result += separator + url_encode(name) + "=" + url_encode(value);
    separator = '&';
  }
  result += fmt::format("{}per_page={}&page={}", separator, per_page, page);
  return result;
}

std::string link_header(std::string_view url, const QueryParams& params, const Page& page) {
  if (page.last == 1 && page.number == 1) return "";
  std::vector<std::string> links;
  auto add = [&](std::int64_t number, std::string_view rel) {
    links.push_back(
        fmt::format("<{}>; rel=\"{}\"", page_url(url, params, page.per_page, number), rel));
  };
  if (page.number > 1) add(std::min(page.number - 1, page.last), "prev");
  if (page.number < page.last) {
    add(page.number + 1, "next");
    add(page.last, "last");
  }
  if (page.number > 1) add(1, "first");
  return fmt::format("{}", fmt::join(links, ", "));
}

}  // namespace cipette::fake_github
