#include "cipette/github/run_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace cipette::github {
namespace {

using cipette::testing::github_example;
using cipette::testing::read_file;
using cipette::testing::source_path;

std::string fixture(const std::string& name) {
  return read_file(source_path("tests/fixtures/import/" + name));
}

std::vector<RunRecord> parse_ok(std::string_view json) {
  auto result = parse_runs_document(json, "test.json");
  EXPECT_TRUE(result.has_value()) << result.error().message;
  return result ? std::move(*result) : std::vector<RunRecord>{};
}

std::vector<std::int64_t> ids_of(const std::vector<RunRecord>& runs) {
  std::vector<std::int64_t> ids;
  for (const RunRecord& run : runs) ids.push_back(run.id);
  return ids;
}

// 2020-01-22T19:33:08Z: 1970..2019 are 50 years with 12 leap days (1972..2016), so 2020-01-01 is
// day 50 * 365 + 12 = 18262 and 2020-01-22 day 18283; 18283 * 86400 = 1579651200, plus
// 19 * 3600 + 33 * 60 + 8 = 70388 gives 1579721588.
constexpr Timestamp kExampleCreated = 1579721588;

// 2024-03-01T00:00:00Z: 1970..2023 are 54 years with 13 leap days (1972..2020), so 2024-01-01 is
// day 54 * 365 + 13 = 19723; + 31 (Jan) + 29 (Feb 2024) = day 19783; * 86400 = 1709251200.
constexpr Timestamp kMarch1st2024 = 1709251200;

TEST(RunJsonTest, ListExampleParsesToTheValuesInTheFile) {
  auto runs = parse_ok(read_file(github_example("list-workflow-runs.json")));
  ASSERT_EQ(runs.size(), 1u);
  const RunRecord& run = runs[0];
  EXPECT_EQ(run.id, 30433642);
  EXPECT_EQ(run.repository_id, 1296269);
  EXPECT_EQ(run.repository, "octocat/Hello-World");
  EXPECT_EQ(run.workflow_id, 159038);
  EXPECT_EQ(run.workflow_name, "Build");
  EXPECT_EQ(run.path, ".github/workflows/build.yml@main");
  EXPECT_EQ(run.run_number, 562);
  EXPECT_EQ(run.run_attempt, 1);
  EXPECT_EQ(run.event, "push");
  EXPECT_EQ(run.status, "queued");
  EXPECT_EQ(run.conclusion, "");  // null in the file
  EXPECT_EQ(run.head_branch, "master");
  EXPECT_EQ(run.head_sha, "acb5820ced9479c074f688cc328bf03f341a511d");
  EXPECT_EQ(run.actor, "octocat");
  EXPECT_EQ(run.created_at, kExampleCreated);
  EXPECT_EQ(run.run_started_at, kExampleCreated);
  EXPECT_EQ(run.updated_at, kExampleCreated);
  EXPECT_EQ(run.html_url, "https://github.com/octo-org/octo-repo/actions/runs/30433642");
}

TEST(RunJsonTest, SingleRunExampleParsesAsOneRun) {
  auto runs = parse_ok(read_file(github_example("workflow-run.json")));
  ASSERT_EQ(runs.size(), 1u);
  const RunRecord& run = runs[0];
  EXPECT_EQ(run.id, 30433642);
  EXPECT_EQ(run.repository_id, 1296269);
  EXPECT_EQ(run.repository, "octocat/Hello-World");
  EXPECT_EQ(run.workflow_id, 159038);
  EXPECT_EQ(run.workflow_name, "Build");
  EXPECT_EQ(run.run_number, 562);
  EXPECT_EQ(run.status, "queued");
  EXPECT_EQ(run.conclusion, "");
  EXPECT_EQ(run.head_branch, "main");  // this example says "main", the list example "master"
  EXPECT_EQ(run.actor, "octocat");
  EXPECT_EQ(run.created_at, kExampleCreated);
  EXPECT_EQ(run.updated_at, kExampleCreated);
}

TEST(RunJsonTest, PageFieldsAreMappedAndNullsBecomeDefaults) {
  auto runs = parse_ok(fixture("page-two-runs.json"));
  ASSERT_EQ(runs.size(), 2u);
  const RunRecord& first = runs[0];
  EXPECT_EQ(first.id, 101);
  EXPECT_EQ(first.repository_id, 501);
  EXPECT_EQ(first.repository, "acme/widgets");
  EXPECT_EQ(first.workflow_id, 11);
  EXPECT_EQ(first.workflow_name, "CI");
  EXPECT_EQ(first.path, ".github/workflows/ci.yml");
  EXPECT_EQ(first.run_number, 7);
  EXPECT_EQ(first.run_attempt, 2);
  EXPECT_EQ(first.event, "push");
  EXPECT_EQ(first.conclusion, "success");
  EXPECT_EQ(first.head_branch, "main");
  EXPECT_EQ(first.actor, "alice");  // actor wins over triggering_actor
  EXPECT_EQ(first.created_at, kMarch1st2024 + 10 * 3600);
  EXPECT_EQ(first.run_started_at, kMarch1st2024 + 10 * 3600 + 30);
  EXPECT_EQ(first.updated_at, kMarch1st2024 + 10 * 3600 + 5 * 60);

  const RunRecord& second = runs[1];
  EXPECT_EQ(second.status, "in_progress");
  EXPECT_EQ(second.conclusion, "");                // null
  EXPECT_EQ(second.head_branch, "");               // null
  EXPECT_EQ(second.run_attempt, 1);                // missing
  EXPECT_EQ(second.run_started_at, std::nullopt);  // missing
  EXPECT_EQ(second.actor, "carol");                // actor null: triggering_actor
  EXPECT_EQ(second.started(), second.created_at);
}

TEST(RunJsonTest, OffsetTimeStampsAreConvertedToUtc) {
  auto runs = parse_ok(fixture("page-two-runs.json"));
  ASSERT_EQ(runs.size(), 2u);
  // 2024-03-01T15:30:00+05:30 is 10:00:00Z.
  EXPECT_EQ(runs[1].created_at, kMarch1st2024 + 10 * 3600);
  // 2020-01-20T09:42:40.000-08:00 is 2020-01-20T17:42:40Z: day 18262 + 19 = 18281,
  // 18281 * 86400 = 1579478400, + 17 * 3600 + 42 * 60 + 40 = 63760 gives 1579542160.
  EXPECT_EQ(runs[1].updated_at, 1579542160);
}

TEST(RunJsonTest, MissingActorsGiveAnEmptyActor) {
  auto runs = parse_ok(R"({"id": 1, "workflow_id": 2, "status": "queued",
      "created_at": "2024-03-01T00:00:00Z", "updated_at": "2024-03-01T00:00:00Z",
      "actor": null, "repository": {"full_name": "o/r"}})");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].actor, "");
  EXPECT_EQ(runs[0].repository_id, 0);  // repository.id is optional
  EXPECT_EQ(runs[0].workflow_name, "");
}

TEST(RunJsonTest, BareArrayOfRunsIsAccepted) {
  auto runs = parse_ok(fixture("bare-array.json"));
  EXPECT_EQ(ids_of(runs), (std::vector<std::int64_t>{201, 202}));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].conclusion, "failure");
  EXPECT_EQ(runs[1].repository_id, 502);
}

TEST(RunJsonTest, ArrayOfPagesIsAcceptedInOrder) {
  auto runs = parse_ok(fixture("array-of-pages.json"));
  EXPECT_EQ(ids_of(runs), (std::vector<std::int64_t>{301, 302, 303}));
}

TEST(RunJsonTest, ConcatenatedPagesWithAndWithoutWhitespaceAreAccepted) {
  // The fixture has a newline between pages 1 and 2 and nothing between pages 2 and 3.
  std::string text = fixture("concatenated-pages.json");
  ASSERT_NE(text.find("}]}\n{"), std::string::npos);
  ASSERT_NE(text.find("}]}{"), std::string::npos);
  auto runs = parse_ok(text);
  EXPECT_EQ(ids_of(runs), (std::vector<std::int64_t>{401, 402, 403}));
}

TEST(RunJsonTest, ConcatenatedExamplesOfEveryShapeAreAccepted) {
  std::string page = read_file(github_example("list-workflow-runs.json"));
  std::string single = read_file(github_example("workflow-run.json"));
  std::string text =
      page + single + "\n\n" + fixture("bare-array.json") + "[]" + fixture("array-of-pages.json");
  auto runs = parse_ok(text);
  EXPECT_EQ(ids_of(runs), (std::vector<std::int64_t>{30433642, 30433642, 201, 202, 301, 302, 303}));
}

TEST(RunJsonTest, EmptyArrayAndEmptyPageGiveNoRuns) {
  EXPECT_TRUE(parse_ok("[]").empty());
  EXPECT_TRUE(parse_ok(R"({"total_count": 0, "workflow_runs": []})").empty());
  EXPECT_TRUE(
      parse_ok(R"([{"total_count": 0, "workflow_runs": []}] {"workflow_runs": []})").empty());
}

TEST(RunJsonTest, HostileStringsAreKeptVerbatim) {
  auto runs = parse_ok(fixture("hostile-strings.json"));
  ASSERT_EQ(runs.size(), 1u);
  const RunRecord& run = runs[0];
  EXPECT_EQ(run.workflow_name, "<script>alert(\"x\")</script>");
  EXPECT_EQ(run.head_branch, "feature/'; DROP TABLE runs; --");
  EXPECT_EQ(run.path, ".github/workflows/ci.yml@refs/heads/<b>");
  EXPECT_EQ(run.event, std::string("push\0\n\ttab", 10));
  // \u00e9 = C3 A9, \u2603 = E2 98 83, \ud83d\ude00 = U+1F600 = F0 9F 98 80.
  EXPECT_EQ(run.head_sha,
            "caf\xC3\xA9 \xE2\x98\x83 \xF0\x9F\x98\x80 \xC3\xBCn\xC3\xAF"
            "c\xC3\xB6"
            "d\xC3\xA9");
  EXPECT_EQ(run.html_url, "javascript:alert(1)");
  EXPECT_EQ(run.actor, "{{mustache}} & <img src=x onerror=alert(1)>");
}

TEST(RunJsonTest, ByteOrderMarkIsSkipped) {
  auto runs = parse_ok(fixture("bom.json"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, 1001);
  EXPECT_EQ(runs[0].repository, "acme/bom");
}

TEST(RunJsonTest, LargeIntegersWithinInt64AreKept) {
  // 2^53 + 1 = 9007199254740993 is not representable as a double; it must stay exact.
  auto runs = parse_ok(R"({"id": 9007199254740993, "workflow_id": 9223372036854775807,
      "status": "queued", "created_at": "2024-03-01T00:00:00Z",
      "updated_at": "2024-03-01T00:00:00Z", "repository": {"full_name": "o/r"}})");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, 9007199254740993);
  EXPECT_EQ(runs[0].workflow_id, 9223372036854775807);
}

TEST(RunJsonTest, RepeatedCallsOnOneThreadGiveIndependentResults) {
  // The parser's buffers are reused between calls: a big input, then a small one, then the big
  // one again must each give their own runs.
  std::string page = read_file(github_example("list-workflow-runs.json"));
  std::string big;
  for (int i = 0; i < 200; ++i) big += page;
  EXPECT_EQ(parse_ok(big).size(), 200u);
  EXPECT_EQ(ids_of(parse_ok(fixture("bare-array.json"))), (std::vector<std::int64_t>{201, 202}));
  EXPECT_EQ(parse_ok(big).size(), 200u);
}

TEST(RunJsonTest, DocumentsLargerThanABatchParse) {
  // simdjson works in batches of 4 MiB; 400 copies of the 14 KB example in one array make a
  // 5.6 MB document, which needs a batch of its own. Pages before and after it must each be
  // counted once.
  std::string page = read_file(github_example("list-workflow-runs.json"));
  std::string array = "[";
  for (int i = 0; i < 400; ++i) array += (i == 0 ? "" : ",") + page;
  array += "]";
  ASSERT_GT(array.size(), std::size_t{4} << 20);
  auto runs = parse_ok(fixture("bare-array.json") + array + fixture("array-of-pages.json"));
  ASSERT_EQ(runs.size(), 2u + 400u + 3u);
  EXPECT_EQ(runs[0].id, 201);
  EXPECT_EQ(runs[2].id, 30433642);
  EXPECT_EQ(runs[401].id, 30433642);
  EXPECT_EQ(runs[402].id, 301);
  // Smaller inputs still parse after the buffers grew and were released.
  EXPECT_EQ(ids_of(parse_ok(fixture("bare-array.json"))), (std::vector<std::int64_t>{201, 202}));
}

TEST(RunJsonTest, TruncationAtTheEndOfAnInputLargerThanABatchIsReported) {
  std::string page = read_file(github_example("list-workflow-runs.json"));
  std::string text;
  for (int i = 0; i < 400; ++i) text += page;
  text += "\n{";
  // The error is on the line after the last newline, just after its '{'.
  auto lines = std::count(text.begin(), text.end(), '\n') + 1;
  auto result = parse_runs_document(text, "big.json");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().message,
            "big.json: line " + std::to_string(lines) + ", column 2: unexpected end of input");
}

}  // namespace
}  // namespace cipette::github
