#include "fake_github/fault_spec.h"

#include <charconv>
#include <map>
#include <string>
#include <utility>

namespace cipette::fake_github {
namespace {

const std::map<std::string, std::pair<FaultKind, int>, std::less<>>& fault_kinds() {
  static const std::map<std::string, std::pair<FaultKind, int>, std::less<>> kinds = {
      {"500", {FaultKind::kHttpError, 500}},
      {"502", {FaultKind::kHttpError, 502}},
      {"503", {FaultKind::kHttpError, 503}},
      {"secondary-403", {FaultKind::kSecondaryRateLimit, 403}},
      {"secondary-429", {FaultKind::kSecondaryRateLimit, 429}},
      {"delay", {FaultKind::kDelay, 0}},
      {"truncated", {FaultKind::kTruncatedBody, 0}},
      {"half-json", {FaultKind::kHalfJson, 0}},
      {"invalid-json", {FaultKind::kInvalidJson, 0}},
      {"wrong-shape", {FaultKind::kWrongShape, 0}},
      {"foreign-link", {FaultKind::kForeignLink, 0}},
      {"redirect", {FaultKind::kRedirect, 302}},
      {"redirect-301", {FaultKind::kRedirect, 301}},
      {"self-link", {FaultKind::kSelfLink, 0}},
      {"endless-link", {FaultKind::kEndlessLink, 0}},
      {"total-count", {FaultKind::kTotalCount, 0}},
      {"stale-replica", {FaultKind::kStaleReplica, 0}},
  };
  return kinds;
}

}  // namespace

Result<Fault> parse_fault_spec(std::string_view spec) {
  const std::size_t first = spec.find(':');
  const auto kind = fault_kinds().find(spec.substr(0, first));
  if (kind == fault_kinds().end()) return fail("fault \"", spec, "\": unknown kind");
  Fault fault;
  fault.kind = kind->second.first;
  fault.status = kind->second.second;
  if (first == std::string_view::npos) return fault;
  const std::size_t second = spec.find(':', first + 1);
  const std::string_view times =
      spec.substr(first + 1, second == std::string_view::npos ? second : second - first - 1);
  const auto [end, error] = std::from_chars(times.data(), times.data() + times.size(), fault.times);
  if (error != std::errc() || end != times.data() + times.size() || fault.times < 1) {
    return fail("fault \"", spec, "\": TIMES must be a whole number of at least 1");
  }
  if (second != std::string_view::npos) fault.path_contains = std::string(spec.substr(second + 1));
  return fault;
}

}  // namespace cipette::fake_github
