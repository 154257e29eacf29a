#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace cipette {

// A succinct, immutable sequence of unsigned integers that answers order statistics over any
// union of position ranges in O(ranges * bits) time, independent of how many values the ranges
// hold: the k-th smallest value (exact nearest-rank percentiles of run durations over a period)
// and how many values are below a bound.
//
// It is a wavelet matrix (Claude, Navarro and Ordóñez, "The wavelet matrix", SPIRE 2012): one
// bit vector of n bits per bit of the values, most significant first, each level holding its
// bit of the values in the order the levels above left them in (stably partitioned, zeros
// first). Every bit vector carries a rank directory interleaved with its bits, so that a rank
// reads one 64-byte cache line: a directory word, then 448 bits. Memory: n * bits * 8/7 bits
// plus a line per level (2.0 MB for a million 14-bit values).
//
// Thread-safety: const member functions may be called concurrently.
class WaveletMatrix {
 public:
  // A half-open range [first, second) of positions.
  using Range = std::pair<std::size_t, std::size_t>;

  // The build's inner loop: portable C++, or AVX2 (x86-64 processors since 2013-2015, ~5x
  // faster). Both build the same matrix; kAuto (the default) takes AVX2 where the processor
  // has it. Naming one is for tests and benchmarks.
  enum class Kernel { kAuto, kPortable, kAvx2 };
  // Whether this processor (and this build of the program) can run `kernel`.
  static bool supports(Kernel kernel);

  // An empty matrix: size() == 0, bits() == 0.
  WaveletMatrix() = default;

  // Builds the matrix over a copy of `values`. REQUIRES: 1 <= bits <= 32, every value
  // < 2^bits, values.size() < 2^37, supports(kernel). Time O(n * bits) (~3 ms for a million
  // 14-bit values with AVX2); memory for the build: two scratch buffers of n values, freed on
  // return.
  WaveletMatrix(std::span<const std::uint32_t> values, int bits, Kernel kernel = Kernel::kAuto);

  // The smallest `bits` (at least 1) that holds every value up to `max_value`.
  static int bits_for(std::uint32_t max_value);

  std::size_t size() const { return size_; }
  int bits() const { return bits_; }

  // The value of 0-based rank k (the k-th smallest, duplicates counted) among the values at
  // the positions of all `ranges`. Time O(ranges * bits). Ranges given in increasing order of
  // position are merged where they touch, which makes them a little faster.
  // REQUIRES: the ranges are disjoint, first <= second <= size() for each, and k < the sum of
  // their lengths (so at least one is non-empty).
  std::uint32_t kth_smallest(std::span<const Range> ranges, std::size_t k) const;
  // The same over the single range [first, last). REQUIRES: k < last - first, last <= size().
  std::uint32_t kth_smallest(std::size_t first, std::size_t last, std::size_t k) const;

  // How many of the values at the positions of `ranges` are < v (any v: values >= 2^bits
  // count every value). REQUIRES: the ranges are disjoint and within [0, size()].
  std::size_t count_less(std::span<const Range> ranges, std::uint32_t v) const;

  // Heap bytes held.
  std::size_t memory_bytes() const { return lines_.capacity() * sizeof(std::uint64_t); }

 private:
  std::size_t size_ = 0;
  int bits_ = 0;
  std::size_t lines_per_level_ = 0;  // one more than size_ needs, so that rank(size_) has one
  // Every level's lines, from lines_[first_word_] (64-byte aligned when built; a copy may not
  // be, which costs speed, not correctness).
  std::vector<std::uint64_t> lines_;
  std::size_t first_word_ = 0;
  // zeros_[level]: how many bits of the level are 0, which is where its ones go below it.
  std::size_t zeros_[32] = {};
};

}  // namespace cipette
