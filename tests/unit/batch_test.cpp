// The batch function (ingest::decode_batch + ingest::apply_batch) on hand-written Kafka messages:
// exactly-once by event_id, parked events released by their payment, dead letters that match
// schemas/dead_letter.v1.json, offsets to commit, and the stored order state (state_codec).
#include <gtest/gtest.h>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <string>
#include <vector>

#include "contract/encoding.hpp"
#include "contract/state_codec.hpp"
#include "ingest/batch.hpp"
#include "test_messages.hpp"

namespace kassa::ingest {
namespace {

using core::EventKind;
using core::Outcome;
using nlohmann::json;
using testing::kMerchantId;
using testing::kOrderId;
using testing::kOtherOrderId;
using testing::kPaymentEventId;
using testing::kShipmentEventId;

const std::string kPayments = "invoicebox.payments.v1";
const std::string kShipments = "invoicebox.shipments.v1";
const std::string kRefunds = "invoicebox.refunds.v1";
const char* kNow = "2026-02-20T10:00:00Z";  // when the batch runs: stamps dead letters

Message message(EventKind kind, const std::string& topic, std::int32_t partition,
                std::int64_t offset, std::string payload, std::string key = kOrderId) {
  Message m;
  m.topic_kind = kind;
  m.source = {topic, partition, offset, std::move(key), std::move(payload)};
  return m;
}
Message payment(std::int64_t offset, std::string payload) {
  return message(EventKind::payment, kPayments, 0, offset, std::move(payload));
}

// The worked example's payment of another order (its own order, event and payment ids).
std::string other_order_payment() {
  json p = testing::payment_json();
  p["order_id"] = kOtherOrderId;
  p["event_id"] = "44444444-4444-4444-8444-444444444444";
  return p.dump();
}

BatchResult run(std::vector<Message> messages, Snapshot snapshot = {}) {
  contract::Decoder decoder;
  const auto batch = decode_batch(decoder, std::move(messages));
  return apply_batch(batch, std::move(snapshot), core::parse_utc(kNow).value(), Outputs{});
}

// Validates a dead letter against the contract's schema (the way contract/decode.cpp validates
// events).
std::string dead_letter_problems(const json& document) {
  const json schema_document = json::parse(contract::schema_text("dead_letter.v1.json"));
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_document);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(document);
  if (validator.validate(schema, target, &results)) return "";
  std::string problems;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) problems += error.description + "; ";
  return problems.empty() ? "invalid" : problems;
}

// ---------------------------------------------------------------------------------------------

// The outbox holds dead letters and, for private buyers, receipts; these tests look at one kind.
std::vector<OutboxWrite> on_topic(const BatchResult& r, const std::string& topic) {
  std::vector<OutboxWrite> out;
  for (const auto& row : r.outbox)
    if (row.topic == topic) out.push_back(row);
  return out;
}

TEST(Batch, ExactDuplicateWithinOneBatchCountsOnce) {
  const std::string bytes = testing::payment_json().dump();
  const BatchResult r = run({payment(0, bytes), payment(1, bytes)});
  EXPECT_EQ(r.counts.messages, 2);
  EXPECT_EQ(r.counts.applied, 1);
  EXPECT_EQ(r.counts.duplicates, 1) << "the producer delivered the same event twice: applied once";
  EXPECT_EQ(r.counts.rejected, 0);
  ASSERT_EQ(r.ledger.size(), 1u);
  EXPECT_EQ(r.ledger[0].event_id, kPaymentEventId);
  EXPECT_EQ(r.ledger[0].order_id, kOrderId);
  EXPECT_EQ(r.ledger[0].merchant_id, kMerchantId);
  EXPECT_EQ(r.ledger[0].business_id, "pay-1");
  EXPECT_EQ(r.ledger[0].kind, EventKind::payment);
  EXPECT_EQ(r.ledger[0].amount, 634997);
  EXPECT_EQ(core::format_utc(r.ledger[0].occurred_at), "2026-02-10T09:00:00Z");
  ASSERT_EQ(r.inbox.size(), 1u) << "one inbox row for one event";
  EXPECT_EQ(r.inbox[0].status, Outcome::applied);
  EXPECT_EQ(r.inbox[0].offset, 0);
  EXPECT_EQ(r.inbox[0].fingerprint, contract::sha256_hex(bytes));
  EXPECT_TRUE(on_topic(r, "kassa.dlq.v1").empty())
      << "a redelivery is not an error: no dead letter";
  EXPECT_EQ(on_topic(r, "kassa.receipts.v1").size(), 1u) << "one prepayment receipt, not two";
  EXPECT_EQ(r.next_offsets.at({kPayments, 0}), 2) << "both offsets are consumed";
  ASSERT_EQ(r.orders.count(kOrderId), 1u);
  EXPECT_EQ(r.orders.at(kOrderId).payment->amount, 634997);
}

TEST(Batch, SameEventIdWithOtherBytesIsAConflict) {
  const std::string original = testing::payment_json().dump();
  json changed = testing::payment_json();
  changed["merchant_order_id"] = "SHOP-1002";  // same event_id, different content
  const BatchResult r = run({payment(0, original), payment(1, changed.dump())});
  EXPECT_EQ(r.counts.applied, 1);
  EXPECT_EQ(r.counts.rejected, 1);
  EXPECT_EQ(r.counts.rejected_by_code.at("event_id_conflict"), 1);
  ASSERT_EQ(r.ledger.size(), 1u) << "the first version stands";
  EXPECT_EQ(r.orders.at(kOrderId).payment->merchant_order_id, "SHOP-1001");
  ASSERT_EQ(r.rejections.size(), 1u);
  EXPECT_EQ(r.rejections[0].error_code, "event_id_conflict");
  EXPECT_EQ(r.rejections[0].event_id, kPaymentEventId);
  EXPECT_EQ(r.rejections[0].offset, 1);
  const auto letters = on_topic(r, "kassa.dlq.v1");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].key, kOrderId) << "a dead letter keeps the original key";
  // Deterministic id: uuid5(kassa namespace, "dlq:<topic>:<partition>:<offset>"), from python3.
  EXPECT_EQ(letters[0].message_id, "182797da-06de-5089-acd1-0d4649989e70");
  const json letter = json::parse(letters[0].payload);
  EXPECT_EQ(letter.at("error_code"), "event_id_conflict");
  EXPECT_EQ(letter.at("event_id"), kPaymentEventId);
  EXPECT_EQ(letter.at("payload"), changed.dump())
      << "the refused bytes, not the ones that were applied";
  EXPECT_EQ(dead_letter_problems(letter), "");
}

struct SeenBeforeCase {
  const char* why;
  bool same_bytes;
  Outcome status_then;
  std::int64_t duplicates, rejected;
};

TEST(Batch, EventSeenInAnEarlierBatch) {
  const std::string bytes = testing::payment_json().dump();
  const SeenBeforeCase cases[] = {
      {"applied in an earlier batch, same bytes again: a redelivery, ignored", true,
       Outcome::applied, 1, 0},
      {"refused in an earlier batch, same bytes again: not dead-lettered twice", true,
       Outcome::rejected, 1, 0},
      {"ignored as a duplicate before, same bytes again: still ignored", true, Outcome::duplicate,
       1, 0},
      {"applied before, now other bytes under the same event_id: a conflict", false,
       Outcome::applied, 0, 1},
  };
  for (const auto& c : cases) {
    Snapshot snapshot;
    snapshot.inbox[kPaymentEventId] = {contract::sha256_hex(c.same_bytes ? bytes : bytes + " "),
                                       c.status_then};
    const BatchResult r = run({payment(5, bytes)}, snapshot);
    EXPECT_EQ(r.counts.duplicates, c.duplicates) << c.why;
    EXPECT_EQ(r.counts.rejected, c.rejected) << c.why;
    EXPECT_EQ(r.counts.applied, 0) << c.why;
    EXPECT_TRUE(r.ledger.empty()) << c.why;
    EXPECT_TRUE(r.orders.empty()) << c.why << ": no order changes";
    EXPECT_EQ(r.outbox.size(), static_cast<std::size_t>(c.rejected)) << c.why;
    if (c.rejected) {
      EXPECT_EQ(r.rejections.at(0).error_code, "event_id_conflict") << c.why;
    }
    EXPECT_EQ(r.next_offsets.at({kPayments, 0}), 6)
        << c.why << ": the message is consumed either way";
  }
}

TEST(Batch, ParkedShipmentIsReleasedByItsPayment) {
  // Batch 1: the shipment arrives first (shipments topic, partition 2, offset 40) and waits.
  const std::string shipment_bytes = testing::shipment_json().dump();
  const BatchResult first = run({message(EventKind::shipment, kShipments, 2, 40, shipment_bytes)});
  EXPECT_EQ(first.counts.parked, 1);
  EXPECT_EQ(first.counts.applied, 0);
  EXPECT_TRUE(first.ledger.empty()) << "nothing is booked before the payment";
  ASSERT_EQ(first.inbox.size(), 1u);
  EXPECT_EQ(first.inbox[0].status, Outcome::parked);
  ASSERT_EQ(first.orders.count(kOrderId), 1u);
  EXPECT_EQ(first.orders.at(kOrderId).parked.size(), 1u);

  // The store keeps the order as JSON and the inbox row; batch 2 starts from them.
  Snapshot snapshot;
  snapshot.orders[kOrderId] =
      contract::order_from_json(contract::order_to_json(first.orders.at(kOrderId)));
  snapshot.inbox[kShipmentEventId] = {first.inbox[0].fingerprint, Outcome::parked};

  // Batch 2: the payment (payments topic, partition 0, offset 7).
  const BatchResult r = run({payment(7, testing::payment_json().dump())}, snapshot);
  EXPECT_EQ(r.counts.messages, 1);
  EXPECT_EQ(r.counts.applied, 2) << "the payment and the shipment it let through";
  EXPECT_EQ(r.counts.released, 1);
  EXPECT_EQ(r.counts.parked, 0);
  EXPECT_EQ(r.counts.rejected, 0);

  ASSERT_EQ(r.ledger.size(), 2u);
  EXPECT_EQ(r.ledger[0].kind, EventKind::payment);
  EXPECT_EQ(r.ledger[0].amount, 634997);
  EXPECT_EQ(r.ledger[1].kind, EventKind::shipment);
  EXPECT_EQ(r.ledger[1].event_id, kShipmentEventId);
  EXPECT_EQ(r.ledger[1].business_id, "ship-1");
  EXPECT_EQ(r.ledger[1].merchant_id, kMerchantId);
  // A × 2: 599997 × 2/3 = 399998 exactly; B (completes its line): 35000.
  EXPECT_EQ(r.ledger[1].amount, 399998 + 35000);
  EXPECT_EQ(core::format_utc(r.ledger[1].occurred_at), "2026-02-14T12:00:00Z");

  ASSERT_EQ(r.inbox.size(), 2u);
  EXPECT_EQ(r.inbox[0].event_id, kPaymentEventId);
  EXPECT_EQ(r.inbox[0].status, Outcome::applied);
  EXPECT_EQ(r.inbox[0].topic, kPayments);
  EXPECT_EQ(r.inbox[0].offset, 7);
  EXPECT_EQ(r.inbox[1].event_id, kShipmentEventId);
  EXPECT_EQ(r.inbox[1].status, Outcome::applied)
      << "the waiting shipment's row moves from parked to applied";
  EXPECT_EQ(r.inbox[1].kind, EventKind::shipment);
  EXPECT_EQ(r.inbox[1].topic, kShipments) << "with the coordinates it arrived with";
  EXPECT_EQ(r.inbox[1].partition, 2);
  EXPECT_EQ(r.inbox[1].offset, 40);
  EXPECT_EQ(r.inbox[1].fingerprint, contract::sha256_hex(shipment_bytes));

  const core::OrderState& order = r.orders.at(kOrderId);
  EXPECT_TRUE(order.parked.empty());
  EXPECT_EQ(order.shipped_amount(), 434998);
  EXPECT_EQ(order.shipment_ids, std::vector<std::string>{"ship-1"});
  ASSERT_EQ(r.next_offsets.size(), 1u) << "only the partition read in this batch advances";
  EXPECT_EQ(r.next_offsets.at({kPayments, 0}), 8);
}

TEST(Batch, ABadMessageDoesNotStopTheOnesAfterIt) {
  const BatchResult r = run({
      payment(10, testing::payment_json().dump()),
      payment(11, "{\"event_id\": \"55555555"),  // cut short
      message(EventKind::payment, kPayments, 0, 12, other_order_payment(), kOtherOrderId),
      payment(13, "\xff\xfe{"),  // not UTF-8
      message(EventKind::shipment, kShipments, 0, 3, testing::shipment_json().dump()),
  });
  EXPECT_EQ(r.counts.messages, 5);
  EXPECT_EQ(r.counts.applied, 3);
  EXPECT_EQ(r.counts.rejected, 2);
  EXPECT_EQ(r.counts.rejected_by_code.at("invalid_json"), 1);
  EXPECT_EQ(r.counts.rejected_by_code.at("invalid_encoding"), 1);
  ASSERT_EQ(r.ledger.size(), 3u);
  EXPECT_EQ(r.ledger[0].order_id, kOrderId);
  EXPECT_EQ(r.ledger[1].order_id, kOtherOrderId)
      << "the payment after the broken message still applies";
  EXPECT_EQ(r.ledger[2].kind, EventKind::shipment);
  ASSERT_EQ(r.rejections.size(), 2u);
  EXPECT_EQ(r.rejections[0].offset, 11);
  EXPECT_EQ(r.rejections[1].offset, 13);
  EXPECT_EQ(r.orders.size(), 2u);
  EXPECT_EQ(r.next_offsets.at({kPayments, 0}), 14);
  EXPECT_EQ(r.next_offsets.at({kShipments, 0}), 4);
}

TEST(Batch, NextOffsetIsLastOffsetPlusOnePerPartition) {
  const std::string bytes = testing::payment_json().dump();
  const BatchResult r = run({
      payment(7, bytes), payment(8, bytes),  // duplicate
      message(EventKind::payment, kPayments, 1, 3, other_order_payment(),
              kOtherOrderId),  // partition 1
      message(EventKind::shipment, kShipments, 0, 42, testing::shipment_json().dump()),  // applied
      message(EventKind::refund, kRefunds, 5, 0, "not json at all"),                     // refused
  });
  const std::map<PartitionKey, std::int64_t> expected = {
      {{kPayments, 0}, 9}, {{kPayments, 1}, 4}, {{kShipments, 0}, 43}, {{kRefunds, 5}, 1}};
  EXPECT_EQ(r.next_offsets, expected) << "applied, duplicate and refused messages are all consumed";
}

// ---------------------------------------------------------------------------------------------
// Dead letters (contract section 3: kassa.dlq.v1).

struct DeadLetterCase {
  const char* why;
  std::string payload;
  std::string key;
  bool has_key;
  const char* error_code;
  std::string expected_payload;  // as it must appear in the dead letter
  bool base64_payload;
  std::string expected_key;
  bool base64_key;
  bool names_event;  // a valid event refused by a business rule carries its event_id
};

TEST(Batch, DeadLettersMatchTheirSchema) {
  json wrong_sum = testing::payment_json();
  wrong_sum["amount"] = 634996;
  const std::string cut = "{\"event_id\": \"55555555";
  const DeadLetterCase cases[] = {
      {"not JSON: the payload goes out as it came", cut, kOrderId, true, "invalid_json", cut, false,
       kOrderId, false, false},
      {"not UTF-8: the payload goes out as base64 of its bytes (FF FE 7B = //57)", "\xff\xfe{",
       kOrderId, true, "invalid_encoding", "//57", true, kOrderId, false, false},
      {"a valid event refused by a rule (amount 634996, lines 634997): names its event_id",
       wrong_sum.dump(), kOrderId, true, "amount_mismatch", wrong_sum.dump(), false, kOrderId,
       false, true},
      {"a schema violation keeps Cyrillic text as text", "{\"name\": \"Чайник\"}", kOrderId, true,
       "schema_violation", "{\"name\": \"Чайник\"}", false, kOrderId, false, false},
      {"a message without a key: key null in the dead letter", testing::payment_json().dump(), "",
       false, "key_mismatch", testing::payment_json().dump(), false, "", false, false},
      {"a key that is not UTF-8 goes out as base64 too (FF = /w==)", testing::payment_json().dump(),
       "\xff", true, "key_mismatch", testing::payment_json().dump(), false, "/w==", true, false},
  };
  for (const auto& c : cases) {
    Message m = payment(11, c.payload);
    m.source.key = c.key;
    m.source.has_key = c.has_key;
    const BatchResult r = run({m});
    ASSERT_EQ(r.outbox.size(), 1u) << c.why;
    const OutboxWrite& out = r.outbox[0];
    EXPECT_EQ(out.topic, "kassa.dlq.v1") << c.why;
    EXPECT_EQ(out.key, c.key) << c.why << ": keyed as the original";
    EXPECT_EQ(out.message_id, "71565b00-3b4a-59fc-b1d9-595e4cb7cb77")
        << c.why << ": uuid5(kassa namespace, 'dlq:invoicebox.payments.v1:0:11'), from python3";
    ASSERT_TRUE(contract::is_valid_utf8(out.payload)) << c.why;
    const json letter = json::parse(out.payload);
    EXPECT_EQ(dead_letter_problems(letter), "") << c.why << ": " << out.payload;
    EXPECT_EQ(letter.at("source_topic"), kPayments) << c.why;
    EXPECT_EQ(letter.at("partition"), 0) << c.why;
    EXPECT_EQ(letter.at("offset"), 11) << c.why;
    EXPECT_EQ(letter.at("error_code"), c.error_code) << c.why;
    EXPECT_FALSE(letter.at("error").get<std::string>().empty()) << c.why;
    EXPECT_EQ(letter.at("failed_at"), kNow) << c.why << ": the batch time, not the event's";
    EXPECT_EQ(letter.at("payload"), c.expected_payload) << c.why;
    EXPECT_EQ(letter.contains("payload_encoding"), c.base64_payload) << c.why;
    if (c.base64_payload) {
      EXPECT_EQ(letter.at("payload_encoding"), "base64") << c.why;
    }
    if (c.has_key) {
      EXPECT_EQ(letter.at("key"), c.expected_key) << c.why;
    } else {
      EXPECT_TRUE(letter.at("key").is_null()) << c.why;
    }
    EXPECT_EQ(letter.contains("key_encoding"), c.base64_key) << c.why;
    EXPECT_EQ(letter.contains("event_id"), c.names_event) << c.why;
    if (c.names_event) {
      EXPECT_EQ(letter.at("event_id"), kPaymentEventId) << c.why;
    }
    ASSERT_EQ(r.rejections.size(), 1u) << c.why;
    EXPECT_EQ(r.rejections[0].error_code, c.error_code) << c.why;
    EXPECT_EQ(r.counts.rejected_by_code.at(c.error_code), 1) << c.why;
  }
}

TEST(Batch, TheDeadLetterSchemaCheckCanFail) {
  // So that the check above means something: a letter without error_code, or with a local time.
  json letter = {{"source_topic", kPayments},
                 {"partition", 0},
                 {"offset", 11},
                 {"key", kOrderId},
                 {"payload", "{}"},
                 {"error_code", "invalid_json"},
                 {"error", "payload is not JSON"},
                 {"failed_at", kNow}};
  EXPECT_EQ(dead_letter_problems(letter), "");
  json no_code = letter;
  no_code.erase("error_code");
  EXPECT_NE(dead_letter_problems(no_code), "");
  json local_time = letter;
  local_time["failed_at"] = "2026-02-20T13:00:00+03:00";
  EXPECT_NE(dead_letter_problems(local_time), "");
}

TEST(Batch, ARefusedWaitingEventIsDeadLetteredFromWhereItArrived) {
  // A shipment of 4 kettles (3 ordered) waits; when the payment comes it is refused as
  // over_shipment and dead-lettered with its own topic, partition, offset and bytes.
  json too_much = testing::shipment_json();
  too_much["items"] = json::array({{{"sku", "A"}, {"quantity", "4"}}});
  const BatchResult r = run({message(EventKind::shipment, kShipments, 1, 99, too_much.dump()),
                             payment(7, testing::payment_json().dump())});
  EXPECT_EQ(r.counts.parked, 1);
  EXPECT_EQ(r.counts.released, 1);
  EXPECT_EQ(r.counts.applied, 1);
  EXPECT_EQ(r.counts.rejected_by_code.at("over_shipment"), 1);
  const auto letters = on_topic(r, "kassa.dlq.v1");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(on_topic(r, "kassa.receipts.v1").size(), 1u) << "the payment's prepayment receipt only";
  const json letter = json::parse(letters[0].payload);
  EXPECT_EQ(dead_letter_problems(letter), "");
  EXPECT_EQ(letter.at("source_topic"), kShipments);
  EXPECT_EQ(letter.at("partition"), 1);
  EXPECT_EQ(letter.at("offset"), 99);
  EXPECT_EQ(letter.at("payload"), too_much.dump());
  EXPECT_EQ(letter.at("event_id"), kShipmentEventId);
  ASSERT_EQ(r.inbox.size(), 3u) << "parked, then payment applied, then the shipment refused";
  EXPECT_EQ(r.inbox[2].event_id, kShipmentEventId);
  EXPECT_EQ(r.inbox[2].status, Outcome::rejected);
}

TEST(Batch, NeedsOfAsksForValidEventsOnly) {
  contract::Decoder decoder;
  const auto batch = decode_batch(
      decoder, {payment(0, testing::payment_json().dump()), payment(1, "garbage"),
                message(EventKind::refund, kRefunds, 0, 0, testing::refund_json().dump())});
  const Needs needs = needs_of(batch);
  EXPECT_EQ(needs.order_ids, std::set<std::string>{kOrderId});
  EXPECT_EQ(needs.event_ids, (std::set<std::string>{kPaymentEventId, testing::kRefundEventId}));
}

// ---------------------------------------------------------------------------------------------
// The stored order state (kassa.orders.state): order_to_json(order_from_json(x)) == x.

TEST(Batch, OrderStateRoundTripsThroughJson) {
  // Hand-written: a paid order with two settlements (one partly reversed) and refunds, plus a
  // waiting refund kept as its original message. (A real order has parked events only before
  // its payment; the codec must not care.)
  const json x = {
      {"order_id", kOrderId},
      {"merchant_id", kMerchantId},
      {"payment",
       {{"event_id", kPaymentEventId},
        {"payment_id", "pay-1"},
        {"merchant_order_id", "SHOP-1001"},
        {"currency", "RUB"},
        {"amount", 634997},
        {"occurred_at", "2026-02-10T09:00:00Z"},
        {"customer",
         {{"type", "private"},
          {"name", "Иван Петров"},
          {"email", "ivan@example.ru"},
          {"phone", "+79001112233"},
          {"inn", ""},
          {"kpp", ""}}}}},
      {"shipment_ids", {"ship-1", "ship-2"}},
      {"refund_ids", {"ref-1"}},
      {"lines",
       {{{"sku", "A"},
         {"name", "Электрочайник Polaris PWK 1725"},
         {"measure", "шт"},
         {"measure_code", "796"},
         {"quantity", 3000},
         {"price", 199999},
         {"total_amount", 599997},
         {"vat_code", "RUS_VAT22_ADDED"},
         {"type", "commodity"},
         {"shipped", 2000},
         {"shipped_amount", 399998},
         {"refunded_unshipped", 1000},
         {"refunded_unshipped_amount", 199999},
         {"refunded_shipped", 1000},
         {"refunded_shipped_amount", 199999},
         {"settlements",
          {{{"event_id", kShipmentEventId},
            {"occurred_at", "2026-02-14T12:00:00Z"},
            {"quantity", 1000},
            {"amount", 199999},
            {"reversed", 0},
            {"reversed_amount", 0}},
           {{"event_id", "66666666-6666-4666-8666-666666666666"},
            {"occurred_at", "2026-02-16T08:30:00.250000Z"},
            {"quantity", 1000},
            {"amount", 199999},
            {"reversed", 1000},
            {"reversed_amount", 199999}}}}},
        {{"sku", "CHEESE"},
         {"name", "Сыр"},
         {"measure", "кг"},
         {"measure_code", "166"},
         {"quantity", 750},
         {"price", 60001},
         {"total_amount", 45001},
         {"vat_code", "RUS_VAT10"},
         {"type", "commodity"},
         {"shipped", 0},
         {"shipped_amount", 0},
         {"refunded_unshipped", 0},
         {"refunded_unshipped_amount", 0},
         {"refunded_shipped", 0},
         {"refunded_shipped_amount", 0},
         {"settlements", json::array()}}}},
      {"parked",
       {{{"topic", kRefunds},
         {"partition", 3},
         {"offset", 17},
         {"key", kOrderId},
         {"payload", testing::refund_json().dump()}},
        {{"topic", kShipments},
         {"partition", 0},
         {"offset", 5},
         {"key", kOrderId},
         {"payload", testing::shipment_json().dump()}}}},
  };
  const core::OrderState order = contract::order_from_json(x);
  EXPECT_EQ(contract::order_to_json(order), x);

  // And the values really went through (not a copy of the JSON).
  ASSERT_EQ(order.lines.size(), 2u);
  EXPECT_EQ(order.lines[0].settlements[1].reversed_amount, 199999);
  EXPECT_EQ(order.lines[0].open_quantity(), core::Quantity{0});
  EXPECT_EQ(order.lines[1].item.vat, core::VatCode::rate10);
  EXPECT_EQ(order.lines[1].item.quantity, core::Quantity{750});
  EXPECT_EQ(order.refunded_amount(), 399998);
  ASSERT_EQ(order.parked.size(), 2u);
  ASSERT_TRUE(std::holds_alternative<core::RefundSucceeded>(order.parked[0].event));
  EXPECT_EQ(std::get<core::RefundSucceeded>(order.parked[0].event).amount, 399998);
  EXPECT_EQ(order.parked[0].source.partition, 3);
  EXPECT_EQ(order.parked[0].source.offset, 17);
  ASSERT_TRUE(std::holds_alternative<core::ShipmentConfirmed>(order.parked[1].event));
  EXPECT_EQ(std::get<core::ShipmentConfirmed>(order.parked[1].event).shipment_id, "ship-1");
}

TEST(Batch, OrderStatesMadeByTheBatchRoundTrip) {
  // An unpaid order with a waiting shipment and refund, and a paid one shipped and refunded.
  const BatchResult waiting =
      run({message(EventKind::shipment, kShipments, 0, 1, testing::shipment_json().dump()),
           message(EventKind::refund, kRefunds, 0, 1, testing::refund_json().dump())});
  ASSERT_EQ(waiting.orders.at(kOrderId).parked.size(), 2u);
  const json w = contract::order_to_json(waiting.orders.at(kOrderId));
  EXPECT_EQ(contract::order_to_json(contract::order_from_json(w)), w);

  const BatchResult paid =
      run({message(EventKind::shipment, kShipments, 0, 1, testing::shipment_json().dump()),
           message(EventKind::refund, kRefunds, 0, 1, testing::refund_json().dump()),
           payment(0, testing::payment_json().dump())});
  const core::OrderState& order = paid.orders.at(kOrderId);
  EXPECT_TRUE(order.parked.empty());
  EXPECT_EQ(order.refunded_amount(), 399998);
  const json p = contract::order_to_json(order);
  EXPECT_EQ(contract::order_to_json(contract::order_from_json(p)), p);
  EXPECT_EQ(p.at("lines").at(0).at("settlements").size(), 1u);
  EXPECT_EQ(p.at("lines").at(0).at("refunded_shipped_amount"), 199999)
      << "the worked example: one shipped kettle came back";
}

}  // namespace
}  // namespace kassa::ingest
