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

// Reads the fields of one run into a RunRecord; `fields_` keeps the first problem.
class RunReader {
 public:
  RunReader(dom::object run, const ItemLabel& label) : fields_(run, "run", label) {}

  Result<RunRecord> read();

 private:
  void read_required_time(std::string_view key, Timestamp& out);
  void read_identity();
  void read_repository();
  void read_texts();
  void read_actor();
  void check_values();
  Field top(std::string_view key) const { return fields_.top(key); }

  FieldReader fields_;
  RunRecord record_;
};

Result<RunRecord> RunReader::read() {
  read_identity();
  read_repository();
  read_texts();
  read_actor();
  read_required_time("created_at", record_.created_at);
  read_required_time("updated_at", record_.updated_at);
  fields_.read_time(top("run_started_at"), Need::kOptional, record_.run_started_at);
  check_values();
  if (fields_.failed()) return fields_.take_error();
  if (Status valid = validate_run(record_); !valid) return fields_.rejected(valid.error());
  return std::move(record_);
}

void RunReader::read_required_time(std::string_view key, Timestamp& out) {
  std::optional<Timestamp> time;
  fields_.read_time(top(key), Need::kRequired, time);
  if (time) out = *time;
}

void RunReader::read_identity() {
  record_.id = fields_.read_id();
  fields_.read_int(top("workflow_id"), Need::kRequired, record_.workflow_id);
  fields_.read_int(top("run_number"), Need::kOptional, record_.run_number);
  fields_.read_int(top("run_attempt"), Need::kOptional, record_.run_attempt);
}

void RunReader::read_repository() {
  auto repository = fields_.read_object(top("repository"), Need::kRequired);
  if (!repository) return;
  fields_.read_int(Field{*repository, "repository", "id"}, Need::kOptional, record_.repository_id);
  fields_.read_string(Field{*repository, "repository", "full_name"}, Need::kRequired,
                      record_.repository);
}

void RunReader::read_texts() {
  fields_.read_string(top("status"), Need::kRequired, record_.status);
  fields_.read_string(top("name"), Need::kOptional, record_.workflow_name);
  fields_.read_string(top("path"), Need::kOptional, record_.path);
  fields_.read_string(top("event"), Need::kOptional, record_.event);
  fields_.read_string(top("conclusion"), Need::kOptional, record_.conclusion);
  fields_.read_string(top("head_branch"), Need::kOptional, record_.head_branch);
  fields_.read_string(top("head_sha"), Need::kOptional, record_.head_sha);
  fields_.read_string(top("html_url"), Need::kOptional, record_.html_url);
}

// actor.login, else triggering_actor.login, else "".
void RunReader::read_actor() {
  for (std::string_view key : {"actor", "triggering_actor"}) {
    auto user = fields_.read_object(top(key), Need::kOptional);
    if (!user) continue;
    fields_.read_string(Field{*user, key, "login"}, Need::kOptional, record_.actor);
    if (!record_.actor.empty()) return;
  }
}

// What validate_run would refuse, reported here with the field's full name.
void RunReader::check_values() {
  if (record_.workflow_id <= 0) {
    fields_.set_error("workflow_id",
                      fmt::format("must be a positive integer, got {}", record_.workflow_id));
  }
  if (record_.repository_id < 0) {
    fields_.set_error("repository.id",
                      fmt::format("must be a positive integer, got {}", record_.repository_id));
  }
  if (!is_valid_repository_name(record_.repository)) {
    fields_.set_error("repository.full_name",
                      "must be \"owner/name\", got " + quote_for_message(record_.repository));
  }
  if (record_.status.empty()) fields_.set_error("status", "must not be empty");
  if (record_.run_attempt < 1) {
    fields_.set_error("run_attempt",
                      fmt::format("must be at least 1, got {}", record_.run_attempt));
  }
}

}  // namespace

Result<RunRecord> read_run(dom::element run, const ItemLabel& label) {
  Result<dom::object> object = item_object(run, "run", label);
  if (!object) return object.error();
  return RunReader(*object, label).read();
}

}  // namespace cipette::github
