// contract/json_text and the order state written without a DOM: the same bytes as nlohmann's
// dump(), so the stored states, receipt bodies and their checksums do not change.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contract/decode.hpp"
#include "contract/json_text.hpp"
#include "contract/state_codec.hpp"
#include "event_builders.hpp"
#include "gen/generator.hpp"
#include "gen/ingest_messages.hpp"
#include "ingest/memory_book.hpp"

namespace kassa::contract {
namespace {

std::string literal(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonText, StringLiteralsAreNlohmannsBytes) {
  std::vector<std::string> cases = {"",
                                    "plain",
                                    "quote \" and backslash \\ and slash /",
                                    "Электрочайник «Polaris» № 5",
                                    "emoji 🧾 and € and \x7f (DEL stays)",
                                    "tab\tnewline\nreturn\rbell\a"};
  for (int byte = 0; byte < 0x80; ++byte) cases.push_back(std::string(1, static_cast<char>(byte)));
  for (const auto& text : cases) EXPECT_EQ(literal(text), nlohmann::json(text).dump()) << text;
}

TEST(JsonText, TextThatIsNotUtf8IsRefusedAsBefore) {
  EXPECT_THROW(literal("\xff\xfe"), nlohmann::json::type_error);
  EXPECT_THROW(literal("\xd0"), nlohmann::json::type_error);  // a cut two-byte sequence
}

TEST(JsonText, WriterPutsCommasWhereTheyBelong) {
  JsonText w;
  w.open('{').key("a").integer(-5).key("b").open('[').string("x").null().boolean(true);
  w.close(']').key("c").open('{').close('}').close('}');
  EXPECT_EQ(w.take(), R"({"a":-5,"b":["x",null,true],"c":{}})");
}

// Every state a generated stream passes through (payments, shipments, refunds, reordered and
// parked events, duplicates, organization buyers): the direct text equals the DOM's dump().
TEST(JsonText, OrderStateTextEqualsTheDomDumpForEveryGeneratedState) {
  gen::Options options;
  options.seed = 23;
  options.orders = 1500;
  options.reorder_rate = 0.2;
  options.duplicate_rate = 0.1;
  const auto messages = gen::as_ingest_messages(gen::generate(options).messages);
  ingest::Outputs outputs;
  outputs.seller = core::builders::invoicebox();
  Decoder decoder;
  ingest::MemoryBook book;
  std::size_t states = 0, parked = 0;
  for (std::size_t start = 0; start < messages.size(); start += 200) {
    std::vector<ingest::Message> chunk(
        messages.begin() + static_cast<std::ptrdiff_t>(start),
        messages.begin() + static_cast<std::ptrdiff_t>(std::min(messages.size(), start + 200)));
    const auto result =
        book.apply(ingest::decode_batch(decoder, std::move(chunk)), core::UtcTime{}, outputs);
    for (const auto& [id, order] : result.orders) {
      ASSERT_EQ(order_state_text(order), order_to_json(order).dump()) << id;
      ++states;
      if (!order.parked.empty()) ++parked;
    }
  }
  EXPECT_GT(states, 2000u);
  EXPECT_GT(parked, 10u);

  // A parked message without a Kafka key says so ("has_key": false).
  core::OrderState keyless;
  keyless.order_id = "o";
  keyless.merchant_id = "m";
  core::Source source{"t", 1, 2, "", "{}", false};
  keyless.parked.push_back({core::Event{}, source});
  EXPECT_EQ(order_state_text(keyless), order_to_json(keyless).dump());
}

}  // namespace
}  // namespace kassa::contract
