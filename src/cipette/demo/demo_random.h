#pragma once

#include <cstdint>

namespace cipette::demo {

// Advances a splitmix64 state and returns its next output (Steele, Lea and Flood, 2014; the
// reference seeding generator of the xoshiro family).
std::uint64_t splitmix64(std::uint64_t& state);

// The demo's random source: xoshiro256** (Blackman and Vigna) seeded through splitmix64, with
// every derived distribution implemented here, so that the same seed gives the same numbers on
// every standard library (std::*_distribution differ between libraries). Floating-point draws
// use only IEEE arithmetic and std::log/sqrt/cos/sin.
class DemoRandom {
 public:
  explicit DemoRandom(std::uint64_t seed);

  // The next 64 raw bits.
  std::uint64_t next();
  // Uniform in [0, 1), 53 bits.
  double uniform();
  // Uniform integer in [0, n). REQUIRES: 0 < n < 2^32.
  std::uint64_t below(std::uint64_t n);
  // Uniform integer in [lo, hi]. REQUIRES: lo <= hi, hi - lo < 2^32 - 1.
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // True with probability p.
  bool chance(double p);
  // Standard normal (Box–Muller; the second value of each pair is kept for the next call).
  double normal();
  // Log-normal with the given median and shape: median * exp(sigma * normal()).
  double log_normal(double median, double sigma);

 private:
  std::uint64_t state_[4];
  double spare_normal_ = 0;
  bool has_spare_normal_ = false;
};

}  // namespace cipette::demo
