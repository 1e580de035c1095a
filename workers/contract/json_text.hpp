// JSON text without a DOM, for the hot paths (receipt bodies, order states): the same bytes as
// nlohmann's dump() (compact, UTF-8 kept as is, control characters escaped), without building a
// value per string first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kassa::contract {

// Appends `value` as a JSON string literal. Text that is not valid UTF-8 goes through nlohmann,
// which refuses it exactly as before (nlohmann::json::type_error).
void append_json_string(std::string& out, std::string_view value);

// A compact JSON writer: the caller decides key order.
class JsonText {
 public:
  JsonText& open(char bracket);
  JsonText& close(char bracket);
  JsonText& key(std::string_view name);
  JsonText& string(std::string_view value);
  JsonText& raw(std::string_view literal);  // a number or literal already in JSON form
  JsonText& integer(std::int64_t value);
  JsonText& boolean(bool value) { return raw(value ? "true" : "false"); }
  JsonText& null() { return raw("null"); }
  std::string take() { return std::move(out_); }

 private:
  void comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string out_;
  bool first_ = true;
};

}  // namespace kassa::contract
