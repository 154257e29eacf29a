#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace cipette {

// An allocator for the run table's big columns (tens of megabytes at a million runs). Blocks of
// 4 MiB or more are aligned to 2 MiB and marked MADV_HUGEPAGE, so that the kernel backs them
// with transparent huge pages where it can (Linux's default "madvise" mode): building a table
// then takes one page fault per 2 MiB instead of one per 4 KiB, which is most of the cost of an
// incremental refresh on a virtual machine. Smaller blocks come from operator new as usual.
namespace large_blocks {

// Takes a block of at least `bytes` (a multiple of 2 MiB) that was given back before, or
// returns nullptr. Blocks given back are kept (up to a limit) because the next table built
// wants the same sizes again: reusing them skips faulting in and zeroing ~100 MB of fresh
// pages on every incremental refresh.
void* take(std::size_t bytes) noexcept;
// Keeps `block` (of `bytes`) for take(), or frees it when enough are kept.
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
    if (bytes < kLargeBytes) return static_cast<T*>(::operator new(bytes));
    std::size_t rounded = rounded_size(bytes);
    if (void* kept = large_blocks::take(rounded)) return static_cast<T*>(kept);
    void* block = std::aligned_alloc(kHugePage, rounded);
    if (block == nullptr) throw std::bad_alloc();
    (void)madvise(block, rounded, MADV_HUGEPAGE);  // a hint: without it, plain pages
    return static_cast<T*>(block);
  }

  void deallocate(T* block, std::size_t n) noexcept {
    if (n * sizeof(T) < kLargeBytes) {
      ::operator delete(block);
    } else {
      large_blocks::give_back(block, rounded_size(n * sizeof(T)));
    }
  }

  template <typename U>
  bool operator==(const LargeAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static std::size_t rounded_size(std::size_t bytes) {
    return (bytes + kHugePage - 1) / kHugePage * kHugePage;
  }
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static constexpr std::size_t kLargeBytes = std::size_t{4} << 20;
};

// A vector whose big buffers may live on huge pages.
template <typename T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

}  // namespace cipette
