#include "fake_github/created_filter.h"

#include <gtest/gtest.h>

#include "fake_github/pagination.h"

namespace cipette::fake_github {
namespace {

// 2024-03-01T00:00:00Z: 19783 days after 1970-01-01 (54 years incl. 13 leap days = 19723 days
// to 2024-01-01, + 31 (Jan) + 29 (Feb 2024) = 19783); 19783 * 86400 = 1709251200.
constexpr Timestamp kMarch1 = 1709251200;
constexpr Timestamp kMarch2 = kMarch1 + 86400;

TEST(CreatedFilterTest, ADateStandsForItsWholeDay) {
  auto range = parse_created("2024-03-01");
  ASSERT_TRUE(range) << range.error().message;
  EXPECT_EQ(range->from, kMarch1);
  EXPECT_EQ(range->to, kMarch2 - 1);
}

TEST(CreatedFilterTest, ComparisonsWithADateIncludeOrExcludeTheWholeDay) {
  EXPECT_EQ(parse_created(">=2024-03-01")->from, kMarch1);
  EXPECT_EQ(parse_created(">2024-03-01")->from, kMarch2);
  EXPECT_EQ(parse_created("<=2024-03-01")->to, kMarch2 - 1);
  EXPECT_EQ(parse_created("<2024-03-01")->to, kMarch1 - 1);
}

TEST(CreatedFilterTest, ComparisonsWithADateTimeAreToTheSecond) {
  // 10:00:00 = 36000 s into the day.
  EXPECT_EQ(parse_created(">=2024-03-01T10:00:00Z")->from, kMarch1 + 36000);
  EXPECT_EQ(parse_created(">2024-03-01T10:00:00Z")->from, kMarch1 + 36001);
  EXPECT_EQ(parse_created("<2024-03-01T10:00:00+00:00")->to, kMarch1 + 35999);
  EXPECT_EQ(parse_created("<=2024-03-01T10:00:00Z")->to, kMarch1 + 36000);
}

TEST(CreatedFilterTest, RangesIncludeBothEndsAndAcceptOpenEnds) {
  auto both = parse_created("2024-03-01T10:00:00Z..2024-03-02");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->from, kMarch1 + 36000);
  EXPECT_EQ(both->to, kMarch2 + 86399);
  auto open_high = parse_created("2024-03-02..*");
  ASSERT_TRUE(open_high);
  EXPECT_EQ(open_high->from, kMarch2);
  EXPECT_TRUE(open_high->contains(kMarch2 + 1000 * 86400));
  auto open_low = parse_created("*..2024-03-01");
  ASSERT_TRUE(open_low);
  EXPECT_EQ(open_low->to, kMarch2 - 1);
  EXPECT_TRUE(open_low->contains(0));
}

TEST(CreatedFilterTest, RejectsMalformedValuesQuotingThem) {
  for (const char* text : {"", ">=", "yesterday", "2024-02-30", "2024-03-01..", ">2024-03-01 10"}) {
    auto range = parse_created(text);
    ASSERT_FALSE(range) << text;
    EXPECT_NE(range.error().message.find("created"), std::string::npos);
  }
}

TEST(PaginationTest, ClampsPerPageAndPlacesThePage) {
  // 250 items, 100 per page: pages of 100, 100, 50.
  const Page third = paginate({{"per_page", "100"}, {"page", "3"}}, 250);
  EXPECT_EQ(third.last, 3);
  EXPECT_EQ(third.begin, 200);
  EXPECT_EQ(third.end, 250);
  EXPECT_EQ(paginate({{"per_page", "500"}}, 250).per_page, 100);
  EXPECT_EQ(paginate({{"per_page", "0"}}, 250).per_page, 30);
  EXPECT_EQ(paginate({{"per_page", "abc"}}, 250).per_page, 30);
  const Page beyond = paginate({{"page", "9"}}, 250);  // 30 per page: 9 pages, page 9 = 240..250
  EXPECT_EQ(beyond.begin, 240);
  EXPECT_EQ(paginate({{"page", "10"}}, 250).begin, 250);  // past the end: empty
  EXPECT_EQ(paginate({{"page", "10"}}, 250).end, 250);
}

TEST(PaginationTest, EncodesQueryValuesInLinks) {
  EXPECT_EQ(url_encode(">=2024-03-01T10:00:00+00:00"), "%3E%3D2024-03-01T10%3A00%3A00%2B00%3A00");
  EXPECT_EQ(page_url("http://h/x", {{"created", "<2024"}, {"page", "1"}}, 10, 2),
            "http://h/x?created=%3C2024&per_page=10&page=2");
}

}  // namespace
}  // namespace cipette::fake_github
