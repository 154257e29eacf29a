#include "cipette/github/json_position.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace cipette::github {
namespace {

// The error find_json_syntax_error reports as "offset: what", or "ok".
std::string scan(std::string_view text) {
  auto error = find_json_syntax_error(text);
  return error ? std::to_string(error->offset) + ": " + error->what : "ok";
}

TEST(JsonPositionTest, PositionCountsLinesAndCharacters) {
  std::string_view text = "ab\ncd\n\xC3\xA9x";  // é is two bytes, one character
  EXPECT_EQ(position_of(text, 0).line, 1u);
  EXPECT_EQ(position_of(text, 0).column, 1u);
  EXPECT_EQ(position_of(text, 2).column, 3u);  // the newline ending line 1
  EXPECT_EQ(position_of(text, 3).line, 2u);
  EXPECT_EQ(position_of(text, 3).column, 1u);
  EXPECT_EQ(position_of(text, 8).line, 3u);  // 'x', after "é"
  EXPECT_EQ(position_of(text, 8).column, 2u);
  EXPECT_EQ(position_of(text, text.size()).column, 3u);  // the end of the text
}

TEST(JsonPositionTest, ValidSequencesOfDocumentsPass) {
  EXPECT_EQ(scan(R"({"a": [1, -2.5e+3, true, false, null, "x\u00e9\ud83d\ude00\n"]})"), "ok");
  EXPECT_EQ(scan("{}{}[] \n {\"b\": {}}"), "ok");
  EXPECT_EQ(scan("   "), "ok");
  EXPECT_EQ(scan("[-0, 0.5, 1E2, 9223372036854775807, -9223372036854775808]"), "ok");
  EXPECT_EQ(scan("[18446744073709551615, 1e-400, 2.2250738585072011e-308]"), "ok");
  EXPECT_EQ(scan(std::string(1024, '[') + std::string(1024, ']')), "ok");
  EXPECT_EQ(scan("[\"caf\xC3\xA9 \xE2\x98\x83 \xF0\x9F\x98\x80\"]"), "ok");
}

TEST(JsonPositionTest, StructuralErrorsPointAtTheOffendingCharacter) {
  EXPECT_EQ(scan("[1,]"), "3: trailing comma before ']'");
  EXPECT_EQ(scan(R"({"a":1,})"), "7: trailing comma before '}'");
  EXPECT_EQ(scan(R"({"a" 1})"), "5: expected ':' after an object key, got '1'");
  EXPECT_EQ(scan("{1: 2}"), "1: expected a string (an object key), got '1'");
  EXPECT_EQ(scan("[1 2]"), "3: expected ',' or ']' after an array element, got '2'");
  EXPECT_EQ(scan("[tru]"), "1: invalid literal (expected 'true')");
  EXPECT_EQ(scan("nul"), "3: unexpected end of input");
  EXPECT_EQ(scan("[\x01]"), "1: expected a value, got character U+0001");
}

TEST(JsonPositionTest, NumberErrorsAreReported) {
  EXPECT_EQ(scan("[01]"), "1: invalid number: leading zero");
  EXPECT_EQ(scan("[1.]"), "3: invalid number: expected a digit, got ']'");
  EXPECT_EQ(scan("[-]"), "2: invalid number: expected a digit, got ']'");
  EXPECT_EQ(scan("[1e]"), "3: invalid number: expected a digit, got ']'");
  EXPECT_EQ(scan("[18446744073709551616]"), "1: number out of range");
  EXPECT_EQ(scan("[-9223372036854775809]"), "1: number out of range");
  EXPECT_EQ(scan("[1e309]"), "1: number out of range");
  EXPECT_EQ(scan("[100000000000000000000000000000000e300]"), "1: number out of range");
}

TEST(JsonPositionTest, StringErrorsAreReported) {
  EXPECT_EQ(scan("[\"a\tb\"]"), "3: unescaped control character U+0009 in a string");
  EXPECT_EQ(scan(R"(["\q"])"), "2: invalid escape sequence in a string");
  EXPECT_EQ(scan(R"(["\u12G4"])"), "2: invalid \\u escape (expected four hex digits)");
  EXPECT_EQ(scan(R"(["\ud800"])"), "2: unpaired surrogate in \\u escape");
  EXPECT_EQ(scan(R"(["\ud800\u0041"])"), "2: unpaired surrogate in \\u escape");
  EXPECT_EQ(scan(R"(["\udc00"])"), "2: unpaired surrogate in \\u escape");
  EXPECT_EQ(scan("[\"\xED\xA0\x80\"]"), "2: invalid UTF-8 byte 0xED");      // a UTF-8 surrogate
  EXPECT_EQ(scan("[\"\xF4\x90\x80\x80\"]"), "2: invalid UTF-8 byte 0xF4");  // above U+10FFFF
  EXPECT_EQ(scan("[\"\x80\"]"), "2: invalid UTF-8 byte 0x80");
  EXPECT_EQ(scan("[\"abc"), "5: unexpected end of input");
}

TEST(JsonPositionTest, NestingDeeperThanSimdjsonAllowsIsAnError) {
  EXPECT_EQ(scan(std::string(1025, '[')), "1024: nesting deeper than 1024 arrays and objects");
}

// Whether simdjson accepts `text` the way run_json.cc reads it: parse_many over one batch, every
// document without error and nothing dropped at the end.
bool simdjson_accepts(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::document_stream stream;
  if (parser.parse_many(padded.data(), padded.size(), std::max<std::size_t>(text.size(), 32))
          .get(stream)) {
    return false;
  }
  for (auto document : stream) {
    if (document.error()) return false;
  }
  return stream.truncated_bytes() == 0;
}

TEST(JsonPositionTest, AgreesWithSimdjsonOnWhatIsValid) {
  // The scanner explains simdjson's failures, so the two must draw the same line.
  const std::vector<std::string> texts = {"{}",
                                          "{}{}",
                                          "[1]\n[2]",
                                          "{\"a\":1}]",
                                          "]",
                                          "}{}",
                                          "{\"a\":",
                                          "[1,]",
                                          "[01]",
                                          "[-]",
                                          "[1.5e]",
                                          "[\"\\x\"]",
                                          "[\"\\ud800\"]",
                                          "[\"a\xFF\"]",
                                          "[\"\\u00e9\"]",
                                          "[1e400]",
                                          "[1e-400]",
                                          "[tru]",
                                          "[true]",
                                          "[nulll]",
                                          "[1 2]",
                                          "{\"a\" 1}",
                                          "{\"a\":1 \"b\":2}",
                                          "[[[]]",
                                          "[]]",
                                          "\"x\" \"y\"",
                                          "[\"\t\"]",
                                          "[18446744073709551615]",
                                          "[18446744073709551616]",
                                          "[-9223372036854775808]",
                                          "[-9223372036854775809]",
                                          "{\"a\":{\"b\":[{}]}}"};
  for (const std::string& text : texts) {
    EXPECT_EQ(simdjson_accepts(text), !find_json_syntax_error(text).has_value()) << text;
  }
}

TEST(JsonPositionTest, QuotingForMessagesEscapesAndTruncates) {
  EXPECT_EQ(quote_for_message("plain"), "\"plain\"");
  EXPECT_EQ(quote_for_message("a\"b\\c\n"), R"("a\"b\\c\u000A")");
  EXPECT_EQ(quote_for_message("bad\xFF"), R"("bad\xFF")");
  EXPECT_EQ(quote_for_message("abcdef", 3), "\"abc\"...");
  // "é" is two bytes: a limit of 2 keeps "a" and drops the whole "é".
  EXPECT_EQ(quote_for_message("a\xC3\xA9", 2), "\"a\"...");
  EXPECT_EQ(printable("tab\there \"q\""), "tab\\u0009here \"q\"");
}

TEST(JsonPositionTest, Utf8SequenceLengthsFollowTheEncoding) {
  EXPECT_EQ(utf8_sequence_length("a"), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC3\xA9"), 2u);
  EXPECT_EQ(utf8_sequence_length("\xE2\x98\x83"), 3u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x9F\x98\x80"), 4u);
  EXPECT_EQ(utf8_sequence_length("\xC3"), 0u);          // truncated
  EXPECT_EQ(utf8_sequence_length("\xC1\xBF"), 0u);      // overlong
  EXPECT_EQ(utf8_sequence_length("\xE0\x80\xAF"), 0u);  // overlong
  EXPECT_EQ(utf8_sequence_length("\xBF"), 0u);          // stray continuation
}

}  // namespace
}  // namespace cipette::github
