#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "cipette/web/response_cache.h"

namespace cipette::web {

// Guards the expensive part of a request, rendering a response from the run table:
// - at most `max_concurrent` renderings run at once, so that many connections asking for
//   uncached views at the same time queue instead of multiplying the memory each one needs
//   (a metrics pass over a million runs holds several MB of durations). The queue is first
//   come, first served, so no request starves behind later ones;
// - requests for the same key and snapshot generation that arrive while it is being rendered
//   wait for that rendering instead of repeating it (single flight: no stampede when a cache
//   entry expires under load, and with the cache off, fifty identical requests in flight cost
//   one rendering). Nothing outlives the rendering: a request that arrives after it finished
//   renders again. So the key must name everything the response depends on (the routes add
//   the request's "now"), for a shared response to be the very bytes the request would have
//   rendered itself.
// Thread-safe. An exception thrown by `render` reaches every request that waited for it.
class RenderGate {
 public:
  explicit RenderGate(int max_concurrent);

  CachedResponse render(const std::string& key, std::uint64_t generation,
                        const std::function<CachedResponse()>& render);

 private:
  CachedResponse render_bounded(const std::function<CachedResponse()>& render);
  void acquire_slot();
  void release_slot();

  // Slots are handed out by ticket: ticket t may render once admitted_ > t.
  std::mutex slots_mutex_;
  std::condition_variable slot_freed_;
  std::uint64_t next_ticket_ = 0;  // GUARDED_BY(slots_mutex_)
  std::uint64_t admitted_ = 0;     // GUARDED_BY(slots_mutex_)

  std::mutex mutex_;
  std::map<std::pair<std::string, std::uint64_t>, std::shared_future<CachedResponse>>
      in_flight_;  // GUARDED_BY(mutex_)
};

}  // namespace cipette::web
