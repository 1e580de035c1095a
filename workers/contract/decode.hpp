// From Kafka bytes to a typed event, or to the reason it is refused. Checks run from the cheapest
// to the most specific: UTF-8, JSON, event type vs topic, JSON Schema (schemas/), formats the
// schema cannot express (calendar dates, quantity > 0), key = order_id. Business rules that need
// the event alone or the order's state belong to core::apply_event.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/events.hpp"

namespace kassa::contract {

struct Decoded {
  std::optional<core::Event> event;          // set when the message is a valid event
  std::optional<core::Rejection> rejection;  // set otherwise
  std::string fingerprint;                   // SHA-256 of the payload bytes (event_id conflicts)
};

// Holds the parsed schemas and a validator; not thread-safe (one per consumer thread).
class Decoder {
 public:
  Decoder();
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // `expected` is the kind of the topic the message came from; `key` is the Kafka key, if any.
  Decoded decode(core::EventKind expected, const std::optional<std::string>& key,
                 std::string_view payload);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Builds the typed event from JSON already validated against its schema.
core::Event event_from_json(core::EventKind kind, const nlohmann::json& json);
std::optional<core::EventKind> kind_from_event_type(std::string_view event_type);

// Deeper than any document of the contract can be nested; checked on the bytes before parsing.
bool too_deeply_nested(std::string_view payload);

// The embedded schema text by file name ("payment.succeeded.v1.json"), for tools and tests.
std::string_view schema_text(std::string_view file_name);

}  // namespace kassa::contract
