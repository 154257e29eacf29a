#include "cipette/github/json_position.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <system_error>

#include "cipette/core/text.h"

namespace cipette::github {

namespace {

// simdjson's default: deeper documents fail with DEPTH_ERROR.
constexpr int kMaxDepth = 1024;

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Appends the character of `text` at `i` to `out`, escaped where needed; returns its length.
std::size_t append_printable(std::string_view text, std::size_t i, bool escape_quotes,
                             std::string& out) {
  auto c = static_cast<unsigned char>(text[i]);
  std::size_t length = utf8_sequence_length(text.substr(i));
  if (length == 0) {
    out += fmt::format("\\x{:02X}", c);
    return 1;
  }
  if (escape_quotes && (c == '"' || c == '\\')) {
    out += '\\';
    out += static_cast<char>(c);
  } else if (c < 0x20 || c == 0x7F) {
    out += fmt::format("\\u{:04X}", c);
  } else {
    out.append(text.substr(i, length));
  }
  return length;
}

// A recursive-descent checker; every method returns false once error_ is set.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::optional<JsonSyntaxError> scan() {
    for (;;) {
      skip_space();
      if (at_end()) return std::nullopt;
      bool scalar = peek() != '{' && peek() != '[' && peek() != '"';
      if (!value(0)) return std::move(error_);
      // Like simdjson, end a top-level number or literal only with whitespace or punctuation
      // ("1x" is not "1" followed by another document).
      if (scalar && !at_end() && !is_json_space(peek()) &&
          std::string_view(",:[]{}").find(peek()) == std::string_view::npos) {
        fail_unexpected("expected whitespace after a number or literal");
        return std::move(error_);
      }
    }
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void skip_space() {
    while (!at_end() && is_json_space(peek())) ++pos_;
  }

  bool fail_at(std::size_t offset, std::string what) {
    error_ = JsonSyntaxError{offset, std::move(what)};
    return false;
  }
  bool fail_end() { return fail_at(text_.size(), "unexpected end of input"); }
  // "expected X, got 'c'" for the character at pos_ (or the end of input).
  bool fail_unexpected(std::string_view expected) {
    if (at_end()) return fail_end();
    return fail_at(pos_, fmt::format("{}, got {}", expected, describe_char()));
  }

  std::string describe_char() const {
    auto c = static_cast<unsigned char>(peek());
    if (c >= 0x20 && c < 0x7F) return fmt::format("'{}'", static_cast<char>(c));
    if (c < 0x80) return fmt::format("character U+{:04X}", c);
    std::size_t length = utf8_sequence_length(text_.substr(pos_));
    if (length == 0) return fmt::format("invalid UTF-8 byte 0x{:02X}", c);
    return fmt::format("'{}'", text_.substr(pos_, length));
  }

  bool value(int depth) {
    if (at_end()) return fail_end();
    char c = peek();
    if (c == '{') return object(depth + 1);
    if (c == '[') return array(depth + 1);
    if (c == '"') return string();
    if (c == '-' || is_digit(c)) return number();
    if (c == 't') return literal("true");
    if (c == 'f') return literal("false");
    if (c == 'n') return literal("null");
    return fail_unexpected("expected a value");
  }

  bool enter(int depth) {
    if (depth <= kMaxDepth) return true;
    return fail_at(pos_, fmt::format("nesting deeper than {} arrays and objects", kMaxDepth));
  }

  bool object(int depth) {
    if (!enter(depth)) return false;
    ++pos_;  // '{'
    skip_space();
    if (!at_end() && peek() == '}') return ++pos_, true;
    for (;;) {
      skip_space();
      // An empty object was handled above, so a '}' here follows a comma.
      if (!at_end() && peek() == '}') return fail_at(pos_, "trailing comma before '}'");
      if (at_end() || peek() != '"') return fail_unexpected("expected a string (an object key)");
      if (!string()) return false;
      skip_space();
      if (at_end() || peek() != ':') return fail_unexpected("expected ':' after an object key");
      ++pos_;
      skip_space();
      if (!value(depth)) return false;
      skip_space();
      if (!at_end() && peek() == ',') {
        ++pos_;
        continue;
      }
      if (!at_end() && peek() == '}') return ++pos_, true;
      return fail_unexpected("expected ',' or '}' after an object member");
    }
  }

  bool array(int depth) {
    if (!enter(depth)) return false;
    ++pos_;  // '['
    skip_space();
    if (!at_end() && peek() == ']') return ++pos_, true;
    for (;;) {
      skip_space();
      if (!at_end() && peek() == ']') return fail_at(pos_, "trailing comma before ']'");
      if (!value(depth)) return false;
      skip_space();
      if (!at_end() && peek() == ',') {
        ++pos_;
        continue;
      }
      if (!at_end() && peek() == ']') return ++pos_, true;
      return fail_unexpected("expected ',' or ']' after an array element");
    }
  }

  bool literal(std::string_view word) {
    std::string_view rest = text_.substr(pos_, word.size());
    if (rest == word) return pos_ += word.size(), true;
    if (word.starts_with(rest) && pos_ + rest.size() == text_.size()) return fail_end();
    return fail_at(pos_, fmt::format("invalid literal (expected '{}')", word));
  }

  bool string() {
    ++pos_;  // opening quote
    for (;;) {
      if (at_end()) return fail_end();
      auto c = static_cast<unsigned char>(peek());
      if (c == '"') return ++pos_, true;
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return fail_at(pos_, fmt::format("unescaped control character U+{:04X} in a string", c));
      } else if (c < 0x80) {
        ++pos_;
      } else {
        std::size_t length = utf8_sequence_length(text_.substr(pos_));
        if (length == 0) return fail_at(pos_, fmt::format("invalid UTF-8 byte 0x{:02X}", c));
        pos_ += length;
      }
    }
  }

  // At a backslash inside a string.
  bool escape() {
    std::size_t start = pos_++;
    if (at_end()) return fail_end();
    char c = peek();
    ++pos_;
    if (std::string_view("\"\\/bfnrt").find(c) != std::string_view::npos) return true;
    if (c != 'u') return fail_at(start, "invalid escape sequence in a string");
    int unit = hex4(start);
    if (unit < 0) return false;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return fail_at(start, "unpaired surrogate in \\u escape");
    if (unit < 0xD800 || unit > 0xDBFF) return true;
    // A high surrogate must be followed by an escaped low surrogate.
    std::size_t second = pos_;
    if (text_.substr(pos_, 2) != "\\u") {
      if (pos_ + 1 >= text_.size()) return fail_end();
      return fail_at(start, "unpaired surrogate in \\u escape");
    }
    pos_ += 2;
    int low = hex4(second);
    if (low < 0) return false;
    if (low < 0xDC00 || low > 0xDFFF) return fail_at(start, "unpaired surrogate in \\u escape");
    return true;
  }

  // Reads the four hex digits of a \u escape that started at `start`; -1 on error.
  int hex4(std::size_t start) {
    int unit = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      if (at_end()) return fail_end(), -1;
      int digit = hex_digit_value(peek());
      if (digit < 0) return fail_at(start, "invalid \\u escape (expected four hex digits)"), -1;
      unit = unit * 16 + digit;
    }
    return unit;
  }

  bool digits() {
    if (at_end()) return fail_end();
    if (!is_digit(peek())) return fail_unexpected("invalid number: expected a digit");
    while (!at_end() && is_digit(peek())) ++pos_;
    return true;
  }

  bool number() {
    std::size_t start = pos_;
    bool negative = peek() == '-';
    if (negative) ++pos_;
    if (!at_end() && peek() == '0') {
      ++pos_;
      if (!at_end() && is_digit(peek())) return fail_at(start, "invalid number: leading zero");
    } else if (!digits()) {
      return false;
    }
    bool integral = true;
    if (!at_end() && peek() == '.') {
      ++pos_;
      integral = false;
      if (!digits()) return false;
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      integral = false;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!digits()) return false;
    }
    std::string_view number = text_.substr(start, pos_ - start);
    if (!in_range(number, negative, integral)) return fail_at(start, "number out of range");
    return true;
  }

  // Whether simdjson can hold the number: integers in int64 or uint64, doubles finite.
  static bool in_range(std::string_view number, bool negative, bool integral) {
    const char* first = number.data();
    const char* last = first + number.size();
    if (integral && negative) {
      std::int64_t value = 0;
      return std::from_chars(first, last, value).ec == std::errc();
    }
    if (integral) {
      std::uint64_t value = 0;
      return std::from_chars(first, last, value).ec == std::errc();
    }
    double value = 0;
    auto result = std::from_chars(first, last, value);
    return result.ec == std::errc() || !overflows(number);
  }

  // For a number std::from_chars reported out of range: true when it is too large (rather than
  // too close to zero, which simdjson rounds to zero).
  static bool overflows(std::string_view number) {
    std::size_t i = number.starts_with('-') ? 1 : 0;
    std::int64_t magnitude = 0;  // the power of ten just above the first significant digit
    bool seen_significant = false;
    for (; i < number.size() && is_digit(number[i]); ++i) {
      seen_significant = seen_significant || number[i] != '0';
      if (seen_significant) ++magnitude;
    }
    if (i < number.size() && number[i] == '.') {
      for (++i; i < number.size() && is_digit(number[i]) && !seen_significant; ++i) {
        seen_significant = number[i] != '0';
        if (!seen_significant) --magnitude;
      }
      while (i < number.size() && is_digit(number[i])) ++i;
    }
    if (i < number.size() && (number[i] == 'e' || number[i] == 'E')) {
      ++i;
      bool negative_exponent = number[i] == '-';
      if (number[i] == '+' || number[i] == '-') ++i;
      std::int64_t exponent = 0;
      for (; i < number.size(); ++i)
        exponent = std::min<std::int64_t>(exponent * 10 + (number[i] - '0'), 1'000'000);
      magnitude += negative_exponent ? -exponent : exponent;
    }
    return magnitude > 0;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::optional<JsonSyntaxError> error_;
};

}  // namespace

std::optional<JsonSyntaxError> find_json_syntax_error(std::string_view text) {
  return Scanner(text).scan();
}

TextPosition position_of(std::string_view text, std::size_t offset) {
  TextPosition position;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++position.line;
      position.column = 1;
    } else if (!is_continuation(c)) {
      ++position.column;
    }
  }
  return position;
}

std::size_t utf8_sequence_length(std::string_view text) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;  // the allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (!is_continuation(byte(i))) return 0;
  }
  return length;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) i += append_printable(text, i, false, out);
  return out;
}

std::string quote_for_message(std::string_view text, std::size_t max_bytes) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t length = std::max<std::size_t>(utf8_sequence_length(text.substr(i)), 1);
    if (i + length > max_bytes) break;
    i += append_printable(text, i, true, out);
  }
  out += '"';
  if (i < text.size()) out += "...";
  return out;
}

}  // namespace cipette::github
