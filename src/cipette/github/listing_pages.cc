#include "cipette/github/listing_pages.h"

#include <fmt/format.h>

#include <algorithm>

namespace cipette::github {
namespace {

// Pages of `per_page` that `results` fill, at least one (an empty listing is one empty page).
std::int64_t pages_for(std::int64_t results, std::int64_t per_page) {
  results = std::max<std::int64_t>(results, 0);
  return std::max<std::int64_t>(1, results / per_page + (results % per_page != 0 ? 1 : 0));
}

}  // namespace

ListingPages::ListingPages(std::int64_t per_page, std::optional<std::int64_t> result_cap)
    : per_page_(per_page), result_cap_(result_cap) {}

void ListingPages::add(std::string_view url, std::optional<std::int64_t> total_count) {
  ++pages_;
  urls_.emplace(url);
  if (total_count) total_ = std::max(total_.value_or(*total_count), *total_count);
}

std::optional<std::int64_t> ListingPages::most_pages() const {
  if (!total_ && !result_cap_) return std::nullopt;
  std::int64_t results = total_.value_or(*result_cap_);
  if (result_cap_) results = std::min(results, *result_cap_);
  return pages_for(results, per_page_);
}

Status ListingPages::follow(std::string_view next_url) {
  if (urls_.count(std::string(next_url)) != 0) {
    return fail(
        fmt::format("the next page's link leads back to {}, a page already read", next_url));
  }
  std::optional<std::int64_t> most = most_pages();
  if (most && pages_ + 1 > *most) {
    std::string why =
        total_ && (!result_cap_ || *total_ <= *result_cap_)
            ? fmt::format("its total_count {} fills {} pages of {}", *total_, *most, per_page_)
            : fmt::format("GitHub returns at most {} results of it, {} pages of {}", *result_cap_,
                          *most, per_page_);
    return fail(fmt::format("the next page's link asks for page {} of the listing, but {} ({})",
                            pages_ + 1, why, next_url));
  }
  urls_.emplace(next_url);
  return {};
}

}  // namespace cipette::github
