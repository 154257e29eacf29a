#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <span>
#include <vector>

namespace cipette {

// An allocator for the run table's big columns (tens of megabytes at a million runs). Blocks of
// 4 MiB or more are aligned to 2 MiB and marked MADV_HUGEPAGE, so that the kernel backs them
// with transparent huge pages where it can (Linux's default "madvise" mode): building a table
// then takes one page fault per 2 MiB instead of one per 4 KiB, which is most of the cost of an
// incremental refresh on a virtual machine. Smaller blocks come from operator new as usual.
namespace large_blocks {

// Takes a block of at least `bytes` (a multiple of 2 MiB) that was given back before and is
// at most a quarter, or one huge page, bigger; or returns nullptr. Blocks given back are kept (up
// to a limit) because the next table built wants the same sizes again: reusing them skips faulting
// in and zeroing ~100 MB of fresh pages on every incremental refresh.
void* take(std::size_t bytes) noexcept;
// Takes `bytes` from the pool or, failing that, from the kernel: aligned to 2 MiB and marked
// MADV_HUGEPAGE. Throws std::bad_alloc.
void* allocate(std::size_t bytes);

// Puts blocks of the given sizes in the pool ahead of need, their pages faulted in (sizes
// under kLargeBytes are skipped; out of memory, what was prepared stays): for the first build
// after a big table was loaded, so that it does not wait for the kernel to find and zero fresh
// huge pages (~200 ms for 100 MB on a fragmented virtual machine).
void prepare(std::span<const std::size_t> sizes);

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;
// Smaller blocks come from operator new and are never kept.
inline constexpr std::size_t kLargeBytes = std::size_t{4} << 20;
inline std::size_t rounded_size(std::size_t bytes) {
  return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}

// How many elements of `element_bytes` to reserve for `count` so that a buffer of 1 MiB or
// more is a pooled block: one between 1 and 4 MiB is raised to kLargeBytes. Smaller buffers
// come from operator new, often in fresh pages that fault in one at a time (~3 ms a megabyte
// on a virtual machine), which for a buffer rebuilt on every refresh costs more than the
// memory held.
inline std::size_t pooled_capacity(std::size_t count, std::size_t element_bytes) {
  const std::size_t bytes = count * element_bytes;
  return bytes >= (std::size_t{1} << 20) && bytes < kLargeBytes ? kLargeBytes / element_bytes
                                                                : count;
}

// Frees every kept block.
void release_kept() noexcept;

// Keeps `block` (of `bytes`) for take(). At most 256 MB are kept: the oldest blocks are freed
// to make room for a newer one (a table freed after a refresh has the sizes the next one
// wants), and a block bigger than that is freed at once.
void give_back(void* block, std::size_t bytes) noexcept;

}  // namespace large_blocks

template <typename T>
class LargeAllocator {
 public:
  using value_type = T;

  LargeAllocator() noexcept = default;
  template <typename U>
  LargeAllocator(const LargeAllocator<U>&) noexcept {}  // NOLINT: allocators convert implicitly

  T* allocate(std::size_t n) {
    std::size_t bytes = n * sizeof(T);
    if (bytes < large_blocks::kLargeBytes) return static_cast<T*>(::operator new(bytes));
    return static_cast<T*>(large_blocks::allocate(large_blocks::rounded_size(bytes)));
  }

  void deallocate(T* block, std::size_t n) noexcept {
    if (n * sizeof(T) < large_blocks::kLargeBytes) {
      ::operator delete(block);
    } else {
      large_blocks::give_back(block, large_blocks::rounded_size(n * sizeof(T)));
    }
  }

  template <typename U>
  bool operator==(const LargeAllocator<U>&) const noexcept {
    return true;
  }
};

// A vector whose big buffers may live on huge pages.
template <typename T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

}  // namespace cipette
