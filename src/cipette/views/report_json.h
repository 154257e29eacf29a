#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cipette/core/metrics.h"

namespace cipette::views {

// Bumped only on incompatible changes to the documents below (fields are only ever added).
inline constexpr int kSchemaVersion = 1;

// The query scope as echoed in every document: {"period": {...}, "now", "repository", ...}.
nlohmann::json scope_json(const Scope& scope);

// The metrics document served by `cipette metrics --format json` and GET /api/v1/metrics.
// Its schema is stable and documented in docs/json-api.md.
nlohmann::json metrics_json(const MetricsReport& report);

// The daily series document (GET /api/v1/trends).
nlohmann::json trends_json(const Scope& scope, const std::vector<DailyPoint>& points);

}  // namespace cipette::views
