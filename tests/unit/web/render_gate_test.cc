#include "cipette/web/render_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace cipette::web {
namespace {

CachedResponse body(const std::string& text) {
  return CachedResponse{200, "text/plain", std::make_shared<const std::string>(text)};
}

TEST(RenderGateTest, RunsNoMoreRenderingsAtOnceThanItHasSlots) {
  RenderGate gate(2, false);
  std::atomic<int> active = 0;
  std::atomic<int> most = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto response = gate.render("k" + std::to_string(i), 1, [&] {
        int now = ++active;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --active;
        return body("x");
      });
      EXPECT_EQ(*response.body, "x");
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_GE(most.load(), 1);
  EXPECT_LE(most.load(), 2);
}

TEST(RenderGateTest, AFailedRenderingReachesItsCallerAndFreesItsSlot) {
  RenderGate gate(1, true);
  EXPECT_THROW(gate.render("k", 1, []() -> CachedResponse { throw std::runtime_error("boom"); }),
               std::runtime_error);
  // The only slot is free again and the key is no longer in flight.
  EXPECT_EQ(*gate.render("k", 1, [] { return body("ok"); }).body, "ok");
}

TEST(RenderGateTest, SequentialRequestsForOneKeyRenderEachTime) {
  RenderGate gate(1, true);
  int renders = 0;
  for (int i = 0; i < 3; ++i) {
    (void)gate.render("k", 1, [&] {
      ++renders;
      return body("x");
    });
  }
  // Sharing only joins renderings in flight; caching is the ResponseCache's job.
  EXPECT_EQ(renders, 3);
}

}  // namespace
}  // namespace cipette::web
