#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cipette/core/run.h"
#include "fake_github/fake_github.h"

// Private to the fake GitHub server: synthetic run histories (see RunGeneration).

namespace cipette::fake_github {

// Where generated runs go and what numbers they continue from.
struct GenerationTarget {
  std::string repository;  // "owner/name"
  std::int64_t repository_id = 0;
  std::int64_t first_run_id = 0;  // ids are first_run_id, first_run_id + 1, ...
  // Last run_number per workflow id, advanced by the runs generated.
  std::map<std::int64_t, std::int64_t>* run_numbers = nullptr;
};

// Generates generation.count runs, oldest first. REQUIRES: generation.end != 0,
// generation.count >= 0, generation.span_seconds >= 1, target.run_numbers != nullptr.
std::vector<RunRecord> generate_runs(const RunGeneration& generation,
                                     const GenerationTarget& target);

}  // namespace cipette::fake_github
