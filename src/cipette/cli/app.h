#pragma once

namespace cipette::cli {

// Runs the `cipette` command line: parses arguments and configuration, runs the subcommand, and
// turns failures into a one-line message on standard error. Returns the process exit code:
// 0 ok, 1 runtime failure, 2 usage or configuration error.
int run(int argc, char** argv);

}  // namespace cipette::cli
