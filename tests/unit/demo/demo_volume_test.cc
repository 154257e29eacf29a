#include "cipette/demo/demo_volume.h"

#include <gtest/gtest.h>

namespace cipette::demo {
namespace {

Timestamp at(int year, unsigned month, unsigned day, int hour) {
  return days_from_civil(year, month, day) * kSecondsPerDay + hour * 3600;
}

TEST(DemoVolumeTest, WeekdayOfKnownDates) {
  EXPECT_EQ(weekday_of(at(1970, 1, 1, 0)), 4);     // a Thursday
  EXPECT_EQ(weekday_of(at(1969, 12, 31, 23)), 3);  // the Wednesday before, a negative time
  EXPECT_EQ(weekday_of(at(2024, 5, 15, 14)), 3);   // a Wednesday
  EXPECT_EQ(weekday_of(at(2024, 5, 18, 0)), 6);    // the Saturday after
  EXPECT_EQ(weekday_of(at(2024, 5, 19, 12)), 0);   // Sunday
}

TEST(DemoVolumeTest, HourOfCountsFromUtcMidnight) {
  EXPECT_EQ(hour_of(at(2024, 5, 15, 14) + 1799), 14);
  EXPECT_EQ(hour_of(-1), 23);  // 1969-12-31T23:59:59Z
  EXPECT_EQ(hour_of(0), 0);
}

TEST(DemoVolumeTest, SaturdayWeighsAFifthOfAWednesdayAtTheSameHour) {
  // Wednesday 10 vs Saturday 2 (hour weight and growth equal for the same slot index).
  const std::int64_t wednesday = VolumePlan::slot_weight(at(2024, 5, 15, 10), 100, 4320);
  const std::int64_t saturday = VolumePlan::slot_weight(at(2024, 5, 18, 10), 100, 4320);
  EXPECT_EQ(wednesday, 5 * saturday);
}

TEST(DemoVolumeTest, WorkingHoursWeighMoreThanTheNight) {
  const std::int64_t noon = VolumePlan::slot_weight(at(2024, 5, 15, 12), 100, 4320);
  const std::int64_t three_am = VolumePlan::slot_weight(at(2024, 5, 15, 3), 100, 4320);
  EXPECT_GT(noon, 5 * three_am);
}

TEST(DemoVolumeTest, SlotCountsAddUpToExactlyTheRequestedRuns) {
  for (std::int64_t runs : {0LL, 1LL, 7LL, 4321LL, 123457LL, 1000000LL, 3000000000000LL}) {
    const VolumePlan plan(runs, at(2024, 5, 15, 14));
    std::int64_t total = 0;
    for (int slot = 0; slot < plan.slot_count(); ++slot) {
      ASSERT_GE(plan.runs_in_slot(slot), 0);  // 3e12 runs: the products need 128 bits
      total += plan.runs_in_slot(slot);
    }
    EXPECT_EQ(total, runs);
  }
}

TEST(DemoVolumeTest, SlotsCoverOneHundredEightyDaysEndingAtEnd) {
  const Timestamp end = at(2024, 5, 15, 14) + 1234;
  const VolumePlan plan(10, end);
  ASSERT_EQ(plan.slot_count(), 180 * 24);
  EXPECT_EQ(plan.slot_start(0), end - 180 * kSecondsPerDay);
  EXPECT_EQ(plan.slot_start(plan.slot_count() - 1), end - 3600);
}

TEST(DemoVolumeTest, SevenRunsStillSpreadOverMonths) {
  // Run k (1..7) lands where the cumulative weight first reaches k/7 of the total, so the first
  // lies in roughly the first seventh of the span and the last at its end.
  const VolumePlan plan(7, at(2024, 5, 15, 14));
  int first = -1, last = -1;
  for (int slot = 0; slot < plan.slot_count(); ++slot) {
    if (plan.runs_in_slot(slot) == 0) continue;
    if (first < 0) first = slot;
    last = slot;
  }
  EXPECT_LT(first, plan.slot_count() / 4);
  EXPECT_GE(last, plan.slot_count() * 3 / 4);
  EXPECT_GT((last - first) / 24, 90);  // days between the first and the last run
}

}  // namespace
}  // namespace cipette::demo
