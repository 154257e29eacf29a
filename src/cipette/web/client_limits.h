#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace cipette::web {

// Open connections per client address, so that one client cannot take every connection the
// server can hold. Thread-safe.
class ConnectionCounter {
 public:
  // At most `per_client` connections from one address (0: no limit per address) and `total`
  // in all.
  ConnectionCounter(std::size_t per_client, std::size_t total);

  // Counts a new connection from `address`; false (nothing counted) when a limit is reached.
  bool try_add(const std::string& address);
  // Forgets one connection from `address`. REQUIRES: a try_add(address) that returned true.
  void remove(const std::string& address);

  std::size_t open() const;
  std::size_t per_client() const { return per_client_; }

 private:
  std::size_t per_client_;
  std::size_t total_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> by_address_;  // GUARDED_BY(mutex_)
  std::size_t open_ = 0;                                     // GUARDED_BY(mutex_)
};

// Failed attempts at the access token (wrong bearer token, cookie or sign-in) per client
// address: after `max_failures` within `window`, the address is refused for the rest of that
// window without its credentials being checked, so guessing the token runs at a few attempts a
// minute, not tens of thousands a second. Remembers at most `max_addresses` addresses (the
// oldest windows are forgotten first). Thread-safe.
class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  static constexpr int kDefaultMaxFailures = 10;
  static constexpr std::chrono::seconds kDefaultWindow{60};

  explicit AuthThrottle(int max_failures = kDefaultMaxFailures,
                        std::chrono::seconds window = kDefaultWindow,
                        std::size_t max_addresses = 10'000);

  // When `address` is refused at `now`: how long until it may try again (at least 1 s).
  std::optional<std::chrono::seconds> refused(const std::string& address,
                                              Clock::time_point now) const;
  // Records a failed attempt from `address` at `now`.
  void record_failure(const std::string& address, Clock::time_point now);

 private:
  struct Window {
    Clock::time_point start;
    int failures = 0;
  };

  void forget_expired(Clock::time_point now);  // REQUIRES: mutex_ held

  int max_failures_;
  std::chrono::seconds window_;
  std::size_t max_addresses_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;  // GUARDED_BY(mutex_)
};

}  // namespace cipette::web
