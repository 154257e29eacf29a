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
  ResponseCache cache(seconds(10), 2);
  cache.store("a", 1, body("a"), kStart);
  cache.store("b", 1, body("b"), kStart + seconds(5));
  // At t=12 "a" has expired (stored at 0, ttl 10) and "b" has not.
  cache.store("c", 1, body("c"), kStart + seconds(12));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.find("b", 1, kStart + seconds(12)));
  EXPECT_TRUE(cache.find("c", 1, kStart + seconds(12)));
}

TEST(ResponseCacheTest, AFullCacheOfFreshEntriesIsClearedRatherThanGrown) {
  ResponseCache cache(seconds(60), 2);
  cache.store("a", 1, body("a"), kStart);
  cache.store("b", 1, body("b"), kStart);
  cache.store("c", 1, body("c"), kStart);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.find("c", 1, kStart));
}

}  // namespace
}  // namespace cipette::web
