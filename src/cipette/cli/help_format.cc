#include "cipette/cli/help_format.h"

#include <memory>
#include <stdexcept>

namespace cipette::cli {

void HelpFormatter::set_variables(const CLI::Option* option, std::string variables) {
  variables_.insert_or_assign(option, std::move(variables));
}

std::string HelpFormatter::make_option_opts(const CLI::Option* option) const {
  std::string text;
  if (option->get_type_size() != 0 && !option->get_type_name().empty()) {
    text += " " + option->get_type_name();
  }
  if (option->get_expected_max() == CLI::detail::expected_max_vector_size) text += " ...";
  if (option->get_required()) text += " (required)";
  std::string notes;
  if (option->get_type_size() != 0 && !option->get_default_str().empty()) {
    notes = "default: " + option->get_default_str();
  }
  if (auto found = variables_.find(option); found != variables_.end() && !found->second.empty()) {
    notes += (notes.empty() ? "env: " : ", env: ") + found->second;
  }
  if (!notes.empty()) text += " (" + notes + ")";
  return text;
}

CLI::Option* describe(CLI::App& command, CLI::Option* option, const ValueHelp& help) {
  option->type_name(help.type);
  if (!help.default_value.empty()) option->default_str(help.default_value);
  auto formatter = std::dynamic_pointer_cast<HelpFormatter>(command.get_formatter());
  if (!formatter) throw std::logic_error("describe: the command's formatter is not HelpFormatter");
  formatter->set_variables(option, help.variables);
  return option;
}

}  // namespace cipette::cli
