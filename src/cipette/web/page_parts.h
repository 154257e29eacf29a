#pragma once

#include <mstch/mstch.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cipette/core/format.h"
#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"
#include "cipette/web/query.h"
#include "cipette/web/snapshot.h"

// Pieces of template contexts shared by the HTML pages (pages.cc). Every value is a plain
// string; the templates escape them.
namespace cipette::web::page_parts {

// One summary card: {"id", "label", "value", "detail", "value_class"} (templates/cards).
mstch::map card(std::string id, std::string label, std::string value, std::string detail,
                std::string value_class = "");

// The mark shown before an outcome class or state, so that it reads without colour: "✓"
// success, "✗" failed, "–" neutral, "…" unfinished, "?" anything else (unknown).
std::string state_symbol(std::string_view state);

// Counts and runs per day as everywhere else (core/format.h): "12,345", "6,020.7".
using ::cipette::format_count;
using ::cipette::format_throughput;

// A number for a data-value sort key: "" when none.
std::string sort_key(std::optional<double> value);

// A duration in seconds as format_duration writes it; "N/A" when none.
std::string optional_duration(const std::optional<std::int64_t>& seconds);

// A whole number for a data-value sort key: "" when none.
std::string optional_key(const std::optional<std::int64_t>& value);

// Context keys every page's head and foot use: title, link_query, auth_enabled, data_note.
mstch::map chrome(std::string title, const SnapshotState* state, std::string link_query,
                  bool auth_enabled);

// What the filters form needs. `form_action` is "/" or "/workflow"; `hidden` names parameters
// carried as hidden inputs (the workflow page's repository and workflow).
struct FilterSetup {
  std::string form_action = "/";
  bool show_repository = true;
  mstch::array hidden;
  std::string reset_url = "/";
};
mstch::map filters(const RunTable& table, const ScopeQuery& query, FilterSetup setup);

// The summary cards of `metrics`: runs, success rate (with the first-attempt success rate),
// flaky rate (with rerun_summary), median and p95 duration, MTTR, throughput.
mstch::array cards(const Metrics& metrics);

// "12 runs re-run, 5 flaky, 1h 2m lost" (the time lost to re-runs as format_mttr writes it).
std::string rerun_summary(const Metrics& metrics);

// A workflow row's re-run badge: {"count": "12", "title": rerun_summary}, or false (no badge)
// when no run was re-run.
mstch::node rerun_badge(const Metrics& metrics);

// "Last 30 days" / "All time" / "Custom range", and the dates it covers "2024-01-01 – ...".
std::string scope_title(const Scope& scope);
std::string scope_range(const MetricsReport& report);

// The workflow page's parameters ("repository=..&workflow=ID&period=.."): the workflow and the
// scope of `query` (period, range, branch, event), for links that keep the view.
std::string workflow_query(const std::string& repository, std::int64_t workflow_id,
                           const ScopeQuery& query);

// Copies every key of `from` into `into`.
void merge(mstch::map& into, const mstch::map& from);

}  // namespace cipette::web::page_parts
