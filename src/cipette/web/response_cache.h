#pragma once

#include <chrono>
#include <cstdint>
#include <list>
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

// How much the response cache may hold.
struct CacheLimits {
  static constexpr std::size_t kDefaultMaxBytes = 64 << 20;  // CIPETTE_CACHE_MAX_MB = 64

  std::size_t max_bytes = kDefaultMaxBytes;  // bodies and keys of every entry together
  std::size_t max_entry_bytes = 0;           // larger bodies are not kept; 0: max_bytes / 16
  std::size_t max_entries = 4096;
};

// Rendered responses by normalised request (route and ScopeQuery::cache_key), each valid for
// `ttl` and only for the snapshot generation it was rendered from: a newer generation makes
// every older entry a miss. A ttl of zero disables the cache (find always misses, store does
// nothing). What it holds stays within `limits`: a body above max_entry_bytes is not kept, and
// to make room the entries stored longest ago go first (they are the first to expire anyway).
// So no request pattern, however many distinct views it asks for, grows the cache past
// max_bytes plus one entry's bookkeeping. Thread-safe.
class ResponseCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ResponseCache(std::chrono::seconds ttl, CacheLimits limits = {});

  bool enabled() const { return ttl_.count() > 0; }

  // The entry for `key` if it was stored for `generation` less than ttl before `now`.
  std::optional<CachedResponse> find(const std::string& key, std::uint64_t generation,
                                     Clock::time_point now) const;

  // Stores `response` for `key`, rendered from `generation`, at `now`. An entry of an older
  // generation than one already seen, or with a body over the entry limit, is not stored.
  void store(const std::string& key, std::uint64_t generation, CachedResponse response,
             Clock::time_point now);

  std::size_t size() const;
  std::size_t bytes() const;  // what the entries count against max_bytes

 private:
  struct Entry {
    CachedResponse response;
    std::uint64_t generation = 0;
    Clock::time_point stored_at;
    std::size_t bytes = 0;
    std::list<std::string>::iterator in_order;
  };

  void erase(std::unordered_map<std::string, Entry>::iterator entry);  // REQUIRES: mutex_ held
  void clear();                                                        // REQUIRES: mutex_ held

  std::chrono::seconds ttl_;
  CacheLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mutex_)
  std::list<std::string> order_;                    // GUARDED_BY(mutex_): oldest store first
  std::size_t bytes_ = 0;                           // GUARDED_BY(mutex_)
  std::uint64_t newest_generation_ = 0;             // GUARDED_BY(mutex_)
};

}  // namespace cipette::web
