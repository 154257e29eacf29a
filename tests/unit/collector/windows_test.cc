#include "cipette/collector/windows.h"

#include <gtest/gtest.h>

#include <vector>

namespace cipette::collector {
namespace {

// 2024-03-01T00:00:00Z: 2024-01-01 is day 19723 (54 years from 1970 with 13 leap days:
// 54 * 365 + 13), + 31 + 29 = day 19783, * 86400 = 1709251200.
constexpr Timestamp kMarch1 = 1709251200;

std::vector<RunRecord> runs_created_at(std::vector<Timestamp> times) {
  std::vector<RunRecord> runs;
  for (Timestamp t : times) {
    RunRecord run;
    run.id = static_cast<std::int64_t>(runs.size()) + 1;
    run.created_at = t;
    runs.push_back(run);
  }
  return runs;
}

TEST(WindowsTest, HistoryStartIs2008) {
  EXPECT_EQ(format_timestamp(kHistoryStart), "2008-01-01T00:00:00Z");
}

TEST(WindowsTest, CreatedFilterUsesSearchSyntax) {
  EXPECT_EQ(created_filter(kMarch1, std::nullopt), ">=2024-03-01T00:00:00Z");
  EXPECT_EQ(created_filter(kMarch1, kMarch1 + 86399), "2024-03-01T00:00:00Z..2024-03-01T23:59:59Z");
}

TEST(WindowsTest, DensityIsRunsOverTheirInclusiveSpan) {
  // Three runs at t, t + 10, t + 99: 3 runs over 100 seconds, in any order.
  Density density = density_of(runs_created_at({kMarch1 + 99, kMarch1, kMarch1 + 10}));
  EXPECT_EQ(density.runs, 3);
  EXPECT_EQ(density.seconds, 100);
  EXPECT_FALSE(density_of(runs_created_at({kMarch1})).known());
  EXPECT_FALSE(density_of({}).known());
}

TEST(WindowsTest, NewestCreated) {
  EXPECT_EQ(newest_created(runs_created_at({5, 9, 7})), 9);
  EXPECT_EQ(newest_created({}), std::nullopt);
}

TEST(WindowsTest, WindowStartAimsAtTheTargetCount) {
  // 100 runs per 1,000 s; 800 runs take 8,000 s: the window is [anchor - 7999, anchor].
  Timestamp anchor = kMarch1 + 100'000;
  EXPECT_EQ(window_start(kMarch1, anchor, Density{100, 1000}, 800), anchor - 7999);
}

TEST(WindowsTest, WindowStartNeverGoesBelowTheLowerEnd) {
  EXPECT_EQ(window_start(kMarch1, kMarch1 + 100, Density{100, 1000}, 800), kMarch1);
  EXPECT_EQ(window_start(kMarch1, kMarch1 - 5, Density{100, 1000}, 800), kMarch1);
}

TEST(WindowsTest, WindowStartWithAnUnknownDensityTakesEverything) {
  EXPECT_EQ(window_start(kMarch1, kMarch1 + 100'000, Density{}, 800), kMarch1);
}

TEST(WindowsTest, WindowStartCopesWithVeryDenseAndVerySparseRuns) {
  Timestamp anchor = kMarch1 + 100'000;
  // 10,000 runs in one second: the span would be under a second; it is one second at least.
  EXPECT_EQ(window_start(kMarch1, anchor, Density{10'000, 1}, 800), anchor);
  // 2 runs in 16 years, target 800: far below the lower end, and no overflow.
  EXPECT_EQ(window_start(kHistoryStart, anchor, Density{2, 500'000'000}, 800), kHistoryStart);
}

TEST(WindowsTest, ShrinkEndsTheWindowAtTheNewestRunOfThePage) {
  // A window [March 1, March 1 + 10 days] listed 100 runs on its first page, created one a
  // minute from t0 = March 1 + 5 days back to t0 - 99 min: density 100 runs / 5941 s.
  // 800 runs take 800 * 5941 / 100 = 47528 s, so the start is t0 - 47527.
  Timestamp to = kMarch1 + 10 * kSecondsPerDay;
  Timestamp t0 = kMarch1 + 5 * kSecondsPerDay;
  std::vector<Timestamp> times;
  for (int i = 0; i < 100; ++i) times.push_back(t0 - 60 * i);
  EXPECT_EQ(shrink_window(kMarch1, to, 5000, runs_created_at(times), 800, false), t0 - 47527);
}

TEST(WindowsTest, ShrinkWithoutAPageAssumesAnEvenSpread) {
  // 4,000 runs over 100,000 s: 800 of them span 20,000 s, so the start is to - 19999.
  Timestamp to = kMarch1 + 99'999;
  EXPECT_EQ(shrink_window(kMarch1, to, 4000, {}, 800, false), to - 19999);
}

TEST(WindowsTest, ShrinkAfterAFailedEstimateTakesAtMostHalf) {
  // 1,200 runs over 100,000 s: 800 of them span 66,666.67 s, so the even-spread start is
  // to - 66666.67 + 1 = from + 33333.33, truncated to from + 33333. After a failed estimate
  // the start is at least the window's middle, from + 50000.
  Timestamp to = kMarch1 + 99'999;
  EXPECT_EQ(shrink_window(kMarch1, to, 1200, {}, 800, false), kMarch1 + 33'333);
  EXPECT_EQ(shrink_window(kMarch1, to, 1200, {}, 800, true), kMarch1 + 50'000);
}

TEST(WindowsTest, ShrinkAlwaysMakesProgress) {
  // Even an estimate at or below the old start moves it up by one second at least.
  std::vector<RunRecord> page = runs_created_at({kMarch1, kMarch1 + 1});
  EXPECT_EQ(shrink_window(kMarch1, kMarch1 + 1, 5000, page, 800, false), kMarch1 + 1);
  EXPECT_GT(shrink_window(kMarch1, kMarch1 + 10, 5000, {}, 800, false), kMarch1);
}

}  // namespace
}  // namespace cipette::collector
