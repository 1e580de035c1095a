// One column of a batch as a PostgreSQL array literal ("{...}"), bound as ONE text parameter and
// unnested on the server:
//
//   INSERT INTO t (a, b) SELECT * FROM unnest($1::uuid[], $2::text[])
//
// This is the batch statements' bulk path. Compared with rows as one JSON document for
// jsonb_to_recordset it builds no JSON, the server parses no jsonb, bytea travels as hex instead
// of base64 inside JSON; compared with COPY it keeps one parameterized statement per table, so
// ON CONFLICT, version checks and RETURNING still hold, in one round trip.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kassa::store {

class ArrayParam {
 public:
  ArrayParam& text(std::string_view value);  // any text, escaped for the array literal
  ArrayParam& integer(std::int64_t value);
  ArrayParam& bytes(std::string_view value);  // a bytea element (hex)
  ArrayParam& null();
  // An optional value kassa keeps as an empty string: NULL when empty.
  ArrayParam& text_or_null(std::string_view value) { return value.empty() ? null() : text(value); }

  std::size_t size() const { return size_; }
  // The literal, e.g. {"a","b\"c",NULL,42}.
  std::string literal() const { return out_ + '}'; }

 private:
  void next();
  std::string out_ = "{";
  std::size_t size_ = 0;
};

// A list of texts (ids, names) as one array literal, e.g. for `= ANY($1::uuid[])`.
template <typename Range>
std::string text_array(const Range& values) {
  ArrayParam array;
  for (const auto& v : values) array.text(v);
  return array.literal();
}

}  // namespace kassa::store
