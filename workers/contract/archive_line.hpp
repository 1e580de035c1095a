// One line of an event archive (kassa replay --file): a Kafka message kept outside Kafka, as
// `kassa gen --events` writes them and as an export of the input topics would:
//
//   {"topic": "invoicebox.payments.v1", "key": "<order_id>" | null,
//    "value": "<the message bytes as text>"  |  "value_base64": "<the bytes, base64>",
//    "partition": 0, "offset": 1234, "timestamp": 1767225600000 | "2026-01-01T00:00:00Z"}
//
// partition and offset (optional) are the message's place in its topic: they name its dead
// letter, so a replayed archive dead-letters a message under the same id as the live run did.
// Without them the line stands at partition 0, offset = its line number (0-based). timestamp
// (optional; milliseconds since the epoch or RFC 3339) places it in a --from/--to window; a line
// without one belongs to every window.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/order.hpp"

namespace kassa::contract {

struct ArchiveLine {
  std::string topic;
  std::optional<std::string> key;
  std::string value;
  std::optional<std::int32_t> partition;
  std::optional<std::int64_t> offset;
  std::optional<std::int64_t> timestamp_ms;
};

// Throws std::invalid_argument with what is wrong (not JSON, no topic, neither value nor
// value_base64, a bad timestamp...). The message bytes themselves are not checked here: a bad
// event is the batch's to dead-letter, as it would be from Kafka.
ArchiveLine parse_archive_line(std::string_view line);

}  // namespace kassa::contract
