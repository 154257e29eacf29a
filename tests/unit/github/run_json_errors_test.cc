#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "cipette/github/run_json.h"
#include "support/test_support.h"
#include "unit/github/json_members.h"

namespace cipette::github {
namespace {

using cipette::testing::github_example;
using cipette::testing::read_file;
using cipette::testing::source_path;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string fixture(const std::string& name) {
  return read_file(source_path("tests/fixtures/import/" + name));
}

// The error message for `json`, which must fail.
std::string error_of(std::string_view json, std::string_view source = "test.json") {
  auto result = parse_runs_document(json, source);
  EXPECT_FALSE(result.has_value()) << "parsed " << result->size() << " runs";
  return result ? std::string() : result.error().message;
}

// A run with every required field, as JSON; see json_object for `changes`.
std::string run(const Members& changes = {}) {
  return json_object({{"id", "5"},
                      {"workflow_id", "2"},
                      {"status", R"("completed")"},
                      {"created_at", R"("2024-03-01T00:00:00Z")"},
                      {"updated_at", R"("2024-03-01T00:00:00Z")"},
                      {"repository", R"({"full_name": "o/r"})"}},
                     changes);
}

std::string page(const std::string& runs) {
  return R"({"total_count": 9, "workflow_runs": [)" + runs + "]}";
}

TEST(RunJsonErrorsTest, RunHelperBuildsAValidRun) {
  // Guards the helper the other tests use to break one field at a time.
  EXPECT_EQ(run({{"workflow_id", "7"}, {"status", ""}, {"event", R"("push")"}}),
            R"({"id": 5, "workflow_id": 7, "created_at": "2024-03-01T00:00:00Z", )"
            R"("updated_at": "2024-03-01T00:00:00Z", "repository": {"full_name": "o/r"}, )"
            R"("event": "push"})");
  EXPECT_TRUE(parse_runs_document(run(), "test.json").has_value());
}

TEST(RunJsonErrorsTest, EmptyAndBlankFilesAreEmptyDocuments) {
  EXPECT_EQ(error_of(fixture("empty.json"), "empty.json"), "empty.json: empty document");
  EXPECT_EQ(error_of(" \n\t\r\n "), "test.json: empty document");
  EXPECT_EQ(error_of("\xEF\xBB\xBF\n"), "test.json: empty document");
}

TEST(RunJsonErrorsTest, TruncatedExampleNamesTheEndOfInput) {
  // The first 21 lines of GitHub's example, then 10 characters of line 22:
  // `      "cre` (6 spaces, a quote, "cre"). The input ends inside a string at line 22,
  // column 11.
  std::string text = read_file(github_example("list-workflow-runs.json"));
  std::size_t cut = 0;
  for (int line = 0; line < 21; ++line) cut = text.find('\n', cut) + 1;
  text = text.substr(0, cut + 10);
  ASSERT_EQ(text.substr(cut), "      \"cre");
  EXPECT_EQ(error_of(text, "runs.json"), "runs.json: line 22, column 11: unexpected end of input");
}

TEST(RunJsonErrorsTest, TruncatedFixtureNamesTheEndOfInput) {
  // Line 6 is `      "status": "comp`: 6 + 9 + 1 + 5 = 21 characters, so the end is column 22.
  EXPECT_EQ(error_of(fixture("truncated.json"), "truncated.json"),
            "truncated.json: line 6, column 22: unexpected end of input");
}

TEST(RunJsonErrorsTest, TruncationAfterCompleteValuesIsReported) {
  // `{"workflow_runs": [` is 19 characters; the end is column 20.
  EXPECT_EQ(error_of(R"({"workflow_runs": [)"),
            "test.json: line 1, column 20: unexpected end of input");
  // A complete page followed by an incomplete one.
  EXPECT_EQ(error_of("{\"workflow_runs\": []}\n{\"workflow_runs\""),
            "test.json: line 2, column 17: unexpected end of input");
}

TEST(RunJsonErrorsTest, MissingCommaMidFileNamesLineAndColumn) {
  // Line 6 `      "status": "completed"` lacks its comma; line 7 starts with 6 spaces, so the
  // unexpected quote is at column 7.
  EXPECT_EQ(error_of(fixture("missing-comma.json"), "missing-comma.json"),
            "missing-comma.json: line 7, column 7: expected ',' or '}' after an object member, "
            "got '\"'");
}

TEST(RunJsonErrorsTest, SyntaxErrorInALaterDocumentNamesItsLine) {
  // Line 2 is `{"workflow_runs": [}`: 1 + 15 + 1 + 1 + 1 = 19 characters before the '}'.
  EXPECT_EQ(error_of("{\"workflow_runs\": []}\n{\"workflow_runs\": [}"),
            "test.json: line 2, column 20: expected a value, got '}'");
}

TEST(RunJsonErrorsTest, GarbageAfterADocumentIsReported) {
  // `{"workflow_runs": []}` is 21 characters.
  EXPECT_EQ(error_of(R"({"workflow_runs": []} x)"),
            "test.json: line 1, column 23: expected a value, got 'x'");
  EXPECT_EQ(error_of(R"({"workflow_runs": []}])"),
            "test.json: line 1, column 22: expected a value, got ']'");
}

TEST(RunJsonErrorsTest, ByteOrderMarkDoesNotShiftColumns) {
  EXPECT_EQ(error_of("\xEF\xBB\xBF{\n  x"),
            "test.json: line 2, column 3: expected a string (an object key), got 'x'");
}

TEST(RunJsonErrorsTest, InvalidUtf8IsRejectedWithItsPosition) {
  // `{"id": 1, "name": "ab` is 21 characters; the stray byte is column 22.
  EXPECT_EQ(error_of("{\"id\": 1, \"name\": \"ab\xFF\"}"),
            "test.json: line 1, column 22: invalid UTF-8 byte 0xFF");
  // Line 2 `  {"name": "é` + a lead byte without its continuation: 2 + 1 + 6 + 1 + 1 + 1 + 1
  // = 13 characters (é is one), so column 14.
  EXPECT_EQ(error_of("[\n  {\"name\": \"\xC3\xA9\xC3\"}\n]"),
            "test.json: line 2, column 14: invalid UTF-8 byte 0xC3");
  // An overlong encoding of '/'.
  EXPECT_EQ(error_of("[\"\xC0\xAF\"]"), "test.json: line 1, column 3: invalid UTF-8 byte 0xC0");
  EXPECT_EQ(error_of("[1, \xFF]"),
            "test.json: line 1, column 5: expected a value, got invalid UTF-8 byte 0xFF");
}

TEST(RunJsonErrorsTest, NumbersSimdjsonCannotHoldAreSyntaxErrors) {
  // `[{"id": ` is 8 characters.
  EXPECT_EQ(error_of(R"([{"id": 1e999}])"), "test.json: line 1, column 9: number out of range");
  EXPECT_EQ(error_of(R"([{"id": 18446744073709551616}])"),
            "test.json: line 1, column 9: number out of range");
}

TEST(RunJsonErrorsTest, DeepNestingIsASyntaxError) {
  std::string deep = std::string(1025, '[') + std::string(1025, ']');
  EXPECT_EQ(error_of(deep),
            "test.json: line 1, column 1025: nesting deeper than 1024 arrays and "
            "objects");
}

constexpr std::string_view kNotRuns =
    "not a workflow-run document: expected {\"workflow_runs\": [...]}, an array of runs or a run "
    "object; got ";

TEST(RunJsonErrorsTest, StringAtTopLevelIsNotARunDocument) {
  EXPECT_EQ(error_of(R"("hello")"), "test.json: " + std::string(kNotRuns) + "a string \"hello\"");
  EXPECT_EQ(error_of("42"), "test.json: " + std::string(kNotRuns) + "the number 42");
}

TEST(RunJsonErrorsTest, GitHubErrorBodyIsQuoted) {
  EXPECT_EQ(error_of(fixture("bad-credentials.json"), "bad.json"),
            "bad.json: " + std::string(kNotRuns) + "GitHub's error message \"Bad credentials\"");
  EXPECT_EQ(error_of(R"({"message": "Not Found"})"),
            "test.json: " + std::string(kNotRuns) + "GitHub's error message \"Not Found\"");
}

TEST(RunJsonErrorsTest, LongErrorMessagesAreTruncated) {
  std::string message = error_of(R"({"message": ")" + std::string(500, 'x') + "\"}");
  EXPECT_THAT(message, HasSubstr("\"" + std::string(200, 'x') + "\"..."));
  EXPECT_THAT(message, ::testing::Not(HasSubstr(std::string(201, 'x'))));
}

TEST(RunJsonErrorsTest, WorkflowListIsNotARunDocument) {
  EXPECT_EQ(
      error_of(read_file(github_example("list-repo-workflows.json")), "w.json"),
      "w.json: " + std::string(kNotRuns) + "an object with keys \"total_count\", \"workflows\"");
  EXPECT_EQ(error_of("{}"), "test.json: " + std::string(kNotRuns) + "an empty object");
}

TEST(RunJsonErrorsTest, LaterDocumentsAreNumbered) {
  EXPECT_EQ(error_of(R"({"workflow_runs": []} {"message": "API rate limit exceeded"})"),
            "test.json: document #2: " + std::string(kNotRuns) +
                "GitHub's error message \"API rate limit exceeded\"");
}

TEST(RunJsonErrorsTest, WorkflowRunsMustBeAnArray) {
  EXPECT_EQ(error_of(R"({"total_count": 0, "workflow_runs": null})"),
            "test.json: field \"workflow_runs\": expected an array of runs, got null");
}

TEST(RunJsonErrorsTest, ArrayElementsMustBeRunObjects) {
  EXPECT_EQ(error_of("[1]"), "test.json: run #1: expected a run object, got the number 1");
  EXPECT_EQ(error_of(page(run({{"id", "5"}}) + ", [] ")),
            "test.json: run #2: expected a run object, got an array");
}

TEST(RunJsonErrorsTest, RunWithoutIdNamesTheField) {
  EXPECT_EQ(error_of(page(run({{"id", ""}}))), "test.json: run #1: field \"id\": is missing");
}

TEST(RunJsonErrorsTest, IdOfTheWrongTypeOrRangeIsRejected) {
  EXPECT_EQ(error_of(page(run({{"id", R"("abc")"}}))),
            "test.json: run #1: field \"id\": expected an integer, got a string \"abc\"");
  EXPECT_EQ(error_of(page(run({{"id", "1.5"}}))),
            "test.json: run #1: field \"id\": expected an integer, got the number 1.5");
  EXPECT_EQ(error_of(page(run({{"id", "-3"}}))),
            "test.json: run #1: field \"id\": must be a positive integer, got -3");
  EXPECT_EQ(error_of(page(run({{"id", "0"}}))),
            "test.json: run #1: field \"id\": must be a positive integer, got 0");
  EXPECT_EQ(error_of(page(run({{"id", "null"}}))),
            "test.json: run #1: field \"id\": expected an integer, got null");
  EXPECT_EQ(error_of(page(run({{"id", "18446744073709551615"}}))),
            "test.json: run #1: field \"id\": integer out of range: the number "
            "18446744073709551615");
}

TEST(RunJsonErrorsTest, GarbageTimeStampNamesRunAndField) {
  EXPECT_THAT(error_of(fixture("run-errors.json"), "run-errors.json"),
              StartsWith("run-errors.json: run #2 (id 902): field \"created_at\": invalid time "
                         "stamp \"yesterday\""));
  EXPECT_EQ(error_of(run({{"created_at", "5"}})),
            "test.json: run #1 (id 5): field \"created_at\": expected a time stamp string, got "
            "the number 5");
  EXPECT_THAT(error_of(run({{"updated_at", R"("2024-03-01T00:00:00")"}})),
              StartsWith("test.json: run #1 (id 5): field \"updated_at\": invalid time stamp"));
  EXPECT_THAT(error_of(run({{"run_started_at", R"("soon")"}})),
              StartsWith("test.json: run #1 (id 5): field \"run_started_at\": invalid time "
                         "stamp \"soon\""));
}

TEST(RunJsonErrorsTest, ImplausibleTimeStampsNameRunFieldAndValue) {
  EXPECT_EQ(error_of(page(run({{"created_at", R"("0000-01-01T00:00:00Z")"}}))),
            "test.json: run #1 (id 5): field \"created_at\": implausible time stamp "
            "\"0000-01-01T00:00:00Z\": a run is dated from 2000-01-01T00:00:00Z to before "
            "2200-01-01T00:00:00Z");
  EXPECT_THAT(error_of(run({{"updated_at", R"("9999-12-31T23:59:59Z")"}})),
              StartsWith("test.json: run #1 (id 5): field \"updated_at\": implausible time "
                         "stamp \"9999-12-31T23:59:59Z\""));
  EXPECT_THAT(error_of(run({{"run_started_at", R"("1970-01-01T00:00:00Z")"}})),
              StartsWith("test.json: run #1 (id 5): field \"run_started_at\": implausible "
                         "time stamp \"1970-01-01T00:00:00Z\""));
}

TEST(RunJsonErrorsTest, PlausibleTimeStampsRunFromYear2000ToBefore2200) {
  // The bounds, in UTC whatever the offset: 2000-01-01T00:00:00Z is in, a second before is
  // out; 2199-12-31T23:59:59Z is in, 2200-01-01T00:00:00Z is out.
  for (std::string_view in : {"2000-01-01T00:00:00Z", "2000-01-01T01:00:00+01:00",
                              "2199-12-31T23:59:59Z", "2199-12-31T15:59:59-08:00"}) {
    auto parsed = parse_runs_document(run({{"created_at", fmt::format(R"("{}")", in)}}), "t");
    EXPECT_TRUE(parsed.has_value()) << in << ": " << parsed.error().message;
  }
  for (std::string_view out : {"1999-12-31T23:59:59Z", "2000-01-01T00:59:59+01:00",
                               "2200-01-01T00:00:00Z", "2199-12-31T16:00:00-08:00"}) {
    EXPECT_THAT(error_of(run({{"created_at", fmt::format(R"("{}")", out)}})),
                HasSubstr("implausible time stamp"))
        << out;
  }
}

TEST(RunJsonErrorsTest, RepositoryNeedsAFullName) {
  EXPECT_EQ(error_of(run({{"repository", R"({"id": 1296269, "name": "Hello-World"})"}})),
            "test.json: run #1 (id 5): field \"repository.full_name\": is missing");
  EXPECT_EQ(error_of(run({{"repository", R"({"full_name": "no slash"})"}})),
            "test.json: run #1 (id 5): field \"repository.full_name\": must be \"owner/name\", "
            "got \"no slash\"");
  EXPECT_EQ(error_of(run({{"repository", R"("o/r")"}})),
            "test.json: run #1 (id 5): field \"repository\": expected an object, got a string "
            "\"o/r\"");
  EXPECT_EQ(error_of(run({{"repository", R"({"id": "x", "full_name": "o/r"})"}})),
            "test.json: run #1 (id 5): field \"repository.id\": expected an integer, got a "
            "string \"x\"");
}

TEST(RunJsonErrorsTest, RequiredFieldsMustBePresentAndValid) {
  EXPECT_EQ(error_of(run({{"status", R"("")"}})),
            "test.json: run #1 (id 5): field \"status\": must not be empty");
  EXPECT_EQ(error_of(run({{"status", "null"}})),
            "test.json: run #1 (id 5): field \"status\": expected a string, got null");
  EXPECT_EQ(error_of(run({{"workflow_id", "0"}})),
            "test.json: run #1 (id 5): field \"workflow_id\": must be a positive integer, got 0");
  EXPECT_EQ(error_of(run({{"run_attempt", "0"}})),
            "test.json: run #1 (id 5): field \"run_attempt\": must be at least 1, got 0");
}

TEST(RunJsonErrorsTest, OptionalFieldsOfTheWrongTypeAreRejected) {
  EXPECT_EQ(error_of(run({{"conclusion", "3"}})),
            "test.json: run #1 (id 5): field \"conclusion\": expected a string, got the number 3");
  EXPECT_EQ(error_of(run({{"actor", R"("octocat")"}})),
            "test.json: run #1 (id 5): field \"actor\": expected an object, got a string "
            "\"octocat\"");
  EXPECT_EQ(error_of(run({{"actor", R"({"login": false})"}})),
            "test.json: run #1 (id 5): field \"actor.login\": expected a string, got false");
}

TEST(RunJsonErrorsTest, RunsAreNumberedAcrossTheWholeInput) {
  // Two runs in the first page, so the bad one in the second page is run #3.
  std::string text = page(run({{"id", "11"}}) + "," + run({{"id", "12"}})) + "\n" +
                     page(run({{"id", "13"}, {"head_sha", R"(["x"])"}}));
  EXPECT_EQ(error_of(text),
            "test.json: run #3 (id 13): field \"head_sha\": expected a string, got an array");
}

TEST(RunJsonErrorsTest, OneBadRunFailsTheWholeInput) {
  // run-errors.json holds a valid run before the bad one; nothing is returned.
  auto result = parse_runs_document(fixture("run-errors.json"), "run-errors.json");
  EXPECT_FALSE(result.has_value());
}

TEST(RunJsonErrorsTest, UntrustedTextInMessagesIsEscaped) {
  EXPECT_EQ(error_of(page(run({{"id", R"("a\n\"b")"}}))),
            "test.json: run #1: field \"id\": expected an integer, got a string "
            "\"a\\u000A\\\"b\"");
}

}  // namespace
}  // namespace cipette::github
