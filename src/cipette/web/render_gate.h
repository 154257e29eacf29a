#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cipette/web/response_cache.h"

namespace boost::asio {
class thread_pool;
}

namespace cipette::web {

// Runs the expensive part of a request, rendering a response from the run table, on threads
// of its own, so that the server's connection threads never wait for it:
// - at most `max_concurrent` renderings run at once (one thread each), so that many connections
//   asking for uncached views at the same time queue instead of multiplying the memory each
//   one needs (a metrics pass over a million runs holds several MB of durations). The queue is
//   first come, first served;
// - requests for the same key and snapshot generation that arrive while it is queued or being
//   rendered wait for that rendering instead of repeating it (single flight: no stampede when
//   a cache entry expires under load, and with the cache off, fifty identical requests in
//   flight cost one rendering). Nothing outlives the rendering: a request that arrives after it
//   finished renders again. So the key must name everything the response depends on (the
//   routes add the request's "now"), for a shared response to be the very bytes the request
//   would have rendered itself.
// Thread-safe. The destructor waits for the renderings queued and running.
class RenderGate {
 public:
  using Render = std::function<CachedResponse()>;
  // Receives the rendering, or the exception `render` threw (then the response is empty).
  using Done = std::function<void(const CachedResponse&, std::exception_ptr)>;

  explicit RenderGate(int max_concurrent);
  ~RenderGate();
  RenderGate(const RenderGate&) = delete;
  RenderGate& operator=(const RenderGate&) = delete;

  // Renders `key` for `generation` with `render`, or joins the rendering of it in flight, and
  // calls `done` with the result on the rendering thread.
  void submit(const std::string& key, std::uint64_t generation, Render render, Done done);

  // submit() and wait: the rendering, or the exception it threw.
  CachedResponse render(const std::string& key, std::uint64_t generation, const Render& render);

 private:
  using Id = std::pair<std::string, std::uint64_t>;

  void run(const Id& id, const Render& render);

  std::mutex mutex_;
  std::map<Id, std::vector<Done>> in_flight_;  // GUARDED_BY(mutex_): who waits for what
  std::unique_ptr<boost::asio::thread_pool> threads_;
};

}  // namespace cipette::web
