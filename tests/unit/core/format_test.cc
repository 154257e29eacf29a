#include "cipette/core/format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace cipette {
namespace {

TEST(FormatTest, FormatsDurationsWithEveryUnitFromTheLargest) {
  EXPECT_EQ(format_duration(330), "5m 30s");  // 5*60 + 30
  EXPECT_EQ(format_duration(45), "45s");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(3723), "1h 2m 3s");  // 3600 + 2*60 + 3
  EXPECT_EQ(format_duration(228), "3m 48s");     // 3*60 + 48
  EXPECT_EQ(format_duration(300), "5m 0s");
  EXPECT_EQ(format_duration(3600), "1h 0m 0s");
}

TEST(FormatTest, RoundsDurationsToTheNearestSecond) {
  EXPECT_EQ(format_duration(239.6), "4m 0s");
  EXPECT_EQ(format_duration(44.4), "44s");
  EXPECT_EQ(format_duration(59.5), "1m 0s");
}

TEST(FormatTest, FormatsMttrInHoursAndMinutes) {
  EXPECT_EQ(format_mttr(7200), "2h");
  EXPECT_EQ(format_mttr(5400), "1h 30m");  // 1.5 h
  EXPECT_EQ(format_mttr(900), "15m");
  EXPECT_EQ(format_mttr(720), "12m");
  EXPECT_EQ(format_mttr(45), "45s");
}

TEST(FormatTest, FormatsMttrOfADayOrMoreInDaysAndHours) {
  EXPECT_EQ(format_mttr(93600), "1d 2h");  // 26 h
  EXPECT_EQ(format_mttr(86400), "1d");
  EXPECT_EQ(format_mttr(2 * 86400 + 3 * 3600 + 20 * 60), "2d 3h");  // 20 min round down
}

TEST(FormatTest, RoundsMttrToTheNearestMinute) {
  EXPECT_EQ(format_mttr(749), "12m");  // 12.48 min
  EXPECT_EQ(format_mttr(750), "13m");  // 12.5 min rounds half away from zero
  EXPECT_EQ(format_mttr(3599), "1h");  // 59.98 min
  EXPECT_EQ(format_mttr(59.6), "1m");  // 60 s once rounded
}

TEST(FormatTest, FormatsRatesWithTwoDecimals) {
  EXPECT_EQ(format_rate(57.142857), "57.14%");
  EXPECT_EQ(format_rate(100.0), "100.00%");
  EXPECT_EQ(format_rate(0.0), "0.00%");
  EXPECT_EQ(format_rate(std::nullopt), "N/A");
}

TEST(FormatTest, FormatsCountsWithThousandsSeparators) {
  EXPECT_EQ(format_count(541861), "541,861");
  EXPECT_EQ(format_count(7), "7");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_count(1234567), "1,234,567");
  EXPECT_EQ(format_count(-999), "-999");
  EXPECT_EQ(format_count(-1000), "-1,000");
  EXPECT_EQ(format_count(std::numeric_limits<std::int64_t>::min()), "-9,223,372,036,854,775,808");
}

TEST(FormatTest, FormatsThroughputAsCountsWithOneDecimalOrTwoUnderOne) {
  EXPECT_EQ(format_throughput(6020.7), "6,020.7");  // the dashboard's "6020.7/day"
  EXPECT_EQ(format_throughput(6020.66), "6,020.7");
  EXPECT_EQ(format_throughput(999.96), "1,000.0");  // rounding adds a digit group
  EXPECT_EQ(format_throughput(1234567.0), "1,234,567.0");
  EXPECT_EQ(format_throughput(12.34), "12.3");
  EXPECT_EQ(format_throughput(1.0), "1.0");
  EXPECT_EQ(format_throughput(0.25), "0.25");
  EXPECT_EQ(format_throughput(0.0), "0.00");
  EXPECT_EQ(format_throughput(std::nan("")), "N/A");
}

TEST(FormatTest, ClassifiesRates) {
  EXPECT_EQ(rate_class(90.0), "high");
  EXPECT_EQ(rate_class(100.0), "high");
  EXPECT_EQ(rate_class(89.99), "medium");
  EXPECT_EQ(rate_class(70.0), "medium");
  EXPECT_EQ(rate_class(69.99), "low");
  EXPECT_EQ(rate_class(0.0), "low");
  EXPECT_EQ(rate_class(std::nullopt), "low");
}

}  // namespace
}  // namespace cipette
