#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Private to the fake GitHub server: stable, non-cryptographic digests for ETags and made-up
// identifiers (commit SHAs, node ids). Deterministic for the same input (on little-endian
// machines, where the fake runs).

namespace cipette::fake_github {

// 64-bit FNV-1a of `data`, started from `seed` mixed into the offset basis.
std::uint64_t fnv1a(std::string_view data, std::uint64_t seed = 0);

// A fast 64-bit hash of `data` (8 bytes at a time), for large bodies.
std::uint64_t word_hash(std::string_view data, std::uint64_t seed = 0);

// `hex_chars` lowercase hex digits derived from `data` (word_hash, then re-mixed).
std::string hex_digest(std::string_view data, std::size_t hex_chars);

}  // namespace cipette::fake_github
