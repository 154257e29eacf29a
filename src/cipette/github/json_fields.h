#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cipette/core/result.h"
#include "cipette/core/time.h"

// Private to cipette_github: reading the typed fields of one GitHub object (a run, a job) with
// messages that name the input, the object and the field. One reader for runs and jobs, so that
// both say the same thing about the same mistake.

namespace cipette::github {

// Where an object sits in the input, for messages.
struct ItemLabel {
  std::string_view source;  // the input's name
  std::size_t number = 0;   // 1-based, counted across the whole input
};

enum class Need { kRequired, kOptional };

// A member of the object, or of an object nested in it ("repository" + "full_name",
// "steps[3]" + "number").
struct Field {
  simdjson::dom::object in;
  std::string_view parent;  // "" for members of the object itself
  std::string_view key;

  std::string name() const;
};

// Reads the fields of one object (a "run", a "job"). The first problem found is kept and
// reported as "SOURCE: KIND #K (id ID): field "NAME": WHAT" ("(id ID)" left out while the id is
// not known); later reads still run but cannot replace it. A missing optional field, or one
// that is null, leaves its output untouched; a value of the wrong type is an error even where
// the field is optional.
class FieldReader {
 public:
  // `kind` names the object in messages ("run", "job"); it must outlive the reader.
  FieldReader(simdjson::dom::object object, std::string_view kind, const ItemLabel& label)
      : object_(object), kind_(kind), label_(label) {}

  // The member `key` of the object itself.
  Field top(std::string_view key) const { return Field{object_, "", key}; }

  // Reads "id" (required, a positive integer) and names the object by it from then on; 0 when
  // it is missing or wrong.
  std::int64_t read_id();
  std::optional<simdjson::dom::element> member(const Field& field, Need need);
  void read_int(const Field& field, Need need, std::int64_t& out);
  void read_string(const Field& field, Need need, std::string& out);
  // A time stamp string (core/time.h: parse_timestamp), which must be plausible.
  void read_time(const Field& field, Need need, std::optional<Timestamp>& out);
  std::optional<simdjson::dom::object> read_object(const Field& field, Need need);
  std::optional<simdjson::dom::array> read_array(const Field& field, Need need);

  // Records a problem with `field` (its full name) unless one is recorded already.
  void set_error(std::string_view field, std::string_view what);
  bool failed() const { return error_.has_value(); }
  // The first problem; REQUIRES: failed().
  Error take_error() { return std::move(*error_); }

  // `invalid`, a failure of validate_run or validate_job ("KIND ID: field ..."), in this
  // reader's terms: "SOURCE: KIND #K (id ID): field ...".
  Error rejected(const Error& invalid) const;

 private:
  // read_object and read_array.
  template <typename Container>
  std::optional<Container> read_container(const Field& field, Need need, std::string_view expected);
  std::string object_name() const;

  simdjson::dom::object object_;
  std::string_view kind_;
  const ItemLabel& label_;
  std::int64_t id_ = 0;  // once known and valid
  std::optional<Error> error_;
};

// `item` as an object, or "SOURCE: KIND #K: expected a KIND object, got WHAT".
Result<simdjson::dom::object> item_object(simdjson::dom::element item, std::string_view kind,
                                          const ItemLabel& label);

// What a value is, for "expected X, got Y": "a string "abc"", "the number 5", "null",
// "an object".
std::string describe(simdjson::dom::element value);

}  // namespace cipette::github
