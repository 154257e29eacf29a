#include "cipette/core/engine/wavelet_matrix.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <memory>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CIPETTE_WAVELET_X86 1
#else
#define CIPETTE_WAVELET_X86 0
#endif

// The queries and the directory count bits with popcount; built for the x86-64 baseline (no
// POPCNT), the compiler would call a library routine for each. So on x86-64 those functions are
// compiled twice, with and without POPCNT, and the loader picks the one the processor runs.
#if CIPETTE_WAVELET_X86 && !defined(__POPCNT__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define CIPETTE_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#endif
#endif
#ifndef CIPETTE_POPCNT_CLONES
#define CIPETTE_POPCNT_CLONES
#endif
#define CIPETTE_ALWAYS_INLINE inline __attribute__((always_inline))

namespace cipette {
namespace {

using Range = WaveletMatrix::Range;
using Kernel = WaveletMatrix::Kernel;
// A level's bit vector is a sequence of 64-byte lines: a directory word, then 7 words (448
// positions) of bits, the first position in the lowest bit. The directory word holds the ones
// before the line (low kAbsoluteBits) and the ones in the line's words 0-1, 0-3 and 0-5
// (kRelativeBits each, from bit kAbsoluteBits up), so a rank reads one line and counts the
// bits of at most two words.
constexpr std::size_t kLineWords = 8;
constexpr std::size_t kWordsPerLine = kLineWords - 1;
constexpr std::size_t kBitsPerLine = kWordsPerLine * 64;
constexpr int kAbsoluteBits = 37;
constexpr int kRelativeBits = 9;
constexpr std::uint64_t kAbsoluteMask = (std::uint64_t{1} << kAbsoluteBits) - 1;
constexpr std::uint64_t kRelativeMask = (std::uint64_t{1} << kRelativeBits) - 1;

// ---- Build ----
//
// Each level is one pass over the values in the order the level above left them in: a kernel
// turns each run of 64 values into a word of the level's bits and (but on the last level)
// stably partitions them into a scratch buffer, zeros to the front and ones from `zeros` on;
// plain code does the last values; then a second, short pass over the level's lines (1/64 of
// the data) fills in the directory words. Levels alternate between two scratch buffers.
//
// The kernels never branch on a bit (the bits are random, and a mispredicted branch costs more
// than the work): they write each value, or a vector of them, to the next slot of *both* parts,
// and advance only the slot its bit picks. A write to the other part's slot is overwritten by
// that part's next value, except past the end of a part: past the ones that is up to kSpill
// slots after the buffer (allocated for it), past the zeros it is the first kSpill slots of
// the ones, which rewrite_first_ones() then puts right.

constexpr std::size_t kSpill = 8;  // the widest vector, 8 values

// A buffer of n values (and kSpill more) that is not zeroed.
class Scratch {
 public:
  explicit Scratch(std::size_t n)
      : data_(n > 0 ? std::make_unique_for_overwrite<std::uint32_t[]>(n + kSpill) : nullptr) {}
  std::uint32_t* data() const { return data_.get(); }

 private:
  std::unique_ptr<std::uint32_t[]> data_;
};

// One level's pass.
struct LevelJob {
  const std::uint32_t* source = nullptr;  // the values in the level's order
  std::size_t size = 0;
  int shift = 0;                    // the level's bit of a value
  std::uint32_t* target = nullptr;  // for the next level's order; nullptr on the last level
  std::uint64_t* lines = nullptr;   // the level's lines
};

// Where a partition has got to.
struct Cursor {
  std::size_t zero_at = 0;    // the next slot of target for a value whose bit is 0
  std::size_t one_at = 0;     // ... whose bit is 1
  std::size_t next_ones = 0;  // values seen with the next level's bit 1
};

// The word of the level's bits for positions [64q, 64q + 64).
CIPETTE_ALWAYS_INLINE std::uint64_t& word_at(std::uint64_t* lines, std::size_t q) {
  return lines[q / kWordsPerLine * kLineWords + 1 + q % kWordsPerLine];
}

// The kernels: over the first size / 64 * 64 values, partition() writes the level's words,
// moves the values and advances the cursor; bits() writes the words and returns the ones.
struct BuildKernels {
  void (*partition)(const LevelJob& job, Cursor& cursor);
  std::size_t (*bits)(const LevelJob& job);
};

void partition_portable(const LevelJob& job, Cursor& cursor) {
  // Locals, not the job's and cursor's fields: stores through target could alias an int.
  const std::uint32_t* source = job.source;
  std::uint32_t* const target = job.target;
  const int shift = job.shift;
  const std::uint32_t next_bit = std::uint32_t{1} << (shift - 1);
  std::size_t zero_at = cursor.zero_at;
  std::size_t one_at = cursor.one_at;
  std::size_t next_ones = cursor.next_ones;
  for (std::size_t q = 0; q < job.size / 64; ++q, source += 64) {
    std::uint64_t word = 0;
    std::uint64_t next_sum = 0;  // next_bit times the values with it set: no shift by a variable
    for (std::size_t j = 0; j < 64; ++j) {
      const std::uint32_t value = source[j];
      const std::uint64_t bit = (value >> shift) & 1;
      target[zero_at] = value;  // both slots; see above
      target[one_at] = value;
      zero_at += bit ^ 1;
      one_at += bit;
      next_sum += value & next_bit;
      word = (word >> 1) | (bit << 63);  // the first value ends up in the lowest bit
    }
    next_ones += next_sum >> (shift - 1);
    word_at(job.lines, q) = word;
  }
  cursor = {zero_at, one_at, next_ones};
}

std::size_t bits_portable(const LevelJob& job) {
  std::size_t ones = 0;
  for (std::size_t q = 0; q < job.size / 64; ++q) {
    const std::uint32_t* source = job.source + q * 64;
    std::uint64_t word = 0;
    for (std::size_t j = 0; j < 64; ++j) {
      const std::uint64_t bit = (source[j] >> job.shift) & 1;
      ones += bit;
      word |= bit << j;
    }
    word_at(job.lines, q) = word;
  }
  return ones;
}

#if CIPETTE_WAVELET_X86

// For each 8-bit mask, the positions of its set bits in increasing order, a byte each.
constexpr std::array<std::uint64_t, 256> kSetBitPositions = [] {
  std::array<std::uint64_t, 256> table{};
  for (unsigned mask = 0; mask < 256; ++mask) {
    unsigned found = 0;
    for (unsigned i = 0; i < 8; ++i) {
      if ((mask >> i) & 1) table[mask] |= std::uint64_t{i} << (8 * found++);
    }
  }
  return table;
}();

// The values of `values` whose bit is set in `mask`, in order, first.
__attribute__((target("avx2"))) CIPETTE_ALWAYS_INLINE __m256i compress_avx2(__m256i values,
                                                                            unsigned mask) {
  const auto positions = static_cast<long long>(kSetBitPositions[mask]);
  return _mm256_permutevar8x32_epi32(values, _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(positions)));
}

// The sign bits of the 8 values shifted left by `shift` (an __m128i count).
__attribute__((target("avx2"))) CIPETTE_ALWAYS_INLINE unsigned sign_bits_avx2(__m256i values,
                                                                              __m128i shift) {
  return static_cast<unsigned>(
      _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_sll_epi32(values, shift))));
}

__attribute__((target("avx2,popcnt"))) void partition_avx2(const LevelJob& job, Cursor& cursor) {
  const std::uint32_t* source = job.source;
  std::uint32_t* const target = job.target;
  const __m128i to_sign = _mm_cvtsi32_si128(31 - job.shift);
  const __m128i next_to_sign = _mm_cvtsi32_si128(32 - job.shift);
  std::size_t zero_at = cursor.zero_at;
  std::size_t one_at = cursor.one_at;
  std::size_t next_ones = cursor.next_ones;
  for (std::size_t q = 0; q < job.size / 64; ++q) {
    std::uint64_t word = 0;
    for (unsigned i = 0; i < 8; ++i, source += 8) {
      const __m256i values = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(source));
      const unsigned ones = sign_bits_avx2(values, to_sign);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(target + zero_at),
                          compress_avx2(values, ones ^ 0xFF));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(target + one_at), compress_avx2(values, ones));
      const auto count = static_cast<unsigned>(_mm_popcnt_u32(ones));
      one_at += count;
      zero_at += 8 - count;
      next_ones += static_cast<unsigned>(_mm_popcnt_u32(sign_bits_avx2(values, next_to_sign)));
      word |= std::uint64_t{ones} << (8 * i);
    }
    word_at(job.lines, q) = word;
  }
  cursor = {zero_at, one_at, next_ones};
}

__attribute__((target("avx2,popcnt"))) std::size_t bits_avx2(const LevelJob& job) {
  const __m128i to_sign = _mm_cvtsi32_si128(31 - job.shift);
  std::size_t ones = 0;
  for (std::size_t q = 0; q < job.size / 64; ++q) {
    const std::uint32_t* source = job.source + q * 64;
    std::uint64_t word = 0;
    for (unsigned i = 0; i < 8; ++i) {
      const __m256i values =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(source + std::size_t{8} * i));
      word |= std::uint64_t{sign_bits_avx2(values, to_sign)} << (8 * i);
    }
    ones += static_cast<std::size_t>(_mm_popcnt_u64(word));
    word_at(job.lines, q) = word;
  }
  return ones;
}

#endif  // CIPETTE_WAVELET_X86

bool processor_runs(Kernel kernel) {
  switch (kernel) {
    case Kernel::kAuto:
    case Kernel::kPortable:
      return true;
#if CIPETTE_WAVELET_X86
    case Kernel::kAvx2: {
      static const bool avx2_runs = [] {
        __builtin_cpu_init();  // in case this runs before the runtime's own initialisation
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
      }();
      return avx2_runs;
    }
#else
    case Kernel::kAvx2:
      return false;
#endif
  }
  return false;
}

BuildKernels kernels_for(Kernel kernel) {
  if (kernel == Kernel::kAuto) {
    kernel = processor_runs(Kernel::kAvx2) ? Kernel::kAvx2 : Kernel::kPortable;
  }
#if CIPETTE_WAVELET_X86
  if (kernel == Kernel::kAvx2) return {partition_avx2, bits_avx2};
#endif
  return {partition_portable, bits_portable};
}

// The values after the kernels' last full word, one by one: the level's last word and (when
// partitioning) each value at the slot its bit picks. Adds the ones to cursor.one_at.
void finish_level(const LevelJob& job, Cursor& cursor) {
  const std::size_t from = job.size / 64 * 64;
  if (from == job.size) return;
  std::uint64_t word = 0;
  for (std::size_t at = from; at < job.size; ++at) {
    const std::uint32_t value = job.source[at];
    const std::uint64_t bit = (value >> job.shift) & 1;
    word |= bit << (at - from);
    if (job.target != nullptr) {
      job.target[bit != 0 ? cursor.one_at : cursor.zero_at++] = value;
      cursor.next_ones += (value >> (job.shift - 1)) & 1;
    }
    cursor.one_at += bit;
  }
  word_at(job.lines, from / 64) = word;
}

// Writes the first values with the level's bit 1 to the first kSpill slots of the ones' part,
// which starts at `zeros` (see above). They are found from the level's words.
void rewrite_first_ones(const LevelJob& job, std::size_t zeros) {
  const std::size_t end = std::min(job.size, zeros + kSpill);
  std::size_t at = zeros;
  for (std::size_t q = 0; at < end; ++q) {
    for (std::uint64_t word = word_at(job.lines, q); word != 0 && at < end; word &= word - 1) {
      job.target[at++] = job.source[q * 64 + static_cast<std::size_t>(std::countr_zero(word))];
    }
  }
}

// The level's bits only; returns its ones.
std::size_t write_bits(const BuildKernels& kernels, const LevelJob& job) {
  Cursor cursor;
  finish_level(job, cursor);
  return kernels.bits(job) + cursor.one_at;
}

// The level's bits and the next level's order; returns the ones of the next level's bit.
std::size_t partition_level(const BuildKernels& kernels, const LevelJob& job, std::size_t zeros) {
  Cursor cursor{0, zeros, 0};
  kernels.partition(job, cursor);
  finish_level(job, cursor);
  rewrite_first_ones(job, zeros);
  return cursor.next_ones;
}

// Fills in the directory words of a level's `count` lines.
CIPETTE_POPCNT_CLONES
void fill_directory(std::uint64_t* lines, std::size_t count) {
  std::uint64_t before = 0;
  for (std::uint64_t* line = lines; line != lines + count * kLineWords; line += kLineWords) {
    const auto in_2 = static_cast<std::uint64_t>(std::popcount(line[1])) +
                      static_cast<std::uint64_t>(std::popcount(line[2]));
    const std::uint64_t in_4 = in_2 + static_cast<std::uint64_t>(std::popcount(line[3])) +
                               static_cast<std::uint64_t>(std::popcount(line[4]));
    const std::uint64_t in_6 = in_4 + static_cast<std::uint64_t>(std::popcount(line[5])) +
                               static_cast<std::uint64_t>(std::popcount(line[6]));
    line[0] = before | in_2 << kAbsoluteBits | in_4 << (kAbsoluteBits + kRelativeBits) |
              in_6 << (kAbsoluteBits + 2 * kRelativeBits);
    before += in_6 + static_cast<std::uint64_t>(std::popcount(line[7]));
  }
}

// ---- Queries ----

// What the query functions read of a matrix.
struct Levels {
  const std::uint64_t* lines = nullptr;  // level 0's first line
  std::size_t level_words = 0;           // words from one level's lines to the next's
  const std::size_t* zeros = nullptr;
  int bits = 0;
};

// How many of the first `position` bits of the level starting at `lines` are 0.
CIPETTE_ALWAYS_INLINE std::size_t rank0(const std::uint64_t* lines, std::size_t position) {
  const std::uint64_t* line = lines + position / kBitsPerLine * kLineWords;
  const std::size_t offset = position % kBitsPerLine;
  const std::size_t word = offset / 64;
  const std::uint64_t directory = line[0];
  // The directory counts the words before word & ~1; an odd word adds its even neighbour.
  const std::size_t pair = word / 2;
  std::uint64_t relative =
      (directory >> (kAbsoluteBits + kRelativeBits * pair - kRelativeBits)) & kRelativeMask;
  std::uint64_t ones = (directory & kAbsoluteMask) + (pair != 0 ? relative : 0);
  ones += std::popcount(line[1 + (word & ~std::size_t{1})] & (std::uint64_t{0} - (word & 1)));
  ones += std::popcount(line[1 + word] & ((std::uint64_t{1} << (offset % 64)) - 1));
  return position - ones;
}

// A range being followed down the levels, with the zeros before its ends on the current level.
struct Work {
  std::size_t first = 0;
  std::size_t last = 0;
  std::size_t zero_first = 0;
  std::size_t zero_last = 0;
};

// Fills in each range's zero ranks on the level; returns the zeros in all ranges.
CIPETTE_ALWAYS_INLINE std::size_t rank_ranges(const std::uint64_t* lines, Work* work,
                                              std::size_t count) {
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < count; ++i) {
    work[i].zero_first = rank0(lines, work[i].first);
    work[i].zero_last = rank0(lines, work[i].last);
    zeros += work[i].zero_last - work[i].zero_first;
  }
  return zeros;
}

// Appends [first, last) to work[0, kept) unless it is empty, merging it into the previous range
// when they touch; returns the new count.
CIPETTE_ALWAYS_INLINE std::size_t append_range(Work* work, std::size_t kept, std::size_t first,
                                               std::size_t last) {
  if (first == last) return kept;
  if (kept > 0 && work[kept - 1].last == first) {
    work[kept - 1].last = last;
    return kept;
  }
  work[kept] = {first, last, 0, 0};
  return kept + 1;
}

// Moves every range to the next level, into the zeros' or the ones' part (which starts at
// `level_zeros`); returns how many ranges are left.
CIPETTE_ALWAYS_INLINE std::size_t descend(Work* work, std::size_t count, bool one,
                                          std::size_t level_zeros) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Work& range = work[i];
    std::size_t first = one ? level_zeros + range.first - range.zero_first : range.zero_first;
    std::size_t last = one ? level_zeros + range.last - range.zero_last : range.zero_last;
    kept = append_range(work, kept, first, last);
  }
  return kept;
}

CIPETTE_POPCNT_CLONES
std::uint32_t kth_of_ranges(const Levels& levels, Work* work, std::size_t count, std::size_t k) {
  std::uint32_t value = 0;
  for (int level = 0; level < levels.bits; ++level) {
    const std::uint64_t* lines =
        levels.lines + static_cast<std::size_t>(level) * levels.level_words;
    const std::size_t zeros = rank_ranges(lines, work, count);
    const bool one = k >= zeros;
    if (one) k -= zeros;
    value = (value << 1) | static_cast<std::uint32_t>(one);
    count = descend(work, count, one, levels.zeros[level]);
  }
  return value;
}

CIPETTE_POPCNT_CLONES
std::uint32_t kth_of_range(const Levels& levels, std::size_t first, std::size_t last,
                           std::size_t k) {
  std::uint32_t value = 0;
  for (int level = 0; level < levels.bits; ++level) {
    const std::uint64_t* lines =
        levels.lines + static_cast<std::size_t>(level) * levels.level_words;
    const std::size_t zero_first = rank0(lines, first);
    const std::size_t zero_last = rank0(lines, last);
    const std::size_t zeros = zero_last - zero_first;
    const bool one = k >= zeros;
    if (one) {
      k -= zeros;
      first = levels.zeros[level] + first - zero_first;
      last = levels.zeros[level] + last - zero_last;
    } else {
      first = zero_first;
      last = zero_last;
    }
    value = (value << 1) | static_cast<std::uint32_t>(one);
  }
  return value;
}

CIPETTE_POPCNT_CLONES
std::size_t count_less_in_ranges(const Levels& levels, Work* work, std::size_t count,
                                 std::uint32_t v) {
  std::size_t less = 0;
  for (int level = 0; level < levels.bits && count > 0; ++level) {
    const std::uint64_t* lines =
        levels.lines + static_cast<std::size_t>(level) * levels.level_words;
    const std::size_t zeros = rank_ranges(lines, work, count);
    const bool one = ((v >> (levels.bits - 1 - level)) & 1) != 0;
    if (one) less += zeros;  // every value whose bit is 0 here, with v's bits above, is < v
    count = descend(work, count, one, levels.zeros[level]);
  }
  return less;
}

// The ranges as Work, without empty ones, touching ones merged.
std::vector<Work> work_of(std::span<const Range> ranges) {
  std::vector<Work> work(ranges.size());
  std::size_t kept = 0;
  for (const Range& range : ranges)
    kept = append_range(work.data(), kept, range.first, range.second);
  work.resize(kept);
  return work;
}

[[maybe_unused]] bool ranges_valid(std::span<const Range> ranges, std::size_t size) {
  return std::all_of(ranges.begin(), ranges.end(), [size](const Range& range) {
    return range.first <= range.second && range.second <= size;
  });
}

std::size_t total_length(std::span<const Work> work) {
  std::size_t total = 0;
  for (const Work& range : work) total += range.last - range.first;
  return total;
}

}  // namespace

bool WaveletMatrix::supports(Kernel kernel) { return processor_runs(kernel); }

namespace {

// The words of the lines of a matrix of `lines_per_level` lines a level and `bits` levels, with
// room to align them to a 64-byte line.
std::size_t line_words(std::size_t lines_per_level, int bits) {
  return lines_per_level * kLineWords * static_cast<std::size_t>(bits) + kLineWords - 1;
}

}  // namespace

WaveletMatrix::WaveletMatrix(std::span<const std::uint32_t> values, int bits, Kernel kernel)
    : size_(values.size()), bits_(bits), lines_per_level_(values.size() / kBitsPerLine + 1) {
  assert(bits >= 1 && bits <= 32);
  assert(size_ < (std::size_t{1} << kAbsoluteBits));
  assert(bits == 32 || std::all_of(values.begin(), values.end(),
                                   [bits](std::uint32_t v) { return (v >> bits) == 0; }));
  assert(supports(kernel));
  const std::size_t level_words = lines_per_level_ * kLineWords;
  const std::size_t words = line_words(lines_per_level_, bits);
  lines_.resize(words);
  const auto address = reinterpret_cast<std::uintptr_t>(lines_.data());
  first_word_ = (0 - address) % (kLineWords * sizeof(std::uint64_t)) / sizeof(std::uint64_t);
  const BuildKernels kernels = kernels_for(kernel);

  // Level l reads what level l - 1 wrote: the input, then the two scratch buffers in turn.
  Scratch scratch_a(bits > 1 ? size_ : 0);
  Scratch scratch_b(bits > 2 ? size_ : 0);
  const std::uint32_t* source = values.data();
  std::uint32_t* target = scratch_a.data();
  std::uint32_t* spare = scratch_b.data();
  std::uint64_t* lines = lines_.data() + first_word_;
  // The first partition needs to know where its ones start.
  zeros_[0] = size_ - write_bits(kernels, {source, size_, bits - 1, nullptr, lines});
  for (int level = 0; level < bits; ++level, lines += level_words) {
    LevelJob job{source, size_, bits - 1 - level, nullptr, lines};
    if (level + 1 == bits) {
      write_bits(kernels, job);
    } else {
      job.target = target;
      zeros_[level + 1] = size_ - partition_level(kernels, job, zeros_[level]);
      source = target;
      std::swap(target, spare);
    }
    fill_directory(lines, lines_per_level_);
  }
}

int WaveletMatrix::bits_for(std::uint32_t max_value) {
  return std::max(1, static_cast<int>(std::bit_width(max_value)));
}

std::uint32_t WaveletMatrix::kth_smallest(std::span<const Range> ranges, std::size_t k) const {
  assert(ranges_valid(ranges, size_));
  std::vector<Work> work = work_of(ranges);
  assert(k < total_length(work));
  Levels levels{lines_.data() + first_word_, lines_per_level_ * kLineWords, zeros_, bits_};
  return kth_of_ranges(levels, work.data(), work.size(), k);
}

std::uint32_t WaveletMatrix::kth_smallest(std::size_t first, std::size_t last,
                                          std::size_t k) const {
  assert(first <= last && last <= size_ && k < last - first);
  Levels levels{lines_.data() + first_word_, lines_per_level_ * kLineWords, zeros_, bits_};
  return kth_of_range(levels, first, last, k);
}

std::size_t WaveletMatrix::count_less(std::span<const Range> ranges, std::uint32_t v) const {
  assert(ranges_valid(ranges, size_));
  std::vector<Work> work = work_of(ranges);
  if (bits_ < 32 && (std::uint64_t{v} >> bits_) != 0) return total_length(work);
  Levels levels{lines_.data() + first_word_, lines_per_level_ * kLineWords, zeros_, bits_};
  return count_less_in_ranges(levels, work.data(), work.size(), v);
}

}  // namespace cipette
