// Payouts (contract section 6, invoicebox.payouts.v1): the decoder's verdict on each message, and
// how a valid payout meets what is already recorded (exactly once).
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "contract/payout_decode.hpp"
#include "core/payout.hpp"

namespace kassa::contract {
namespace {

using core::ErrorCode;
using nlohmann::json;

const std::string kMerchant = "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d";

// Two orders: 6 349.97 paid, 1 000.00 refunded, 3 % commission; 1 500.00 paid, 2 % commission.
json payout_json() {
  return json::parse(R"({
    "event_id": "44444444-4444-4444-8444-444444444444",
    "event_type": "payout.completed",
    "schema_version": 1,
    "occurred_at": "2026-02-12T15:30:00Z",
    "merchant_id": "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
    "payout_id": "PO-2026-0042",
    "partner_id": "9D1F4A52-0C3B-4E6D-8A7F-2B5C1D0E9F31",
    "amount": 665947,
    "orders": [
      {"order_id": "0b7c1f2e-4a5d-4e6f-8a9b-1c2d3e4f5a6b", "paid": 634997, "refunded": 100000,
       "commission": 19050, "net": 515947},
      {"order_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "paid": 150000, "refunded": 0,
       "commission": 0, "net": 150000}
    ]
  })");
}

std::string payout_with(const std::function<void(json&)>& edit) {
  json document = payout_json();
  edit(document);
  return document.dump();
}

struct Case {
  const char* why;
  std::string payload;
  std::optional<std::string> key;
  std::optional<ErrorCode> expected;  // nullopt: a valid payout
  const char* mentions;               // a word the reason must contain; or ""
};

TEST(Payout, EachMessageIsRecordedOrRefusedWithAReason) {
  const Case cases[] = {
      {"a valid payout", payout_json().dump(), kMerchant, std::nullopt, ""},
      {"an adjustment: a refund after an earlier payout makes net negative",
       payout_with([](json& j) {
         j["orders"][1] = {{"order_id", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"},
                           {"paid", 0},
                           {"refunded", 150000},
                           {"commission", 0},
                           {"net", -150000}};
         j["amount"] = 515947 - 150000;
       }),
       kMerchant, std::nullopt, ""},
      {"amount is not the sum of the orders' net",
       payout_with([](json& j) { j["amount"] = 665948; }), kMerchant, ErrorCode::amount_mismatch,
       "amount"},
      {"a net that is not paid - refunded - commission", payout_with([](json& j) {
         j["orders"][0]["net"] = 534997;  // commission forgotten
         j["amount"] = 534997 + 150000;
       }),
       kMerchant, ErrorCode::amount_mismatch, "orders[0].net"},
      {"an order_id twice in one payout", payout_with([](json& j) {
         j["orders"][1]["order_id"] =
             "0B7C1F2E-4A5D-4E6F-8A9B-1C2D3E4F5A6B";  // case aside, the same
       }),
       kMerchant, ErrorCode::schema_violation, "orders[1].order_id"},
      {"no orders", payout_with([](json& j) {
         j["orders"] = json::array();
         j["amount"] = 0;
       }),
       kMerchant, ErrorCode::schema_violation, "orders"},
      {"payout_id is missing", payout_with([](json& j) { j.erase("payout_id"); }), kMerchant,
       ErrorCode::schema_violation, "payout_id"},
      {"a negative amount", payout_with([](json& j) { j["amount"] = -1; }), kMerchant,
       ErrorCode::schema_violation, "amount"},
      {"a negative commission", payout_with([](json& j) { j["orders"][1]["commission"] = -5; }),
       kMerchant, ErrorCode::schema_violation, "commission"},
      {"a payout_id of 129 characters",
       payout_with([](json& j) { j["payout_id"] = std::string(129, 'x'); }), kMerchant,
       ErrorCode::schema_violation, "payout_id"},
      {"occurred_at on 30 February",
       payout_with([](json& j) { j["occurred_at"] = "2026-02-30T10:00:00Z"; }), kMerchant,
       ErrorCode::schema_violation, "occurred_at"},
      {"the Kafka key is another merchant", payout_json().dump(),
       std::string("0b6f3c1e-2a4d-4e5f-8a9b-1c2d3e4f5a6b"), ErrorCode::key_mismatch, "merchant_id"},
      {"no Kafka key", payout_json().dump(), std::nullopt, ErrorCode::key_mismatch, "no key"},
      {"a payment sent to the payouts topic",
       payout_with([](json& j) { j["event_type"] = "payment.succeeded"; }), kMerchant,
       ErrorCode::event_type_mismatch, "payouts"},
      {"an unknown event type", payout_with([](json& j) { j["event_type"] = "payout.failed"; }),
       kMerchant, ErrorCode::schema_violation, "event_type"},
      {"JSON cut in the middle", payout_json().dump().substr(0, 100), kMerchant,
       ErrorCode::invalid_json, ""},
      {"bytes that are not UTF-8", "{\"payout_id\": \"\xd7\xe0\xe9\"}", kMerchant,
       ErrorCode::invalid_encoding, "UTF-8"},
      {"a payout_id with a NUL character",
       payout_with([](json& j) { j["payout_id"] = std::string("PO\0", 3); }), kMerchant,
       ErrorCode::schema_violation, "NUL"},
  };
  PayoutDecoder decoder;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.why);
    const auto decoded = decoder.decode(c.key, c.payload);
    if (!c.expected) {
      ASSERT_FALSE(decoded.rejection) << decoded.rejection->message;
      ASSERT_TRUE(decoded.payout);
      continue;
    }
    ASSERT_TRUE(decoded.rejection);
    EXPECT_FALSE(decoded.payout);
    EXPECT_EQ(core::error_code_name(decoded.rejection->code), core::error_code_name(*c.expected))
        << decoded.rejection->message;
    EXPECT_NE(decoded.rejection->message.find(c.mentions), std::string::npos)
        << decoded.rejection->message;
  }
}

TEST(Payout, FieldsArriveAsSentWithIdsInLowerCase) {
  PayoutDecoder decoder;
  const auto decoded = decoder.decode(kMerchant, payout_json().dump());
  ASSERT_TRUE(decoded.payout);
  const core::Payout& p = *decoded.payout;
  EXPECT_EQ(p.event_id, "44444444-4444-4444-8444-444444444444");
  EXPECT_EQ(p.merchant_id, kMerchant);
  EXPECT_EQ(p.payout_id, "PO-2026-0042");
  EXPECT_EQ(p.partner_id, "9d1f4a52-0c3b-4e6d-8a7f-2b5c1d0e9f31");  // as PostgreSQL prints it
  EXPECT_EQ(p.amount, 665947);
  EXPECT_EQ(core::format_utc(p.occurred_at), "2026-02-12T15:30:00Z");
  ASSERT_EQ(p.orders.size(), 2u);
  EXPECT_EQ(p.orders[0], (core::PayoutOrder{"0b7c1f2e-4a5d-4e6f-8a9b-1c2d3e4f5a6b", 634997, 100000,
                                            19050, 515947}));
  const auto without_partner =
      decoder.decode(kMerchant, payout_with([](json& j) { j.erase("partner_id"); }));
  ASSERT_TRUE(without_partner.payout);
  EXPECT_EQ(without_partner.payout->partner_id, "");
}

TEST(Payout, TenThousandOrdersAreAcceptedAndOneMoreIsNot) {
  auto many = [](int n) {
    json document = payout_json();
    document["orders"] = json::array();
    for (int i = 0; i < n; ++i) {
      char id[40];
      std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
      document["orders"].push_back(
          {{"order_id", id}, {"paid", 100}, {"refunded", 0}, {"commission", 3}, {"net", 97}});
    }
    document["amount"] = 97 * n;
    return document.dump();
  };
  PayoutDecoder decoder;
  const auto at_limit = decoder.decode(kMerchant, many(10'000));
  ASSERT_TRUE(at_limit.payout) << at_limit.rejection->message;
  EXPECT_EQ(at_limit.payout->amount, 970'000);
  const auto over = decoder.decode(kMerchant, many(10'001));
  ASSERT_TRUE(over.rejection);
  EXPECT_EQ(over.rejection->code, ErrorCode::schema_violation);
}

// Exactly once: what a valid payout comes to, given what is recorded.
TEST(Payout, ARecordedPayoutIsNeverRecordedAgain) {
  PayoutDecoder decoder;
  const core::Payout first = *decoder.decode(kMerchant, payout_json().dump()).payout;
  EXPECT_EQ(core::judge_payout(first, nullptr, false), core::PayoutVerdict::record);

  // Redelivered: same event_id, same content (orders in another order, ids in another case).
  const core::Payout again = *decoder
                                  .decode(kMerchant, payout_with([](json& j) {
                                            std::swap(j["orders"][0], j["orders"][1]);
                                            j["partner_id"] =
                                                "9d1f4a52-0c3b-4e6d-8a7f-2b5c1d0e9f31";
                                          }))
                                  .payout;
  EXPECT_EQ(core::judge_payout(again, &first, true), core::PayoutVerdict::duplicate_event);

  // The same event_id with other content.
  const core::Payout changed =
      *decoder
           .decode(kMerchant,
                   payout_with([](json& j) { j["occurred_at"] = "2026-02-12T15:30:01Z"; }))
           .payout;
  EXPECT_EQ(core::judge_payout(changed, &first, true), core::PayoutVerdict::event_id_conflict);

  // A new event_id for a payout_id that is recorded.
  const core::Payout resent = *decoder
                                   .decode(kMerchant, payout_with([](json& j) {
                                             j["event_id"] = "55555555-5555-4555-8555-555555555555";
                                           }))
                                   .payout;
  EXPECT_EQ(core::judge_payout(resent, nullptr, true), core::PayoutVerdict::duplicate_payout);
}

}  // namespace
}  // namespace kassa::contract
