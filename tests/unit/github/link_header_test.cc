#include "cipette/github/link_header.h"

#include <gtest/gtest.h>

namespace cipette::github {
namespace {

TEST(LinkHeaderTest, FindsNextAndLastInGitHubsFormat) {
  // The example of GitHub's OpenAPI description (components/headers/link).
  std::vector<std::string_view> fields = {
      "<https://api.github.com/resource?page=2>; rel=\"next\", "
      "<https://api.github.com/resource?page=5>; rel=\"last\""};
  EXPECT_EQ(find_link(fields, "next"), "https://api.github.com/resource?page=2");
  EXPECT_EQ(find_link(fields, "last"), "https://api.github.com/resource?page=5");
  EXPECT_EQ(find_link(fields, "prev"), std::nullopt);
}

TEST(LinkHeaderTest, NoNextOnTheLastPage) {
  std::vector<std::string_view> fields = {
      "<https://api.github.com/r?page=1>; rel=\"prev\", <https://api.github.com/r?page=1>; "
      "rel=\"first\""};
  EXPECT_EQ(find_link(fields, "next"), std::nullopt);
  EXPECT_EQ(find_link({}, "next"), std::nullopt);
}

TEST(LinkHeaderTest, AcceptsUnquotedAndListedRelationsInAnyCase) {
  EXPECT_EQ(find_link({"<https://h/a?page=3>; rel=NEXT"}, "next"), "https://h/a?page=3");
  EXPECT_EQ(find_link({"<https://h/a?page=3>; title=\"x, y\"; rel=\"last next\""}, "next"),
            "https://h/a?page=3");
}

TEST(LinkHeaderTest, SearchesEveryLinkField) {
  std::vector<std::string_view> fields = {"<https://h/a?page=1>; rel=\"prev\"",
                                          "<https://h/a?page=3>; rel=\"next\""};
  EXPECT_EQ(find_link(fields, "next"), "https://h/a?page=3");
}

TEST(LinkHeaderTest, KeepsCommasAndSemicolonsInsideTheTarget) {
  std::vector<std::string_view> fields = {
      "<https://h/r?created=2024-01-01..2024-02-01&x=a,b;c&page=2>; rel=\"next\""};
  EXPECT_EQ(find_link(fields, "next"), "https://h/r?created=2024-01-01..2024-02-01&x=a,b;c&page=2");
}

TEST(LinkHeaderTest, SkipsMalformedEntries) {
  EXPECT_EQ(find_link({"https://h/no-brackets; rel=\"next\""}, "next"), std::nullopt);
  EXPECT_EQ(find_link({"<https://h/unclosed; rel=\"next\""}, "next"), std::nullopt);
  EXPECT_EQ(find_link({"<https://h/a>; rel"}, "next"), std::nullopt);
  EXPECT_EQ(find_link({"<https://h/a>; rel=\"nextpage\""}, "next"), std::nullopt);
}

}  // namespace
}  // namespace cipette::github
