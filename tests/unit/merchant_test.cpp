// The merchants table's pure parts (contract section 6): which version of a merchant's
// requisites a receipt takes, merchant events from bytes, and order events that wait for their
// merchant and apply when it arrives.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "contract/merchant_event.hpp"
#include "contract/state_codec.hpp"
#include "core/merchant.hpp"
#include "ingest/batch.hpp"
#include "test_messages.hpp"

namespace kassa {
namespace {

using nlohmann::json;

core::UtcTime at(const char* text) {
  return core::parse_utc(text).value();
}

core::MerchantVersion version(const char* from, const char* name) {
  core::MerchantVersion v;
  if (from != nullptr) v.from = at(from);
  v.supplier.name = name;
  return v;
}

// ------------------------------------------------------------------ which requisites are in force

struct AsOfRow {
  const char* event_at;
  const char* expected;  // the supplier's name, or nullptr for none
};

TEST(MerchantRequisites, TheLatestVersionNotDatedAfterTheEventIsInForce) {
  const std::vector<core::MerchantVersion> versions = {
      version(nullptr, "typed in by hand"),
      version("2026-02-01T00:00:00Z", "activated"),
      version("2026-02-12T00:00:00Z", "renamed"),
  };
  const AsOfRow rows[] = {
      {"2026-01-15T00:00:00Z", "typed in by hand"},  // before any event: the hand-typed row
      {"2026-02-01T00:00:00Z", "activated"},         // dated exactly at the event: in force
      {"2026-02-11T23:59:59Z", "activated"},        {"2026-02-12T00:00:00Z", "renamed"},
      {"2027-01-01T00:00:00Z", "renamed"},
  };
  for (const auto& row : rows)
    EXPECT_EQ(core::requisites_as_of(versions, at(row.event_at))->name, row.expected)
        << row.event_at;
}

TEST(MerchantRequisites, AnEventBeforeTheActivationTakesTheFirstVersionAndNoVersionIsNone) {
  const std::vector<core::MerchantVersion> versions = {version("2026-02-01T00:00:00Z", "first"),
                                                       version("2026-03-01T00:00:00Z", "second")};
  EXPECT_EQ(core::requisites_as_of(versions, at("2026-01-20T00:00:00Z"))->name, "first");
  EXPECT_FALSE(core::requisites_as_of({}, at("2026-01-20T00:00:00Z")).has_value());
}

// ------------------------------------------------------------------------------ merchant events

const std::string kShop = "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d";

json activation() {
  return json::parse(R"({
    "event_id": "66666666-6666-4666-8666-666666666666",
    "event_type": "merchant.activated",
    "schema_version": 1,
    "occurred_at": "2026-02-01T08:00:00Z",
    "merchant_id": "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
    "partner_id": "77777777-7777-4777-8777-777777777777",
    "name": "ООО «Чайники»",
    "inn": "7707083893",
    "kpp": "773601001",
    "phones": ["+74951234567"],
    "email": "shop@example.ru",
    "site_url": "https://chainiki.example.ru",
    "edo_participant_id": "2BM-7707083893-773601001"
  })");
}

struct DecodeRow {
  const char* what;
  std::function<void(json&)> change;
  std::optional<std::string> key;
  std::optional<core::ErrorCode> refused;  // nullopt: accepted
};

TEST(MerchantEvents, AreDecodedOrRefusedWithTheContractsCode) {
  const DecodeRow rows[] = {
      {"the activation as sent", [](json&) {}, kShop, std::nullopt},
      {"an update without the optional fields",
       [](json& j) {
         j["event_type"] = "merchant.updated";
         j.erase("partner_id");
         j.erase("kpp");
         j.erase("edo_participant_id");
       },
       kShop, std::nullopt},
      {"a sole trader (12-digit INN)",
       [](json& j) {
         j["inn"] = "500100732259";
         j.erase("kpp");
       },
       kShop, std::nullopt},
      {"INN check digits wrong", [](json& j) { j["inn"] = "7707083894"; }, kShop,
       core::ErrorCode::invalid_inn},
      {"a KPP beside a 12-digit INN", [](json& j) { j["inn"] = "500100732259"; }, kShop,
       core::ErrorCode::invalid_kpp},
      {"six phones",
       [](json& j) {
         j["phones"] = {"+74950000001", "+74950000002", "+74950000003",
                        "+74950000004", "+74950000005", "+74950000006"};
       },
       kShop, core::ErrorCode::schema_violation},
      {"a phone without +7", [](json& j) { j["phones"] = {"84951234567"}; }, kShop,
       core::ErrorCode::schema_violation},
      {"no site_url", [](json& j) { j.erase("site_url"); }, kShop,
       core::ErrorCode::schema_violation},
      {"a name of 257 characters", [](json& j) { j["name"] = std::string(257, 'a'); }, kShop,
       core::ErrorCode::schema_violation},
      {"an order event on the merchants topic",
       [](json& j) { j["event_type"] = "payment.succeeded"; }, kShop,
       core::ErrorCode::event_type_mismatch},
      {"keyed by another id", [](json&) {}, std::string("another"), core::ErrorCode::key_mismatch},
      {"without a key", [](json&) {}, std::nullopt, core::ErrorCode::key_mismatch},
  };
  contract::MerchantDecoder decoder;
  for (const auto& row : rows) {
    json event = activation();
    row.change(event);
    const auto decoded = decoder.decode(row.key, event.dump());
    if (row.refused) {
      ASSERT_TRUE(decoded.rejection.has_value()) << row.what;
      EXPECT_EQ(decoded.rejection->code, *row.refused)
          << row.what << ": " << decoded.rejection->message;
      EXPECT_EQ(decoded.event_id, "66666666-6666-4666-8666-666666666666") << row.what;
    } else {
      ASSERT_TRUE(decoded.event.has_value()) << row.what << ": " << decoded.rejection->message;
    }
  }
  const auto decoded = decoder.decode(kShop, activation().dump());
  const auto& e = *decoded.event;
  EXPECT_EQ(e.supplier.name, "ООО «Чайники»");
  EXPECT_EQ(e.supplier.inn, "7707083893");
  EXPECT_EQ(e.supplier.kpp, "773601001");
  EXPECT_EQ(e.supplier.phones, std::vector<std::string>{"+74951234567"});
  EXPECT_EQ(e.supplier.site_url, "https://chainiki.example.ru");
  EXPECT_EQ(e.partner_id, "77777777-7777-4777-8777-777777777777");
  EXPECT_EQ(core::format_utc(e.occurred_at), "2026-02-01T08:00:00Z");
  EXPECT_EQ(decoder.decode(kShop, "{\"event_type\": ").rejection->code,
            core::ErrorCode::invalid_json);
}

// ------------------------------------------------------------- order events waiting for a merchant

ingest::Message message(core::EventKind kind, const std::string& topic, std::int64_t offset,
                        std::string payload) {
  ingest::Message m;
  m.topic_kind = kind;
  m.source = {topic, 0, offset, testing::kOrderId, std::move(payload)};
  return m;
}

ingest::BatchResult apply(std::vector<ingest::Message> messages, ingest::Snapshot snapshot) {
  contract::Decoder decoder;
  ingest::Outputs outputs;
  outputs.wait_for_merchant = true;
  return ingest::apply_batch(ingest::decode_batch(decoder, std::move(messages)),
                             std::move(snapshot), at("2026-02-20T10:00:00Z"), outputs);
}

core::MerchantVersion shop_version(const char* from, const char* name, const char* site) {
  core::MerchantVersion v = version(from, name);
  v.supplier.inn = "7707083893";
  v.supplier.phones = {"+74951234567"};
  v.supplier.site_url = site;
  return v;
}

TEST(WaitingForTheMerchant, APaymentAndItsShipmentWaitAndApplyWhenTheMerchantArrives) {
  // The merchant is unknown: the payment and the shipment after it wait, nothing is issued.
  const auto waiting =
      apply({message(core::EventKind::payment, "payments", 0, testing::payment_json().dump()),
             message(core::EventKind::shipment, "shipments", 0, testing::shipment_json().dump())},
            {});
  EXPECT_EQ(waiting.counts.parked, 2);
  EXPECT_TRUE(waiting.receipts.empty());
  EXPECT_TRUE(waiting.ledger.empty());
  ASSERT_EQ(waiting.orders.size(), 1u);
  const core::OrderState stored = waiting.orders.at(testing::kOrderId);
  EXPECT_TRUE(stored.waiting_for_merchant);
  // The flag survives the stored state.
  EXPECT_TRUE(contract::order_from_json(json::parse(contract::order_state_text(stored)))
                  .waiting_for_merchant);

  // It arrives, activated after the payment: the payment applies first, then the shipment, with
  // the first version's requisites and site.
  ingest::Snapshot later;
  later.orders[testing::kOrderId] = stored;
  later.merchants[testing::kMerchantId] = {
      shop_version("2026-02-15T00:00:00Z", "ООО «Чайники»", "https://chainiki.example.ru")};
  const auto released = ingest::release_waiting(later, at("2026-02-20T10:00:00Z"), {});
  ASSERT_EQ(released.ledger.size(), 2u);
  EXPECT_EQ(released.ledger[0].kind, core::EventKind::payment);
  EXPECT_EQ(released.ledger[0].channel, "merchant_api");
  EXPECT_EQ(released.ledger[1].kind, core::EventKind::shipment);
  EXPECT_EQ(released.counts.released, 2);
  ASSERT_EQ(released.receipts.size(), 2u);
  for (const auto& receipt : released.receipts) {
    const json body = json::parse(receipt.body);
    EXPECT_EQ(body["atol"]["receipt"]["company"]["payment_address"], "https://chainiki.example.ru");
    EXPECT_EQ(body["atol"]["receipt"]["items"][0]["supplier_info"]["name"], "ООО «Чайники»");
  }
  EXPECT_FALSE(released.orders.at(testing::kOrderId).waiting_for_merchant);
  EXPECT_TRUE(released.orders.at(testing::kOrderId).parked.empty());
  // Inbox rows move from parked to applied.
  for (const auto& row : released.inbox) EXPECT_EQ(row.status, core::Outcome::applied);
}

TEST(WaitingForTheMerchant, AnUpdateBetweenPaymentAndShipmentChangesOnlyTheShipmentsReceipt) {
  ingest::Snapshot snapshot;
  snapshot.merchants[testing::kMerchantId] = {
      shop_version("2026-02-01T00:00:00Z", "ООО «Чайники»", "https://old.example.ru"),
      shop_version("2026-02-12T00:00:00Z", "ООО «Чайники и Ко»", "https://new.example.ru")};
  const auto result =
      apply({message(core::EventKind::payment, "payments", 0, testing::payment_json().dump()),
             message(core::EventKind::shipment, "shipments", 0, testing::shipment_json().dump())},
            snapshot);
  ASSERT_EQ(result.receipts.size(), 2u);
  const json prepayment = json::parse(result.receipts[0].body);  // paid 10.02
  const json settlement = json::parse(result.receipts[1].body);  // shipped 14.02
  EXPECT_EQ(prepayment["atol"]["receipt"]["items"][0]["supplier_info"]["name"], "ООО «Чайники»");
  EXPECT_EQ(prepayment["atol"]["receipt"]["company"]["payment_address"], "https://old.example.ru");
  EXPECT_EQ(settlement["atol"]["receipt"]["items"][0]["supplier_info"]["name"],
            "ООО «Чайники и Ко»");
  EXPECT_EQ(settlement["atol"]["receipt"]["company"]["payment_address"], "https://new.example.ru");
}

TEST(WaitingForTheMerchant, WithTheDefaultPolicyAnUnknownMerchantGetsTheDefaultSupplier) {
  contract::Decoder decoder;
  const auto result = ingest::apply_batch(
      ingest::decode_batch(decoder, {message(core::EventKind::payment, "payments", 0,
                                             testing::payment_json().dump())}),
      {}, at("2026-02-20T10:00:00Z"), ingest::Outputs{});
  EXPECT_EQ(result.counts.applied, 1);
  EXPECT_EQ(result.counts.receipts_default_supplier, 1);
}

TEST(WaitingForTheMerchant, ABadEventIsRefusedAtOnceNotParked) {
  json bad = testing::payment_json();
  bad["amount"] = 1;  // not the sum of the lines
  const auto result = apply({message(core::EventKind::payment, "payments", 0, bad.dump())}, {});
  EXPECT_EQ(result.counts.parked, 0);
  EXPECT_EQ(result.counts.rejected_by_code.at("amount_mismatch"), 1);
}

}  // namespace
}  // namespace kassa
