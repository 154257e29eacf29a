#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cipette/core/time.h"

namespace cipette::web {

// Writes compact JSON text straight into a string, byte for byte as nlohmann::json::dump(-1,
// ' ', false, error_handler_t::replace) writes the same values: no spaces, strings as UTF-8
// (control characters, '"' and '\\' escaped; invalid UTF-8 replaced with U+FFFD), doubles in
// nlohmann's shortest round-trip form ("90.0", "1e+20"; NaN and infinities as null). It is for
// documents whose nlohmann form is the reference: the caller writes object keys in the order
// nlohmann would (sorted bytewise), and a test compares the two.
//
// Usage: w.begin_object(); w.key("a"); w.value(1); w.end_object();
// REQUIRES: calls nest correctly (at most kMaxDepth deep) and each key is followed by a value.
class JsonWriter {
 public:
  static constexpr int kMaxDepth = 16;

  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // An object key. REQUIRES: inside an object; `name` needs no escaping (ASCII without
  // control characters, '"' or '\\': the documents' keys are constants).
  void key(std::string_view name);

  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(std::int64_t number);
  void value(int number) { value(static_cast<std::int64_t>(number)); }
  void value(double number);
  void value(bool flag);
  void null();
  // "2020-01-22T19:33:08Z", as format_timestamp writes it.
  void timestamp(Timestamp t);
  // "2020-01-22", as format_date writes it.
  void date(Timestamp t);
  template <typename T>
  void value(const std::optional<T>& maybe) {
    if (maybe) {
      value(*maybe);
    } else {
      null();
    }
  }

 private:
  void open(char bracket);
  void close(char bracket);
  void separate();  // the comma before an array element or key, if one precedes it

  std::string& out_;
  int depth_ = 0;
  std::array<bool, kMaxDepth> has_items_{};
  bool after_key_ = false;
};

// `text` as a JSON string literal (quotes included), as nlohmann writes it.
void append_json_string(std::string& out, std::string_view text);

// format_timestamp(t) ("2020-01-22T19:33:08Z") and format_date(t) ("2020-01-22"), appended
// without the temporary strings.
void append_timestamp(std::string& out, Timestamp t);
void append_date(std::string& out, Timestamp t);

}  // namespace cipette::web
