#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cipette/core/result.h"

namespace cipette::cli {

using DotenvEntries = std::vector<std::pair<std::string, std::string>>;

// Parses a .env file as the original CIPette's users write them:
//   KEY=value              # comment after unquoted values is dropped
//   export KEY="quoted # not a comment"
//   KEY='single quoted'
// Blank lines and lines starting with '#' are skipped. Fails with "SOURCE:LINE: WHAT" on a line
// that is not KEY=VALUE, a key that is not [A-Za-z_][A-Za-z0-9_]*, or an unclosed quote.
Result<DotenvEntries> parse_dotenv(std::string_view text, std::string_view source);

// Reads and parses `path`; a missing file is an empty result, not an error.
Result<DotenvEntries> load_dotenv(const std::string& path);

}  // namespace cipette::cli
