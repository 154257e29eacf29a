#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cipette::cli {

// The number of single-character insertions, deletions and substitutions that turn `a` into
// `b` (the Levenshtein distance), byte by byte.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The name of `names` nearest to `typed` when it is near enough to be a typo of it: at most a
// third of typed's characters (rounded up) differ. The first of equally near names; nullopt
// when none is near enough.
std::optional<std::string> nearest_name(std::string_view typed,
                                        const std::vector<std::string>& names);

// A short list of `names` for an error message: at most `count` of them, nearest to `typed`
// first (equally near ones in alphabetical order), joined by ", ", then "and N more" when some
// were left out; "none" when `names` is empty.
std::string nearest_names(std::string_view typed, std::vector<std::string> names,
                          std::size_t count);

}  // namespace cipette::cli
