#include "cipette/github/job_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "cipette/github/json_documents.h"
#include "cipette/github/json_fields.h"

namespace cipette::github {

namespace dom = simdjson::dom;

namespace {

constexpr DocumentShape kJobShape = {.page_key = "jobs",
                                     .kind = "job",
                                     .plural = "jobs",
                                     .document = "jobs",
                                     .object_key = "run_id"};

// Reads the fields of one job into a JobRecord; `fields_` keeps the first problem.
class JobReader {
 public:
  JobReader(dom::object job, const ItemLabel& label) : fields_(job, "job", label) {}

  Result<JobRecord> read();

 private:
  void read_identity();
  void read_texts();
  void read_times();
  void read_labels();
  void read_steps();
  void read_step(dom::element step, std::size_t index);
  void sort_steps();
  Field top(std::string_view key) const { return fields_.top(key); }

  FieldReader fields_;
  JobRecord record_;
};

Result<JobRecord> JobReader::read() {
  read_identity();
  read_texts();
  read_times();
  read_labels();
  read_steps();
  if (fields_.failed()) return fields_.take_error();
  sort_steps();
  if (fields_.failed()) return fields_.take_error();
  // What the reader does not check itself (counts and lengths) validate_job does.
  if (Status valid = validate_job(record_); !valid) return fields_.rejected(valid.error());
  return std::move(record_);
}

void JobReader::read_identity() {
  record_.id = fields_.read_id();
  fields_.read_int(top("run_id"), Need::kRequired, record_.run_id);
  if (!fields_.failed() && record_.run_id <= 0) {
    fields_.set_error("run_id", fmt::format("must be a positive integer, got {}", record_.run_id));
  }
  fields_.read_int(top("run_attempt"), Need::kOptional, record_.run_attempt);
  if (!fields_.failed() && (record_.run_attempt < 1 || record_.run_attempt > kMaxRunAttempt)) {
    fields_.set_error("run_attempt", fmt::format("must be between 1 and {}, got {}", kMaxRunAttempt,
                                                 record_.run_attempt));
  }
}

void JobReader::read_texts() {
  fields_.read_string(top("name"), Need::kRequired, record_.name);
  if (!fields_.failed() && record_.name.empty()) fields_.set_error("name", "must not be empty");
  fields_.read_string(top("status"), Need::kRequired, record_.status);
  if (!fields_.failed() && record_.status.empty()) {
    fields_.set_error("status", "must not be empty");
  }
  // A job seen waiting for an environment's approval: its wait is not queue time.
  record_.waited = record_.status == "waiting";
  fields_.read_string(top("conclusion"), Need::kOptional, record_.conclusion);
  fields_.read_string(top("runner_name"), Need::kOptional, record_.runner_name);
  fields_.read_string(top("runner_group_name"), Need::kOptional, record_.runner_group_name);
  fields_.read_string(top("html_url"), Need::kOptional, record_.html_url);
}

void JobReader::read_times() {
  // created_at is optional too: GitHub Enterprise Server before 3.9 leaves it out.
  fields_.read_time(top("created_at"), Need::kOptional, record_.created_at);
  fields_.read_time(top("started_at"), Need::kOptional, record_.started_at);
  fields_.read_time(top("completed_at"), Need::kOptional, record_.completed_at);
}

void JobReader::read_labels() {
  auto labels = fields_.read_array(top("labels"), Need::kOptional);
  if (!labels) return;
  record_.labels.reserve(labels->size());
  std::size_t index = 0;
  for (dom::element label : *labels) {
    std::string_view text;
    if (label.get_string().get(text) != simdjson::SUCCESS) {
      fields_.set_error(fmt::format("labels[{}]", index),
                        "expected a string, got " + describe(label));
      return;
    }
    record_.labels.emplace_back(text);
    ++index;
  }
}

void JobReader::read_steps() {
  auto steps = fields_.read_array(top("steps"), Need::kOptional);
  if (!steps) return;
  record_.steps.reserve(steps->size());
  std::size_t index = 0;
  for (dom::element step : *steps) {
    read_step(step, index++);
    if (fields_.failed()) return;
  }
}

// "steps[INDEX]" written into `buffer`: built for every step, where fmt::format and its
// allocation were ~7% of parsing a page of 10-step jobs.
std::string_view step_parent(std::size_t index, std::array<char, 32>& buffer) {
  constexpr std::string_view kPrefix = "steps[";
  char* out = std::copy(kPrefix.begin(), kPrefix.end(), buffer.data());
  out = std::to_chars(out, buffer.data() + buffer.size() - 1, index).ptr;  // up to 20 digits
  *out++ = ']';
  return {buffer.data(), static_cast<std::size_t>(out - buffer.data())};
}

// Steps are named by their 0-based place in the array, as jq writes paths: "steps[3].number".
void JobReader::read_step(dom::element step, std::size_t index) {
  std::array<char, 32> buffer{};
  std::string_view parent = step_parent(index, buffer);
  dom::object object;
  if (step.get_object().get(object) != simdjson::SUCCESS) {
    fields_.set_error(parent, "expected an object, got " + describe(step));
    return;
  }
  StepRecord record;
  fields_.read_int(Field{object, parent, "number"}, Need::kRequired, record.number);
  if (!fields_.failed() && record.number <= 0) {
    fields_.set_error(fmt::format("{}.number", parent),
                      fmt::format("must be a positive integer, got {}", record.number));
  }
  fields_.read_string(Field{object, parent, "name"}, Need::kOptional, record.name);
  fields_.read_string(Field{object, parent, "status"}, Need::kOptional, record.status);
  fields_.read_string(Field{object, parent, "conclusion"}, Need::kOptional, record.conclusion);
  fields_.read_time(Field{object, parent, "started_at"}, Need::kOptional, record.started_at);
  fields_.read_time(Field{object, parent, "completed_at"}, Need::kOptional, record.completed_at);
  record_.steps.push_back(std::move(record));
}

// Sorts the steps by number (GitHub lists them in order, but saved or merged files need not),
// and reports a number given twice with both places. record_.steps holds the steps in input
// order here, so a step's index is its place in the input.
void JobReader::sort_steps() {
  // The usual case first, without the allocation: numbers increasing (so none twice).
  if (std::ranges::adjacent_find(record_.steps, std::ranges::greater_equal{},
                                 &StepRecord::number) == record_.steps.end()) {
    return;
  }
  std::vector<std::size_t> order(record_.steps.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto number = [&](std::size_t i) { return record_.steps[i].number; };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return number(a) < number(b); });
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (number(order[i]) == number(order[i - 1])) {
      fields_.set_error(fmt::format("steps[{}].number", order[i]),
                        fmt::format("step number {} is given twice (also by steps[{}])",
                                    number(order[i]), order[i - 1]));
      return;
    }
  }
  if (std::is_sorted(order.begin(), order.end())) return;
  std::vector<StepRecord> sorted;
  sorted.reserve(order.size());
  for (std::size_t i : order) sorted.push_back(std::move(record_.steps[i]));
  record_.steps = std::move(sorted);
}

Result<JobRecord> read_job(dom::element job, const ItemLabel& label) {
  Result<dom::object> object = item_object(job, "job", label);
  if (!object) return object.error();
  return JobReader(*object, label).read();
}

bool is_jobs_object(dom::object object) {
  return has_member(object, "jobs") ||
         (has_member(object, "run_id") && has_member(object, "steps"));
}

}  // namespace

Result<std::vector<JobRecord>> parse_jobs_document(std::string_view json, std::string_view source) {
  return read_items<JobRecord>(json, source, kJobShape, read_job);
}

bool looks_like_jobs(std::string_view json) { return first_object_passes(json, is_jobs_object); }

}  // namespace cipette::github
