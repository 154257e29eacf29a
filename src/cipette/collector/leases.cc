#include "cipette/collector/leases.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <random>

namespace cipette::collector {

namespace {

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

}  // namespace

std::string make_holder_id() {
  std::random_device random;
  return fmt::format("{}:{}:{:08x}", host_name(), static_cast<long>(getpid()), random());
}

bool holder_is_dead_local_process(std::string_view holder) {
  // host:pid:random, where the host itself may hold colons.
  auto last = holder.rfind(':');
  if (last == std::string_view::npos || last == 0) return false;
  auto middle = holder.rfind(':', last - 1);
  if (middle == std::string_view::npos) return false;
  if (holder.substr(0, middle) != host_name()) return false;
  std::string_view digits = holder.substr(middle + 1, last - middle - 1);
  long pid = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (error != std::errc() || end != digits.data() + digits.size() || pid <= 0) return false;
  if (pid == static_cast<long>(getpid())) return false;  // this process: alive
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

LeaseKeeper::LeaseKeeper(std::unique_ptr<LeaseStore> store, std::string holder,
                         std::chrono::seconds ttl, ProgressSink& progress)
    : store_(std::move(store)),
      holder_(std::move(holder)),
      ttl_(ttl),
      progress_(progress),
      thread_([this] { run(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LeaseKeeper::hold(const std::string& repository) {
  std::lock_guard lock(mutex_);
  held_.insert(repository);
}

void LeaseKeeper::drop(const std::string& repository) {
  std::lock_guard lock(mutex_);
  held_.erase(repository);
}

void LeaseKeeper::run() {
  // A third of the ttl: two renewals may fail or be late before the lease lapses.
  auto interval = std::max<std::chrono::milliseconds>(ttl_ / 3, std::chrono::milliseconds(100));
  std::unique_lock lock(mutex_);
  // Renews with the lock held, so that once drop() returns no renewal of that repository is
  // under way: a renewal after the sync's release would take the lease again.
  while (!wake_.wait_for(lock, interval, [this] { return stop_; })) renew_all();
}

// REQUIRES: mutex_ held.
void LeaseKeeper::renew_all() {
  for (const std::string& name : held_) {
    auto lease = store_->acquire_lease(name, holder_, ttl_);
    if (!lease) {
      progress_.note(name, fmt::format("could not renew the lease: {}", lease.error().message));
    } else if (!lease->acquired) {
      progress_.note(
          name, fmt::format("lease lost to {}: it lapsed before it was renewed", lease->holder));
    }
  }
}

}  // namespace cipette::collector
