#pragma once

#include <string>
#include <vector>

#include "cipette/core/metrics.h"

namespace cipette::web {

// The API's two computed documents written straight to JSON text, without building an
// nlohmann tree: byte for byte dump_json(views::metrics_json(report)) and
// dump_json(views::trends_json(scope, points)), which stay the reference (the schema lives in
// views/report_json.h and docs/json-api.md). Building and dumping the tree took more than a
// quarter of the instructions of an uncached /api/v1/metrics request at 1M runs.
// tests/unit/web/metrics_documents_test.cc compares both forms; a field added to the views
// must be added here too, or that test fails.
std::string metrics_json_text(const MetricsReport& report);
std::string trends_json_text(const Scope& scope, const std::vector<DailyPoint>& points);

}  // namespace cipette::web
