#include "cipette/core/large_allocator.h"

#include <sys/mman.h>

#include <algorithm>
#include <mutex>
#include <new>
#include <vector>

namespace cipette::large_blocks {
namespace {

// At most this many bytes are kept: the big columns of one 1M-run table (~95 MB) with room to
// grow; a process that builds no more tables holds this much at most, beyond its tables.
constexpr std::size_t kMaxKeptBytes = std::size_t{256} << 20;

struct Kept {
  void* block;
  std::size_t bytes;
};

struct Pool {
  std::mutex mutex;
  std::vector<Kept> blocks;
  std::size_t bytes = 0;
};

Pool& pool() {
  static Pool* instance = new Pool();  // never destroyed: deallocations may come at exit
  return *instance;
}

}  // namespace

void* take(std::size_t bytes) noexcept {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  // The smallest kept block that fits and wastes at most a quarter of itself or a huge page.
  std::size_t best = p.blocks.size();
  for (std::size_t i = 0; i < p.blocks.size(); ++i) {
    const Kept& kept = p.blocks[i];
    if (kept.bytes < bytes || kept.bytes - bytes > std::max(kept.bytes / 4, kHugePage)) continue;
    if (best == p.blocks.size() || kept.bytes < p.blocks[best].bytes) best = i;
  }
  if (best == p.blocks.size()) return nullptr;
  void* block = p.blocks[best].block;
  p.bytes -= p.blocks[best].bytes;
  p.blocks.erase(p.blocks.begin() + static_cast<std::ptrdiff_t>(best));
  return block;
}

void give_back(void* block, std::size_t bytes) noexcept {
  // The newest blocks are kept, the oldest freed to make room: a table freed after a refresh
  // holds the sizes the next refresh wants, unlike what a full build left behind while its
  // columns grew.
  std::vector<Kept> evicted;
  {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    if (bytes <= kMaxKeptBytes) {
      std::size_t drop = 0;
      std::size_t dropped_bytes = 0;
      while (p.bytes - dropped_bytes + bytes > kMaxKeptBytes) {
        dropped_bytes += p.blocks[drop++].bytes;
      }
      try {  // the pool changes only once nothing can throw any more
        p.blocks.reserve(p.blocks.size() + 1);
        auto first_kept = p.blocks.begin() + static_cast<std::ptrdiff_t>(drop);
        evicted.assign(p.blocks.begin(), first_kept);
        p.blocks.erase(p.blocks.begin(), first_kept);
        p.blocks.push_back({block, bytes});
        p.bytes = p.bytes - dropped_bytes + bytes;
        block = nullptr;
      } catch (...) {  // no memory to remember it: free it below
        evicted.clear();
      }
    }
  }
  for (const Kept& old : evicted) std::free(old.block);
  std::free(block);
}

void release_kept() noexcept {
  std::vector<Kept> kept;
  {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    kept.swap(p.blocks);
    p.bytes = 0;
  }
  for (const Kept& block : kept) std::free(block.block);
}

void* allocate(std::size_t bytes) {
  if (void* kept = take(bytes)) return kept;
  void* block = std::aligned_alloc(kHugePage, bytes);
  if (block == nullptr) throw std::bad_alloc();
  (void)madvise(block, bytes, MADV_HUGEPAGE);  // a hint: without it, plain pages
  return block;
}

void prepare(std::span<const std::size_t> sizes) {
  std::vector<std::pair<void*, std::size_t>> blocks;  // all held at once: none serves twice
  blocks.reserve(sizes.size());
  try {
    for (std::size_t bytes : sizes) {
      if (bytes < kLargeBytes) continue;  // not a pooled block
      bytes = rounded_size(bytes);
      void* block = allocate(bytes);
      blocks.emplace_back(block, bytes);
      // A write per 4 KiB page faults every page in, whether or not it is a huge page.
      for (std::size_t at = 0; at < bytes; at += 4096) static_cast<volatile char*>(block)[at] = 0;
    }
  } catch (const std::bad_alloc&) {  // what was prepared stays prepared
  }
  for (auto [block, bytes] : blocks) give_back(block, bytes);
}

}  // namespace cipette::large_blocks
