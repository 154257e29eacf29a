#include "cipette/collector/progress.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace cipette::collector {
namespace {

// Everything written to a temporary FILE.
class Captured {
 public:
  Captured() : file_(std::tmpfile()) {}
  ~Captured() { std::fclose(file_); }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file_)) > 0;) {
      out.append(buffer, n);
    }
    return out;
  }

 private:
  std::FILE* file_;
};

TEST(ProgressTest, RedactReplacesEveryOccurrence) {
  EXPECT_EQ(redact("a ghp_1234 b ghp_1234", "ghp_1234"), "a *** b ***");
  EXPECT_EQ(redact("ghp_1234", "ghp_1234"), "***");
  EXPECT_EQ(redact("nothing", ""), "nothing");
  EXPECT_EQ(redact("a bc", "a"), "a bc");  // too short to be a token
}

TEST(ProgressTest, FormatsWaitsAsACountdown) {
  EXPECT_EQ(format_wait(std::chrono::seconds(42)), "42s");
  EXPECT_EQ(format_wait(std::chrono::seconds(185)), "3m 05s");
  EXPECT_EQ(format_wait(std::chrono::seconds(3729)), "1h 02m 09s");
}

TEST(ProgressTest, LogLinesNameTheRepositoryAndHideTheToken) {
  Captured out;
  LogProgress progress(out.file(), "s3cret-token");
  progress.note("octo/repo", "something about s3cret-token");
  RepositoryReport report;
  report.repository = "octo/repo";
  report.done = true;
  report.inserted = 5;
  report.requests = 2;
  progress.finished(report);
  EXPECT_EQ(out.text(),
            "cipette collect: octo/repo: something about ***\n"
            "cipette collect: octo/repo: 5 new, 0 updated, 2 requests\n");
}

TEST(ProgressTest, LogLinesShowAWaitOnceNotEverySecond) {
  Captured out;
  LogProgress progress(out.file(), "");
  progress.waiting("octo/repo", std::chrono::seconds(61), "secondary rate limit");
  progress.waiting("octo/repo", std::chrono::seconds(60), "secondary rate limit");
  progress.waiting("octo/repo", std::chrono::seconds(59), "secondary rate limit");
  // A new wait starts (more time left than before): a new line.
  progress.waiting("octo/repo", std::chrono::seconds(120), "secondary rate limit");
  EXPECT_EQ(out.text(),
            "cipette collect: octo/repo: waiting 1m 01s: secondary rate limit\n"
            "cipette collect: octo/repo: waiting 2m 00s: secondary rate limit\n");
}

TEST(ProgressTest, LogShowsActivityAtMostEveryFewSeconds) {
  Captured out;
  LogProgress progress(out.file(), "");
  SyncStatus status;
  status.repository = "octo/repo";
  status.pages = 3;
  status.runs_read = 300;
  status.activity = "listing";
  progress.update(status);
  progress.update(status);  // at once again: skipped
  EXPECT_EQ(out.text(), "cipette collect: octo/repo: 3 pages, 300 runs: listing\n");
}

TEST(ProgressTest, TerminalRedrawsLiveLinesInPlace) {
  Captured out;
  {
    TerminalProgress progress(out.file(), "");
    SyncStatus status;
    status.repository = "octo/repo";
    status.rate.known = true;
    status.rate.remaining = 4990;
    status.rate.limit = 5000;
    progress.update(status);
    progress.note("octo/repo", "a note");
  }
  // Drawn, erased (cursor up one line, clear), the note, drawn again; erased at the end.
  EXPECT_EQ(out.text(),
            "octo/repo: 0 pages, 0 runs, 4990/5000 requests left\n"
            "\033[1A\033[J"
            "octo/repo: a note\n"
            "octo/repo: 0 pages, 0 runs, 4990/5000 requests left\n"
            "\033[1A\033[J");
}

}  // namespace
}  // namespace cipette::collector
