#include "cipette/web/render_gate.h"

#include <algorithm>

namespace cipette::web {

RenderGate::RenderGate(int max_concurrent)
    : admitted_(static_cast<std::uint64_t>(std::max(1, max_concurrent))) {}

void RenderGate::acquire_slot() {
  std::unique_lock lock(slots_mutex_);
  std::uint64_t ticket = next_ticket_++;
  slot_freed_.wait(lock, [&] { return ticket < admitted_; });
}

void RenderGate::release_slot() {
  {
    std::lock_guard lock(slots_mutex_);
    ++admitted_;
  }
  slot_freed_.notify_all();
}

CachedResponse RenderGate::render_bounded(const std::function<CachedResponse()>& render) {
  acquire_slot();
  try {
    CachedResponse response = render();
    release_slot();
    return response;
  } catch (...) {
    release_slot();
    throw;
  }
}

CachedResponse RenderGate::render(const std::string& key, std::uint64_t generation,
                                  const std::function<CachedResponse()>& render) {
  auto id = std::make_pair(key, generation);
  std::promise<CachedResponse> promise;
  std::shared_future<CachedResponse> pending;
  {
    std::lock_guard lock(mutex_);
    auto [entry, leader] = in_flight_.try_emplace(id);
    if (leader) {
      entry->second = promise.get_future().share();
    } else {
      pending = entry->second;
    }
  }
  if (pending.valid()) return pending.get();  // another request is rendering it
  auto finish = [&] {
    std::lock_guard lock(mutex_);
    in_flight_.erase(id);
  };
  try {
    CachedResponse response = render_bounded(render);
    promise.set_value(response);
    finish();
    return response;
  } catch (...) {
    promise.set_exception(std::current_exception());
    finish();
    throw;
  }
}

}  // namespace cipette::web
