#include "cipette/web/response_cache.h"

#include <gtest/gtest.h>

namespace cipette::web {
namespace {

using std::chrono::seconds;

const ResponseCache::Clock::time_point kStart{};

CachedResponse body(const std::string& text) {
  return CachedResponse{200, "application/json", std::make_shared<const std::string>(text)};
}

TEST(ResponseCacheTest, ServesAStoredBodyUntilTheTtlRunsOut) {
  ResponseCache cache(seconds(60));
  cache.store("metrics?p=30", 1, body("{}"), kStart);
  auto hit = cache.find("metrics?p=30", 1, kStart + seconds(59));
  ASSERT_TRUE(hit);
  EXPECT_EQ(*hit->body, "{}");
  EXPECT_FALSE(cache.find("metrics?p=30", 1, kStart + seconds(60)));
  EXPECT_FALSE(cache.find("metrics?p=7", 1, kStart));
}

TEST(ResponseCacheTest, ANewSnapshotGenerationMakesOlderEntriesMisses) {
  ResponseCache cache(seconds(60));
  cache.store("k", 1, body("old"), kStart);
  EXPECT_FALSE(cache.find("k", 2, kStart));
  cache.store("other", 2, body("new"), kStart);
  // Storing for generation 2 dropped everything of generation 1.
  EXPECT_EQ(cache.size(), 1u);
  // A slow request that rendered from generation 1 cannot put it back.
  cache.store("k", 1, body("old"), kStart);
  EXPECT_FALSE(cache.find("k", 1, kStart));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ResponseCacheTest, ZeroTtlDisablesCaching) {
  ResponseCache cache(seconds(0));
  EXPECT_FALSE(cache.enabled());
  cache.store("k", 1, body("x"), kStart);
  EXPECT_FALSE(cache.find("k", 1, kStart));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(ResponseCacheTest, ExpiredEntriesMakeRoomWhenFull) {
  ResponseCache cache(seconds(10), CacheLimits{.max_entries = 2});
  cache.store("a", 1, body("a"), kStart);
  cache.store("b", 1, body("b"), kStart + seconds(5));
  // At t=12 "a" has expired (stored at 0, ttl 10) and "b" has not.
  cache.store("c", 1, body("c"), kStart + seconds(12));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.find("b", 1, kStart + seconds(12)));
  EXPECT_TRUE(cache.find("c", 1, kStart + seconds(12)));
}

TEST(ResponseCacheTest, AFullCacheOfFreshEntriesDropsTheOldestFirst) {
  ResponseCache cache(seconds(60), CacheLimits{.max_entries = 2});
  cache.store("a", 1, body("a"), kStart);
  cache.store("b", 1, body("b"), kStart + seconds(1));
  cache.store("c", 1, body("c"), kStart + seconds(2));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.find("a", 1, kStart + seconds(2)));
  EXPECT_TRUE(cache.find("b", 1, kStart + seconds(2)));
  EXPECT_TRUE(cache.find("c", 1, kStart + seconds(2)));
}

TEST(ResponseCacheTest, StaysWithinItsByteBudgetWhateverIsAskedFor) {
  // 1 MB in all, bodies of 100,000 bytes (each costs its body, twice its key and 160 bytes of
  // bookkeeping): at most 9 fit, as 10 x 100,000 plus the bookkeeping is over 1,000,000.
  ResponseCache cache(seconds(60), CacheLimits{.max_bytes = 1'000'000, .max_entry_bytes = 200'000});
  for (int i = 0; i < 1000; ++i) {
    cache.store("view" + std::to_string(i), 1, body(std::string(100'000, 'x')), kStart);
    ASSERT_LE(cache.bytes(), 1'000'000u) << i;
  }
  EXPECT_EQ(cache.size(), 9u);
  EXPECT_TRUE(cache.find("view999", 1, kStart));
  EXPECT_FALSE(cache.find("view990", 1, kStart));
}

TEST(ResponseCacheTest, ABodyOverTheEntryLimitIsNotKept) {
  // The entry limit defaults to a sixteenth of the budget: 62,500 bytes of 1,000,000.
  ResponseCache cache(seconds(60), CacheLimits{.max_bytes = 1'000'000});
  cache.store("small", 1, body(std::string(62'500, 'x')), kStart);
  cache.store("large", 1, body(std::string(62'501, 'x')), kStart);
  EXPECT_TRUE(cache.find("small", 1, kStart));
  EXPECT_FALSE(cache.find("large", 1, kStart));
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace cipette::web
