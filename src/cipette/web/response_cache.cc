#include "cipette/web/response_cache.h"

namespace cipette::web {

namespace {

// What an entry costs beyond its body and key: the map node, the order list node, the shared
// body's control block.
constexpr std::size_t kEntryOverhead = 160;

}  // namespace

ResponseCache::ResponseCache(std::chrono::seconds ttl, CacheLimits limits)
    : ttl_(ttl), limits_(limits) {
  if (limits_.max_entries == 0) limits_.max_entries = 1;
  if (limits_.max_entry_bytes == 0) limits_.max_entry_bytes = limits_.max_bytes / 16;
}

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
  std::size_t body = response.body ? response.body->size() : 0;
  std::size_t cost = body + 2 * key.size() + kEntryOverhead;
  if (body > limits_.max_entry_bytes || cost > limits_.max_bytes) return;
  std::lock_guard lock(mutex_);
  if (generation < newest_generation_) return;
  if (generation > newest_generation_) {
    // A new snapshot landed: nothing rendered from an older one may be served again.
    clear();
    newest_generation_ = generation;
  }
  if (auto existing = entries_.find(key); existing != entries_.end()) erase(existing);
  while (!order_.empty() &&
         (bytes_ + cost > limits_.max_bytes || entries_.size() >= limits_.max_entries)) {
    erase(entries_.find(order_.front()));
  }
  order_.push_back(key);
  entries_.emplace(key, Entry{std::move(response), generation, now, cost, std::prev(order_.end())});
  bytes_ += cost;
}

void ResponseCache::erase(std::unordered_map<std::string, Entry>::iterator entry) {
  bytes_ -= entry->second.bytes;
  order_.erase(entry->second.in_order);
  entries_.erase(entry);
}

void ResponseCache::clear() {
  entries_.clear();
  order_.clear();
  bytes_ = 0;
}

std::size_t ResponseCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t ResponseCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace cipette::web
