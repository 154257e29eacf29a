#include "cipette/web/response_cache.h"

#include <iterator>

namespace cipette::web {

ResponseCache::ResponseCache(std::chrono::seconds ttl, std::size_t max_entries)
    : ttl_(ttl), max_entries_(max_entries == 0 ? 1 : max_entries) {}

std::optional<CachedResponse> ResponseCache::find(const std::string& key, std::uint64_t generation,
                                                  Clock::time_point now) const {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end()) return std::nullopt;
  const Entry& entry = found->second;
  if (entry.generation != generation || now - entry.stored_at >= ttl_) return std::nullopt;
  return entry.response;
}

void ResponseCache::store(const std::string& key, std::uint64_t generation, CachedResponse response,
                          Clock::time_point now) {
  if (!enabled()) return;
  std::lock_guard lock(mutex_);
  if (generation < newest_generation_) return;
  if (generation > newest_generation_) {
    // A new snapshot landed: nothing rendered from an older one may be served again.
    entries_.clear();
    newest_generation_ = generation;
  }
  if (entries_.size() >= max_entries_ && entries_.find(key) == entries_.end()) make_room(now);
  entries_.insert_or_assign(key, Entry{std::move(response), generation, now});
}

std::size_t ResponseCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void ResponseCache::make_room(Clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = now - it->second.stored_at >= ttl_ ? entries_.erase(it) : std::next(it);
  }
  if (entries_.size() >= max_entries_) entries_.clear();
}

}  // namespace cipette::web
