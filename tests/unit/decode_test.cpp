// The decoder: Kafka bytes -> a typed event, or the reason the message goes to the dead-letter
// topic. Rules from the contract, section 1 (fields) and section 2 ("an event that breaks the
// schema ... goes to the dead-letter topic with a reason").
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include "contract/decode.hpp"
#include "contract/encoding.hpp"
#include "test_messages.hpp"

namespace kassa::contract {
namespace {

using core::ErrorCode;
using core::EventKind;
using nlohmann::json;
using testing::kOrderId;

std::string edited(json document, const std::function<void(json&)>& edit) {
  edit(document);
  return document.dump();
}
std::string payment_with(const std::function<void(json&)>& edit) {
  return edited(testing::payment_json(), edit);
}
std::string shipment_with(const std::function<void(json&)>& edit) {
  return edited(testing::shipment_json(), edit);
}
std::string refund_with(const std::function<void(json&)>& edit) {
  return edited(testing::refund_json(), edit);
}

std::string cyrillic_name(int letters) {
  std::string name;
  for (int i = 0; i < letters; ++i) name += "ж";  // 2 bytes in UTF-8, 1 character
  return name;
}

// n lines of 1 kopeck each, amount n: valid in every respect but the count.
json lines_of_one_kopeck(int n) {
  json items = json::array();
  for (int i = 0; i < n; ++i)
    items.push_back({{"sku", "SKU-" + std::to_string(i)},
                     {"name", "Скрепка"},
                     {"quantity", "1"},
                     {"measure", "шт"},
                     {"measure_code", "796"},
                     {"price", 1},
                     {"total_amount", 1},
                     {"vat_code", "RUS_VAT22"},
                     {"type", "commodity"}});
  return items;
}

// ---------------------------------------------------------------------------------------------
// Messages that are events.

struct GoodCase {
  const char* why;
  EventKind topic;
  std::string payload;
};

TEST(Decode, ValidEventsDecode) {
  const GoodCase cases[] = {
      {"the worked example's payment", EventKind::payment, testing::payment_json().dump()},
      {"the worked example's shipment", EventKind::shipment, testing::shipment_json().dump()},
      {"the worked example's refund", EventKind::refund, testing::refund_json().dump()},
      {"a name of exactly 128 Cyrillic letters (256 bytes): the limit counts characters, not bytes",
       EventKind::payment,
       payment_with([](json& j) { j["items"][0]["name"] = cyrillic_name(128); })},
      {"exactly 100 lines, the most a payment may have", EventKind::payment,
       payment_with([](json& j) {
         j["items"] = lines_of_one_kopeck(100);
         j["amount"] = 100;
       })},
      {"a legal customer with an INN needs no email or phone", EventKind::payment,
       payment_with([](json& j) {
         j["customer"] = {{"type", "legal"},
                          {"name", "ООО Ромашка"},
                          {"inn", "7701234560"},
                          {"kpp", "770101001"}};
       })},
      {"a legal customer may have a 12-digit INN (sole trader)", EventKind::payment,
       payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"name", "ИП Сидоров"}, {"inn", "770123456703"}};
       })},
      {"a private customer with a phone only", EventKind::payment,
       payment_with([](json& j) { j["customer"].erase("email"); })},
      {"a private customer with an email only", EventKind::payment,
       payment_with([](json& j) { j["customer"].erase("phone"); })},
      {"a fractional quantity with 3 decimals (0.750 kg)", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["quantity"] = "0.750"; })},
      {"the smallest quantity, 0.001", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["quantity"] = "0.001"; })},
      {"the largest quantity, 99999.999", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["quantity"] = "99999.999"; })},
      {"occurred_at with microseconds", EventKind::payment,
       payment_with([](json& j) { j["occurred_at"] = "2026-02-10T09:00:00.123456Z"; })},
      {"occurred_at on a leap day", EventKind::payment,
       payment_with([](json& j) { j["occurred_at"] = "2028-02-29T23:59:59Z"; })},
      {"the last day fiscal documents can carry, 31.12.2099 (Moscow)", EventKind::shipment,
       shipment_with([](json& j) {
         j["occurred_at"] = "2099-12-31T20:59:59Z";
         j["document_date"] = "2099-12-31";
       })},
      {"a field the contract may add later is ignored (the contract only grows)",
       EventKind::payment, payment_with([](json& j) { j["loyalty_points"] = 15; })},
      {"a shipment without items (ships everything still open)", EventKind::shipment,
       shipment_with([](json& j) { j.erase("items"); })},
      {"a refund without a reason (the reason is optional)", EventKind::refund,
       refund_with([](json& j) { j.erase("reason"); })},
  };
  Decoder decoder;
  for (const auto& c : cases) {
    const Decoded decoded = decoder.decode(c.topic, kOrderId, c.payload);
    EXPECT_TRUE(decoded.event.has_value())
        << c.why << ": " << (decoded.rejection ? decoded.rejection->message : std::string());
    EXPECT_FALSE(decoded.rejection.has_value()) << c.why;
    if (decoded.event) {
      EXPECT_EQ(core::kind_of(*decoded.event), c.topic) << c.why;
    }
    // The fingerprint is the SHA-256 of the exact bytes (sha256_hex is checked against FIPS
    // vectors).
    EXPECT_EQ(decoded.fingerprint, sha256_hex(c.payload)) << c.why;
  }
}

TEST(Decode, PaymentFieldsArriveAsSent) {
  Decoder decoder;
  const Decoded decoded =
      decoder.decode(EventKind::payment, kOrderId, testing::payment_json().dump());
  ASSERT_TRUE(decoded.event);
  const auto& p = std::get<core::PaymentSucceeded>(*decoded.event);
  EXPECT_EQ(p.header.event_id, testing::kPaymentEventId);
  EXPECT_EQ(p.header.order_id, kOrderId);
  EXPECT_EQ(p.header.merchant_id, testing::kMerchantId);
  EXPECT_EQ(core::format_utc(p.header.occurred_at), "2026-02-10T09:00:00Z");
  EXPECT_EQ(p.payment_id, "pay-1");
  EXPECT_EQ(p.merchant_order_id, "SHOP-1001");
  EXPECT_EQ(p.amount, 634997) << "kopecks, as sent";
  EXPECT_EQ(p.currency, "RUB");
  EXPECT_EQ(p.customer.type, core::CustomerType::private_person);
  EXPECT_EQ(p.customer.email, "ivan@example.ru");
  EXPECT_EQ(p.customer.phone, "+79001112233");
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(p.items[0].sku, "A");
  EXPECT_EQ(p.items[0].name, "Электрочайник Polaris PWK 1725");
  EXPECT_EQ(p.items[0].quantity, core::Quantity{3000}) << "3 units = 3000 thousandths";
  EXPECT_EQ(p.items[0].price, 199999);
  EXPECT_EQ(p.items[0].total_amount, 599997);
  EXPECT_EQ(p.items[0].vat_code, "RUS_VAT22_ADDED") << "kept as sent, for the documents";
  EXPECT_EQ(p.items[0].vat, core::VatCode::standard)
      << "_ADDED means the same rate: the standard one";
  EXPECT_EQ(p.items[0].type, core::LineType::commodity);
  EXPECT_EQ(p.items[0].measure, "шт");
  EXPECT_EQ(p.items[0].measure_code, "796");
  EXPECT_EQ(p.items[1].vat, core::VatCode::none);
  EXPECT_EQ(p.items[1].type, core::LineType::service);

  const Decoded legal = decoder.decode(EventKind::payment, kOrderId, payment_with([](json& j) {
                                         j["customer"] = {{"type", "legal"},
                                                          {"name", "ООО «Вектор»"},
                                                          {"inn", "7701234560"},
                                                          {"kpp", "770101001"}};
                                         j["items"][0]["quantity"] = "0.750";
                                       }));
  ASSERT_TRUE(legal.event);
  const auto& l = std::get<core::PaymentSucceeded>(*legal.event);
  EXPECT_EQ(l.customer.type, core::CustomerType::legal);
  EXPECT_EQ(l.customer.inn, "7701234560");
  EXPECT_EQ(l.customer.kpp, "770101001");
  EXPECT_EQ(l.customer.email, "") << "absent contact fields are empty";
  EXPECT_EQ(l.items[0].quantity, core::Quantity{750}) << "0.750 kg = 750 thousandths";
}

TEST(Decode, AChannelAndAPaymentMethodArriveAsSentOrAsTheContractsDefaults) {
  Decoder decoder;
  const Decoded plain =
      decoder.decode(EventKind::payment, kOrderId, testing::payment_json().dump());
  ASSERT_TRUE(plain.event);
  const auto& p = std::get<core::PaymentSucceeded>(*plain.event);
  EXPECT_EQ(p.channel, "merchant_api") << "absent: the shop's own integration";
  EXPECT_EQ(p.payment_method, "card") << "absent: a card";
  EXPECT_EQ(p.partner_id, "");
  EXPECT_EQ(p.partner_operation_id, "");

  const Decoded fund = decoder.decode(EventKind::payment, kOrderId, payment_with([](json& j) {
                                        j["channel"] = "business_api";
                                        j["partner_id"] = "9d1f4a52-0c3b-4e6d-8a7f-2b5c1d0e9f31";
                                        j["payment_method"] = "guarantee_fund";
                                        j["partner_operation_id"] =
                                            "5b7e2c10-3f4a-4d8b-9e6c-0a1b2c3d4e5f";
                                      }));
  ASSERT_TRUE(fund.event) << fund.rejection->message;
  const auto& f = std::get<core::PaymentSucceeded>(*fund.event);
  EXPECT_EQ(f.channel, "business_api");
  EXPECT_EQ(f.payment_method, "guarantee_fund");
  EXPECT_EQ(f.partner_id, "9d1f4a52-0c3b-4e6d-8a7f-2b5c1d0e9f31");
  EXPECT_EQ(f.partner_operation_id, "5b7e2c10-3f4a-4d8b-9e6c-0a1b2c3d4e5f");

  const Decoded sbp = decoder.decode(EventKind::payment, kOrderId, payment_with([](json& j) {
                                       j["channel"] = "marketplace";
                                       j["payment_method"] = "sbp";
                                     }));
  ASSERT_TRUE(sbp.event) << "a marketplace needs no partner";
  EXPECT_EQ(std::get<core::PaymentSucceeded>(*sbp.event).payment_method, "sbp");
}

TEST(Decode, ShipmentAndRefundFieldsArriveAsSent) {
  Decoder decoder;
  const Decoded shipment =
      decoder.decode(EventKind::shipment, kOrderId, testing::shipment_json().dump());
  ASSERT_TRUE(shipment.event);
  const auto& s = std::get<core::ShipmentConfirmed>(*shipment.event);
  EXPECT_EQ(s.header.event_id, testing::kShipmentEventId);
  EXPECT_EQ(s.shipment_id, "ship-1");
  EXPECT_EQ(s.document_number, "УПД-77");
  EXPECT_EQ(s.document_date, (core::CivilDate{2026, 2, 14}));
  ASSERT_TRUE(s.items.has_value());
  ASSERT_EQ(s.items->size(), 2u);
  EXPECT_EQ((*s.items)[0].sku, "A");
  EXPECT_EQ((*s.items)[0].quantity, core::Quantity{2000});

  const Decoded ship_all = decoder.decode(EventKind::shipment, kOrderId,
                                          shipment_with([](json& j) { j.erase("items"); }));
  ASSERT_TRUE(ship_all.event);
  EXPECT_FALSE(std::get<core::ShipmentConfirmed>(*ship_all.event).items.has_value())
      << "no items means 'everything still open', which is not the same as an empty list";

  const Decoded refund = decoder.decode(EventKind::refund, kOrderId, testing::refund_json().dump());
  ASSERT_TRUE(refund.event);
  const auto& r = std::get<core::RefundSucceeded>(*refund.event);
  EXPECT_EQ(r.refund_id, "ref-1");
  EXPECT_EQ(r.amount, 399998);
  EXPECT_EQ(r.reason, "покупатель отказался от одного чайника и вернул второй");
  EXPECT_EQ(core::format_utc(r.header.occurred_at), "2026-02-20T15:30:00.250000Z");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].sku, "A");
  EXPECT_EQ(r.items[0].quantity, core::Quantity{2000});
  EXPECT_EQ(r.items[0].amount, 399998);
}

// ---------------------------------------------------------------------------------------------
// Messages that go to the dead-letter topic.

struct BadCase {
  const char* why;
  EventKind topic;
  std::string payload;
  std::optional<std::string> key;
  ErrorCode expected;
  const char* mentions;  // a word the reason must contain so that support can find the field; or ""
};

TEST(Decode, BadMessagesAreRefusedWithAReason) {
  const std::string good = testing::payment_json().dump();
  const BadCase cases[] = {
      {"bytes that are not UTF-8 (Windows-1251 'Чай' in a string)", EventKind::payment,
       "{\"merchant_order_id\": \"\xd7\xe0\xe9\"}", kOrderId, ErrorCode::invalid_encoding, "UTF-8"},
      {"JSON cut in the middle", EventKind::payment, good.substr(0, good.size() / 2), kOrderId,
       ErrorCode::invalid_json, ""},
      {"an empty message", EventKind::payment, "", kOrderId, ErrorCode::invalid_json, ""},
      {"a JSON array instead of an object", EventKind::payment, "[" + good + "]", kOrderId,
       ErrorCode::schema_violation, "object"},
      {"a JSON string instead of an object", EventKind::payment, "\"payment\"", kOrderId,
       ErrorCode::schema_violation, "object"},
      {"merchant_id is missing", EventKind::payment,
       payment_with([](json& j) { j.erase("merchant_id"); }), kOrderId, ErrorCode::schema_violation,
       "merchant_id"},
      {"amount sent as a string of digits", EventKind::payment,
       payment_with([](json& j) { j["amount"] = "634997"; }), kOrderId, ErrorCode::schema_violation,
       "amount"},
      {"amount in rubles with decimals instead of kopecks", EventKind::payment,
       payment_with([](json& j) { j["amount"] = 6349.97; }), kOrderId, ErrorCode::schema_violation,
       "amount"},
      {"amount of zero", EventKind::payment, payment_with([](json& j) { j["amount"] = 0; }),
       kOrderId, ErrorCode::schema_violation, "amount"},
      {"a channel the contract does not name", EventKind::payment,
       payment_with([](json& j) { j["channel"] = "telegram"; }), kOrderId,
       ErrorCode::schema_violation, "channel"},
      {"a partner's order without the partner", EventKind::payment,
       payment_with([](json& j) { j["channel"] = "partner_api"; }), kOrderId,
       ErrorCode::schema_violation, "partner_id"},
      {"a Business API order without the partner", EventKind::payment,
       payment_with([](json& j) { j["channel"] = "business_api"; }), kOrderId,
       ErrorCode::schema_violation, "partner_id"},
      {"a guarantee-fund payment without the fund operation", EventKind::payment,
       payment_with([](json& j) {
         j["channel"] = "business_api";
         j["partner_id"] = "9d1f4a52-0c3b-4e6d-8a7f-2b5c1d0e9f31";
         j["payment_method"] = "guarantee_fund";
       }),
       kOrderId, ErrorCode::schema_violation, "partner_operation_id"},
      {"a payment method the contract does not name", EventKind::payment,
       payment_with([](json& j) { j["payment_method"] = "cash"; }), kOrderId,
       ErrorCode::schema_violation, "payment_method"},
      {"a partner id that is not a UUID", EventKind::payment,
       payment_with([](json& j) { j["partner_id"] = "bank-42"; }), kOrderId,
       ErrorCode::schema_violation, "partner_id"},
      {"quantity with 4 decimals (54-FZ allows 3)", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["quantity"] = "1.2345"; }), kOrderId,
       ErrorCode::schema_violation, "quantity"},
      {"quantity of zero", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["quantity"] = "0"; }), kOrderId,
       ErrorCode::schema_violation, "quantity"},
      {"quantity of zero written with decimals", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["quantity"] = "0.000"; }), kOrderId,
       ErrorCode::schema_violation, "quantity"},
      {"negative quantity", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["quantity"] = "-1"; }), kOrderId,
       ErrorCode::schema_violation, "quantity"},
      {"quantity as a JSON number", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["quantity"] = 3; }), kOrderId,
       ErrorCode::schema_violation, "quantity"},
      {"currency USD: kassa only takes rubles", EventKind::payment,
       payment_with([](json& j) { j["currency"] = "USD"; }), kOrderId, ErrorCode::schema_violation,
       "currency"},
      {"101 lines, one more than allowed", EventKind::payment, payment_with([](json& j) {
         j["items"] = lines_of_one_kopeck(101);
         j["amount"] = 101;
       }),
       kOrderId, ErrorCode::schema_violation, "items"},
      {"no lines at all", EventKind::payment,
       payment_with([](json& j) { j["items"] = json::array(); }), kOrderId,
       ErrorCode::schema_violation, "items"},
      {"a name of 129 Cyrillic letters, one more than the 128 characters allowed",
       EventKind::payment,
       payment_with([](json& j) { j["items"][0]["name"] = cyrillic_name(129); }), kOrderId,
       ErrorCode::schema_violation, "name"},
      {"an empty name", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["name"] = ""; }), kOrderId,
       ErrorCode::schema_violation, "name"},
      {"phone in the domestic 8-prefix form instead of +7", EventKind::payment,
       payment_with([](json& j) { j["customer"]["phone"] = "89001112233"; }), kOrderId,
       ErrorCode::schema_violation, "phone"},
      {"a legal customer without an INN", EventKind::payment, payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"name", "ООО Ромашка"}, {"email", "buh@romashka.ru"}};
       }),
       kOrderId, ErrorCode::invalid_inn, "needs an INN"},
      {"an INN of 11 digits (must be 10 or 12)", EventKind::payment, payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"inn", "77012345678"}};
       }),
       kOrderId, ErrorCode::invalid_inn, "77012345678"},
      {"a 10-digit INN whose check digit is wrong (…60 is right)", EventKind::payment,
       payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"inn", "7701234567"}, {"kpp", "770101001"}};
       }),
       kOrderId, ErrorCode::invalid_inn, "check digits"},
      {"a 12-digit INN whose second check digit is wrong (…03 is right)", EventKind::payment,
       payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"inn", "770123456704"}};
       }),
       kOrderId, ErrorCode::invalid_inn, "770123456704"},
      {"an INN given as a number", EventKind::payment, payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"inn", 7707083893}};
       }),
       kOrderId, ErrorCode::invalid_inn, "7707083893"},
      {"an INN with letters", EventKind::payment, payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"inn", "77070838ab"}};
       }),
       kOrderId, ErrorCode::invalid_inn, "77070838ab"},
      {"a private buyer's INN, optional, is still checked when given", EventKind::payment,
       payment_with([](json& j) { j["customer"]["inn"] = "7707083890"; }), kOrderId,
       ErrorCode::invalid_inn, "7707083890"},
      {"a KPP of 8 digits", EventKind::payment, payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"inn", "7707083893"}, {"kpp", "77070100"}};
       }),
       kOrderId, ErrorCode::invalid_kpp, "not 9 digits"},
      {"a KPP with letters (the 2019 letter codes are not accepted)", EventKind::payment,
       payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"inn", "7707083893"}, {"kpp", "7707AB001"}};
       }),
       kOrderId, ErrorCode::invalid_kpp, "7707AB001"},
      {"customer type neither private nor legal", EventKind::payment,
       payment_with([](json& j) { j["customer"]["type"] = "company"; }), kOrderId,
       ErrorCode::schema_violation, "type"},
      {"occurred_at on 30 February", EventKind::payment,
       payment_with([](json& j) { j["occurred_at"] = "2026-02-30T00:00:00Z"; }), kOrderId,
       ErrorCode::schema_violation, "occurred_at"},
      {"occurred_at in Moscow time (+03:00) instead of UTC with Z", EventKind::payment,
       payment_with([](json& j) { j["occurred_at"] = "2026-02-10T12:00:00+03:00"; }), kOrderId,
       ErrorCode::schema_violation, "occurred_at"},
      {"occurred_at at hour 24", EventKind::payment,
       payment_with([](json& j) { j["occurred_at"] = "2026-02-10T24:00:00Z"; }), kOrderId,
       ErrorCode::schema_violation, "occurred_at"},
      {"a VAT code that does not exist (18% ended in 2019)", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["vat_code"] = "RUS_VAT18"; }), kOrderId,
       ErrorCode::schema_violation, "vat_code"},
      {"line type neither commodity nor service", EventKind::payment,
       payment_with([](json& j) { j["items"][1]["type"] = "delivery"; }), kOrderId,
       ErrorCode::schema_violation, "type"},
      {"schema_version 2 is not version 1 of the contract", EventKind::payment,
       payment_with([](json& j) { j["schema_version"] = 2; }), kOrderId,
       ErrorCode::schema_violation, "schema_version"},
      {"event_id that is not a UUID", EventKind::payment,
       payment_with([](json& j) { j["event_id"] = "evt-1"; }), kOrderId,
       ErrorCode::schema_violation, "event_id"},
      {"merchant_order_id longer than 64 characters", EventKind::payment,
       payment_with([](json& j) { j["merchant_order_id"] = std::string(65, '7'); }), kOrderId,
       ErrorCode::schema_violation, "merchant_order_id"},
      {"an unknown event_type on the payments topic", EventKind::payment,
       payment_with([](json& j) { j["event_type"] = "payment.failed"; }), kOrderId,
       ErrorCode::schema_violation, "event_type"},
      {"a shipment on the payments topic", EventKind::payment, testing::shipment_json().dump(),
       kOrderId, ErrorCode::event_type_mismatch, "shipment.confirmed"},
      {"a payment on the refunds topic", EventKind::refund, good, kOrderId,
       ErrorCode::event_type_mismatch, "payment.succeeded"},
      {"a refund on the shipments topic", EventKind::shipment, testing::refund_json().dump(),
       kOrderId, ErrorCode::event_type_mismatch, "refund.succeeded"},
      {"the message key is another order's id", EventKind::payment, good, testing::kOtherOrderId,
       ErrorCode::key_mismatch, "order_id"},
      {"the message has no key", EventKind::payment, good, std::nullopt, ErrorCode::key_mismatch,
       "key"},
      {"an empty key", EventKind::payment, good, std::string(), ErrorCode::key_mismatch,
       "order_id"},
      {"a key that is not UTF-8 (FF): the reason shows it as base64 (/w==), keeping the reason "
       "valid text",
       EventKind::payment, good, std::string("\xff"), ErrorCode::key_mismatch, "/w=="},
      // Found by fuzz_packages: the FNS XML cannot name an organization or a sole trader with
      // nothing (НаимОрг, Фамилия: at least one character).
      {"a legal buyer without a name", EventKind::payment, payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"inn", "7707083893"}, {"email", "buh@vector.ru"}};
       }),
       kOrderId, ErrorCode::schema_violation, "customer.name"},
      {"a sole trader whose name is blank", EventKind::payment, payment_with([](json& j) {
         j["customer"] = {{"type", "legal"}, {"name", "   "}, {"inn", "500100732259"}};
       }),
       kOrderId, ErrorCode::schema_violation, "customer.name"},
      {"shipment document_date on 30 February", EventKind::shipment,
       shipment_with([](json& j) { j["document_date"] = "2026-02-30"; }), kOrderId,
       ErrorCode::schema_violation, "document_date"},
      // Found by fuzz_packages: the FNS XML's dates end with 2099 (XSD), so a shipping document
      // of 5914 gave a TORG-12 the tax service refuses.
      {"shipment document_date after 2099", EventKind::shipment,
       shipment_with([](json& j) { j["document_date"] = "2100-01-01"; }), kOrderId,
       ErrorCode::schema_violation, "document_date"},
      {"occurred_at on 1 January 2100 in Moscow (21:00 UTC the day before)", EventKind::shipment,
       shipment_with([](json& j) { j["occurred_at"] = "2099-12-31T21:00:00Z"; }), kOrderId,
       ErrorCode::schema_violation, "occurred_at"},
      {"shipment without a shipment_id", EventKind::shipment,
       shipment_with([](json& j) { j.erase("shipment_id"); }), kOrderId,
       ErrorCode::schema_violation, "shipment_id"},
      {"shipment of zero units", EventKind::shipment,
       shipment_with([](json& j) { j["items"][0]["quantity"] = "0"; }), kOrderId,
       ErrorCode::schema_violation, "quantity"},
      {"shipment with an empty items list (absent means 'everything'; empty means nothing)",
       EventKind::shipment, shipment_with([](json& j) { j["items"] = json::array(); }), kOrderId,
       ErrorCode::schema_violation, "items"},
      {"refund of zero units", EventKind::refund,
       refund_with([](json& j) { j["items"][0]["quantity"] = "0"; }), kOrderId,
       ErrorCode::schema_violation, "quantity"},
      {"refund line without its amount", EventKind::refund,
       refund_with([](json& j) { j["items"][0].erase("amount"); }), kOrderId,
       ErrorCode::schema_violation, "amount"},
      {"refund line with negative kopecks", EventKind::refund,
       refund_with([](json& j) { j["items"][0]["amount"] = -1; }), kOrderId,
       ErrorCode::schema_violation, "amount"},
  };
  Decoder decoder;
  for (const auto& c : cases) {
    const Decoded decoded = decoder.decode(c.topic, c.key, c.payload);
    EXPECT_FALSE(decoded.event.has_value()) << c.why;
    ASSERT_TRUE(decoded.rejection.has_value()) << c.why;
    EXPECT_EQ(core::error_code_name(decoded.rejection->code), core::error_code_name(c.expected))
        << c.why << ": " << decoded.rejection->message;
    EXPECT_FALSE(decoded.rejection->message.empty()) << c.why;
    EXPECT_TRUE(is_valid_utf8(decoded.rejection->message))
        << c.why
        << ": the reason goes into JSON (dead letter, kassa.rejections), so it must be UTF-8";
    EXPECT_NE(decoded.rejection->message.find(c.mentions), std::string::npos)
        << c.why << ": the reason should mention '" << c.mentions
        << "', got: " << decoded.rejection->message;
    EXPECT_EQ(decoded.fingerprint, sha256_hex(c.payload))
        << c.why << ": refused messages are fingerprinted too";
  }
}

TEST(Decode, KindFromEventType) {
  EXPECT_EQ(kind_from_event_type("payment.succeeded"), EventKind::payment);
  EXPECT_EQ(kind_from_event_type("shipment.confirmed"), EventKind::shipment);
  EXPECT_EQ(kind_from_event_type("refund.succeeded"), EventKind::refund);
  EXPECT_FALSE(kind_from_event_type("payment.failed").has_value());
  EXPECT_FALSE(kind_from_event_type("").has_value());
}

}  // namespace
}  // namespace kassa::contract

namespace kassa::contract {
namespace {

// PostgreSQL's text and jsonb cannot hold U+0000: such an event is refused in decoding, as a
// schema violation, before a batch transaction could fail on it (and dead-letter it as
// internal_error).
TEST(Decode, ANulCharacterAnywhereIsASchemaViolation) {
  const GoodCase cases[] = {
      {"in a value", EventKind::payment, payment_with([](json& j) {
         j["customer"]["name"] = std::string("Ива\0нов", sizeof("Ива\0нов") - 1);
       })},
      {"in an item's name", EventKind::payment,
       payment_with([](json& j) { j["items"][0]["name"] = std::string("a\0", 2); })},
      {"alone in the merchant order id", EventKind::payment,
       payment_with([](json& j) { j["merchant_order_id"] = std::string(1, '\0'); })},
      {"in a member name of an unknown field", EventKind::payment,
       payment_with([](json& j) { j[std::string("x\0y", 3)] = 1; })},
      {"deep in an extra array", EventKind::shipment, shipment_with([](json& j) {
         j["extra"] = json::array({json::array({json::object({{"k", std::string("\0", 1)}})})});
       })},
      {"in the reason of a refund", EventKind::refund,
       refund_with([](json& j) { j["reason"] = std::string("broken\0", 7); })},
  };
  Decoder decoder;
  for (const auto& c : cases) {
    ASSERT_NE(c.payload.find("\\u0000"), std::string::npos) << c.why << ": the test's premise";
    const Decoded decoded = decoder.decode(c.topic, kOrderId, c.payload);
    EXPECT_FALSE(decoded.event.has_value()) << c.why;
    ASSERT_TRUE(decoded.rejection.has_value()) << c.why;
    EXPECT_EQ(decoded.rejection->code, ErrorCode::schema_violation) << c.why;
    EXPECT_NE(decoded.rejection->message.find("NUL"), std::string::npos)
        << c.why << ": " << decoded.rejection->message;
    EXPECT_EQ(decoded.rejection->message.find('\0'), std::string::npos)
        << c.why << ": the reason itself goes into a text column";
  }
  // The same text spelled without U+0000 is fine: the check looks at characters, not at '\'.
  const auto fine = payment_with([](json& j) { j["customer"]["name"] = "a\\u0000b"; });
  EXPECT_TRUE(decoder.decode(EventKind::payment, kOrderId, fine).event.has_value()) << fine;
}

TEST(Decode, ARawNulByteIsNotJson) {
  Decoder decoder;
  const std::string payload = std::string("{\"event_id\": \"a\0b\"}", 20);
  const auto decoded = decoder.decode(EventKind::payment, kOrderId, payload);
  ASSERT_TRUE(decoded.rejection.has_value());
  EXPECT_EQ(decoded.rejection->code, ErrorCode::invalid_json);
}

TEST(Decode, AKeyWithANulByteIsShownAsBase64) {
  Decoder decoder;
  const std::string key("\0bad", 4);
  const auto decoded = decoder.decode(EventKind::payment, key, testing::payment_json().dump());
  ASSERT_TRUE(decoded.rejection.has_value());
  EXPECT_EQ(decoded.rejection->code, ErrorCode::key_mismatch);
  EXPECT_EQ(decoded.rejection->message.find('\0'), std::string::npos);
  EXPECT_NE(decoded.rejection->message.find("(base64) " + base64_encode(key)), std::string::npos);
}

TEST(Decode, DeepNestingIsRefusedWithoutRecursion) {
  Decoder decoder;
  // A million brackets anywhere: in an unknown field, as the INN (whose reason would quote it),
  // or as the whole document. Without the depth check, dump() or a validator would recurse.
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  auto with_field = [&](const char* before, const char* after) {
    std::string event = testing::payment_json().dump();
    event.insert(event.size() - 1, std::string(",") + before + deep + after);
    return event;
  };
  const std::string cases[] = {
      with_field("\"x\":", ""),
      [&] {
        std::string event = testing::payment_json().dump();
        const auto at = event.find("\"customer\":{") + 12;
        return event.insert(at, "\"inn\":" + deep + ",");
      }(),
      deep, std::string(1'000'000, '{'),  // not even closed
  };
  for (const auto& payload : cases) {
    const auto decoded = decoder.decode(EventKind::payment, kOrderId, payload);
    ASSERT_TRUE(decoded.rejection.has_value());
    EXPECT_EQ(decoded.rejection->code, ErrorCode::schema_violation);
    EXPECT_NE(decoded.rejection->message.find("nested deeper than 32"), std::string::npos)
        << decoded.rejection->message;
  }
  // Brackets inside strings do not count, and 32 levels are allowed (then the schema decides).
  const auto brackets =
      payment_with([](json& j) { j["customer"]["name"] = std::string(100, '['); });
  EXPECT_TRUE(decoder.decode(EventKind::payment, kOrderId, brackets).event.has_value());
  const auto decoded =
      decoder.decode(EventKind::payment, kOrderId, std::string(32, '[') + std::string(32, ']'));
  ASSERT_TRUE(decoded.rejection.has_value());
  EXPECT_EQ(decoded.rejection->message, "$: the event must be a JSON object");
}

}  // namespace
}  // namespace kassa::contract
