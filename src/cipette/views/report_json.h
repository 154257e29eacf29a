#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cipette/core/metrics.h"
#include "cipette/core/time.h"

namespace cipette::views {

// Bumped only on incompatible changes to the documents below (fields are only ever added).
inline constexpr int kSchemaVersion = 1;

// The query scope as echoed in every document: {"period": {...}, "now", "repository", ...}.
nlohmann::json scope_json(const Scope& scope);

// `document` as JSON text, compact (indent -1) or indented: the one writer of every JSON
// output, with the one UTF-8 policy: bytes of a string that are not UTF-8 (a name stored from a
// broken source) are written as U+FFFD, never an error (docs/json-api.md).
std::string json_text(const nlohmann::json& document, int indent = -1);

// A value, or null without one.
template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// A time as RFC 3339 UTC ("2024-03-01T10:05:00Z"), or null without one.
inline nlohmann::json optional_time_json(const std::optional<Timestamp>& value) {
  return value ? nlohmann::json(format_timestamp(*value)) : nlohmann::json(nullptr);
}

// {"count", "mean_seconds", "p50_seconds", "p95_seconds"}: a duration or queue time summary, as
// every document writes one (mean to 2 decimals, percentiles nearest-rank).
nlohmann::json stats_json(const DurationStats& stats);

// The metrics document served by `cipette metrics --format json` and GET /api/v1/metrics.
// Its schema is stable and documented in docs/json-api.md.
nlohmann::json metrics_json(const MetricsReport& report);

// The daily series document (GET /api/v1/trends).
nlohmann::json trends_json(const Scope& scope, const std::vector<DailyPoint>& points);

}  // namespace cipette::views
