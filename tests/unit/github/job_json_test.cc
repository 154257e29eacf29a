#include "cipette/github/job_json.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
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
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<JobRecord> parse_ok(std::string_view json) {
  auto result = parse_jobs_document(json, "test.json");
  EXPECT_TRUE(result.has_value()) << result.error().message;
  return result ? std::move(*result) : std::vector<JobRecord>{};
}

// The error message for `json`, which must fail.
std::string error_of(std::string_view json, std::string_view source = "test.json") {
  auto result = parse_jobs_document(json, source);
  EXPECT_FALSE(result.has_value()) << "parsed " << result->size() << " jobs";
  return result ? std::string() : result.error().message;
}

std::vector<std::int64_t> ids_of(const std::vector<JobRecord>& jobs) {
  std::vector<std::int64_t> ids;
  ids.reserve(jobs.size());
  for (const JobRecord& job : jobs) ids.push_back(job.id);
  return ids;
}

std::vector<std::int64_t> step_numbers(const JobRecord& job) {
  std::vector<std::int64_t> numbers;
  numbers.reserve(job.steps.size());
  for (const StepRecord& step : job.steps) numbers.push_back(step.number);
  return numbers;
}

// The `workflow_job` object of a webhook payload example: GitHub's shape of one job.
std::string webhook_job(const std::string& name) {
  return nlohmann::json::parse(read_file(github_example(name))).at("workflow_job").dump(2);
}

// A job with every required field, as JSON; see json_object for `changes`.
std::string job(const Members& changes = {}) {
  return json_object(
      {{"id", "5"}, {"run_id", "7"}, {"name", R"("build")"}, {"status", R"("completed")"}},
      changes);
}

std::string page(const std::string& jobs) {
  return R"({"total_count": 9, "jobs": [)" + jobs + "]}";
}

// 2020-01-20T00:00:00Z: 1970..2019 are 50 years with 12 leap days (1972..2016), so 2020-01-01 is
// day 50 * 365 + 12 = 18262 and 2020-01-20 day 18281; 18281 * 86400 = 1579478400.
constexpr Timestamp kJanuary20th2020 = 1579478400;
// 17:42:40Z is 17 * 3600 + 42 * 60 + 40 = 63760 s into the day; 17:44:39Z is 63879 s.
constexpr Timestamp kExampleStarted = kJanuary20th2020 + 63760;    // 1579542160
constexpr Timestamp kExampleCompleted = kJanuary20th2020 + 63879;  // 1579542279

// GitHub's example steps run from 09:42:40-08:00 to 09:44:39-08:00, that is 17:42:40Z to
// 17:44:39Z: each "09:MM:SS.000-08:00" is 17:MM:SS UTC, kExampleStarted + the seconds after
// 17:42:40. Fractional seconds ".000" are dropped.
struct ExpectedStep {
  std::int64_t number;
  const char* name;
  Timestamp started;
  Timestamp completed;
};
constexpr ExpectedStep kExampleSteps[] = {
    {1, "Set up job", 1579542160, 1579542161},               // 42:40 .. 42:41
    {2, "Run actions/checkout@v2", 1579542161, 1579542165},  // 42:41 .. 42:45
    {3, "Set up Ruby", 1579542165, 1579542165},              // 42:45 .. 42:45
    {4, "Run actions/cache@v3", 1579542165, 1579542168},     // 42:45 .. 42:48
    {5, "Install Bundler", 1579542168, 1579542172},          // 42:48 .. 42:52
    {6, "Install Gems", 1579542172, 1579542173},             // 42:52 .. 42:53
    {7, "Run Tests", 1579542173, 1579542179},                // 42:53 .. 42:59
    {8, "Deploy to Heroku", 1579542179, 1579542279},         // 42:59 .. 44:39
    {16, "Post actions/cache@v3", 1579542279, 1579542279},   // 44:39 .. 44:39
    {17, "Complete job", 1579542279, 1579542279},            // 44:39 .. 44:39
};

void expect_example_job(const JobRecord& job) {
  EXPECT_EQ(job.id, 399444496);
  EXPECT_EQ(job.run_id, 29679449);
  EXPECT_EQ(job.run_attempt, 1);  // not in the example (GitHub Enterprise Server before 3.9)
  EXPECT_EQ(job.name, "build");
  EXPECT_EQ(job.status, "completed");
  EXPECT_EQ(job.conclusion, "success");
  EXPECT_EQ(job.created_at, std::nullopt);  // not in the example either
  EXPECT_EQ(job.started_at, kExampleStarted);
  EXPECT_EQ(job.completed_at, kExampleCompleted);
  EXPECT_EQ(job_duration_seconds(job), 119);
  EXPECT_EQ(queue_seconds(job), std::nullopt);  // no created_at
  EXPECT_EQ(job.labels, (std::vector<std::string>{"self-hosted", "foo", "bar"}));
  EXPECT_EQ(job.runner_name, "my runner");
  EXPECT_EQ(job.runner_group_name, "my runner group");
  EXPECT_EQ(job.html_url, "https://github.com/octo-org/octo-repo/runs/29679449/jobs/399444496");
  EXPECT_FALSE(job.waited);
  ASSERT_EQ(job.steps.size(), std::size(kExampleSteps));
  for (std::size_t i = 0; i < job.steps.size(); ++i) {
    const StepRecord& step = job.steps[i];
    const ExpectedStep& expected = kExampleSteps[i];
    SCOPED_TRACE(expected.name);
    EXPECT_EQ(step.number, expected.number);
    EXPECT_EQ(step.name, expected.name);
    EXPECT_EQ(step.status, "completed");
    EXPECT_EQ(step.conclusion, "success");
    EXPECT_EQ(step.started_at, expected.started);
    EXPECT_EQ(step.completed_at, expected.completed);
  }
}

TEST(JobJsonTest, ListExampleParsesToTheValuesInTheFile) {
  auto jobs = parse_ok(read_file(github_example("list-jobs-for-workflow-run.json")));
  ASSERT_EQ(jobs.size(), 1u);
  expect_example_job(jobs[0]);
  // The first step starts as the job does, the last ends as it does.
  EXPECT_EQ(jobs[0].steps.front().started_at, jobs[0].started_at);
  EXPECT_EQ(jobs[0].steps.back().completed_at, jobs[0].completed_at);
}

TEST(JobJsonTest, SingleJobExampleParsesAsOneJob) {
  auto jobs = parse_ok(read_file(github_example("job.json")));
  ASSERT_EQ(jobs.size(), 1u);
  expect_example_job(jobs[0]);
}

TEST(JobJsonTest, WebhookWaitingJobIsMarkedWaited) {
  auto jobs = parse_ok(webhook_job("webhook-workflow-job-waiting.json"));
  ASSERT_EQ(jobs.size(), 1u);
  const JobRecord& job = jobs[0];
  EXPECT_EQ(job.id, 12877621891);
  EXPECT_EQ(job.run_id, 4747967848);
  EXPECT_EQ(job.run_attempt, 1);
  EXPECT_EQ(job.name, "test");
  EXPECT_EQ(job.status, "waiting");
  EXPECT_TRUE(job.waited);
  EXPECT_EQ(job.conclusion, "");  // null
  // 2023-04-19T21:12:12Z: 1970..2022 are 53 years with 13 leap days (1972..2020), so 2023-01-01
  // is day 53 * 365 + 13 = 19358; + 31 + 28 + 31 + 18 = day 19466; * 86400 = 1681862400;
  // + 21 * 3600 + 12 * 60 + 12 = 76332 gives 1681938732.
  EXPECT_EQ(job.created_at, 1681938732);
  EXPECT_EQ(job.started_at, 1681938732);
  EXPECT_EQ(job.completed_at, std::nullopt);
  EXPECT_EQ(job.labels, (std::vector<std::string>{"self-hosted", "k8s"}));
  EXPECT_EQ(job.runner_name, "");        // null
  EXPECT_EQ(job.runner_group_name, "");  // null
  EXPECT_TRUE(job.steps.empty());
  EXPECT_EQ(queue_seconds(job), std::nullopt);  // an approval wait is not queue time
}

TEST(JobJsonTest, WebhookJobsOfOtherStatusesAreNotWaited) {
  for (std::string name :
       {"webhook-workflow-job-queued.json", "webhook-workflow-job-in-progress.json",
        "webhook-workflow-job.json", "webhook-workflow-job-completed-failure.json"}) {
    SCOPED_TRACE(name);
    auto jobs = parse_ok(webhook_job(name));
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_FALSE(jobs[0].waited);
    EXPECT_TRUE(std::is_sorted(
        jobs[0].steps.begin(), jobs[0].steps.end(),
        [](const StepRecord& a, const StepRecord& b) { return a.number < b.number; }));
  }
}

// Two pages of a listing: GitHub's example, then the waiting job on a page of its own.
std::pair<std::string, std::string> two_pages() {
  return {read_file(github_example("list-jobs-for-workflow-run.json")),
          page(webhook_job("webhook-workflow-job-waiting.json"))};
}

TEST(JobJsonTest, ConcatenatedPagesAreAccepted) {
  // `gh api --paginate` writes the pages one after the other, with or without whitespace.
  auto [first, second] = two_pages();
  for (std::string between : {"", "\n", " \r\n\t"}) {
    auto jobs = parse_ok(fmt::format("{}{}{}", first, between, second));
    EXPECT_EQ(ids_of(jobs), (std::vector<std::int64_t>{399444496, 12877621891}));
    ASSERT_EQ(jobs.size(), 2u);
    expect_example_job(jobs[0]);
    EXPECT_TRUE(jobs[1].waited);
  }
}

TEST(JobJsonTest, ArrayOfPagesIsAccepted) {
  // `gh api --paginate --slurp` writes an array of the pages.
  auto [first, second] = two_pages();
  auto jobs = parse_ok("[" + first + ",\n" + second + "]");
  EXPECT_EQ(ids_of(jobs), (std::vector<std::int64_t>{399444496, 12877621891}));
  ASSERT_EQ(jobs.size(), 2u);
  expect_example_job(jobs[0]);
}

TEST(JobJsonTest, BareArrayOfJobsAndEveryShapeConcatenatedAreAccepted) {
  std::string single = read_file(github_example("job.json"));
  std::string waiting = webhook_job("webhook-workflow-job-waiting.json");
  auto [first, second] = two_pages();
  auto jobs = parse_ok("[" + single + "," + waiting + "]" + single + "[]" + "[" + first + "," +
                       second + "]" + second);
  EXPECT_EQ(ids_of(jobs), (std::vector<std::int64_t>{399444496, 12877621891, 399444496, 399444496,
                                                     12877621891, 12877621891}));
}

TEST(JobJsonTest, EmptyPageGivesNoJobs) {
  EXPECT_TRUE(parse_ok(R"({"total_count": 0, "jobs": []})").empty());
  EXPECT_TRUE(parse_ok("[]").empty());
  EXPECT_TRUE(parse_ok(R"([{"total_count": 0, "jobs": []}] {"jobs": []})").empty());
}

TEST(JobJsonTest, NullsEverywhereOptionalAreAbsent) {
  auto jobs = parse_ok(
      page(job({{"run_attempt", "null"},
                {"conclusion", "null"},
                {"created_at", "null"},
                {"started_at", "null"},
                {"completed_at", "null"},
                {"labels", "null"},
                {"runner_name", "null"},
                {"runner_group_name", "null"},
                {"html_url", "null"},
                {"steps", "null"}}) +
           "," + job({{"id", "6"}, {"steps", R"([{"number": 1, "name": null, "status": null,
                                  "conclusion": null, "started_at": null,
                                  "completed_at": null}])"}})));
  ASSERT_EQ(jobs.size(), 2u);
  JobRecord expected;
  expected.id = 5;
  expected.run_id = 7;
  expected.name = "build";
  expected.status = "completed";
  EXPECT_EQ(jobs[0], expected);  // every optional field at its default
  ASSERT_EQ(jobs[1].steps.size(), 1u);
  StepRecord step;
  step.number = 1;
  EXPECT_EQ(jobs[1].steps[0], step);
}

TEST(JobJsonTest, RunAttemptAndCreatedAtAreReadWhenPresent) {
  auto jobs = parse_ok(job({{"run_attempt", "3"},
                            {"created_at", R"("2020-01-20T17:42:00Z")"},
                            {"started_at", R"("2020-01-20T09:42:40.500-08:00")"}}));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].run_attempt, 3);
  EXPECT_EQ(jobs[0].created_at, kJanuary20th2020 + 63720);  // 17:42:00Z
  EXPECT_EQ(jobs[0].started_at, kExampleStarted);           // .500 truncated
  EXPECT_EQ(queue_seconds(jobs[0]), 40);
}

TEST(JobJsonTest, StepsAreSortedByNumber) {
  auto jobs = parse_ok(job({{"steps", R"([{"number": 16, "name": "post"},
      {"number": 1, "name": "set up"}, {"number": 3, "name": "test"}])"}}));
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(step_numbers(jobs[0]), (std::vector<std::int64_t>{1, 3, 16}));
  EXPECT_EQ(jobs[0].steps[0].name, "set up");
  EXPECT_EQ(jobs[0].steps[2].name, "post");
}

TEST(JobJsonTest, LooksLikeJobsTellsJobsFromRuns) {
  EXPECT_TRUE(looks_like_jobs(read_file(github_example("list-jobs-for-workflow-run.json"))));
  EXPECT_TRUE(looks_like_jobs(read_file(github_example("job.json"))));
  auto [first, second] = two_pages();
  EXPECT_TRUE(looks_like_jobs("[" + first + "," + second + "]"));
  EXPECT_TRUE(looks_like_jobs("[]\n" + first + second));
  EXPECT_TRUE(looks_like_jobs("[" + read_file(github_example("job.json")) + "]"));
  EXPECT_TRUE(looks_like_jobs(R"({"total_count": 0, "jobs": []})"));

  std::string runs = read_file(github_example("list-workflow-runs.json"));
  EXPECT_FALSE(looks_like_jobs(runs));
  EXPECT_FALSE(looks_like_jobs(read_file(github_example("workflow-run.json"))));
  EXPECT_FALSE(looks_like_jobs("[" + runs + "," + runs + "]"));
  EXPECT_FALSE(looks_like_jobs(runs + first));  // the first object decides
  EXPECT_FALSE(looks_like_jobs("[]"));
  EXPECT_FALSE(looks_like_jobs(""));
  EXPECT_FALSE(looks_like_jobs("{\"jobs"));  // not JSON
}

TEST(JobJsonTest, RunsAndJobsParsersRefuseEachOthersPages) {
  EXPECT_EQ(error_of(read_file(github_example("list-workflow-runs.json")), "runs.json"),
            "runs.json: not a jobs document: expected {\"jobs\": [...]}, an array of jobs or a job "
            "object; got an object with keys \"total_count\", \"workflow_runs\"");
  auto runs = parse_runs_document(read_file(github_example("list-jobs-for-workflow-run.json")),
                                  "jobs.json");
  ASSERT_FALSE(runs.has_value());
  EXPECT_EQ(runs.error().message,
            "jobs.json: not a workflow-run document: expected {\"workflow_runs\": [...]}, an "
            "array of runs or a run object; got an object with keys \"total_count\", \"jobs\"");
}

// Errors.

TEST(JobJsonErrorsTest, JobHelperBuildsAValidJob) {
  EXPECT_EQ(job({{"run_id", "8"}, {"name", ""}, {"labels", "[]"}}),
            R"({"id": 5, "run_id": 8, "status": "completed", "labels": []})");
  EXPECT_TRUE(parse_jobs_document(job(), "test.json").has_value());
}

TEST(JobJsonErrorsTest, TruncatedExampleNamesLineAndColumn) {
  // The first 13 lines of GitHub's example, then 25 characters of line 14:
  // `      "started_at": "2020` (6 spaces, 12 for the quoted key, ':', ' ', 5 for `"2020`). The
  // input ends inside a string at line 14, column 26.
  std::string text = read_file(github_example("list-jobs-for-workflow-run.json"));
  std::size_t cut = 0;
  for (int line = 0; line < 13; ++line) cut = text.find('\n', cut) + 1;
  text = text.substr(0, cut + 25);
  ASSERT_EQ(text.substr(cut), "      \"started_at\": \"2020");
  EXPECT_EQ(error_of(text, "jobs.json"), "jobs.json: line 14, column 26: unexpected end of input");
  EXPECT_FALSE(looks_like_jobs(text));
}

TEST(JobJsonErrorsTest, EmptyInputIsAnEmptyDocument) {
  EXPECT_EQ(error_of(" \n"), "test.json: empty document");
}

TEST(JobJsonErrorsTest, JobsMustBeAnArray) {
  EXPECT_EQ(error_of(R"({"total_count": 1, "jobs": {}})"),
            "test.json: field \"jobs\": expected an array of jobs, got an empty object");
  EXPECT_EQ(error_of(R"({"total_count": 1, "jobs": null})"),
            "test.json: field \"jobs\": expected an array of jobs, got null");
  EXPECT_EQ(
      error_of(R"({"jobs": []} {"jobs": "x"})"),
      "test.json: document #2: field \"jobs\": expected an array of jobs, got a string \"x\"");
}

TEST(JobJsonErrorsTest, ElementsMustBeJobObjects) {
  EXPECT_EQ(error_of(page(job() + ", 3")),
            "test.json: job #2: expected a job object, got the number 3");
}

TEST(JobJsonErrorsTest, JobWithoutIdNamesTheField) {
  EXPECT_EQ(error_of(page(job({{"id", ""}}))), "test.json: job #1: field \"id\": is missing");
  EXPECT_EQ(error_of(page(job({{"id", "0"}}))),
            "test.json: job #1: field \"id\": must be a positive integer, got 0");
  // A lone object without an id is not taken for a job at all.
  EXPECT_THAT(error_of(job({{"id", ""}})), StartsWith("test.json: not a jobs document: "));
}

TEST(JobJsonErrorsTest, RunIdAsAStringIsRejected) {
  EXPECT_EQ(error_of(page(job({{"run_id", R"("29679449")"}}))),
            "test.json: job #1 (id 5): field \"run_id\": expected an integer, got a string "
            "\"29679449\"");
  EXPECT_EQ(error_of(page(job({{"run_id", "-1"}}))),
            "test.json: job #1 (id 5): field \"run_id\": must be a positive integer, got -1");
  EXPECT_EQ(error_of(page(job({{"run_id", ""}}))),
            "test.json: job #1 (id 5): field \"run_id\": is missing");
}

TEST(JobJsonErrorsTest, LabelsMustBeStrings) {
  EXPECT_EQ(error_of(page(job({{"labels", R"(["self-hosted", 3])"}}))),
            "test.json: job #1 (id 5): field \"labels[1]\": expected a string, got the number 3");
  EXPECT_EQ(error_of(page(job({{"labels", R"("ubuntu-latest")"}}))),
            "test.json: job #1 (id 5): field \"labels\": expected an array, got a string "
            "\"ubuntu-latest\"");
}

TEST(JobJsonErrorsTest, StepNumbersMustBePositive) {
  EXPECT_EQ(error_of(page(job({{"steps", R"([{"number": 0, "name": "x"}])"}}))),
            "test.json: job #1 (id 5): field \"steps[0].number\": must be a positive integer, "
            "got 0");
  EXPECT_EQ(error_of(page(job({{"steps", R"([{"number": 1}, {"name": "x"}])"}}))),
            "test.json: job #1 (id 5): field \"steps[1].number\": is missing");
  EXPECT_EQ(error_of(page(job({{"steps", R"([{"number": 1}, {"number": 2}, {"number": "3"}])"}}))),
            "test.json: job #1 (id 5): field \"steps[2].number\": expected an integer, got a "
            "string \"3\"");
  EXPECT_EQ(error_of(page(job({{"steps", R"([{"number": 1}, 2])"}}))),
            "test.json: job #1 (id 5): field \"steps[1]\": expected an object, got the number 2");
  EXPECT_EQ(error_of(page(job({{"steps", "{}"}}))),
            "test.json: job #1 (id 5): field \"steps\": expected an array, got an object");
}

TEST(JobJsonErrorsTest, DuplicateStepNumbersNameBothSteps) {
  EXPECT_EQ(error_of(page(job({{"steps", R"([{"number": 1}, {"number": 2}, {"number": 1}])"}}))),
            "test.json: job #1 (id 5): field \"steps[2].number\": step number 1 is given twice "
            "(also by steps[0])");
  // Next to each other in an otherwise increasing list.
  EXPECT_EQ(error_of(page(job({{"steps", R"([{"number": 1}, {"number": 4}, {"number": 4}])"}}))),
            "test.json: job #1 (id 5): field \"steps[2].number\": step number 4 is given twice "
            "(also by steps[1])");
}

// Eleven steps, numbered 1 to 10 and then 0: the place named has two digits.
TEST(JobJsonErrorsTest, AStepPlaceOfTwoDigitsIsNamedWhole) {
  std::string steps = "[";
  for (int number = 1; number <= 10; ++number) {
    steps += "{\"number\": " + std::to_string(number) + "}, ";
  }
  steps += "{\"number\": 0}]";
  EXPECT_EQ(error_of(page(job({{"steps", steps}}))),
            "test.json: job #1 (id 5): field \"steps[10].number\": must be a positive integer, "
            "got 0");
}

TEST(JobJsonErrorsTest, StepFieldsOfTheWrongTypeNameTheStep) {
  EXPECT_EQ(error_of(page(job({{"steps", R"([{"number": 1, "name": 7}])"}}))),
            "test.json: job #1 (id 5): field \"steps[0].name\": expected a string, got the "
            "number 7");
  EXPECT_THAT(
      error_of(page(job({{"steps", R"([{"number": 1, "started_at": "2020-01-20T09:42:40"}])"}}))),
      StartsWith("test.json: job #1 (id 5): field \"steps[0].started_at\": invalid time stamp"));
}

TEST(JobJsonErrorsTest, ImplausibleTimeStampsNameJobFieldAndValue) {
  EXPECT_EQ(error_of(page(job({{"created_at", R"("1970-01-01T00:00:00Z")"}}))),
            "test.json: job #1 (id 5): field \"created_at\": implausible time stamp "
            "\"1970-01-01T00:00:00Z\": a job is dated from 2000-01-01T00:00:00Z to before "
            "2200-01-01T00:00:00Z");
  EXPECT_THAT(error_of(job({{"completed_at", R"("9999-12-31T23:59:59Z")"}})),
              StartsWith("test.json: job #1 (id 5): field \"completed_at\": implausible time "
                         "stamp \"9999-12-31T23:59:59Z\""));
  EXPECT_THAT(error_of(job({{"steps", R"([{"number": 1,
                                          "completed_at": "2200-01-01T00:00:00Z"}])"}})),
              StartsWith("test.json: job #1 (id 5): field \"steps[0].completed_at\": "
                         "implausible time stamp \"2200-01-01T00:00:00Z\""));
  EXPECT_EQ(error_of(job({{"started_at", "1579542160"}})),
            "test.json: job #1 (id 5): field \"started_at\": expected a time stamp string, got "
            "the number 1579542160");
}

TEST(JobJsonErrorsTest, RequiredTextsMustBePresentAndNonEmpty) {
  EXPECT_EQ(error_of(job({{"name", ""}})), "test.json: job #1 (id 5): field \"name\": is missing");
  EXPECT_EQ(error_of(job({{"name", R"("")"}})),
            "test.json: job #1 (id 5): field \"name\": must not be empty");
  EXPECT_EQ(error_of(job({{"status", "null"}})),
            "test.json: job #1 (id 5): field \"status\": expected a string, got null");
  EXPECT_EQ(error_of(job({{"status", R"("")"}})),
            "test.json: job #1 (id 5): field \"status\": must not be empty");
  EXPECT_EQ(error_of(job({{"conclusion", "false"}})),
            "test.json: job #1 (id 5): field \"conclusion\": expected a string, got false");
}

TEST(JobJsonErrorsTest, RunAttemptMustBeInRange) {
  EXPECT_EQ(error_of(job({{"run_attempt", "0"}})),
            "test.json: job #1 (id 5): field \"run_attempt\": must be between 1 and 65535, got 0");
  EXPECT_EQ(error_of(job({{"run_attempt", "65536"}})),
            "test.json: job #1 (id 5): field \"run_attempt\": must be between 1 and 65535, got "
            "65536");
}

TEST(JobJsonErrorsTest, ValidateJobProblemsAreReportedInTheSameStyle) {
  std::string labels = "[";
  for (int i = 0; i <= 32; ++i) labels += fmt::format("{}\"l{}\"", i == 0 ? "" : ",", i);
  labels += "]";
  EXPECT_EQ(error_of(job({{"labels", labels}})),
            "test.json: job #1 (id 5): field \"labels\" has more than 32 labels");
  EXPECT_EQ(error_of(job({{"name", "\"" + std::string(1025, 'x') + "\""}})),
            "test.json: job #1 (id 5): field \"name\" is longer than 1024 bytes");
}

TEST(JobJsonErrorsTest, JobsAreNumberedAcrossTheWholeInput) {
  std::string text = page(job({{"id", "11"}}) + "," + job({{"id", "12"}})) + "\n" +
                     page(job({{"id", "13"}, {"runner_name", "[]"}}));
  EXPECT_EQ(error_of(text),
            "test.json: job #3 (id 13): field \"runner_name\": expected a string, got an array");
}

TEST(JobJsonErrorsTest, OtherDocumentsAreNotJobDocuments) {
  EXPECT_EQ(error_of(R"({"message": "Not Found"})"),
            "test.json: not a jobs document: expected {\"jobs\": [...]}, an array of jobs or a job "
            "object; got GitHub's error message \"Not Found\"");
  // A webhook payload holds its job in "workflow_job": take that out first.
  EXPECT_THAT(error_of(read_file(github_example("webhook-workflow-job-waiting.json"))),
              HasSubstr("got an object with keys \"action\", \"workflow_job\""));
}

}  // namespace
}  // namespace cipette::github
