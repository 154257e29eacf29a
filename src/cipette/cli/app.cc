#include "cipette/cli/app.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "cipette/cli/command.h"
#include "cipette/cli/help_format.h"
#include "cipette/cli/suggest.h"

namespace cipette::cli {

namespace {

// `cipette-collect ARGS` and `cipette-web ARGS` (the original project's command names, installed
// as links to this binary) mean `cipette collect ARGS` and `cipette serve ARGS`.
std::vector<std::string> expand_alias(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  std::string name = args.empty() ? "" : args[0].substr(args[0].find_last_of('/') + 1);
  if (name == "cipette-collect") args.insert(args.begin() + 1, "collect");
  if (name == "cipette-web") args.insert(args.begin() + 1, "serve");
  return args;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "cipette: error: %s\nRun `cipette --help` for usage.\n", message.c_str());
  return kExitUsage;
}

// Where the command line stops naming commands while one is expected: the innermost command
// named ("cipette", "cipette db") and what stands where its subcommand should be (nullopt: the
// line ends there). `command` is null when every command is named or an option comes first.
struct MissingCommand {
  const CLI::App* command = nullptr;
  std::string path;
  std::optional<std::string> given;
};

MissingCommand find_missing_command(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* command = &app;
  std::string path = "cipette";
  for (std::size_t i = 1;; ++i) {
    std::vector<const CLI::App*> subcommands = command->get_subcommands({});
    if (subcommands.empty()) return {};
    if (i == args.size()) return {command, path, std::nullopt};
    if (args[i].starts_with('-')) return {};  // --help, --version, or a misplaced option
    auto named = std::find_if(subcommands.begin(), subcommands.end(),
                              [&](const CLI::App* sub) { return sub->get_name() == args[i]; });
    if (named == subcommands.end()) return {command, path, args[i]};
    command = *named;
    path += " " + command->get_name();
  }
}

// "unknown command 'colect'; did you mean 'collect'?", else the list of commands.
std::string unknown_command(const MissingCommand& missing) {
  std::vector<std::string> names;
  for (const CLI::App* sub : missing.command->get_subcommands({})) names.push_back(sub->get_name());
  std::string prefix = missing.path == "cipette" ? "" : missing.path.substr(8) + " ";
  std::string message = fmt::format("unknown command '{}{}'", prefix, *missing.given);
  if (auto near = nearest_name(*missing.given, names)) {
    return message + fmt::format("; did you mean '{}{}'?", prefix, *near);
  }
  std::sort(names.begin(), names.end());
  return message + fmt::format("; the commands are {}", fmt::join(names, ", "));
}

int run_app(std::vector<std::string> args) {
  CLI::App app{"CIPette: CI/CD insights for GitHub Actions", "cipette"};
  app.formatter(std::make_shared<HelpFormatter>());  // before the subcommands, which share it
  app.require_subcommand(1);
  app.set_version_flag("--version", "cipette 0.1.0");
  app.footer(
      "Configuration: flags > environment > .env > defaults. See README.md for the variables.");

  auto env = Environment::load(".env");
  if (!env) return report_error(env.error(), kExitUsage);
  CommandContext context{&*env};
  add_metrics_command(app, context);
  add_import_command(app, context);
  add_demo_command(app, context);
  add_serve_command(app, context);
  add_collect_command(app, context);
  add_db_command(app, context);

  // A command line that stops where a command is expected asks what there is: the help, as
  // --help gives it. A word that names no command is most likely a typo of one.
  MissingCommand missing = find_missing_command(app, args);
  if (missing.command != nullptr && !missing.given) {
    std::size_t last = missing.path.rfind(' ');  // CLI11 wants the names before the command's
    std::string before = last == std::string::npos ? "" : missing.path.substr(0, last);
    std::fputs(missing.command->help(before).c_str(), stdout);
    return kExitOk;
  }
  if (missing.command != nullptr) return usage_error(unknown_command(missing));

  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector of arguments
  args.pop_back();                         // without the program name
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }
  return context.exit_code;
}

}  // namespace

int report_error(const Error& error, int code) {
  std::fprintf(stderr, "cipette: error: %s\n", error.message.c_str());
  return code;
}

Flag flag_of(const CLI::Option* option, const std::string& value) {
  return Flag{option->get_name(), value, option->count() > 0};
}

CLI::Option* add_database_option(CLI::App& command, std::string& value) {
  return describe(command,
                  command.add_option("--db,--database-url", value,
                                     "Database: a SQLite path or a postgresql:// URL"),
                  {"PATH|URL", std::string(kDefaultDatabase), "DATABASE_URL"});
}

int run(int argc, char** argv) {
  try {
    return run_app(expand_alias(argc, argv));
  } catch (const std::exception& e) {
    // Anything unexpected ends here, as one line and a failure code, never an abort.
    return report_error(Error{e.what()}, kExitFailure);
  }
}

}  // namespace cipette::cli
