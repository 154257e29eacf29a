#pragma once

#include <cstdint>

namespace cipette {

// A position in a store's change log: every insert or update of a row gets a larger sequence
// number than all before it, so "changed since" is exact even when clocks disagree. Runs and
// jobs have a change log each.
using ChangeSeq = std::int64_t;

// What a scan's visitor returns after each row (RunReader::scan_runs, JobReader::scan_jobs).
enum class ScanStep {
  kContinue,  // go on to the next row
  kStop,      // end the scan after this row
};

}  // namespace cipette
