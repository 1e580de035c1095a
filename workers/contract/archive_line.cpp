#include "contract/archive_line.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"
#include "core/utc_time.hpp"

namespace kassa::contract {

ArchiveLine parse_archive_line(std::string_view line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::invalid_argument("not a JSON object");
  ArchiveLine out;
  const auto topic = j.find("topic");
  if (topic == j.end() || !topic->is_string() || topic->get<std::string>().empty())
    throw std::invalid_argument("no \"topic\"");
  out.topic = topic->get<std::string>();
  if (const auto key = j.find("key"); key != j.end() && !key->is_null()) {
    if (!key->is_string()) throw std::invalid_argument("\"key\" is not a string or null");
    out.key = key->get<std::string>();
  }
  const auto value = j.find("value");
  const auto value_base64 = j.find("value_base64");
  if (value != j.end() && value->is_string()) {
    out.value = value->get<std::string>();
  } else if (value_base64 != j.end() && value_base64->is_string()) {
    auto bytes = base64_decode(value_base64->get<std::string>());
    if (!bytes) throw std::invalid_argument("\"value_base64\" is not base64");
    out.value = std::move(*bytes);
  } else {
    throw std::invalid_argument("neither \"value\" nor \"value_base64\" is a string");
  }
  if (const auto p = j.find("partition"); p != j.end()) {
    if (!p->is_number_integer() || p->get<std::int64_t>() < 0 || p->get<std::int64_t>() > INT32_MAX)
      throw std::invalid_argument("\"partition\" is not a partition number");
    out.partition = p->get<std::int32_t>();
  }
  if (const auto o = j.find("offset"); o != j.end()) {
    if (!o->is_number_integer() || o->get<std::int64_t>() < 0)
      throw std::invalid_argument("\"offset\" is not an offset");
    out.offset = o->get<std::int64_t>();
  }
  if (const auto t = j.find("timestamp"); t != j.end()) {
    if (t->is_number_integer()) {
      out.timestamp_ms = t->get<std::int64_t>();
    } else if (t->is_string()) {
      const auto parsed = core::parse_utc(t->get<std::string>());
      if (!parsed) throw std::invalid_argument("\"timestamp\" is not RFC 3339 UTC");
      out.timestamp_ms = parsed->unix_micros / 1000;
    } else {
      throw std::invalid_argument("\"timestamp\" is neither milliseconds nor RFC 3339");
    }
  }
  return out;
}

}  // namespace kassa::contract
