#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "cipette/cli/config.h"
#include "cipette/core/result.h"

namespace cipette::cli {

// Exit codes (README.md, "Configuration"): 0 ok, 1 runtime failure, 2 usage or configuration error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// What every subcommand gets: the environment (process + .env) and where to put its exit code.
struct CommandContext {
  const Environment* env = nullptr;
  int exit_code = kExitOk;
};

// Prints "cipette: error: MESSAGE" on standard error and returns `code`.
int report_error(const Error& error, int code);

// The Flag for a CLI11 option bound to `value`: given when the user passed it.
Flag flag_of(const CLI::Option* option, const std::string& value);

// --db,--database-url bound to `value`, documented with DATABASE_URL and its default.
CLI::Option* add_database_option(CLI::App& command, std::string& value);

// Each subcommand registers its options and sets a callback that runs it and stores the exit
// code in the context.
void add_metrics_command(CLI::App& app, CommandContext& context);
void add_import_command(CLI::App& app, CommandContext& context);
void add_demo_command(CLI::App& app, CommandContext& context);
void add_serve_command(CLI::App& app, CommandContext& context);
void add_collect_command(CLI::App& app, CommandContext& context);
// `cipette db copy`: every run and sync state from one database into another.
void add_db_command(CLI::App& app, CommandContext& context);

}  // namespace cipette::cli
