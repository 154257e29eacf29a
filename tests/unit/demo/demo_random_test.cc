#include "cipette/demo/demo_random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace cipette::demo {
namespace {

TEST(DemoRandomTest, Splitmix64FromZeroMatchesTheReferenceOutputs) {
  // The first outputs of Vigna's reference splitmix64.c seeded with 0.
  std::uint64_t state = 0;
  EXPECT_EQ(splitmix64(state), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64(state), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(splitmix64(state), 0x06c45d188009454fULL);
  EXPECT_EQ(splitmix64(state), 0xf88bb8a8724c81ecULL);
}

TEST(DemoRandomTest, SameSeedGivesTheSameSequenceAndAnotherSeedAnotherOne) {
  DemoRandom a(7), b(7), c(8);
  int same_as_other_seed = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    if (x == c.next()) ++same_as_other_seed;
  }
  EXPECT_EQ(same_as_other_seed, 0);
}

TEST(DemoRandomTest, UniformLiesInTheUnitIntervalWithMeanOneHalf) {
  DemoRandom random(1);
  double sum = 0;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    const double u = random.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // Standard error of the mean: sqrt(1/12 / 100000) ~ 0.0009; allow five of them.
  EXPECT_NEAR(sum / kDraws, 0.5, 0.005);
}

TEST(DemoRandomTest, BelowAndBetweenStayInRangeAndReachEveryValue) {
  DemoRandom random(2);
  std::vector<int> seen(6, 0);
  for (int i = 0; i < 6000; ++i) {
    const std::uint64_t x = random.below(6);
    ASSERT_LT(x, 6u);
    ++seen[x];
    const std::int64_t y = random.between(-3, 3);
    ASSERT_GE(y, -3);
    ASSERT_LE(y, 3);
  }
  // Each value expects 1000 hits; sd ~ 29.
  for (int hits : seen) EXPECT_NEAR(hits, 1000, 150);
}

TEST(DemoRandomTest, NormalHasMeanZeroAndVarianceOne) {
  DemoRandom random(3);
  constexpr int kDraws = 200000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double z = random.normal();
    sum += z;
    sum_sq += z * z;
  }
  const double mean = sum / kDraws;
  // Standard errors: mean 1/sqrt(2e5) ~ 0.0022, variance sqrt(2/2e5) ~ 0.0032.
  EXPECT_NEAR(mean, 0.0, 0.012);
  EXPECT_NEAR(sum_sq / kDraws - mean * mean, 1.0, 0.02);
}

TEST(DemoRandomTest, LogNormalHasTheGivenMedian) {
  DemoRandom random(4);
  std::vector<double> samples(20001);
  for (double& s : samples) s = random.log_normal(60, 0.35);
  std::nth_element(samples.begin(), samples.begin() + 10000, samples.end());
  // The sample median of log(x) has sd ~ 1.25 * 0.35 / sqrt(20001) ~ 0.003: within 2% of 60.
  EXPECT_NEAR(samples[10000], 60, 1.2);
  EXPECT_GT(*std::min_element(samples.begin(), samples.end()), 0.0);
}

}  // namespace
}  // namespace cipette::demo
