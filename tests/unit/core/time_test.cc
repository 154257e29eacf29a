#include "cipette/core/time.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace cipette {
namespace {

// Reference values, worked out by hand: 2020-01-01T00:00:00Z is 1577836800 (18262 days after
// the epoch: 50 years of 365 days plus 12 leap days, 18250 + 12).
constexpr Timestamp k2020 = 1577836800;

Timestamp parsed(std::string_view text) {
  auto t = parse_timestamp(text);
  EXPECT_TRUE(t) << text << ": " << (t ? "" : t.error().message);
  return t ? *t : 0;
}

void expect_rejected(std::string_view text) {
  auto t = parse_timestamp(text);
  ASSERT_FALSE(t) << text << " parsed as " << *t;
  EXPECT_NE(t.error().message.find("\"" + std::string(text) + "\""), std::string::npos)
      << t.error().message;
}

TEST(TimeTest, ParsesUtcWithZ) {
  // 2020-01-22 is day 21 of 2020; 19:33:08 is 19*3600 + 33*60 + 8 = 70388 s.
  EXPECT_EQ(parsed("2020-01-22T19:33:08Z"), k2020 + 21 * 86400 + 70388);
  EXPECT_EQ(parsed("2020-01-01T00:00:00Z"), k2020);
}

TEST(TimeTest, ParsesNegativeOffsetWithFractionalSeconds) {
  // 09:42:40 at -08:00 is 17:42:40Z on 2020-01-20: day 19, 17*3600 + 42*60 + 40 = 63760 s.
  EXPECT_EQ(parsed("2020-01-20T09:42:40.000-08:00"), k2020 + 19 * 86400 + 63760);
}

TEST(TimeTest, ParsesPositiveOffsetAcrossMidnight) {
  // 05:30 at +05:30 is midnight UTC; 01:00 at +02:00 is 23:00 the day before.
  EXPECT_EQ(parsed("2020-01-01T05:30:00+05:30"), k2020);
  EXPECT_EQ(parsed("2020-01-01T01:00:00+02:00"), k2020 - 3600);
}

TEST(TimeTest, TruncatesFractionalSeconds) {
  EXPECT_EQ(parsed("2020-01-01T00:00:00.999Z"), k2020);
  EXPECT_EQ(parsed("2020-01-01T00:00:01.5Z"), k2020 + 1);
}

TEST(TimeTest, AcceptsLeapDaysOnlyInLeapYears) {
  // 2024-02-29: 2024-01-01 is k2020 + (366 + 365 + 365 + 365) days = k2020 + 1461 days, and
  // Feb 29 is 31 + 28 = 59 days later.
  EXPECT_EQ(parsed("2024-02-29T00:00:00Z"), k2020 + (1461 + 59) * 86400);
  EXPECT_TRUE(parse_timestamp("2000-02-29T00:00:00Z"));  // divisible by 400
  expect_rejected("2023-02-29T00:00:00Z");
  expect_rejected("1900-02-29T00:00:00Z");  // divisible by 100, not 400
}

TEST(TimeTest, RejectsImpossibleDatesAndTimes) {
  expect_rejected("2023-02-30T00:00:00Z");
  expect_rejected("2023-04-31T00:00:00Z");
  expect_rejected("2023-13-01T00:00:00Z");
  expect_rejected("2023-00-10T00:00:00Z");
  expect_rejected("2023-01-00T00:00:00Z");
  expect_rejected("2023-01-01T24:00:00Z");
  expect_rejected("2023-01-01T12:60:00Z");
  expect_rejected("2023-01-01T12:00:00+24:00");
}

TEST(TimeTest, RejectsGarbageQuotingTheText) {
  expect_rejected("yesterday");
  expect_rejected("");
  expect_rejected("2023-01-01");                 // no time
  expect_rejected("2023-01-01T12:00:00");        // no zone
  expect_rejected("2023-01-01T12:00:00Z junk");  // trailing text
  expect_rejected("2023-1-01T12:00:00Z");
  expect_rejected("2023-01-01T12:00:00.Z");
  expect_rejected("2023-01-01T12:00:00+0100");
}

TEST(TimeTest, ParsesDatesAsMidnightUtc) {
  auto t = parse_date_or_timestamp("2020-01-22");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, k2020 + 21 * 86400);
  auto full = parse_date_or_timestamp("2020-01-22T19:33:08Z");
  ASSERT_TRUE(full);
  EXPECT_EQ(*full, k2020 + 21 * 86400 + 70388);
  EXPECT_FALSE(parse_date_or_timestamp("2023-02-30"));
  EXPECT_FALSE(parse_date_or_timestamp("2020/01/22"));
}

TEST(TimeTest, FormatsTimestampsAndDates) {
  EXPECT_EQ(format_timestamp(k2020 + 21 * 86400 + 70388), "2020-01-22T19:33:08Z");
  EXPECT_EQ(format_date(k2020 + 21 * 86400 + 70388), "2020-01-22");
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_date(-1), "1969-12-31");
  EXPECT_EQ(format_date(k2020 + (1461 + 59) * 86400), "2024-02-29");
}

TEST(TimeTest, FormatAndParseRoundTrip) {
  for (Timestamp t : {Timestamp{0}, Timestamp{-1}, Timestamp{-86401}, k2020, k2020 + 86399,
                      Timestamp{951782400} /* 2000-02-29 */, Timestamp{4102444799}}) {
    auto back = parse_timestamp(format_timestamp(t));
    ASSERT_TRUE(back) << format_timestamp(t);
    EXPECT_EQ(*back, t);
    auto day = parse_date_or_timestamp(format_date(t));
    ASSERT_TRUE(day);
    EXPECT_EQ(*day, day_index(t) * kSecondsPerDay);
  }
}

TEST(TimeTest, DayIndexRoundsTowardThePast) {
  EXPECT_EQ(day_index(0), 0);
  EXPECT_EQ(day_index(86399), 0);
  EXPECT_EQ(day_index(86400), 1);
  EXPECT_EQ(day_index(-1), -1);
  EXPECT_EQ(day_index(-86400), -1);
  EXPECT_EQ(day_index(-86401), -2);
  EXPECT_EQ(day_index(k2020), 18262);
}

TEST(TimeTest, DaysFromCivilMatchesKnownDates) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2020, 1, 1), 18262);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);  // 2000-01-01 is 10957; + 31 + 29
}

TEST(TimeTest, NowIsAfter2020) { EXPECT_GT(now_utc(), k2020); }

TEST(TimeTest, FormatsAnyTimeStampWithoutOverflow) {
  // A rate-limit reset comes from a response header: messages format whatever it holds.
  // INT64_MIN = -9223372036854775808 s falls on day -106751991167301, whose midnight is
  // -9223372036854806400 s: 30592 s (08:29:52) into that day.
  EXPECT_EQ(day_index(std::numeric_limits<Timestamp>::min()), -106751991167301);
  EXPECT_TRUE(format_timestamp(std::numeric_limits<Timestamp>::min()).ends_with("T08:29:52Z"));
  // INT64_MAX = 9223372036854775807 = 106751991167300 days (9223372036854720000 s) + 55807 s,
  // 15:30:07.
  EXPECT_EQ(day_index(std::numeric_limits<Timestamp>::max()), 106751991167300);
  EXPECT_TRUE(format_timestamp(std::numeric_limits<Timestamp>::max()).ends_with("T15:30:07Z"));
}

TEST(TimeTest, PlausibleTimeStampsRunFrom2000ToBefore2200) {
  // 2000-01-01: 30 years after 1970 with 7 leap days = 10957 days = 946684800 s.
  // 2200-01-01: 230 years with 56 leap days (1972..2196, less 2100) = 84006 days = 7258118400 s.
  EXPECT_FALSE(is_plausible_timestamp(946684799));
  EXPECT_TRUE(is_plausible_timestamp(946684800));
  EXPECT_TRUE(is_plausible_timestamp(7258118399));
  EXPECT_FALSE(is_plausible_timestamp(7258118400));
  EXPECT_FALSE(is_plausible_timestamp(0));
  EXPECT_EQ(format_timestamp(kPlausibleFrom), "2000-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(kPlausibleUntil), "2200-01-01T00:00:00Z");
}

}  // namespace
}  // namespace cipette
