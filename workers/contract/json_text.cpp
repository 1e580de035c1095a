#include "contract/json_text.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"

namespace kassa::contract {

void append_json_string(std::string& out, std::string_view value) {
  if (!is_valid_utf8(value)) {
    out += nlohmann::json(std::string(value)).dump();  // throws, as every dump() here would
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + value.size() + 2);
  out += '"';
  std::size_t plain = 0;  // start of the run not yet copied
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto byte = static_cast<unsigned char>(value[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out.append(value, plain, i - plain);
    plain = i + 1;
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:  // other control characters as nlohmann writes them: \u00xx, lowercase
        out += "\\u00";
        out += kHex[byte >> 4];
        out += kHex[byte & 0x0f];
    }
  }
  out.append(value, plain);
  out += '"';
}

JsonText& JsonText::open(char bracket) {
  comma();
  out_ += bracket;
  first_ = true;
  return *this;
}

JsonText& JsonText::close(char bracket) {
  out_ += bracket;
  first_ = false;
  return *this;
}

JsonText& JsonText::key(std::string_view name) {
  comma();
  append_json_string(out_, name);
  out_ += ':';
  first_ = true;  // the value follows without a comma
  return *this;
}

JsonText& JsonText::string(std::string_view value) {
  comma();
  append_json_string(out_, value);
  return *this;
}

JsonText& JsonText::raw(std::string_view literal) {
  comma();
  out_ += literal;
  return *this;
}

JsonText& JsonText::integer(std::int64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  return raw(std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

}  // namespace kassa::contract
