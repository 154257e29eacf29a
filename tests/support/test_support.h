#pragma once

#include <filesystem>
#include <string>

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

}  // namespace cipette::testing
