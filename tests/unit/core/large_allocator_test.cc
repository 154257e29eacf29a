#include "cipette/core/large_allocator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

namespace cipette {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// A block as LargeAllocator makes them; never touched, so it costs address space only.
void* new_block(std::size_t bytes) { return std::aligned_alloc(2 * kMiB, bytes); }

TEST(LargeBlocksTest, ABlockGivenBackIsTakenAgainForTheSameSize) {
  void* block = new_block(120 * kMiB);
  ASSERT_NE(block, nullptr);
  large_blocks::give_back(block, 120 * kMiB);
  EXPECT_EQ(large_blocks::take(120 * kMiB), block);
  EXPECT_EQ(large_blocks::take(120 * kMiB), nullptr);  // taken: no longer kept
  std::free(block);
}

TEST(LargeBlocksTest, AKeptBlockServesASmallerRequestOnlyIfItWastesAQuarterAtMost) {
  void* block = new_block(122 * kMiB);
  ASSERT_NE(block, nullptr);
  large_blocks::give_back(block, 122 * kMiB);
  // 122 - 90 = 32 MiB would be wasted, more than 122 / 4 = 30.5 MiB.
  EXPECT_EQ(large_blocks::take(90 * kMiB), nullptr);
  // 122 - 92 = 30 MiB, within 30.5 MiB.
  EXPECT_EQ(large_blocks::take(92 * kMiB), block);
  std::free(block);
}

TEST(LargeBlocksTest, AKeptBlockMayBeOneHugePageBiggerThanAsked) {
  void* block = new_block(6 * kMiB);
  ASSERT_NE(block, nullptr);
  large_blocks::give_back(block, 6 * kMiB);
  // 6 - 4 = 2 MiB wasted: more than 6 / 4 = 1.5 MiB, but one huge page of 2 MiB.
  EXPECT_EQ(large_blocks::take(4 * kMiB), block);
  std::free(block);
}

TEST(LargeBlocksTest, ReleaseKeptFreesEveryKeptBlock) {
  large_blocks::give_back(new_block(8 * kMiB), 8 * kMiB);
  large_blocks::give_back(new_block(16 * kMiB), 16 * kMiB);
  large_blocks::release_kept();
  EXPECT_EQ(large_blocks::take(8 * kMiB), nullptr);
  EXPECT_EQ(large_blocks::take(16 * kMiB), nullptr);
}

TEST(LargeBlocksTest, PooledCapacityRaisesBuffersFromOneToFourMiBToAPooledBlock) {
  // 300,000 values of 4 bytes: 1.2 MB, raised to 4 MiB / 4 = 1,048,576 values.
  EXPECT_EQ(large_blocks::pooled_capacity(300'000, 4), 1'048'576u);
  // 200,000 values: 0.8 MB, under 1 MiB: from operator new as asked.
  EXPECT_EQ(large_blocks::pooled_capacity(200'000, 4), 200'000u);
  // 2,000,000 values: 8 MB, pooled as it is.
  EXPECT_EQ(large_blocks::pooled_capacity(2'000'000, 4), 2'000'000u);
}

TEST(LargeBlocksTest, WhenTheLimitIsReachedTheOldestBlocksMakeRoomForTheNewest) {
  // Three blocks of 124 MiB: the limit of 256 MiB holds two, so giving back the third frees
  // the first one given back, and the two newest stay.
  void* first = new_block(124 * kMiB);
  void* second = new_block(124 * kMiB);
  void* third = new_block(124 * kMiB);
  ASSERT_TRUE(first && second && third);
  large_blocks::give_back(first, 124 * kMiB);
  large_blocks::give_back(second, 124 * kMiB);
  large_blocks::give_back(third, 124 * kMiB);  // frees `first`
  std::set<void*> taken{large_blocks::take(124 * kMiB), large_blocks::take(124 * kMiB)};
  EXPECT_EQ(taken, (std::set<void*>{second, third}));
  EXPECT_EQ(large_blocks::take(124 * kMiB), nullptr);
  std::free(second);
  std::free(third);
}

TEST(LargeBlocksTest, ABlockOverTheLimitIsFreedAndKeepsNothingOut) {
  void* kept = new_block(126 * kMiB);
  ASSERT_NE(kept, nullptr);
  large_blocks::give_back(kept, 126 * kMiB);
  large_blocks::give_back(new_block(300 * kMiB), 300 * kMiB);  // over 256 MiB: freed at once
  EXPECT_EQ(large_blocks::take(300 * kMiB), nullptr);
  EXPECT_EQ(large_blocks::take(126 * kMiB), kept);  // not evicted for a block never kept
  std::free(kept);
}

TEST(LargeBlocksTest, PrepareReadiesOneBlockPerSizeAskedAndSkipsSmallOnes) {
  // Two blocks of 10 MiB (each served once) and one of 1 MiB (under the 4 MiB of pooled
  // blocks: not prepared).
  std::size_t sizes[] = {10 * kMiB, 10 * kMiB, 1 * kMiB};
  large_blocks::prepare(sizes);
  void* a = large_blocks::take(10 * kMiB);
  void* b = large_blocks::take(10 * kMiB);
  EXPECT_NE(a, nullptr);
  EXPECT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_EQ(large_blocks::take(10 * kMiB), nullptr);
  EXPECT_EQ(large_blocks::take(2 * kMiB), nullptr);
  std::free(a);
  std::free(b);
}

TEST(LargeBlocksTest, PrepareRoundsSizesUpToWholeHugePages) {
  // 9 MiB + 1 byte needs 5 huge pages of 2 MiB: a 10 MiB block.
  std::size_t sizes[] = {9 * kMiB + 1};
  large_blocks::prepare(sizes);
  void* block = large_blocks::take(10 * kMiB);
  EXPECT_NE(block, nullptr);
  std::free(block);
}

}  // namespace
}  // namespace cipette
