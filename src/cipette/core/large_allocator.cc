#include "cipette/core/large_allocator.h"

#include <mutex>
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
  // The smallest kept block that fits and wastes at most a quarter of itself.
  std::size_t best = p.blocks.size();
  for (std::size_t i = 0; i < p.blocks.size(); ++i) {
    const Kept& kept = p.blocks[i];
    if (kept.bytes < bytes || kept.bytes - bytes > kept.bytes / 4) continue;
    if (best == p.blocks.size() || kept.bytes < p.blocks[best].bytes) best = i;
  }
  if (best == p.blocks.size()) return nullptr;
  void* block = p.blocks[best].block;
  p.bytes -= p.blocks[best].bytes;
  p.blocks.erase(p.blocks.begin() + static_cast<std::ptrdiff_t>(best));
  return block;
}

void give_back(void* block, std::size_t bytes) noexcept {
  Pool& p = pool();
  {
    std::lock_guard lock(p.mutex);
    if (p.bytes + bytes <= kMaxKeptBytes) {
      try {
        p.blocks.push_back({block, bytes});
        p.bytes += bytes;
        return;
      } catch (...) {  // no memory to remember it: free it below
      }
    }
  }
  std::free(block);
}

}  // namespace cipette::large_blocks
