// The wavelet matrix (core/wavelet_matrix.h) over run durations shaped like the period index's:
// building it over 1M durations, and nearest-rank percentiles over the "last 90 days" of 100
// workflows (one range each, ~25 % of the values). For comparison, the same percentiles by
// copying the selected values and std::nth_element.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "cipette/core/engine/wavelet_matrix.h"

namespace {

using cipette::WaveletMatrix;
using Ranges = std::vector<WaveletMatrix::Range>;

constexpr std::size_t kWorkflows = 100;

// Durations of CI runs in seconds: log-normal around 300 s (median), capped at 2^bits - 1.
std::vector<std::uint32_t> durations(std::size_t n, int bits) {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> seconds(std::log(300.0), 1.0);
  const double cap = static_cast<double>((std::uint64_t{1} << bits) - 1);
  std::vector<std::uint32_t> values(n);
  for (auto& value : values) value = static_cast<std::uint32_t>(std::min(seconds(random), cap));
  return values;
}

// The newest quarter of each of kWorkflows equal slices of [0, n): a period per workflow.
Ranges last_quarters(std::size_t n) {
  Ranges ranges;
  const std::size_t slice = n / kWorkflows;
  for (std::size_t w = 0; w < kWorkflows; ++w) {
    ranges.emplace_back(w * slice + slice * 3 / 4, (w + 1) * slice);
  }
  return ranges;
}

std::size_t total_length(const Ranges& ranges) {
  std::size_t total = 0;
  for (const auto& [first, last] : ranges) total += last - first;
  return total;
}

// Nearest-rank index of percentile p among n values (docs/metrics.md): ceil(p/100 * n) - 1.
std::size_t rank_of(int percentile, std::size_t n) {
  return (static_cast<std::size_t>(percentile) * n + 99) / 100 - 1;
}

void build(benchmark::State& state, WaveletMatrix::Kernel kernel) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const int bits = static_cast<int>(state.range(1));
  const std::vector<std::uint32_t> values = durations(n, bits);
  std::size_t memory = 0;
  for (auto _ : state) {
    WaveletMatrix matrix(values, bits, kernel);
    memory = matrix.memory_bytes();
    benchmark::DoNotOptimize(matrix);
  }
  state.counters["memory_MB"] = static_cast<double>(memory) / 1e6;
  state.counters["per_value_level"] = benchmark::Counter(
      static_cast<double>(n) * bits,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// The kernel the processor runs best (AVX2 on the development machine).
void BM_WaveletBuild(benchmark::State& state) { build(state, WaveletMatrix::Kernel::kAuto); }
BENCHMARK(BM_WaveletBuild)
    ->Args({1000000, 13})
    ->Args({1000000, 14})
    ->Args({1000000, 17})
    ->Unit(benchmark::kMillisecond);

// Without AVX2.
void BM_WaveletBuildPortable(benchmark::State& state) {
  build(state, WaveletMatrix::Kernel::kPortable);
}
BENCHMARK(BM_WaveletBuildPortable)->Args({1000000, 14})->Unit(benchmark::kMillisecond);

// The 1M x 14-bit matrix and its 100 ranges, built once.
struct Fixture {
  std::vector<std::uint32_t> values = durations(1000000, 14);
  WaveletMatrix matrix{values, 14};
  Ranges ranges = last_quarters(values.size());
};

const Fixture& fixture() {
  static const Fixture kFixture;
  return kFixture;
}

// p95 over the union of the 100 ranges (the totals row), alternating with p50.
void BM_WaveletKthOver100Ranges(benchmark::State& state) {
  const Fixture& f = fixture();
  const std::size_t total = total_length(f.ranges);
  const std::size_t ks[] = {rank_of(50, total), rank_of(95, total)};
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.matrix.kth_smallest(f.ranges, ks[i++ & 1]));
  state.counters["values"] = static_cast<double>(total);
}
BENCHMARK(BM_WaveletKthOver100Ranges)->Unit(benchmark::kMicrosecond);

// p50 or p95 of one workflow's range, cycling through the workflows.
void BM_WaveletKthOneRange(benchmark::State& state) {
  const Fixture& f = fixture();
  std::size_t i = 0;
  for (auto _ : state) {
    const auto [first, last] = f.ranges[(i / 2) % f.ranges.size()];
    const std::size_t k = rank_of(i % 2 == 0 ? 50 : 95, last - first);
    benchmark::DoNotOptimize(f.matrix.kth_smallest(first, last, k));
    ++i;
  }
}
BENCHMARK(BM_WaveletKthOneRange)->Unit(benchmark::kMicrosecond);

// What a request needs: p50 and p95 for each workflow and for the totals.
void BM_WaveletPercentilesOfARequest(benchmark::State& state) {
  const Fixture& f = fixture();
  const std::size_t total = total_length(f.ranges);
  for (auto _ : state) {
    for (const auto& [first, last] : f.ranges) {
      benchmark::DoNotOptimize(f.matrix.kth_smallest(first, last, rank_of(50, last - first)));
      benchmark::DoNotOptimize(f.matrix.kth_smallest(first, last, rank_of(95, last - first)));
    }
    benchmark::DoNotOptimize(f.matrix.kth_smallest(f.ranges, rank_of(50, total)));
    benchmark::DoNotOptimize(f.matrix.kth_smallest(f.ranges, rank_of(95, total)));
  }
}
BENCHMARK(BM_WaveletPercentilesOfARequest)->Unit(benchmark::kMicrosecond);

// Baseline: p95 of the union by copying its ~250k values and std::nth_element.
void BM_NthElementOver100Ranges(benchmark::State& state) {
  const Fixture& f = fixture();
  const std::size_t k = rank_of(95, total_length(f.ranges));
  std::vector<std::uint32_t> selected;
  for (auto _ : state) {
    selected.clear();
    for (const auto& [first, last] : f.ranges) {
      selected.insert(selected.end(), f.values.begin() + static_cast<std::ptrdiff_t>(first),
                      f.values.begin() + static_cast<std::ptrdiff_t>(last));
    }
    std::nth_element(selected.begin(), selected.begin() + static_cast<std::ptrdiff_t>(k),
                     selected.end());
    benchmark::DoNotOptimize(selected[k]);
  }
}
BENCHMARK(BM_NthElementOver100Ranges)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
