#include "cipette/storage/postgres_copy.h"

#include <fmt/format.h>

#include <cstring>
#include <optional>
#include <utility>

namespace cipette::storage {
namespace {

constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
constexpr std::int16_t kStagedColumns = 19;
constexpr std::int16_t kScannedColumns = 18;

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid (overlong
// forms, surrogates and code points above U+10FFFF included, as PostgreSQL checks).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  std::size_t length = lead < 0xC2 ? 0 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF5 ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  unsigned char second = byte(i + 1);
  if (lead == 0xE0 && second < 0xA0) return 0;   // overlong
  if (lead == 0xED && second >= 0xA0) return 0;  // surrogate
  if (lead == 0xF0 && second < 0x90) return 0;   // overlong
  if (lead == 0xF4 && second >= 0x90) return 0;  // above U+10FFFF
  return length;
}

// Why `text` cannot be stored, or nullopt when it can.
std::optional<std::string_view> unstorable(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return "holds a NUL byte, which PostgreSQL cannot store";
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) return "is not valid UTF-8";
    i += length;
  }
  return std::nullopt;
}

// Reads big-endian fields from one COPY data message.
class MessageReader {
 public:
  explicit MessageReader(std::string_view message) : message_(message) {}

  bool read_int16(std::int16_t& value) { return read_be(value); }
  bool read_int32(std::int32_t& value) { return read_be(value); }
  bool skip(std::size_t bytes) {
    if (message_.size() - at_ < bytes) return false;
    at_ += bytes;
    return true;
  }
  bool read_bytes(std::string_view& bytes, std::size_t count) {
    if (message_.size() - at_ < count) return false;
    bytes = message_.substr(at_, count);
    at_ += count;
    return true;
  }
  // A bigint field; NULL reads as nullopt.
  bool read_bigint(std::optional<std::int64_t>& value) {
    std::int32_t length = 0;
    if (!read_int32(length)) return false;
    if (length == -1) {
      value.reset();
      return true;
    }
    std::int64_t v = 0;
    if (length != 8 || !read_be(v)) return false;
    value = v;
    return true;
  }
  bool read_bigint(std::int64_t& value) {
    std::optional<std::int64_t> v;
    if (!read_bigint(v)) return false;
    value = v.value_or(0);
    return true;
  }
  // A text field into `out`, reusing its capacity; NULL reads as "".
  bool read_text(std::string& out) {
    std::int32_t length = 0;
    if (!read_int32(length)) return false;
    if (length == -1) {
      out.clear();
      return true;
    }
    std::string_view bytes;
    if (length < 0 || !read_bytes(bytes, static_cast<std::size_t>(length))) return false;
    out.assign(bytes);
    return true;
  }
  bool at_end() const { return at_ == message_.size(); }

 private:
  template <typename T>
  bool read_be(T& value) {
    if (message_.size() - at_ < sizeof(T)) return false;
    std::make_unsigned_t<T> v = 0;
    for (std::size_t k = 0; k < sizeof(T); ++k) {
      v = static_cast<std::make_unsigned_t<T>>((v << 8) |
                                               static_cast<unsigned char>(message_[at_ + k]));
    }
    value = static_cast<T>(v);
    at_ += sizeof(T);
    return true;
  }

  std::string_view message_;
  std::size_t at_ = 0;
};

bool read_header(MessageReader& reader) {
  std::string_view signature;
  std::int32_t flags = 0;
  std::int32_t extension = 0;
  return reader.read_bytes(signature, kSignature.size()) && signature == kSignature &&
         reader.read_int32(flags) && reader.read_int32(extension) && extension >= 0 &&
         reader.skip(static_cast<std::size_t>(extension));
}

bool read_fields(MessageReader& reader, RunRecord& run, ChangeSeq& seq) {
  return reader.read_bigint(run.id) && reader.read_bigint(seq) &&
         reader.read_bigint(run.repository_id) && reader.read_bigint(run.workflow_id) &&
         reader.read_bigint(run.run_number) && reader.read_bigint(run.run_attempt) &&
         reader.read_bigint(run.created_at) && reader.read_bigint(run.run_started_at) &&
         reader.read_bigint(run.updated_at) && reader.read_text(run.status) &&
         reader.read_text(run.conclusion) && reader.read_text(run.event) &&
         reader.read_text(run.head_branch) && reader.read_text(run.head_sha) &&
         reader.read_text(run.actor) && reader.read_text(run.workflow_name) &&
         reader.read_text(run.path) && reader.read_text(run.html_url);
}

}  // namespace

Status check_storable_in_postgres(const RunRecord& run) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"repository", &run.repository},
      {"workflow_name", &run.workflow_name},
      {"path", &run.path},
      {"event", &run.event},
      {"status", &run.status},
      {"conclusion", &run.conclusion},
      {"head_branch", &run.head_branch},
      {"head_sha", &run.head_sha},
      {"actor", &run.actor},
      {"html_url", &run.html_url},
  };
  for (const auto& [name, text] : fields) {
    if (auto why = unstorable(*text))
      return fail(fmt::format("run {}: field \"{}\" {}", run.id, name, *why));
  }
  return {};
}

StagedRunsEncoder::StagedRunsEncoder() {
  out_.append(kSignature);
  put_int32(0);  // flags
  put_int32(0);  // header extension length
}

void StagedRunsEncoder::add(const RunRecord& run, std::int64_t ord, std::int64_t round,
                            std::int64_t repository_id) {
  put_int16(kStagedColumns);
  for (std::int64_t value : {ord, round, run.id, repository_id, run.workflow_id, run.run_number,
                             run.run_attempt, run.created_at}) {
    put_bigint(value);
  }
  if (run.run_started_at) {
    put_bigint(*run.run_started_at);
  } else {
    put_null();
  }
  put_bigint(run.updated_at);
  put_text(run.status);
  if (run.conclusion.empty()) {
    put_null();
  } else {
    put_text(run.conclusion);
  }
  for (const std::string* text : {&run.event, &run.head_branch, &run.head_sha, &run.actor,
                                  &run.workflow_name, &run.path, &run.html_url}) {
    put_text(*text);
  }
}

std::string StagedRunsEncoder::finish() {
  put_int16(-1);
  return std::move(out_);
}

void StagedRunsEncoder::put_int16(std::int16_t value) {
  auto v = static_cast<std::uint16_t>(value);
  out_.push_back(static_cast<char>(v >> 8));
  out_.push_back(static_cast<char>(v & 0xFF));
}

void StagedRunsEncoder::put_int32(std::int32_t value) {
  auto v = static_cast<std::uint32_t>(value);
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(v >> shift));
}

void StagedRunsEncoder::put_bigint(std::int64_t value) {
  put_int32(8);
  auto v = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(v >> shift));
}

void StagedRunsEncoder::put_null() { put_int32(-1); }

void StagedRunsEncoder::put_text(std::string_view text) {
  put_int32(static_cast<std::int32_t>(text.size()));
  out_.append(text);
}

Result<bool> ScannedRunsDecoder::decode(std::string_view message, RunRecord& run, ChangeSeq& seq) {
  MessageReader reader(message);
  if (!header_seen_) {
    if (!read_header(reader)) return fail("malformed COPY header");
    header_seen_ = true;
  }
  std::int16_t columns = 0;
  if (!reader.read_int16(columns)) return fail("malformed COPY row");
  if (columns == -1) return false;
  if (columns != kScannedColumns) {
    return fail(fmt::format("expected {} columns in a COPY row, got {}", kScannedColumns, columns));
  }
  if (!read_fields(reader, run, seq) || !reader.at_end()) return fail("malformed COPY row");
  return true;
}

}  // namespace cipette::storage
