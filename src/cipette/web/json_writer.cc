#include "cipette/web/json_writer.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cipette/views/report_json.h"
#include "cipette/web/query.h"  // is_valid_utf8

namespace cipette::web {

namespace {

// True when nlohmann would write `text` between quotes unchanged: no byte that it escapes
// (control characters, '"', '\\') and well-formed UTF-8 (it replaces anything else).
bool is_plain(std::string_view text) {
  bool ascii = true;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || c == '"' || c == '\\') return false;
    ascii = ascii && byte < 0x80;
  }
  return ascii || is_valid_utf8(text);
}

void append_digits(char* at, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// Writes "YYYY-MM-DDTHH:MM:SSZ" for `t` into `text`; false (nothing written) when the year is
// not 0..9999, which format_timestamp writes with a sign or more digits.
constexpr std::size_t kTimestampChars = 20;
constexpr std::size_t kDateChars = 10;
bool civil_text(Timestamp t, char (&text)[kTimestampChars + 1]) {
  // Civil date from days since 1970-01-01 (H. Hinnant's days-to-civil algorithm).
  std::int64_t days = day_index(t);
  std::int64_t seconds = t - days * kSecondsPerDay;
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return false;
  std::memcpy(text, "0000-00-00T00:00:00Z", kTimestampChars + 1);
  append_digits(text, static_cast<unsigned>(year), 4);
  append_digits(text + 5, static_cast<unsigned>(month), 2);
  append_digits(text + 8, static_cast<unsigned>(day), 2);
  append_digits(text + 11, static_cast<unsigned>(seconds / 3600), 2);
  append_digits(text + 14, static_cast<unsigned>(seconds / 60 % 60), 2);
  append_digits(text + 17, static_cast<unsigned>(seconds % 60), 2);
  return true;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  if (!is_plain(text)) {
    // Escapes and replacement characters are rare: let nlohmann write them its own way.
    out += views::json_text(nlohmann::json(std::string(text)));
    return;
  }
  out += '"';
  out += text;
  out += '"';
}

void append_timestamp(std::string& out, Timestamp t) {
  char text[kTimestampChars + 1];
  if (!civil_text(t, text)) {
    out += format_timestamp(t);  // signs and wider years: leave them to the reference
    return;
  }
  out.append(text, kTimestampChars);
}

void append_date(std::string& out, Timestamp t) {
  char text[kTimestampChars + 1];
  if (!civil_text(t, text)) {
    out += format_date(t);
    return;
  }
  out.append(text, kDateChars);
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0) return;
  if (has_items_[depth_ - 1]) out_ += ',';
  has_items_[depth_ - 1] = true;
}

void JsonWriter::open(char bracket) {
  separate();
  out_ += bracket;
  has_items_[depth_++] = false;
}

void JsonWriter::close(char bracket) {
  --depth_;
  out_ += bracket;
}

void JsonWriter::key(std::string_view name) {
  assert(is_plain(name));
  separate();
  out_ += '"';
  out_ += name;
  out_ += "\":";
  after_key_ = true;
}

void JsonWriter::value(std::string_view text) {
  separate();
  append_json_string(out_, text);
}

void JsonWriter::value(std::int64_t number) {
  separate();
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out_.append(digits, end);
}

void JsonWriter::value(double number) {
  if (!std::isfinite(number)) return null();
  separate();
  // nlohmann's own shortest round-trip conversion (Grisu2), so the digits are its digits.
  std::array<char, 64> digits{};
  char* end = nlohmann::detail::to_chars(digits.data(), digits.data() + digits.size(), number);
  out_.append(digits.data(), end);
}

void JsonWriter::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
}

void JsonWriter::null() {
  separate();
  out_ += "null";
}

void JsonWriter::timestamp(Timestamp t) {
  separate();
  out_ += '"';
  append_timestamp(out_, t);
  out_ += '"';
}

void JsonWriter::date(Timestamp t) {
  separate();
  out_ += '"';
  append_date(out_, t);
  out_ += '"';
}

}  // namespace cipette::web
