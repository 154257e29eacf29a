// The `fake-github` program: flags, the "port N" line, serving, and stopping on SIGTERM.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "fake_github/fake_test_helpers.h"
#include "support/test_support.h"

namespace cipette::fake_github {
namespace {

using testing::parse_link;

// The program running in a child process; SIGKILLed if the test leaves it running.
class Program {
 public:
  explicit Program(std::vector<std::string> args) {
    args.insert(args.begin(), FAKE_GITHUB_BINARY);
    int out[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    // Built before fork(): the child of a threaded process may not allocate.
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    stdout_ = ::fdopen(out[0], "r");
  }
  ~Program() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_ != nullptr) std::fclose(stdout_);
  }

  // The first line of standard output, without its newline ("" at end of file).
  std::string first_line() {
    std::string line;
    for (int c; (c = std::fgetc(stdout_)) != EOF && c != '\n';) line += static_cast<char>(c);
    return line;
  }

  // Sends `signal_number` and returns the exit status (128 + signal if killed by one).
  int stop(int signal_number) {
    ::kill(pid_, signal_number);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
};

int port_of(const std::string& line) {
  EXPECT_EQ(line.rfind("port ", 0), 0u) << line;
  return line.rfind("port ", 0) == 0 ? std::stoi(line.substr(5)) : 0;
}

httplib::Client client(int port, const std::string& token = "s3cret") {
  httplib::Client result("127.0.0.1", port);
  result.set_default_headers(
      {{"User-Agent", "program-test"}, {"Authorization", "Bearer " + token}});
  result.set_url_encode(false);
  return result;
}

TEST(FakeGitHubProgramTest, ServesTheRepositoriesGivenByFlagsUntilSigterm) {
  Program program({"--token", "s3cret", "--repos", "acme/a:120,b:30", "--org", "acme",
                   "--rate-limit", "50", "--seed", "3", "--end", "2024-03-01"});
  const int port = port_of(program.first_line());
  ASSERT_GT(port, 0);
  auto http = client(port);
  auto runs = http.Get("/repos/acme/a/actions/runs?per_page=100");
  ASSERT_TRUE(runs);
  EXPECT_EQ(runs->status, 200);
  EXPECT_EQ(nlohmann::json::parse(runs->body)["total_count"], 120);
  EXPECT_EQ(runs->get_header_value("x-ratelimit-limit"), "50");
  EXPECT_EQ(runs->get_header_value("x-ratelimit-remaining"), "49");
  // "b:30" has no owner, so it belongs to --org; both are listed under the organisation.
  auto repos = http.Get("/orgs/acme/repos");
  ASSERT_TRUE(repos);
  const auto listed = nlohmann::json::parse(repos->body);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["full_name"], "acme/b");
  EXPECT_EQ(listed[1]["full_name"], "acme/a");
  EXPECT_EQ(client(port, "wrong").Get("/rate_limit")->status, 401);
  EXPECT_EQ(program.stop(SIGTERM), 0);
}

TEST(FakeGitHubProgramTest, InjectsFaultsGivenByFlagsAndStopsOnSigint) {
  Program program({"--token", "s3cret", "--repos", "acme/a:10", "--fault", "503:2:/actions/runs",
                   "--fault", "secondary-429:1:/rate_limit", "--retry-after", "3"});
  auto http = client(port_of(program.first_line()));
  auto limited = http.Get("/rate_limit");
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("retry-after"), "3");
  EXPECT_EQ(http.Get("/rate_limit")->status, 200);
  EXPECT_EQ(http.Get("/repos/acme/a/actions/runs")->status, 503);
  EXPECT_EQ(http.Get("/repos/acme/a/actions/runs")->status, 503);
  EXPECT_EQ(http.Get("/repos/acme/a/actions/runs")->status, 200);
  EXPECT_EQ(program.stop(SIGINT), 0);
}

TEST(FakeGitHubProgramTest, DumpsEveryRunAndHoldsOneDayRepositories) {
  cipette::testing::TempDir dir;
  const std::string dump = dir.file("runs.json");
  Program program({"--token", "s3cret", "--repos", "acme/a:40", "--one-day", "acme/big:1500",
                   "--end", "2024-03-01", "--dump", dump, "--in-progress", "0"});
  auto http = client(port_of(program.first_line()));
  const auto runs = nlohmann::json::parse(cipette::testing::read_file(dump));
  EXPECT_EQ(runs.size(), 1540u);  // 40 + 1500
  // --end 2024-03-01: the one-day runs fall on 2024-02-29.
  auto day = http.Get("/repos/acme/big/actions/runs?created=2024-02-29&per_page=100");
  ASSERT_TRUE(day);
  EXPECT_EQ(nlohmann::json::parse(day->body)["total_count"], 1500);
  const auto links = parse_link(day->get_header_value("Link"));
  EXPECT_NE(links.at("last").find("page=10"), std::string::npos);  // capped at 1,000 = 10 pages
  EXPECT_EQ(program.stop(SIGTERM), 0);
}

TEST(FakeGitHubProgramTest, GeneratesReRunsAsToldAndServesTheirAttempts) {
  cipette::testing::TempDir dir;
  const std::string dump = dir.file("runs.json");
  Program program({"--token", "s3cret", "--repos", "acme/a:50", "--end", "2024-03-01",
                   "--in-progress", "0", "--rerun-share", "1", "--dump", dump, "--fault",
                   "stale-replica:1:/nothing"});
  auto http = client(port_of(program.first_line()));
  const auto runs = nlohmann::json::parse(cipette::testing::read_file(dump));
  ASSERT_EQ(runs.size(), 50u);
  // Every run is re-run but one whose re-run would end after --end: 50 runs over 90 days are
  // created 1.8 days apart, and a re-run ends within 6 h + 4 h of the first attempt's end, so
  // only the newest run can miss out.
  std::int64_t rerun = 0, earlier = 0, rerun_id = 0;
  for (const auto& run : runs) {
    const std::int64_t attempt = run["run_attempt"];
    rerun += attempt > 1;
    earlier += attempt - 1;
    if (attempt > 1) rerun_id = run["id"];
  }
  EXPECT_GE(rerun, 49);
  auto attempts = http.Get("/_fake/attempts");
  ASSERT_TRUE(attempts);
  EXPECT_EQ(static_cast<std::int64_t>(nlohmann::json::parse(attempts->body).size()), earlier);
  auto first = http.Get("/repos/acme/a/actions/runs/" + std::to_string(rerun_id) + "/attempts/1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(nlohmann::json::parse(first->body)["run_attempt"], 1);
  EXPECT_NE(cipette::testing::run_command({FAKE_GITHUB_BINARY, "--rerun-share", "1.5"}).exit_code,
            0);
  EXPECT_EQ(program.stop(SIGTERM), 0);
}

TEST(FakeGitHubProgramTest, RejectsAnUnknownFaultKind) {
  const auto result = cipette::testing::run_command({FAKE_GITHUB_BINARY, "--fault", "explode"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("explode"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace cipette::fake_github
