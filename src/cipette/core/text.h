#pragma once

#include <string>
#include <string_view>

namespace cipette {

// ASCII lower case (GitHub names, HTTP header names); other bytes, UTF-8 included, unchanged.
std::string ascii_lower(std::string_view text);

// True when `a` and `b` are equal ignoring ASCII case.
bool equal_ignoring_case(std::string_view a, std::string_view b);

// The value of hexadecimal digit `c` (0-9, a-f, A-F), or -1.
int hex_digit_value(char c);

// `text` without leading and trailing spaces, tabs, carriage returns and line feeds.
std::string_view trim_whitespace(std::string_view text);

}  // namespace cipette
