#include "cipette/core/engine/wavelet_matrix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cipette {
namespace {

using Range = WaveletMatrix::Range;
using Ranges = std::vector<Range>;
using Kernel = WaveletMatrix::Kernel;

// The build kernels this processor runs (the portable one always).
std::vector<Kernel> kernels() {
  std::vector<Kernel> result = {Kernel::kPortable};
  if (WaveletMatrix::supports(Kernel::kAvx2)) result.push_back(Kernel::kAvx2);
  return result;
}

std::string name_of(Kernel kernel) { return kernel == Kernel::kAvx2 ? "avx2" : "portable"; }

// ---- Hand-worked cases ----

// positions: 0  1  2  3  4  5  6  7
// values:    5  1  4  1  3  0  7  2
const std::vector<std::uint32_t> kSmall = {5, 1, 4, 1, 3, 0, 7, 2};

TEST(WaveletMatrixTest, KthSmallestOfWholeSequenceIsTheSortedOrder) {
  WaveletMatrix matrix(kSmall, 3);
  // Sorted: 0 1 1 2 3 4 5 7.
  const Ranges all = {{0, 8}};
  EXPECT_EQ(matrix.kth_smallest(all, 0), 0u);
  EXPECT_EQ(matrix.kth_smallest(all, 1), 1u);
  EXPECT_EQ(matrix.kth_smallest(all, 2), 1u);  // the duplicate 1 counts twice
  EXPECT_EQ(matrix.kth_smallest(all, 3), 2u);
  EXPECT_EQ(matrix.kth_smallest(all, 4), 3u);
  EXPECT_EQ(matrix.kth_smallest(all, 7), 7u);
  EXPECT_EQ(matrix.kth_smallest(0, 8, 5), 4u);
}

TEST(WaveletMatrixTest, KthSmallestOfOneRangeSeesOnlyItsPositions) {
  WaveletMatrix matrix(kSmall, 3);
  // [2, 6) holds 4 1 3 0, sorted 0 1 3 4.
  EXPECT_EQ(matrix.kth_smallest(2, 6, 0), 0u);
  EXPECT_EQ(matrix.kth_smallest(2, 6, 1), 1u);
  EXPECT_EQ(matrix.kth_smallest(2, 6, 2), 3u);
  EXPECT_EQ(matrix.kth_smallest(2, 6, 3), 4u);
  // [6, 7) holds 7 alone.
  EXPECT_EQ(matrix.kth_smallest(6, 7, 0), 7u);
}

TEST(WaveletMatrixTest, KthSmallestOverSeveralRangesSeesTheirUnion) {
  WaveletMatrix matrix(kSmall, 3);
  // [0, 2) and [6, 8) hold 5 1 and 7 2: sorted 1 2 5 7. The empty [4, 4) adds nothing.
  const Ranges ranges = {{6, 8}, {4, 4}, {0, 2}};
  EXPECT_EQ(matrix.kth_smallest(ranges, 0), 1u);
  EXPECT_EQ(matrix.kth_smallest(ranges, 1), 2u);
  EXPECT_EQ(matrix.kth_smallest(ranges, 2), 5u);
  EXPECT_EQ(matrix.kth_smallest(ranges, 3), 7u);
  // Touching ranges [1, 3) and [3, 5) are [1, 5): 1 4 1 3, sorted 1 1 3 4.
  const Ranges touching = {{1, 3}, {3, 5}};
  EXPECT_EQ(matrix.kth_smallest(touching, 2), 3u);
  EXPECT_EQ(matrix.kth_smallest(touching, 3), 4u);
}

TEST(WaveletMatrixTest, CountLessCountsValuesBelowTheBound) {
  WaveletMatrix matrix(kSmall, 3);
  const Ranges all = {{0, 8}};
  EXPECT_EQ(matrix.count_less(all, 0), 0u);
  EXPECT_EQ(matrix.count_less(all, 1), 1u);  // 0
  EXPECT_EQ(matrix.count_less(all, 2), 3u);  // 0 1 1
  EXPECT_EQ(matrix.count_less(all, 3), 4u);  // 0 1 1 2
  EXPECT_EQ(matrix.count_less(all, 7), 7u);  // all but the 7
  EXPECT_EQ(matrix.count_less(all, 8), 8u);  // 8 = 2^3: above every value
  EXPECT_EQ(matrix.count_less(all, 1000), 8u);
  // [0, 2) and [6, 8) hold 5 1 7 2; below 5: 1 and 2.
  EXPECT_EQ(matrix.count_less(Ranges{{0, 2}, {6, 8}}, 5), 2u);
  EXPECT_EQ(matrix.count_less(Ranges{{3, 3}}, 5), 0u);
  EXPECT_EQ(matrix.count_less(Ranges{}, 5), 0u);
}

TEST(WaveletMatrixTest, OneBitValuesCountZerosAndOnes) {
  // 0 1 1 0 1: two zeros, three ones.
  WaveletMatrix matrix(std::vector<std::uint32_t>{0, 1, 1, 0, 1}, 1);
  EXPECT_EQ(matrix.kth_smallest(0, 5, 1), 0u);
  EXPECT_EQ(matrix.kth_smallest(0, 5, 2), 1u);
  EXPECT_EQ(matrix.count_less(Ranges{{0, 5}}, 1), 2u);
  // [1, 3) is 1 1.
  EXPECT_EQ(matrix.kth_smallest(1, 3, 0), 1u);
}

TEST(WaveletMatrixTest, ThirtyTwoBitValuesKeepTheirTopBit) {
  const std::vector<std::uint32_t> values = {0xFFFFFFFFu, 0x80000000u, 0x7FFFFFFFu, 0};
  WaveletMatrix matrix(values, 32);
  // Sorted: 0, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF.
  EXPECT_EQ(matrix.kth_smallest(0, 4, 0), 0u);
  EXPECT_EQ(matrix.kth_smallest(0, 4, 1), 0x7FFFFFFFu);
  EXPECT_EQ(matrix.kth_smallest(0, 4, 2), 0x80000000u);
  EXPECT_EQ(matrix.kth_smallest(0, 4, 3), 0xFFFFFFFFu);
  EXPECT_EQ(matrix.count_less(Ranges{{0, 4}}, 0x80000000u), 2u);
  EXPECT_EQ(matrix.count_less(Ranges{{0, 4}}, 0xFFFFFFFFu), 3u);
}

TEST(WaveletMatrixTest, EmptyMatrixHasNothingToCount) {
  WaveletMatrix empty;
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.bits(), 0);
  EXPECT_EQ(empty.count_less(Ranges{{0, 0}}, 7), 0u);
  WaveletMatrix built(std::span<const std::uint32_t>{}, 5);
  EXPECT_EQ(built.size(), 0u);
  EXPECT_EQ(built.bits(), 5);
  EXPECT_EQ(built.count_less(Ranges{{0, 0}}, 3), 0u);
  EXPECT_EQ(built.count_less(Ranges{}, 100), 0u);
}

TEST(WaveletMatrixTest, BitsForIsTheWidthOfTheLargestValue) {
  EXPECT_EQ(WaveletMatrix::bits_for(0), 1);  // at least one bit
  EXPECT_EQ(WaveletMatrix::bits_for(1), 1);
  EXPECT_EQ(WaveletMatrix::bits_for(2), 2);
  EXPECT_EQ(WaveletMatrix::bits_for(255), 8);
  EXPECT_EQ(WaveletMatrix::bits_for(256), 9);
  EXPECT_EQ(WaveletMatrix::bits_for(16383), 14);  // 2^14 - 1
  EXPECT_EQ(WaveletMatrix::bits_for(0xFFFFFFFFu), 32);
}

TEST(WaveletMatrixTest, MemoryIsAboutOneBitPerValueAndLevel) {
  std::vector<std::uint32_t> values(100000, 3);
  WaveletMatrix matrix(values, 14);
  // A level is 100,000 / 448 = 223 lines (rounded down) plus one = 224 lines of 64 bytes;
  // 14 levels are 224 * 64 * 14 = 200,704 bytes, plus 7 words (56 bytes) to align the first
  // line: 200,760. The bits alone are 100,000 * 14 / 8 = 175,000 bytes.
  EXPECT_EQ(matrix.memory_bytes(), 200760u);
}

// ---- Against a reference: sorting a copy of the selected values ----

std::vector<std::uint32_t> random_values(std::size_t n, int bits, std::mt19937_64& random) {
  const std::uint64_t max = (std::uint64_t{1} << bits) - 1;
  std::uniform_int_distribution<std::uint64_t> any(0, max);
  std::vector<std::uint32_t> values(n);
  for (auto& value : values) value = static_cast<std::uint32_t>(any(random));
  return values;
}

// Disjoint ranges over [0, n): random cut points, every other piece kept, some left empty,
// some touching, in random order when `shuffled`.
Ranges random_ranges(std::size_t n, std::size_t cuts, bool shuffled, std::mt19937_64& random) {
  std::uniform_int_distribution<std::size_t> position(0, n);
  std::vector<std::size_t> points = {0, n};
  for (std::size_t i = 0; i < cuts; ++i) points.push_back(position(random));
  std::sort(points.begin(), points.end());
  Ranges ranges;
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    if (random() % 3 != 0) ranges.emplace_back(points[i], points[i + 1]);
  }
  if (random() % 2 == 0) ranges.emplace_back(points[points.size() / 2], points[points.size() / 2]);
  if (shuffled) std::shuffle(ranges.begin(), ranges.end(), random);
  return ranges;
}

std::vector<std::uint32_t> sorted_selection(const std::vector<std::uint32_t>& values,
                                            const Ranges& ranges) {
  std::vector<std::uint32_t> selected;
  for (const auto& [first, last] : ranges) {
    selected.insert(selected.end(), values.begin() + first, values.begin() + last);
  }
  std::sort(selected.begin(), selected.end());
  return selected;
}

// Checks kth_smallest and count_less over `ranges` against the sorted selection.
void expect_matches_reference(const WaveletMatrix& matrix, const std::vector<std::uint32_t>& values,
                              const Ranges& ranges, std::mt19937_64& random) {
  const std::vector<std::uint32_t> sorted = sorted_selection(values, ranges);
  std::vector<std::size_t> ks;
  if (!sorted.empty()) {
    ks = {0, sorted.size() - 1, sorted.size() / 2, sorted.size() * 95 / 100};
    for (int i = 0; i < 8; ++i) ks.push_back(random() % sorted.size());
  }
  for (std::size_t k : ks) {
    ASSERT_EQ(matrix.kth_smallest(ranges, k), sorted[k]) << "k=" << k;
  }
  const int bits = matrix.bits();
  const std::uint64_t max = (std::uint64_t{1} << bits) - 1;
  std::vector<std::uint64_t> bounds = {0, 1, max, max / 2, max + 1};
  if (!sorted.empty()) bounds.push_back(sorted[random() % sorted.size()]);
  for (int i = 0; i < 4; ++i) bounds.push_back(random() % (max + 2));
  for (std::uint64_t bound : bounds) {
    if (bound > 0xFFFFFFFFu) continue;
    const auto v = static_cast<std::uint32_t>(bound);
    const auto expected = static_cast<std::size_t>(
        std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin());
    ASSERT_EQ(matrix.count_less(ranges, v), expected) << "v=" << v;
  }
}

// A few random single ranges, through the one-range overload.
void expect_single_ranges_match(const WaveletMatrix& matrix,
                                const std::vector<std::uint32_t>& values, std::mt19937_64& random) {
  const std::size_t n = values.size();
  for (int i = 0; i < 6; ++i) {
    std::size_t first = random() % n;
    std::size_t last = first + 1 + random() % (n - first);
    const std::vector<std::uint32_t> sorted = sorted_selection(values, {{first, last}});
    for (std::size_t k : {std::size_t{0}, sorted.size() - 1, sorted.size() / 2,
                          static_cast<std::size_t>(random() % sorted.size())}) {
      ASSERT_EQ(matrix.kth_smallest(first, last, k), sorted[k])
          << "[" << first << ", " << last << ") k=" << k;
    }
  }
}

// Builds the matrix with every kernel and checks it against the reference on random ranges.
void check_random_matrix(const std::vector<std::uint32_t>& values, int bits,
                         std::mt19937_64& random) {
  for (Kernel kernel : kernels()) {
    SCOPED_TRACE("kernel=" + name_of(kernel));
    WaveletMatrix matrix(values, bits, kernel);
    ASSERT_EQ(matrix.size(), values.size());
    ASSERT_EQ(matrix.bits(), bits);
    const std::size_t n = values.size();
    expect_matches_reference(matrix, values, {{0, n}}, random);
    for (std::size_t cuts : {1, 2, 7, 40, 200}) {
      for (bool shuffled : {false, true}) {
        expect_matches_reference(matrix, values, random_ranges(n, cuts, shuffled, random), random);
      }
    }
    if (n > 0) expect_single_ranges_match(matrix, values, random);
  }
}

const std::size_t kSizes[] = {0, 1, 2, 63, 64, 65, 447, 448, 449, 511, 512, 513, 896, 1000, 4099};
const int kBits[] = {1, 2, 13, 32};

TEST(WaveletMatrixTest, MatchesSortedReferenceOnRandomValues) {
  std::mt19937_64 random(20240630);
  for (int bits : kBits) {
    for (std::size_t n : kSizes) {
      SCOPED_TRACE("n=" + std::to_string(n) + " bits=" + std::to_string(bits));
      check_random_matrix(random_values(n, bits, random), bits, random);
    }
  }
}

TEST(WaveletMatrixTest, MatchesSortedReferenceOnALargeSequence) {
  std::mt19937_64 random(7);
  for (int bits : {13, 17, 32}) {
    SCOPED_TRACE("bits=" + std::to_string(bits));
    check_random_matrix(random_values(100003, bits, random), bits, random);
  }
}

TEST(WaveletMatrixTest, MatchesSortedReferenceWhenValuesRepeat) {
  std::mt19937_64 random(99);
  const std::uint32_t top = (1u << 13) - 1;
  for (std::size_t n : {65, 513, 5000, 100000}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    // Three distinct values, one of them the largest a 13-bit level holds.
    std::vector<std::uint32_t> values(n);
    for (auto& value : values) value = std::vector<std::uint32_t>{0, 300, top}[random() % 3];
    check_random_matrix(values, 13, random);
    // Every value the largest.
    check_random_matrix(std::vector<std::uint32_t>(n, top), 13, random);
  }
}

// Bits that are all 0 but for a few at one end, or sorted runs, put the ends of the parts of
// each level's partition in every position, where the build's vector stores spill over.
TEST(WaveletMatrixTest, MatchesSortedReferenceWhenBitsAreSkewed) {
  std::mt19937_64 random(11);
  for (std::size_t n : {9, 64, 130, 1000, 5003}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    for (std::size_t few : {1, 3, 8, 9, 17}) {
      std::vector<std::uint32_t> ones_last(n, 0);    // 0 ... 0 1 ... 1
      std::vector<std::uint32_t> zeros_first(n, 1);  // 1 ... 1 but a few 0 at the front
      for (std::size_t i = 0; i < std::min(few, n); ++i) {
        ones_last[n - 1 - i] = 1;
        zeros_first[i] = 0;
      }
      check_random_matrix(ones_last, 1, random);
      check_random_matrix(zeros_first, 1, random);
    }
    std::vector<std::uint32_t> ascending(n);
    std::vector<std::uint32_t> descending(n);
    for (std::size_t i = 0; i < n; ++i) {
      ascending[i] = static_cast<std::uint32_t>(i % 8192);
      descending[i] = static_cast<std::uint32_t>((n - 1 - i) % 8192);
    }
    check_random_matrix(ascending, 13, random);
    check_random_matrix(descending, 13, random);
  }
}

TEST(WaveletMatrixTest, PortableAndAutomaticKernelsRunEverywhere) {
  EXPECT_TRUE(WaveletMatrix::supports(Kernel::kPortable));
  EXPECT_TRUE(WaveletMatrix::supports(Kernel::kAuto));
  // The same 130 values built by every kernel give the same answers: 0..129, sorted already.
  std::vector<std::uint32_t> values(130);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint32_t>(i);
  for (Kernel kernel : kernels()) {
    WaveletMatrix matrix(values, 8, kernel);
    EXPECT_EQ(matrix.kth_smallest(10, 120, 50), 60u) << name_of(kernel);  // 10 + 50
    EXPECT_EQ(matrix.count_less(Ranges{{0, 130}}, 100), 100u) << name_of(kernel);
  }
}

TEST(WaveletMatrixTest, CopyAnswersLikeTheOriginal) {
  std::mt19937_64 random(5);
  const std::vector<std::uint32_t> values = random_values(3000, 14, random);
  WaveletMatrix original(values, 14);
  const WaveletMatrix copy = original;  // a new buffer, perhaps aligned differently
  const WaveletMatrix moved = std::move(original);
  const Ranges ranges = random_ranges(values.size(), 30, false, random);
  expect_matches_reference(copy, values, ranges, random);
  expect_matches_reference(moved, values, ranges, random);
}

}  // namespace
}  // namespace cipette
