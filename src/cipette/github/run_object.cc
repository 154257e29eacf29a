#include "cipette/github/run_object.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>

#include "cipette/core/time.h"
#include "cipette/github/json_position.h"

namespace cipette::github {

namespace dom = simdjson::dom;

namespace {

enum class Need { kRequired, kOptional };

// A member of the run, or of an object nested in it ("repository" + "full_name").
struct Field {
  dom::object in;
  std::string_view parent;  // "" for members of the run itself
  std::string_view key;

  std::string name() const {
    return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
  }
};

// Reads the fields of one run into a RunRecord. The first problem found is kept and reported;
// later reads still run but cannot replace it.
class RunReader {
 public:
  RunReader(dom::object run, const RunLabel& label) : run_(run), label_(label) {}

  Result<RunRecord> read();

 private:
  std::optional<dom::element> member(const Field& field, Need need);
  void read_int(const Field& field, Need need, std::int64_t& out);
  void read_string(const Field& field, Need need, std::string& out);
  void read_time(const Field& field, Need need, std::optional<Timestamp>& out);
  void read_required_time(std::string_view key, Timestamp& out);
  std::optional<dom::object> read_object(const Field& field, Need need);
  void read_identity();
  void read_repository();
  void read_texts();
  void read_actor();
  void check_values();
  void set_error(std::string_view field, std::string_view what);
  Field top(std::string_view key) const { return Field{run_, "", key}; }

  dom::object run_;
  const RunLabel& label_;
  RunRecord record_;
  std::optional<Error> error_;
};

Result<RunRecord> RunReader::read() {
  read_identity();
  read_repository();
  read_texts();
  read_actor();
  read_required_time("created_at", record_.created_at);
  read_required_time("updated_at", record_.updated_at);
  read_time(top("run_started_at"), Need::kOptional, record_.run_started_at);
  check_values();
  if (error_) return std::move(*error_);
  if (Status valid = validate_run(record_); !valid) {
    // validate_run names the run itself ("run 42: field ..."); keep only what follows.
    std::string_view what = valid.error().message;
    std::string prefix = fmt::format("run {}: ", record_.id);
    if (what.starts_with(prefix)) what.remove_prefix(prefix.size());
    return fail(
        fmt::format("{}: run #{} (id {}): {}", label_.source, label_.number, record_.id, what));
  }
  return std::move(record_);
}

std::optional<dom::element> RunReader::member(const Field& field, Need need) {
  dom::element value;
  if (field.in.at_key(field.key).get(value) != simdjson::SUCCESS) {
    if (need == Need::kRequired) set_error(field.name(), "is missing");
    return std::nullopt;
  }
  if (need == Need::kOptional && value.is_null()) return std::nullopt;
  return value;
}

void RunReader::read_int(const Field& field, Need need, std::int64_t& out) {
  auto value = member(field, need);
  if (!value || value->get_int64().get(out) == simdjson::SUCCESS) return;
  if (value->is_uint64()) {
    set_error(field.name(), "integer out of range: " + describe(*value));
  } else {
    set_error(field.name(), "expected an integer, got " + describe(*value));
  }
}

void RunReader::read_string(const Field& field, Need need, std::string& out) {
  auto value = member(field, need);
  std::string_view text;
  if (!value) return;
  if (value->get_string().get(text) != simdjson::SUCCESS) {
    set_error(field.name(), "expected a string, got " + describe(*value));
    return;
  }
  out.assign(text);
}

void RunReader::read_time(const Field& field, Need need, std::optional<Timestamp>& out) {
  auto value = member(field, need);
  std::string_view text;
  if (!value) return;
  if (value->get_string().get(text) != simdjson::SUCCESS) {
    set_error(field.name(), "expected a time stamp string, got " + describe(*value));
    return;
  }
  Result<Timestamp> time = parse_timestamp(text);
  if (!time) {
    set_error(field.name(), printable(time.error().message));
    return;
  }
  if (!is_plausible_timestamp(*time)) {
    set_error(field.name(),
              fmt::format("implausible time stamp {}: a run is dated from {} to before {}",
                          quote_for_message(text, 40), format_timestamp(kPlausibleFrom),
                          format_timestamp(kPlausibleUntil)));
    return;
  }
  out = *time;
}

void RunReader::read_required_time(std::string_view key, Timestamp& out) {
  std::optional<Timestamp> time;
  read_time(top(key), Need::kRequired, time);
  if (time) out = *time;
}

std::optional<dom::object> RunReader::read_object(const Field& field, Need need) {
  auto value = member(field, need);
  dom::object object;
  if (!value) return std::nullopt;
  if (value->get_object().get(object) != simdjson::SUCCESS) {
    set_error(field.name(), "expected an object, got " + describe(*value));
    return std::nullopt;
  }
  return object;
}

void RunReader::read_identity() {
  read_int(top("id"), Need::kRequired, record_.id);
  if (!error_ && record_.id <= 0) {
    set_error("id", fmt::format("must be a positive integer, got {}", record_.id));
    record_.id = 0;  // so that messages do not name the run by it
  }
  read_int(top("workflow_id"), Need::kRequired, record_.workflow_id);
  read_int(top("run_number"), Need::kOptional, record_.run_number);
  read_int(top("run_attempt"), Need::kOptional, record_.run_attempt);
}

void RunReader::read_repository() {
  auto repository = read_object(top("repository"), Need::kRequired);
  if (!repository) return;
  read_int(Field{*repository, "repository", "id"}, Need::kOptional, record_.repository_id);
  read_string(Field{*repository, "repository", "full_name"}, Need::kRequired, record_.repository);
}

void RunReader::read_texts() {
  read_string(top("status"), Need::kRequired, record_.status);
  read_string(top("name"), Need::kOptional, record_.workflow_name);
  read_string(top("path"), Need::kOptional, record_.path);
  read_string(top("event"), Need::kOptional, record_.event);
  read_string(top("conclusion"), Need::kOptional, record_.conclusion);
  read_string(top("head_branch"), Need::kOptional, record_.head_branch);
  read_string(top("head_sha"), Need::kOptional, record_.head_sha);
  read_string(top("html_url"), Need::kOptional, record_.html_url);
}

// actor.login, else triggering_actor.login, else "".
void RunReader::read_actor() {
  for (std::string_view key : {"actor", "triggering_actor"}) {
    auto user = read_object(top(key), Need::kOptional);
    if (!user) continue;
    read_string(Field{*user, key, "login"}, Need::kOptional, record_.actor);
    if (!record_.actor.empty()) return;
  }
}

// What validate_run would refuse, reported here with the field's full name.
void RunReader::check_values() {
  if (record_.workflow_id <= 0) {
    set_error("workflow_id",
              fmt::format("must be a positive integer, got {}", record_.workflow_id));
  }
  if (record_.repository_id < 0) {
    set_error("repository.id",
              fmt::format("must be a positive integer, got {}", record_.repository_id));
  }
  if (!is_valid_repository_name(record_.repository)) {
    set_error("repository.full_name",
              "must be \"owner/name\", got " + quote_for_message(record_.repository));
  }
  if (record_.status.empty()) set_error("status", "must not be empty");
  if (record_.run_attempt < 1) {
    set_error("run_attempt", fmt::format("must be at least 1, got {}", record_.run_attempt));
  }
}

void RunReader::set_error(std::string_view field, std::string_view what) {
  if (error_) return;
  std::string run = record_.id > 0 ? fmt::format("run #{} (id {})", label_.number, record_.id)
                                   : fmt::format("run #{}", label_.number);
  error_ = fail(fmt::format("{}: {}: field \"{}\": {}", label_.source, run, field, what));
}

}  // namespace

std::string describe(dom::element value) {
  switch (value.type()) {
    case dom::element_type::STRING:
      return "a string " + quote_for_message(value.get_string().value_unsafe(), 40);
    case dom::element_type::INT64:
      return fmt::format("the number {}", value.get_int64().value_unsafe());
    case dom::element_type::UINT64:
      return fmt::format("the number {}", value.get_uint64().value_unsafe());
    case dom::element_type::DOUBLE:
      return fmt::format("the number {}", value.get_double().value_unsafe());
    case dom::element_type::BOOL:
      return value.get_bool().value_unsafe() ? "true" : "false";
    case dom::element_type::NULL_VALUE:
      return "null";
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      break;
  }
  return "an object";
}

Result<RunRecord> read_run(dom::element run, const RunLabel& label) {
  dom::object object;
  if (run.get_object().get(object) != simdjson::SUCCESS) {
    return fail(fmt::format("{}: run #{}: expected a run object, got {}", label.source,
                            label.number, describe(run)));
  }
  return RunReader(object, label).read();
}

}  // namespace cipette::github
