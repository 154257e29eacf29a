#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cipette::web {

// A rendered response body, shared between the cache and the requests it serves (which send
// it from there, without copying it).
struct CachedResponse {
  int status = 200;
  std::string_view content_type;  // REQUIRES: static storage (the routes' constants)
  std::shared_ptr<const std::string> body;
};

// Rendered responses by normalised request (route and ScopeQuery::cache_key), each valid for
// `ttl` and only for the snapshot generation it was rendered from: a newer generation makes
// every older entry a miss. A ttl of zero disables the cache (find always misses, store does
// nothing). At most `max_entries` are kept; when full, expired entries are dropped, and if none
// expired the whole cache is cleared. Thread-safe.
class ResponseCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ResponseCache(std::chrono::seconds ttl, std::size_t max_entries = 1024);

  bool enabled() const { return ttl_.count() > 0; }

  // The entry for `key` if it was stored for `generation` less than ttl before `now`.
  std::optional<CachedResponse> find(const std::string& key, std::uint64_t generation,
                                     Clock::time_point now) const;

  // Stores `response` for `key`, rendered from `generation`, at `now`. An entry of an older
  // generation than one already seen is not stored.
  void store(const std::string& key, std::uint64_t generation, CachedResponse response,
             Clock::time_point now);

  std::size_t size() const;

 private:
  struct Entry {
    CachedResponse response;
    std::uint64_t generation = 0;
    Clock::time_point stored_at;
  };

  void make_room(Clock::time_point now);  // REQUIRES: mutex_ held

  std::chrono::seconds ttl_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mutex_)
  std::uint64_t newest_generation_ = 0;             // GUARDED_BY(mutex_)
};

}  // namespace cipette::web
