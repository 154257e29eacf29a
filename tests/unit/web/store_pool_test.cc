#include "cipette/web/store_pool.h"

#include <gtest/gtest.h>

#include <atomic>

#include "cipette/storage/store_factory.h"
#include "support/test_support.h"

namespace cipette::web {
namespace {

// Opens the SQLite store at `path`, counting the connections opened.
StoreOpener counting_opener(const std::string& path, std::atomic<int>& opens) {
  return [path, &opens]() -> Result<StoreReader> {
    ++opens;
    auto store = storage::open_store(path);
    if (!store) return store.error();
    JobReader* jobs = store->get();
    return StoreReader{std::unique_ptr<RunReader>(std::move(*store)), jobs};
  };
}

TEST(StorePoolTest, AConnectionIsKeptForTheNextRequest) {
  testing::TempDir dir;
  std::atomic<int> opens = 0;
  StorePool pool(counting_opener(dir.file("c.db"), opens));
  for (int i = 0; i < 3; ++i) {
    Status used = pool.with_jobs([](JobReader* jobs) -> Status {
      if (jobs == nullptr) return Error{"no job reader"};
      auto none = jobs->jobs_of_run(42);
      if (!none) return none.error();
      return none->empty() ? Status{} : Error{"run 42 has jobs"};
    });
    ASSERT_TRUE(used) << used.error().message;
  }
  EXPECT_EQ(opens, 1);
  EXPECT_EQ(pool.idle(), 1U);
}

TEST(StorePoolTest, AConnectionWhoseUseFailedIsClosedAndANewOneOpened) {
  testing::TempDir dir;
  std::atomic<int> opens = 0;
  StorePool pool(counting_opener(dir.file("c.db"), opens));
  Status failed = pool.with_jobs([](JobReader*) -> Status { return Error{"database is locked"}; });
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "database is locked");
  EXPECT_EQ(pool.idle(), 0U);
  ASSERT_TRUE(pool.with_jobs([](JobReader*) -> Status { return {}; }));
  EXPECT_EQ(opens, 2);
  EXPECT_EQ(pool.idle(), 1U);
}

TEST(StorePoolTest, AStoreThatCannotBeOpenedIsAnErrorSayingSo) {
  testing::TempDir dir;
  std::atomic<int> opens = 0;
  // A directory is not a SQLite file.
  StorePool pool(counting_opener(dir.path().string(), opens));
  bool called = false;
  Status used = pool.with_jobs([&](JobReader*) -> Status {
    called = true;
    return {};
  });
  ASSERT_FALSE(used);
  EXPECT_TRUE(used.error().message.starts_with("opening a store connection: "))
      << used.error().message;
  EXPECT_FALSE(called);
}

TEST(StorePoolTest, NoMoreThanKeepConnectionsStayOpen) {
  testing::TempDir dir;
  std::atomic<int> opens = 0;
  StorePool pool(counting_opener(dir.file("c.db"), opens), 1);
  // Two requests at once (one inside the other) need two connections; one is kept.
  Status outer = pool.with_jobs([&](JobReader*) -> Status {
    return pool.with_jobs([](JobReader*) -> Status { return {}; });
  });
  ASSERT_TRUE(outer);
  EXPECT_EQ(opens, 2);
  EXPECT_EQ(pool.idle(), 1U);
}

}  // namespace
}  // namespace cipette::web
