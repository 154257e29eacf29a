#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace cipette::testing {

// A fresh directory under the system temp dir, removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string.
  std::string file(const std::string& name) const;

 private:
  std::filesystem::path path_;
};

// Absolute path of a file under the source tree, e.g. source_path("tests/fixtures/x.json").
std::filesystem::path source_path(const std::string& relative);

// Absolute path of one of GitHub's own example bodies, copied verbatim into
// tests/fixtures/github/ (see SOURCES.md there).
std::filesystem::path github_example(const std::string& name);

// Reads a whole file; throws std::runtime_error naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

// Writes `content` to `path`, replacing it.
void write_file(const std::filesystem::path& path, const std::string& content);

// What a finished child process left.
struct CommandResult {
  int exit_code = -1;  // the exit status, or 128 + signal number
  std::string out;     // standard output
  std::string err;     // standard error
};

struct CommandOptions {
  std::map<std::string, std::string> env;  // set (or, with an empty value, unset) in the child
  std::string cwd;                         // working directory; empty = the test's
  std::string input;                       // written to standard input
};

// Runs `args` (args[0] is the program path) to completion, capturing its output.
CommandResult run_command(const std::vector<std::string>& args, const CommandOptions& options = {});

// Starts `args` in the background with `options.env` and `options.cwd` (input is ignored), its
// standard output and error both written to the file `log` ("/dev/null" to discard them).
// Returns the child's pid; reap it with wait_command (or kill it first).
int spawn_command(const std::vector<std::string>& args, const CommandOptions& options,
                  const std::string& log);

// Waits for child `pid` to end: its exit status, or 128 + the signal that ended it.
int wait_command(int pid);

// The path of the built `cipette` binary (from the CIPETTE_BINARY environment variable or the
// compile-time default).
std::string cipette_binary();

}  // namespace cipette::testing
