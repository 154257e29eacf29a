#include "cipette/web/store_pool.h"

#include <utility>

namespace cipette::web {

StorePool::StorePool(StoreOpener open, std::size_t keep) : open_(std::move(open)), keep_(keep) {}

Result<StoreReader> StorePool::take() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      StoreReader reader = std::move(idle_.back());
      idle_.pop_back();
      return reader;
    }
  }
  // Opened outside the lock: a slow connect must not hold up the requests that find one idle.
  auto opened = open_();
  if (!opened) return Error{"opening a store connection: " + opened.error().message};
  return std::move(*opened);
}

Status StorePool::with_jobs(const std::function<Status(JobReader*)>& use) {
  auto reader = take();
  if (!reader) return reader.error();
  Status used = use(reader->jobs);
  if (!used) return used;  // the connection is closed here
  std::lock_guard lock(mutex_);
  if (idle_.size() < keep_) idle_.push_back(std::move(*reader));
  return used;
}

std::size_t StorePool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

}  // namespace cipette::web
