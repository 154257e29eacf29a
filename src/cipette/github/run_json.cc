#include "cipette/github/run_json.h"

#include "cipette/github/json_documents.h"
#include "cipette/github/run_object.h"

namespace cipette::github {

namespace {

constexpr DocumentShape kRunShape = {.page_key = "workflow_runs",
                                     .kind = "run",
                                     .plural = "runs",
                                     .document = "workflow-run",
                                     .object_key = "workflow_id"};

}  // namespace

Result<std::vector<RunRecord>> parse_runs_document(std::string_view json, std::string_view source) {
  return read_items<RunRecord>(json, source, kRunShape, read_run);
}

}  // namespace cipette::github
