#include "cipette/storage/postgres_copy.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace cipette::storage {
namespace {

constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
constexpr std::int16_t kStagedColumns = 20;
constexpr std::int16_t kScannedColumns = 19;

// The binary form of ScannedRunsDecoder::kAttempts: a text[] (element type OID 25) of
// kAttemptFields columns.
constexpr std::int32_t kTextOid = 25;
constexpr std::int32_t kAttemptFields = 6;

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

// A whole integer in decimal, as PostgreSQL writes bigint::text.
bool parse_int(std::string_view text, std::int64_t& value) {
  const char* end = text.data() + text.size();
  auto [at, error] = std::from_chars(text.data(), end, value);
  return !text.empty() && error == std::errc() && at == end;
}

// One element of a text[] in binary form; NULL reads as nullopt.
bool read_element(MessageReader& reader, std::optional<std::string_view>& element) {
  std::int32_t length = 0;
  if (!reader.read_int32(length)) return false;
  if (length == -1) {
    element.reset();
    return true;
  }
  std::string_view bytes;
  if (length < 0 || !reader.read_bytes(bytes, static_cast<std::size_t>(length))) return false;
  element = bytes;
  return true;
}

bool read_attempt(MessageReader& reader, std::int64_t run_id, AttemptRecord& attempt) {
  std::optional<std::string_view> f[kAttemptFields];
  for (auto& field : f) {
    if (!read_element(reader, field)) return false;
  }
  std::int64_t found = 0;
  attempt.run_id = run_id;
  if (!f[0] || !parse_int(*f[0], attempt.attempt) || !f[1] || !parse_int(*f[1], found) || !f[3] ||
      !parse_int(*f[3], attempt.updated_at) || !f[4]) {
    return false;
  }
  attempt.found = found != 0;
  attempt.run_started_at.reset();
  if (f[2]) {
    std::int64_t started = 0;
    if (!parse_int(*f[2], started)) return false;
    attempt.run_started_at = started;
  }
  attempt.status.assign(*f[4]);
  attempt.conclusion.assign(f[5].value_or(std::string_view()));
  return true;
}

// The kAttempts column (its bytes, without the length) into `attempts`.
bool read_attempts(std::string_view bytes, std::int64_t run_id,
                   std::vector<AttemptRecord>& attempts) {
  MessageReader reader(bytes);
  std::int32_t dimensions = 0, flags = 0, element_type = 0;
  if (!reader.read_int32(dimensions) || !reader.read_int32(flags) ||
      !reader.read_int32(element_type) || element_type != kTextOid) {
    return false;
  }
  if (dimensions == 0) return reader.at_end();  // an empty array
  std::int32_t rows = 0, columns = 0, lower_bound = 0;
  if (dimensions != 2 || !reader.read_int32(rows) || !reader.read_int32(lower_bound) ||
      !reader.read_int32(columns) || !reader.read_int32(lower_bound) || rows < 0 ||
      columns != kAttemptFields) {
    return false;
  }
  for (std::int32_t row = 0; row < rows; ++row) {
    if (!read_attempt(reader, run_id, attempts.emplace_back())) return false;
  }
  return reader.at_end();
}

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

bool read_attempts_field(MessageReader& reader, RunRecord& run) {
  run.earlier_attempts.clear();
  std::int32_t length = 0;
  if (!reader.read_int32(length)) return false;
  if (length == -1) return true;  // no attempts
  std::string_view bytes;
  if (length < 0 || !reader.read_bytes(bytes, static_cast<std::size_t>(length))) return false;
  return read_attempts(bytes, run.id, run.earlier_attempts);
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
  for (const AttemptRecord& attempt : run.earlier_attempts) {
    if (auto storable = check_storable_in_postgres(attempt); !storable) return storable;
  }
  return {};
}

Status check_storable_in_postgres(const AttemptRecord& attempt) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"status", &attempt.status},
      {"conclusion", &attempt.conclusion},
  };
  for (const auto& [name, text] : fields) {
    if (auto why = unstorable(*text)) {
      return fail(fmt::format("run {} attempt {}: field \"{}\" {}", attempt.run_id, attempt.attempt,
                              name, *why));
    }
  }
  return {};
}

Status check_storable_in_postgres(const JobRecord& job) {
  const std::pair<const char*, const std::string*> fields[] = {
      {"name", &job.name},
      {"status", &job.status},
      {"conclusion", &job.conclusion},
      {"runner_name", &job.runner_name},
      {"runner_group_name", &job.runner_group_name},
      {"html_url", &job.html_url},
  };
  for (const auto& [name, text] : fields) {
    if (auto why = unstorable(*text)) {
      return fail(fmt::format("job {}: field \"{}\" {}", job.id, name, *why));
    }
  }
  for (const std::string& label : job.labels) {
    if (auto why = unstorable(label)) return fail(fmt::format("job {}: a label {}", job.id, *why));
  }
  for (const StepRecord& step : job.steps) {
    for (const std::string* text : {&step.name, &step.status, &step.conclusion}) {
      if (auto why = unstorable(*text)) {
        return fail(fmt::format("job {} step {}: {}", job.id, step.number, *why));
      }
    }
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
  put_bigint(run.version());
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
  if (!read_fields(reader, run, seq)) return fail("malformed COPY row");
  if (!read_attempts_field(reader, run) || !reader.at_end()) {
    return fail(fmt::format("malformed earlier attempts of run {} in a COPY row", run.id));
  }
  return true;
}

}  // namespace cipette::storage
