#include "cipette/core/text.h"

#include <gtest/gtest.h>

namespace cipette {
namespace {

TEST(TextTest, AsciiLowerChangesOnlyAsciiLetters) {
  EXPECT_EQ(ascii_lower("Octo-Org/App_1"), "octo-org/app_1");
  EXPECT_EQ(ascii_lower("ÄB"), "Äb");  // UTF-8 bytes untouched
  EXPECT_EQ(ascii_lower(""), "");
}

TEST(TextTest, EqualIgnoringCaseComparesWholeStrings) {
  EXPECT_TRUE(equal_ignoring_case("ETag", "etag"));
  EXPECT_FALSE(equal_ignoring_case("etag", "etags"));
  EXPECT_FALSE(equal_ignoring_case("a/b", "a/c"));
}

TEST(TextTest, TrimWhitespaceDropsSpacesTabsAndLineEndsAtBothEnds) {
  EXPECT_EQ(trim_whitespace(" \t5000\r\n"), "5000");
  EXPECT_EQ(trim_whitespace("a b"), "a b");
  EXPECT_EQ(trim_whitespace(" \t\r\n"), "");
}

TEST(TextTest, HexDigitValuesOfBothCases) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value('%'), -1);
}

}  // namespace
}  // namespace cipette
