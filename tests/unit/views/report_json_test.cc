#include "cipette/views/report_json.h"

#include <gtest/gtest.h>

namespace cipette::views {
namespace {

TEST(JsonTextTest, ReplacesBytesThatAreNotUtf8InsteadOfFailing) {
  // "CI" followed by 0xFF, which never occurs in UTF-8: written as U+FFFD (EF BF BD in UTF-8).
  nlohmann::json document = {{"workflow", std::string("CI\xFF")}};
  EXPECT_EQ(json_text(document), "{\"workflow\":\"CI\xEF\xBF\xBD\"}");
  EXPECT_EQ(json_text(document, 2), "{\n  \"workflow\": \"CI\xEF\xBF\xBD\"\n}");
}

TEST(JsonTextTest, TheMetricsDocumentOfANameWithAnInvalidByteIsWritten) {
  MetricsReport report;
  WorkflowMetrics row;
  row.repository = "octo/app";
  row.workflow = "build \xFF";
  report.workflows.push_back(row);
  std::string text = json_text(metrics_json(report), 2);
  EXPECT_NE(text.find("\"workflow\": \"build \xEF\xBF\xBD\""), std::string::npos) << text;
}

}  // namespace
}  // namespace cipette::views
