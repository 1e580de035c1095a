// Dead letters fit the topic's size limit (contract section 3): when the original would not, the
// letter carries its first bytes, cut at a character boundary, and says so with its size and
// SHA-256. The limit counts the serialized letter plus its Kafka key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "contract/dead_letter.hpp"
#include "contract/decode.hpp"
#include "contract/encoding.hpp"
#include "contract/schema.hpp"

namespace kassa::contract {
namespace {

using nlohmann::json;

const core::UtcTime kFailedAt = core::parse_utc("2026-02-20T10:00:00.123456Z").value();
const core::Rejection kReason{core::ErrorCode::invalid_json, "payload is not a JSON document"};

core::Source source_with(std::string payload, std::string key = "order-1") {
  core::Source s;
  s.topic = "invoicebox.payments.v1";
  s.partition = 2;
  s.offset = 41;
  s.key = std::move(key);
  s.payload = std::move(payload);
  return s;
}

bool schema_valid(const json& letter) {
  static contract::SchemaValidator schema("dead_letter.v1.json");
  return !schema.problems(letter);
}

std::size_t untruncated_size(const core::Source& source) {
  return source.key.size() +
         dead_letter_json(source, kReason, kFailedAt, "", std::size_t(-1)).size();
}

// What every letter cut to `limit` must satisfy; `why` names the case.
void expect_cut_well(const core::Source& source, std::size_t limit, const std::string& why) {
  const std::string text = dead_letter_json(source, kReason, kFailedAt, "", limit);
  EXPECT_LE(source.key.size() + text.size(), limit) << why;
  const json letter = json::parse(text);
  EXPECT_TRUE(schema_valid(letter)) << why << ": " << text.substr(0, 300);
  ASSERT_EQ(letter.value("payload_truncated", false), true) << why;
  EXPECT_EQ(letter.at("payload_bytes"), source.payload.size()) << why;
  EXPECT_EQ(letter.at("payload_sha256"), sha256_hex(source.payload)) << why;
  const std::string payload = letter.at("payload").get<std::string>();
  if (is_valid_utf8(source.payload)) {
    EXPECT_FALSE(letter.contains("payload_encoding")) << why;
    EXPECT_TRUE(is_valid_utf8(payload)) << why;
    ASSERT_LT(payload.size(), source.payload.size()) << why;
    EXPECT_EQ(source.payload.compare(0, payload.size(), payload), 0) << why << ": a prefix";
    // The longest such prefix: the next character would not have fitted.
    std::size_t next = payload.size() + 1;
    while (next < source.payload.size() &&
           (static_cast<unsigned char>(source.payload[next]) & 0xC0) == 0x80)
      ++next;
    const std::size_t next_cost = json_escaped_size(
        std::string_view(source.payload).substr(payload.size(), next - payload.size()));
    EXPECT_GT(source.key.size() + text.size() + next_cost, limit)
        << why << ": the cut left room for another character";
  } else {
    EXPECT_EQ(letter.at("payload_encoding"), "base64") << why;
    const std::size_t bytes = payload.size() / 4 * 3;
    EXPECT_EQ(payload, base64_encode(std::string_view(source.payload).substr(0, bytes))) << why;
    EXPECT_GT(source.key.size() + text.size() + 4, limit)
        << why << ": room was left for 3 more bytes";
  }
}

TEST(DeadLetter, ExactlyAtTheLimitTheWholeOriginalTravels) {
  const auto source = source_with(std::string(5000, 'a'));
  const std::size_t limit = untruncated_size(source);
  const json letter = json::parse(dead_letter_json(source, kReason, kFailedAt, "", limit));
  EXPECT_EQ(letter.at("payload"), source.payload);
  EXPECT_FALSE(letter.contains("payload_truncated"));
  EXPECT_TRUE(schema_valid(letter));
}

TEST(DeadLetter, OneByteOverTheLimitTheOriginalIsCut) {
  const auto source = source_with(std::string(5000, 'a'));
  expect_cut_well(source, untruncated_size(source) - 1, "one byte over");
}

TEST(DeadLetter, MultiByteCharactersAreNeverSplit) {
  std::string cyrillic, mixed;
  for (int i = 0; i < 3000; ++i) cyrillic += "ж";  // 2 bytes
  for (int i = 0; i < 1000; ++i) mixed += "a€😀ж";  // 1 + 3 + 4 + 2 bytes
  for (const auto& payload : {cyrillic, mixed}) {
    const auto source = source_with(payload);
    const std::size_t whole = untruncated_size(source);
    // Every cut position over a window wider than the longest character.
    for (std::size_t over = 1; over <= 400; ++over)
      expect_cut_well(source, whole - over, "multi-byte, " + std::to_string(over) + " over");
  }
}

TEST(DeadLetter, CharactersThatJsonEscapesAreCountedEscaped) {
  // A quote or backslash takes 2 bytes in the letter, a control character 2 or 6.
  std::string escaped;
  for (int i = 0; i < 2000; ++i) escaped += std::string("\"\\\n\x01x\t\x1f", 7);
  const auto source = source_with(escaped);
  EXPECT_GT(untruncated_size(source), escaped.size() * 2) << "the premise: escaping doubles it";
  const std::size_t whole = untruncated_size(source);
  for (std::size_t over = 1; over <= 200; ++over)
    expect_cut_well(source, whole - over, "escaped, " + std::to_string(over) + " over");
  EXPECT_EQ(json_escaped_size(std::string("\"\\\n\x01x\t\x1f", 7)), 2u + 2 + 2 + 6 + 1 + 2 + 6);
}

TEST(DeadLetter, ABinaryPayloadIsCutBeforeBase64) {
  std::string binary;
  for (int i = 0; i < 30000; ++i) binary += static_cast<char>(0x80 + i % 64);  // no UTF-8
  const auto source = source_with(binary);
  const std::size_t whole = untruncated_size(source);
  EXPECT_GT(whole, binary.size() * 4 / 3) << "base64 grows it by a third";
  const json at_limit = json::parse(dead_letter_json(source, kReason, kFailedAt, "", whole));
  EXPECT_EQ(at_limit.at("payload"), base64_encode(binary));
  EXPECT_FALSE(at_limit.contains("payload_truncated"));
  for (std::size_t over = 1; over <= 12; ++over)
    expect_cut_well(source, whole - over, "base64, " + std::to_string(over) + " over");
  expect_cut_well(source, 20'000, "base64, well over");
}

TEST(DeadLetter, TheKeyCountsAndAHugeReasonIsCutToo) {
  const auto with_key = source_with(std::string(5000, 'a'), std::string(2000, 'k'));
  expect_cut_well(with_key, untruncated_size(with_key) - 1, "a 2000-byte key");
  // The key counts twice: as the Kafka key and in the letter's "key" field.
  expect_cut_well(with_key, 6000, "a 2000-byte key, a small limit");

  auto huge_reason = source_with(std::string(50'000, 'a'));
  const core::Rejection reason{core::ErrorCode::schema_violation, std::string(30'000, 'r')};
  const std::string text = dead_letter_json(huge_reason, reason, kFailedAt, "", 10'000);
  EXPECT_LE(text.size() + huge_reason.key.size(), 10'000u);
  const json letter = json::parse(text);
  EXPECT_EQ(letter.at("error").get<std::string>(), std::string(1024, 'r') + "…");
  EXPECT_TRUE(letter.at("payload_truncated").get<bool>());
  EXPECT_GT(letter.at("payload").get<std::string>().size(), 5'000u);
}

TEST(DeadLetter, AMegabytePaymentFitsTheDefaultLimit) {
  // The observed case: a payment of 5,000 lines, ~1.2 MB, Cyrillic names.
  json items = json::array();
  for (int i = 0; i < 5000; ++i)
    items.push_back({{"sku", "SKU-" + std::to_string(i)},
                     {"name", "Электрочайник с длинным названием, модель " + std::to_string(i) +
                                  ", цвет «серебристый», объём 1,7 л, мощность 2200 Вт"},
                     {"quantity", "1"},
                     {"measure", "шт"},
                     {"measure_code", "796"},
                     {"price", 100},
                     {"total_amount", 100},
                     {"vat_code", "RUS_VAT22"},
                     {"type", "commodity"}});
  const std::string payment = json{{"event_type", "payment.succeeded"}, {"items", items}}.dump();
  ASSERT_GT(payment.size(), 1'000'000u);
  const auto source = source_with(payment, "00000000-0000-4000-8000-000000000001");
  expect_cut_well(source, kDefaultDeadLetterMaxBytes, "1.2 MB payment");
  const std::string text = dead_letter_json(source, kReason, kFailedAt, "");
  EXPECT_LE(text.size() + source.key.size(), kDefaultDeadLetterMaxBytes);
  EXPECT_GT(text.size(), kDefaultDeadLetterMaxBytes - 100) << "as much of it as fits";
}

TEST(DeadLetter, Utf8PrefixWithin) {
  EXPECT_EQ(utf8_prefix_within("жж", 3), "ж");
  EXPECT_EQ(utf8_prefix_within("жж", 4), "жж");
  EXPECT_EQ(utf8_prefix_within("a\"b", 2), "a");
  EXPECT_EQ(utf8_prefix_within("a\"b", 3), "a\"");
  EXPECT_EQ(utf8_prefix_within("😀", 3), "");
  EXPECT_EQ(utf8_prefix_within("", 10), "");
}

}  // namespace
}  // namespace kassa::contract
