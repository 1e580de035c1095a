// Fuzzes the event decoder and validator (contract::Decoder: UTF-8, JSON, event type vs topic,
// JSON Schema, formats, key = order_id) on one Kafka message, then what `kassa run` does with its
// result: a rejection becomes a dead letter (contract::dead_letter_json), an event goes to its
// order (core::apply_event) whose state is stored as text and read back (contract/state_codec).
//
// Input: byte 0 chooses the topic (bits 0-1), the Kafka key (bits 2-3: the order_id the payload
// names, none, a different one, bytes that are not UTF-8) and the dead-letter size limit (bits
// 4-7: the default or a few kilobytes, so that truncation runs); the rest is the message value.
//
// A rejection with its code is a normal outcome. Failures: an exception escaping, a result with
// both or neither of event and rejection, a reason that is not storable text, a dead letter that
// is not valid JSON of schemas/dead_letter.v1.json or exceeds its size limit or whose truncated
// payload is not a prefix of the original, an event whose order_id is not the key or whose stored
// state does not read back the same, and whatever the sanitizers report.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "contract/dead_letter.hpp"
#include "contract/decode.hpp"
#include "contract/encoding.hpp"
#include "contract/schema.hpp"
#include "contract/state_codec.hpp"
#include "core/order.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace kassa;
using fuzz::check;

void check_dead_letter(const core::Source& source, const core::Rejection& rejection,
                       std::size_t max_bytes) {
  static contract::SchemaValidator schema("dead_letter.v1.json");
  const auto now = core::parse_utc("2026-02-10T09:00:00Z").value();
  const std::string letter = contract::dead_letter_json(source, rejection, now, "", max_bytes);
  const auto j = nlohmann::json::parse(letter, nullptr, false);
  check(!j.is_discarded() && j.is_object(), "the dead letter is not a JSON object");
  if (const auto problems = schema.problems(j))
    fuzz::fail("the dead letter breaks dead_letter.v1.json: " + *problems);
  // A key this small always leaves room (the letter without payload is well under 2 kB).
  if (source.key.size() <= 64)
    check(source.key.size() + letter.size() <= max_bytes,
          "the dead letter exceeds its limit: " + std::to_string(letter.size()));
  const std::string payload = j.at("payload").get<std::string>();
  const bool base64 = j.value("payload_encoding", "") == "base64";
  const std::string shown = base64 ? contract::base64_decode(payload).value() : payload;
  if (j.value("payload_truncated", false)) {
    check(j.at("payload_bytes") == source.payload.size(), "payload_bytes is not the original's");
    check(j.at("payload_sha256") == contract::sha256_hex(source.payload), "payload_sha256 differs");
    check(shown.size() < source.payload.size() && source.payload.starts_with(shown),
          "the truncated payload is not a prefix of the original");
  } else {
    check(shown == source.payload, "the dead letter's payload is not the original");
  }
}

void check_applied(const core::Event& event, const core::Source& source) {
  core::OrderState state;
  state.order_id = core::header_of(event).order_id;
  const auto steps = core::apply_event(state, event, source);
  check(!steps.empty(), "apply_event gave no step");
  check(steps.front().event_id == core::header_of(event).event_id, "the first step is another's");
  check(steps.front().outcome != core::Outcome::duplicate, "a first event is a duplicate");
  check(steps.front().rejection.has_value() == (steps.front().outcome == core::Outcome::rejected),
        "a rejection without the rejected outcome, or the reverse");
  const std::string text = contract::order_state_text(state);
  check(text == contract::order_to_json(state).dump(), "order_state_text differs from dump()");
  const auto back = contract::order_from_json(nlohmann::json::parse(text));
  check(contract::order_state_text(back) == text, "the stored state does not read back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  return fuzz::run_input([&] {
    static contract::Decoder decoder;
    const std::uint8_t control = data[0];
    const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto topic = static_cast<core::EventKind>((control & 3) % 3);
    std::optional<std::string> key;
    switch ((control >> 2) & 3) {
      case 0:
        key = fuzz::key_of(payload);
        break;
      case 1:
        break;  // a message without a key
      case 2:
        key = fuzz::key_of(payload).value_or("") + "0";
        break;
      case 3:
        key = std::string("\xff\x00order", 7);
        break;
    }
    const std::size_t max_bytes =
        (control >> 4) == 0 ? contract::kDefaultDeadLetterMaxBytes : 2048 + (control >> 4) * 512;

    const contract::Decoded decoded = decoder.decode(topic, key, payload);
    check(decoded.event.has_value() != decoded.rejection.has_value(),
          "decode gave both or neither of event and rejection");
    check(decoded.fingerprint == contract::sha256_hex(payload), "the fingerprint is not SHA-256");
    const core::Source source{
        fuzz::topic_name(topic), 3, 42, key.value_or(""), std::string(payload), key.has_value()};
    if (decoded.rejection) {
      const auto& rejection = *decoded.rejection;
      check(rejection.code != core::ErrorCode::internal_error, "the decoder said internal_error");
      check(!rejection.message.empty(), "a rejection without a reason");
      // The reason goes into kassa.rejections (text) and the dead letter (JSON).
      if (!contract::is_valid_utf8(rejection.message) ||
          rejection.message.find('\0') != std::string::npos)
        fuzz::fail("the reason is not storable text: " +
                   contract::base64_encode(rejection.message));
      check_dead_letter(source, rejection, max_bytes);
      return;
    }
    const core::Event& event = *decoded.event;
    check(core::kind_of(event) == topic, "an event of another topic was accepted");
    check(key && core::header_of(event).order_id == *key, "an event whose order_id is not the key");
    check_applied(event, source);
  });
}
