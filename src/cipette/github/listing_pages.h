#pragma once

// Defences against a listing that pages for ever: a Link rel="next" that leads back to a page
// already read, or to more pages than the listing can hold.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "cipette/core/result.h"

namespace cipette::github {

// The pages of one listing read so far. Follow a page's Link rel="next" only when follow()
// allows it: not to a page already read, and not beyond ceil(total_count / per_page) pages,
// nor, for a filtered listing, beyond ceil(result_cap / per_page) (GitHub returns at most
// 1,000 results of a listing filtered by `created`, `status`, ...).
class ListingPages {
 public:
  // `per_page`: the page size asked for (REQUIRES: > 0). `result_cap`: the most results the
  // listing returns, nullopt when it has no cap.
  ListingPages(std::int64_t per_page, std::optional<std::int64_t> result_cap);

  // Records a page read, answered from `url`, whose listing reports `total_count` (nullopt
  // for a listing without one, such as /orgs/{org}/repos). The largest total seen counts:
  // runs created while a listing is paged raise it.
  void add(std::string_view url, std::optional<std::int64_t> total_count);

  // Before reading `next_url`, the Link rel="next" of the last page added: records it, or
  // fails, naming it, when it was read already or would be one page more than the listing
  // holds ("the next page's link leads back to URL, a page already read").
  Status follow(std::string_view next_url);

  // Pages added so far.
  std::int64_t pages() const { return pages_; }

 private:
  // The most pages the listing may have; nullopt when neither a total nor a cap is known.
  std::optional<std::int64_t> most_pages() const;

  std::int64_t per_page_;
  std::optional<std::int64_t> result_cap_;
  std::optional<std::int64_t> total_;
  std::int64_t pages_ = 0;
  std::unordered_set<std::string> urls_;
};

}  // namespace cipette::github
