#include "store/pg_array.hpp"

#include <charconv>

namespace kassa::store {

void ArrayParam::next() {
  if (size_++ > 0) out_ += ',';
}

ArrayParam& ArrayParam::text(std::string_view value) {
  next();
  // Quoted, so the literal's own syntax ({ } , whitespace, NULL) never reaches the value; inside
  // quotes only the quote and the backslash need escaping. UTF-8 passes through unchanged.
  out_.reserve(out_.size() + value.size() + 2);
  out_ += '"';
  std::size_t plain = 0;  // start of the run not yet copied
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '"' && value[i] != '\\') continue;
    out_.append(value, plain, i - plain);
    out_ += '\\';
    plain = i;  // the escaped character starts the next run
  }
  out_.append(value, plain);
  out_ += '"';
  return *this;
}

ArrayParam& ArrayParam::integer(std::int64_t value) {
  next();
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out_.append(digits, end);
  return *this;
}

ArrayParam& ArrayParam::bytes(std::string_view value) {
  next();
  static constexpr char kHex[] = "0123456789abcdef";
  // bytea's hex input \x..., its backslash escaped inside the quoted element.
  out_.reserve(out_.size() + value.size() * 2 + 5);
  out_ += "\"\\\\x";
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    out_ += kHex[byte >> 4];
    out_ += kHex[byte & 0x0f];
  }
  out_ += '"';
  return *this;
}

ArrayParam& ArrayParam::null() {
  next();
  out_ += "NULL";
  return *this;
}

}  // namespace kassa::store
