#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cipette::storage {

// The text both stores keep a job's `runs-on` labels in (jobs.labels): each label followed by
// a newline, a backslash or newline inside a label written as backslash-backslash or
// backslash-n. Any label survives, and no labels ("") differ from one empty label ("\n").
std::string encode_labels(const std::vector<std::string>& labels);

// The labels encode_labels wrote, into `labels` (its capacity reused). Text that
// encode_labels cannot have written (a final label without its newline, an unknown escape)
// is read as best it can be: the unterminated rest as a last label, the escaped character as
// itself.
void decode_labels(std::string_view text, std::vector<std::string>& labels);

}  // namespace cipette::storage
