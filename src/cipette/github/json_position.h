#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// Private to cipette_github: finds where JSON text goes wrong, for messages. simdjson says only
// that a document is invalid; this scanner is run after simdjson has failed, to say where and why.

namespace cipette::github {

// The first problem in a JSON text: the byte offset it was found at and what it is
// ("unexpected end of input", "expected ',' or '}' after an object member").
struct JsonSyntaxError {
  std::size_t offset = 0;
  std::string what;
};

// Checks `text` as a sequence of JSON values separated by optional whitespace (RFC 8259, as
// strict as simdjson: UTF-8 validated, no lone surrogates, integers within 64 bits, doubles
// finite, at most 1024 nested arrays/objects). Returns the first error, or nullopt when the
// text is valid. Linear time; meant for the error path only.
std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text);

// A 1-based line and column. Columns count characters (UTF-8 sequences), not bytes.
struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};

// The line and column of byte `offset` in `text`; offset == text.size() is the end of the text.
// REQUIRES: offset <= text.size().
TextPosition position_of(std::string_view text, std::size_t offset);

// Length of the valid UTF-8 sequence starting at `text[0]` (1..4), or 0 when the bytes there are
// not valid UTF-8 (a stray continuation byte, an overlong form, a surrogate, a truncated
// sequence). REQUIRES: !text.empty().
std::size_t utf8_sequence_length(std::string_view text);

// `text` made safe for a one-line message: control characters escaped (\u000A), invalid UTF-8
// shown as \xNN; everything else kept.
std::string printable(std::string_view text);

// `text` quoted for a one-line message: at most `max_bytes` bytes of it (cut at a character
// boundary, "..." appended when cut), control characters escaped, invalid UTF-8 shown as \xNN.
std::string quote_for_message(std::string_view text, std::size_t max_bytes = 80);

}  // namespace cipette::github
