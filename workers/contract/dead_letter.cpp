#include "contract/dead_letter.hpp"

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"

namespace kassa::contract {

std::string dead_letter_json(const core::Source& source, const core::Rejection& rejection,
                             core::UtcTime failed_at, const std::string& event_id) {
  nlohmann::json j = {
      {"source_topic", source.topic}, {"partition", source.partition},
      {"offset", source.offset},      {"error_code", core::error_code_name(rejection.code)},
      {"error", rejection.message},   {"failed_at", core::format_utc(failed_at)}};
  if (!source.has_key) {
    j["key"] = nullptr;
  } else if (is_valid_utf8(source.key)) {
    j["key"] = source.key;
  } else {
    j["key"] = base64_encode(source.key);
    j["key_encoding"] = "base64";
  }
  if (is_valid_utf8(source.payload)) {
    j["payload"] = source.payload;
  } else {
    j["payload"] = base64_encode(source.payload);
    j["payload_encoding"] = "base64";
  }
  if (!event_id.empty()) j["event_id"] = event_id;
  return j.dump();
}

}  // namespace kassa::contract
