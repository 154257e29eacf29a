#include "cipette/github/json_fields.h"

#include <fmt/format.h>

#include <utility>

#include "cipette/github/json_position.h"

namespace cipette::github {

namespace dom = simdjson::dom;

std::string Field::name() const {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

std::int64_t FieldReader::read_id() {
  std::int64_t id = 0;
  read_int(top("id"), Need::kRequired, id);
  if (failed()) return 0;
  if (id <= 0) {
    set_error("id", fmt::format("must be a positive integer, got {}", id));
    return 0;  // so that messages do not name the object by it
  }
  id_ = id;
  return id;
}

std::optional<dom::element> FieldReader::member(const Field& field, Need need) {
  dom::element value;
  if (field.in.at_key(field.key).get(value) != simdjson::SUCCESS) {
    if (need == Need::kRequired) set_error(field.name(), "is missing");
    return std::nullopt;
  }
  if (need == Need::kOptional && value.is_null()) return std::nullopt;
  return value;
}

void FieldReader::read_int(const Field& field, Need need, std::int64_t& out) {
  auto value = member(field, need);
  if (!value || value->get_int64().get(out) == simdjson::SUCCESS) return;
  if (value->is_uint64()) {
    set_error(field.name(), "integer out of range: " + describe(*value));
  } else {
    set_error(field.name(), "expected an integer, got " + describe(*value));
  }
}

void FieldReader::read_string(const Field& field, Need need, std::string& out) {
  auto value = member(field, need);
  std::string_view text;
  if (!value) return;
  if (value->get_string().get(text) != simdjson::SUCCESS) {
    set_error(field.name(), "expected a string, got " + describe(*value));
    return;
  }
  out.assign(text);
}

void FieldReader::read_time(const Field& field, Need need, std::optional<Timestamp>& out) {
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
              fmt::format("implausible time stamp {}: a {} is dated from {} to before {}",
                          quote_for_message(text, 40), kind_, format_timestamp(kPlausibleFrom),
                          format_timestamp(kPlausibleUntil)));
    return;
  }
  out = *time;
}

template <typename Container>
std::optional<Container> FieldReader::read_container(const Field& field, Need need,
                                                     std::string_view expected) {
  auto value = member(field, need);
  Container container;
  if (!value) return std::nullopt;
  if (value->get<Container>().get(container) != simdjson::SUCCESS) {
    set_error(field.name(), fmt::format("expected {}, got {}", expected, describe(*value)));
    return std::nullopt;
  }
  return container;
}

std::optional<dom::object> FieldReader::read_object(const Field& field, Need need) {
  return read_container<dom::object>(field, need, "an object");
}

std::optional<dom::array> FieldReader::read_array(const Field& field, Need need) {
  return read_container<dom::array>(field, need, "an array");
}

void FieldReader::set_error(std::string_view field, std::string_view what) {
  if (error_) return;
  error_ = fail(fmt::format("{}: {}: field \"{}\": {}", label_.source, object_name(), field, what));
}

Error FieldReader::rejected(const Error& invalid) const {
  // validate_run and validate_job name the object themselves ("run 42: field ..."); keep only
  // what follows.
  std::string_view what = invalid.message;
  std::string prefix = fmt::format("{} {}: ", kind_, id_);
  if (what.starts_with(prefix)) what.remove_prefix(prefix.size());
  return fail(fmt::format("{}: {}: {}", label_.source, object_name(), what));
}

std::string FieldReader::object_name() const {
  return id_ > 0 ? fmt::format("{} #{} (id {})", kind_, label_.number, id_)
                 : fmt::format("{} #{}", kind_, label_.number);
}

Result<dom::object> item_object(dom::element item, std::string_view kind, const ItemLabel& label) {
  dom::object object;
  if (item.get_object().get(object) != simdjson::SUCCESS) {
    return fail(fmt::format("{}: {} #{}: expected a {} object, got {}", label.source, kind,
                            label.number, kind, describe(item)));
  }
  return object;
}

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

}  // namespace cipette::github
