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
  RenderGate gate(2);
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
  RenderGate gate(1);
  EXPECT_THROW(gate.render("k", 1, []() -> CachedResponse { throw std::runtime_error("boom"); }),
               std::runtime_error);
  // The only slot is free again and the key is no longer in flight.
  EXPECT_EQ(*gate.render("k", 1, [] { return body("ok"); }).body, "ok");
}

TEST(RenderGateTest, SequentialRequestsForOneKeyRenderEachTime) {
  RenderGate gate(1);
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

TEST(RenderGateTest, ConcurrentRequestsForOneKeyAndGenerationShareOneRendering) {
  RenderGate gate(2);
  std::atomic<int> renders = 0;
  auto slow = [&] {
    ++renders;
    // Long enough for the other requests to arrive while this one renders.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return body("shared");
  };
  std::vector<CachedResponse> responses(4);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { responses[0] = gate.render("k", 7, slow); });
  while (renders.load() == 0) std::this_thread::yield();
  for (std::size_t i = 1; i < responses.size(); ++i) {
    threads.emplace_back([&, i] { responses[i] = gate.render("k", 7, slow); });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(renders.load(), 1);
  for (const CachedResponse& response : responses) {
    EXPECT_EQ(response.body, responses[0].body);  // the very same rendered body
  }
}

TEST(RenderGateTest, OtherKeysAndGenerationsDoNotJoinARenderingInFlight) {
  RenderGate gate(4);
  std::atomic<int> renders = 0;
  std::atomic<bool> release = false;
  auto held = [&] {
    ++renders;
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return body("x");
  };
  std::thread first([&] { (void)gate.render("k", 1, held); });
  std::thread other_generation([&] { (void)gate.render("k", 2, held); });
  std::thread other_key([&] { (void)gate.render("k@1", 1, held); });
  // All three render at once: none waits for another. (Bounded, so that a gate that wrongly
  // joined them fails the expectation below instead of hanging.)
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (renders.load() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(renders.load(), 3);
  release = true;
  first.join();
  other_generation.join();
  other_key.join();
  EXPECT_EQ(renders.load(), 3);
}

}  // namespace
}  // namespace cipette::web
