#pragma once

// The incident rule (docs/metrics.md, "MTTR"), written once: MTTR, open incidents and the
// failure streaks of the run listings all walk the streams with walk_incidents().

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "cipette/core/engine/table_data.h"

namespace cipette::engine {

// Which completed rows a walk sees (a scope's branch and event filters); empty: all of them.
using RowFilter = std::function<bool(std::size_t row)>;

// An incident: its rows in completion order, from its first failure to the success that ended
// it (`recovered`) or to the last row of its stream (still open).
using IncidentVisitor = std::function<void(std::span<const std::size_t> rows, bool recovered)>;

// Fills workflow `workflow`'s part of data.stream_order (sized to data.size()) from its rows.
void order_streams(TableData& data, NameId workflow);

// Walks each stream (one branch) of the completed rows of `workflow` that `accept` admits, in
// completion order (ties by run id): a failure opens an incident unless one is open, a success
// ends the open one, neutral runs change nothing, and the end of a stream leaves it open.
void walk_incidents(const TableData& data, NameId workflow, const RowFilter& accept,
                    const IncidentVisitor& visit);

// The same incidents as the metrics count them, appended to `out` ordered by the created_at
// of their first failure.
void find_incidents(const TableData& data, NameId workflow, const RowFilter& accept,
                    std::vector<Incident>& out);

}  // namespace cipette::engine
