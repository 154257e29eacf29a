#include "fake_github/fake_hash.h"

#include <fmt/format.h>

#include <cstring>

namespace cipette::fake_github {

std::uint64_t fnv1a(std::string_view data, std::uint64_t seed) {
  constexpr std::uint64_t kOffsetBasis = 14695981039346656037ULL;
  constexpr std::uint64_t kPrime = 1099511628211ULL;
  std::uint64_t hash = kOffsetBasis ^ (seed * 0x9E3779B97F4A7C15ULL);
  for (const char c : data) {
    hash ^= static_cast<unsigned char>(c);
    hash *= kPrime;
  }
  return hash;
}

namespace {

// The finaliser of MurmurHash3 (fmix64): every input bit affects every output bit.
std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::uint64_t word_hash(std::string_view data, std::uint64_t seed) {
  constexpr std::uint64_t kMultiplier = 0x9E3779B97F4A7C15ULL;
  std::uint64_t hash = mix(seed + 1) ^ (data.size() * kMultiplier);
  std::size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, data.data() + i, 8);
    hash = (hash ^ mix(word)) * kMultiplier;
    hash ^= hash >> 31;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, data.data() + i, data.size() - i);
  return mix(hash ^ mix(tail + 0x1234567ULL));
}

std::string hex_digest(std::string_view data, std::size_t hex_chars) {
  // One pass over the data; further digits come from re-mixing the first hash.
  std::uint64_t lane = word_hash(data, 1);
  std::string digest;
  while (digest.size() < hex_chars) {
    digest += fmt::format("{:016x}", lane);
    lane = mix(lane ^ 0x9E3779B97F4A7C15ULL);
  }
  digest.resize(hex_chars);
  return digest;
}

}  // namespace cipette::fake_github
