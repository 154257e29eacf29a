#pragma once

#include <string_view>

#include "cipette/core/result.h"
#include "fake_github/fake_github.h"

// Faults written as text, for the `fake-github` program's --fault flag and its control endpoint
// POST /_fake/fault?spec=...

namespace cipette::fake_github {

// "KIND[:TIMES[:PATH]]": KIND one of 500 502 503 secondary-403 secondary-429 delay truncated
// half-json invalid-json wrong-shape foreign-link redirect redirect-301 self-link endless-link
// total-count stale-replica; TIMES (default 1) how many requests it fires for; PATH what their
// path and query must contain (default: every request). Fails naming the spec.
Result<Fault> parse_fault_spec(std::string_view spec);

}  // namespace cipette::fake_github
