#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cipette::github {

// The target of the first link with relation `rel` ("next", "last", ...) in the values of the
// `Link` header fields of a response (RFC 8288; GitHub sends
// `<https://api.github.com/...?page=2>; rel="next", <...>; rel="last"`). Relation types match
// case-insensitively, quoted or not, also inside a space-separated list (rel="next last").
// Malformed entries are skipped. nullopt when there is no such link.
std::optional<std::string> find_link(const std::vector<std::string_view>& link_fields,
                                     std::string_view rel);

}  // namespace cipette::github
