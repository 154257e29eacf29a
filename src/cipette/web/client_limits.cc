#include "cipette/web/client_limits.h"

#include <algorithm>

namespace cipette::web {

ConnectionCounter::ConnectionCounter(std::size_t per_client, std::size_t total)
    : per_client_(per_client), total_(total) {}

bool ConnectionCounter::try_add(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (open_ >= total_) return false;
  std::size_t& count = by_address_[address];
  if (per_client_ > 0 && count >= per_client_) {
    if (count == 0) by_address_.erase(address);
    return false;
  }
  ++count;
  ++open_;
  return true;
}

void ConnectionCounter::remove(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto found = by_address_.find(address);
  if (found == by_address_.end()) return;
  if (--found->second == 0) by_address_.erase(found);
  --open_;
}

std::size_t ConnectionCounter::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

AuthThrottle::AuthThrottle(int max_failures, std::chrono::seconds window, std::size_t max_addresses)
    : max_failures_(max_failures), window_(window), max_addresses_(max_addresses) {}

std::optional<std::chrono::seconds> AuthThrottle::refused(const std::string& address,
                                                          Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  auto found = windows_.find(address);
  if (found == windows_.end() || found->second.failures < max_failures_) return std::nullopt;
  auto left = found->second.start + window_ - now;
  if (left <= Clock::duration::zero()) return std::nullopt;
  auto seconds = std::chrono::ceil<std::chrono::seconds>(left);
  return std::max(seconds, std::chrono::seconds(1));
}

void AuthThrottle::record_failure(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (windows_.size() >= max_addresses_ && !windows_.contains(address)) forget_expired(now);
  if (windows_.size() >= max_addresses_ && !windows_.contains(address)) {
    // Every remembered address is within its window: forget the one whose window ends first.
    auto oldest = std::min_element(windows_.begin(), windows_.end(), [](auto& a, auto& b) {
      return a.second.start < b.second.start;
    });
    windows_.erase(oldest);
  }
  Window& w = windows_[address];
  if (w.failures == 0 || now - w.start >= window_) w = Window{now, 0};
  ++w.failures;
}

void AuthThrottle::forget_expired(Clock::time_point now) {
  std::erase_if(windows_, [&](const auto& entry) { return now - entry.second.start >= window_; });
}

}  // namespace cipette::web
