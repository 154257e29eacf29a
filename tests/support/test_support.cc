#include "support/test_support.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace cipette::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string templ = (fs::temp_directory_path() / "cipette-test-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary directory from " + templ);
  }
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string TempDir::file(const std::string& name) const { return (path_ / name).string(); }

fs::path source_path(const std::string& relative) {
  return fs::path(CIPETTE_SOURCE_DIR) / relative;
}

fs::path github_example(const std::string& name) {
  return source_path("tests/fixtures/github/" + name);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << content;
}

namespace {

// Reads both pipes until they close, feeding `input` to the child's standard input.
void pump(int in_fd, int out_fd, int err_fd, const std::string& input, CommandResult& result) {
  std::signal(SIGPIPE, SIG_IGN);  // a child that stops reading must not kill the test
  std::size_t written = 0;
  if (input.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  char buffer[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (poll(fds, 3, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      int& fd = i == 0 ? out_fd : err_fd;
      if (n <= 0) {
        close(fd);
        fd = -1;
      } else {
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      }
    }
    if (in_fd >= 0 && fds[2].revents != 0) {
      ssize_t n = write(in_fd, input.data() + written, input.size() - written);
      written += n > 0 ? static_cast<std::size_t>(n) : input.size();
      if (written >= input.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
}

}  // namespace

namespace {

extern "C" char** environ;

// What the child needs to exec, built before fork(): after fork() in a process with other
// threads (the fake GitHub server's), the child may only make async-signal-safe calls. A
// setenv() or a std::vector there can block for ever on a malloc lock another thread held
// when the process forked.
class ExecPlan {
 public:
  ExecPlan(const std::vector<std::string>& args, const CommandOptions& options)
      : args_(args), cwd_(options.cwd) {
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string_view text(*entry);
      std::string name(text.substr(0, text.find('=')));
      if (!options.env.contains(name)) env_.emplace_back(text);
    }
    for (const auto& [name, value] : options.env) {
      if (!value.empty()) env_.push_back(name + "=" + value);
    }
    for (std::string& arg : args_) argv_.push_back(arg.data());
    argv_.push_back(nullptr);
    for (std::string& entry : env_) envp_.push_back(entry.data());
    envp_.push_back(nullptr);
  }

  // In the child: changes directory and runs the program; never returns.
  [[noreturn]] void exec() const {
    if (!cwd_.empty() && chdir(cwd_.c_str()) != 0) _exit(126);
    execve(argv_[0], argv_.data(), envp_.data());
    _exit(127);
  }

 private:
  std::vector<std::string> args_;
  std::string cwd_;
  std::vector<std::string> env_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
};

}  // namespace

CommandResult run_command(const std::vector<std::string>& args, const CommandOptions& options) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const ExecPlan plan(args, options);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    plan.exec();  // dup2() cleared close-on-exec on 0, 1 and 2; the pipes close on exec
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  CommandResult result;
  pump(in[1], out[0], err[0], options.input, result);
  result.exit_code = wait_command(pid);
  return result;
}

int spawn_command(const std::vector<std::string>& args, const CommandOptions& options,
                  const std::string& log) {
  const ExecPlan plan(args, options);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    plan.exec();
  }
  return pid;
}

int wait_command(int pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string cipette_binary() {
  if (const char* path = std::getenv("CIPETTE_BINARY"); path != nullptr && *path != 0) return path;
#ifdef CIPETTE_BINARY
  return CIPETTE_BINARY;
#else
  throw std::runtime_error("CIPETTE_BINARY is not set");
#endif
}

}  // namespace cipette::testing
