#include "cipette/github/listing_pages.h"

#include <gtest/gtest.h>

namespace cipette::github {
namespace {

constexpr std::string_view kPage1 = "https://api.github.com/repos/o/r/actions/runs?per_page=100";
std::string page(int n) { return std::string(kPage1) + "&page=" + std::to_string(n); }

// Adds pages 1..n, each reporting `total`; fails the test if a link to one is refused.
void read_pages(ListingPages& pages, int n, std::optional<std::int64_t> total) {
  pages.add(kPage1, total);
  for (int i = 2; i <= n; ++i) {
    ASSERT_TRUE(pages.follow(page(i)).has_value()) << i;
    pages.add(page(i), total);
  }
}

TEST(ListingPagesTest, FollowsAsManyPagesAsTheTotalCountFills) {
  // 250 results of 100 a page: pages 1, 2 and 3 (the last holding 50); no page 4.
  ListingPages pages(100, std::nullopt);
  read_pages(pages, 3, 250);
  Status fourth = pages.follow(page(4));
  ASSERT_FALSE(fourth.has_value());
  EXPECT_EQ(fourth.error().message,
            "the next page's link asks for page 4 of the listing, but its total_count 250 "
            "fills 3 pages of 100 (" +
                page(4) + ")");
}

TEST(ListingPagesTest, AnExactMultipleFillsNoExtraPage) {
  ListingPages pages(100, std::nullopt);
  read_pages(pages, 2, 200);
  EXPECT_FALSE(pages.follow(page(3)).has_value());
}

TEST(ListingPagesTest, AnEmptyListingIsOnePage) {
  ListingPages pages(100, 1000);
  pages.add(kPage1, 0);
  EXPECT_FALSE(pages.follow(page(2)).has_value());
}

TEST(ListingPagesTest, AFilteredListingStopsAtTheResultCap) {
  // 10^15 reported, but GitHub returns at most 1,000 of a filtered listing: 10 pages of 100.
  ListingPages pages(100, 1000);
  read_pages(pages, 10, 1'000'000'000'000'000);
  Status eleventh = pages.follow(page(11));
  ASSERT_FALSE(eleventh.has_value());
  EXPECT_NE(eleventh.error().message.find(
                "page 11 of the listing, but GitHub returns at most 1000 results of it, 10 "
                "pages of 100"),
            std::string::npos)
      << eleventh.error().message;
}

TEST(ListingPagesTest, AGrowingTotalAllowsMorePages) {
  // Runs created while the listing is paged: 200 at first (2 pages), then 201 (3 pages).
  ListingPages pages(100, 1000);
  pages.add(kPage1, 200);
  ASSERT_TRUE(pages.follow(page(2)).has_value());
  pages.add(page(2), 201);
  EXPECT_TRUE(pages.follow(page(3)).has_value());
}

TEST(ListingPagesTest, ALinkBackToAPageReadIsRefused) {
  ListingPages pages(100, std::nullopt);
  read_pages(pages, 2, 500);
  Status back = pages.follow(page(2));
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().message,
            "the next page's link leads back to " + page(2) + ", a page already read");
  EXPECT_FALSE(pages.follow(std::string(kPage1)).has_value());
}

TEST(ListingPagesTest, WithoutATotalOrACapOnlyRepeatsAreRefused) {
  ListingPages pages(100, std::nullopt);
  read_pages(pages, 50, std::nullopt);
  EXPECT_TRUE(pages.follow(page(51)).has_value());
  EXPECT_FALSE(pages.follow(page(50)).has_value());
  EXPECT_EQ(pages.pages(), 50);
}

}  // namespace
}  // namespace cipette::github
