// How --help shows an option's value: type, default and the variables read in its place.
#include "cipette/cli/help_format.h"

#include <gtest/gtest.h>

#include <memory>

namespace cipette::cli {
namespace {

struct HelpApp {
  HelpApp() { app.formatter(formatter); }
  std::shared_ptr<HelpFormatter> formatter = std::make_shared<HelpFormatter>();
  CLI::App app{"test", "cipette"};
};

TEST(CliHelpFormatTest, ShowsTheTypeTheDefaultAndTheVariables) {
  HelpApp help;
  std::string port, format = "table";
  CLI::Option* option = describe(help.app, help.app.add_option("--port", port, "Port"),
                                 {"PORT", "5000", "CIPETTE_PORT or FLASK_PORT"});
  EXPECT_EQ(help.formatter->make_option_opts(option),
            " PORT (default: 5000, env: CIPETTE_PORT or FLASK_PORT)");
  // A default captured from the bound variable, and no variable.
  CLI::Option* captured = describe(help.app, help.app.add_option("--format", format, "Format"),
                                   {"table|json|csv", "", ""})
                              ->capture_default_str();
  EXPECT_EQ(help.formatter->make_option_opts(captured), " table|json|csv (default: table)");
  // Nothing to say but the type.
  std::string branch;
  CLI::Option* plain =
      describe(help.app, help.app.add_option("--branch", branch, "Branch"), {"BRANCH", "", ""});
  EXPECT_EQ(help.formatter->make_option_opts(plain), " BRANCH");
}

TEST(CliHelpFormatTest, AFlagShowsOnlyItsVariablesAndAListItsRepetition) {
  HelpApp help;
  bool debug = false;
  CLI::Option* flag =
      describe(help.app, help.app.add_flag("--debug", debug, "Debug"), {"", "", "CIPETTE_DEBUG"});
  EXPECT_EQ(help.formatter->make_option_opts(flag), " (env: CIPETTE_DEBUG)");
  std::vector<std::string> files;
  CLI::Option* list =
      describe(help.app, help.app.add_option("files", files, "Files"), {"FILE", "", ""})
          ->required();
  EXPECT_EQ(help.formatter->make_option_opts(list), " FILE ... (required)");
}

TEST(CliHelpFormatTest, DefaultsShownInHelpAreNotTakenAsValues) {
  // default_str only documents: the bound value stays empty when the option is not given, so
  // that the configuration (flag > environment > .env > default) still decides.
  HelpApp help;
  std::string to;
  CLI::Option* option =
      describe(help.app, help.app.add_option("--to", to, "End"), {"DATE|TIME", "now", ""});
  help.app.parse(std::vector<std::string>{});
  EXPECT_EQ(to, "");
  EXPECT_EQ(option->count(), 0u);
}

}  // namespace
}  // namespace cipette::cli
