// The dead-letter message of the contract (kassa.dlq.v1, schemas/dead_letter.v1.json).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/order.hpp"

namespace kassa::contract {

// Default of KASSA_DLQ_MAX_BYTES: librdkafka refuses a message whose key + value exceed its
// message.max.bytes (1,000,000 by default) and the broker one whose record batch exceeds the
// topic's max.message.bytes (1,048,588 by default); 900,000 leaves room for the batch and record
// headers and for a key of some size.
inline constexpr std::size_t kDefaultDeadLetterMaxBytes = 900'000;

// `failed_at` is when kassa refused the message (the batch time, passed in by the shell).
// `event_id` is included when the message was a valid event refused by a business rule.
//
// Size: the Kafka key (the original's key) plus the serialized dead letter never exceed
// `max_bytes` when they can. When the whole original would not fit, `payload` holds its longest
// prefix that does (cut at a UTF-8 character boundary; for a base64 payload, at a multiple of 3
// original bytes), and the letter adds "payload_truncated": true, "payload_bytes" (the original's
// size) and "payload_sha256" (hex, of the original bytes). Should even the letter without payload
// not fit (a reason or key of hundreds of kilobytes), the reason is cut to 1024 bytes as well; a
// key larger than the limit cannot be helped here (the relay then parks the row, see app/relay).
std::string dead_letter_json(const core::Source& source, const core::Rejection& rejection,
                             core::UtcTime failed_at, const std::string& event_id,
                             std::size_t max_bytes = kDefaultDeadLetterMaxBytes);

// Bytes that `text` (valid UTF-8) takes inside a JSON string as nlohmann::json::dump() writes it
// (quotes excluded): `"` and `\` take 2, control characters 2 (\n, \t, ...) or 6 (\u0001).
std::size_t json_escaped_size(std::string_view text);

// The longest prefix of `text` (valid UTF-8) ending at a character boundary whose escaped size
// (json_escaped_size) is at most `budget`.
std::string_view utf8_prefix_within(std::string_view text, std::size_t budget);

}  // namespace kassa::contract
