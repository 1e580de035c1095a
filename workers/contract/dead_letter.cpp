#include "contract/dead_letter.hpp"

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"

namespace kassa::contract {
namespace {

std::size_t escaped_size(unsigned char c) {
  switch (c) {
    case '"':
    case '\\':
    case '\b':
    case '\f':
    case '\n':
    case '\r':
    case '\t':
      return 2;
    default:
      return c < 0x20 ? 6 : 1;
  }
}

// The length of the UTF-8 sequence that starts with `lead` (valid input assumed).
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  return 4;
}

nlohmann::json letter_without_payload(const core::Source& source, const core::Rejection& rejection,
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
  if (!event_id.empty()) j["event_id"] = event_id;
  return j;
}

}  // namespace

std::size_t json_escaped_size(std::string_view text) {
  std::size_t size = 0;
  for (const char c : text) size += escaped_size(static_cast<unsigned char>(c));
  return size;
}

std::string_view utf8_prefix_within(std::string_view text, std::size_t budget) {
  std::size_t at = 0, used = 0;
  while (at < text.size()) {
    const std::size_t length =
        std::min(sequence_length(static_cast<unsigned char>(text[at])), text.size() - at);
    std::size_t cost = 0;
    for (std::size_t i = 0; i < length; ++i)
      cost += escaped_size(static_cast<unsigned char>(text[at + i]));
    if (used + cost > budget) break;
    used += cost;
    at += length;
  }
  return text.substr(0, at);
}

std::string dead_letter_json(const core::Source& source, const core::Rejection& rejection,
                             core::UtcTime failed_at, const std::string& event_id,
                             std::size_t max_bytes) {
  const bool text = is_valid_utf8(source.payload);
  nlohmann::json j = letter_without_payload(source, rejection, failed_at, event_id);
  j["payload"] = text ? source.payload : base64_encode(source.payload);
  if (!text) j["payload_encoding"] = "base64";
  const std::size_t key_bytes = source.has_key ? source.key.size() : 0;
  std::string whole = j.dump();
  if (key_bytes + whole.size() <= max_bytes) return whole;

  // Too large: the letter with an empty payload and the truncation fields, then the longest
  // prefix of the payload that fits in what is left.
  j["payload"] = "";
  j["payload_truncated"] = true;
  j["payload_bytes"] = source.payload.size();
  j["payload_sha256"] = sha256_hex(source.payload);
  std::size_t fixed = key_bytes + j.dump().size();
  if (fixed > max_bytes / 2 && rejection.message.size() > 1024) {
    const std::string_view cut = utf8_prefix_within(rejection.message, 1024);
    j["error"] = std::string(cut.data(), cut.size()) + "…";
    fixed = key_bytes + j.dump().size();
  }
  const std::size_t budget = fixed < max_bytes ? max_bytes - fixed : 0;
  if (text) {
    const auto prefix = utf8_prefix_within(source.payload, budget);
    j["payload"] = std::string(prefix.data(), prefix.size());
  } else {
    // base64 turns every 3 bytes into 4 characters that JSON does not escape.
    const std::size_t bytes = std::min(source.payload.size(), budget / 4 * 3);
    j["payload"] = base64_encode(std::string_view(source.payload).substr(0, bytes));
  }
  return j.dump();
}

}  // namespace kassa::contract
