#include "cipette/web/render_gate.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <future>

namespace cipette::web {

RenderGate::RenderGate(int max_concurrent)
    : threads_(std::make_unique<boost::asio::thread_pool>(
          static_cast<std::size_t>(std::max(1, max_concurrent)))) {}

RenderGate::~RenderGate() { threads_->join(); }

void RenderGate::submit(const std::string& key, std::uint64_t generation, Render render,
                        Done done) {
  Id id(key, generation);
  {
    std::lock_guard lock(mutex_);
    auto [entry, leader] = in_flight_.try_emplace(id);
    entry->second.push_back(std::move(done));
    if (!leader) return;  // another request is rendering it
  }
  boost::asio::post(*threads_,
                    [this, id = std::move(id), render = std::move(render)] { run(id, render); });
}

void RenderGate::run(const Id& id, const Render& render) {
  CachedResponse response;
  std::exception_ptr error;
  try {
    response = render();
  } catch (...) {
    error = std::current_exception();
  }
  std::vector<Done> waiting;
  {
    std::lock_guard lock(mutex_);
    auto entry = in_flight_.find(id);
    waiting = std::move(entry->second);
    in_flight_.erase(entry);
  }
  for (const Done& done : waiting) done(response, error);
}

CachedResponse RenderGate::render(const std::string& key, std::uint64_t generation,
                                  const Render& render) {
  std::promise<CachedResponse> promise;
  auto result = promise.get_future();
  submit(key, generation, render, [&promise](const CachedResponse& response, std::exception_ptr e) {
    if (e) {
      promise.set_exception(std::move(e));
    } else {
      promise.set_value(response);
    }
  });
  return result.get();
}

}  // namespace cipette::web
