// The 54-FZ receipt builder (core::build_receipts) and its ATOL rendering (contract::receipt_json),
// as tables a tax accountant can check line by line (contract section 2 "Money and VAT";
// fiscal-54fz.md sections 1-4 and 9).
//
// Money is in kopecks: 599997 is 5 999.97 RUB. Quantities are written as the events send them.
// Every expected figure is worked out by hand in the row's `why`, from these rules:
//  - prepayment receipt (payment): sell, full_prepayment, calculated rate (22/122, 10/110, ...),
//    payment type 1 (electronic); settlement receipt (shipment): sell, full_payment, plain rate
//    (22%, 10%, ...), payment type 2 (prepayment offset); refund receipt: sell_refund, payment
//    type 1, unshipped units full_prepayment at the prepayment's calculated rate, shipped units
//    full_payment at the plain rate of the settlement they reverse (the latest settlement first);
//  - RUS_VAT20 / RUS_VAT22 (and their _ADDED twins) are the standard rate: 20% and 20/120 for a
//    receipt (or, for a refund line, the receipt it reverses) dated before 1 January 2026 in Moscow
//    time (UTC+3), 22% and 22/122 from then on; other codes map one to one;
//  - VAT of a line = sum × r / (100 + r), rounded half up to a kopeck, per line; `vats` add the
//    lines up per type;
//  - a partial shipment's sum = total × shipped / ordered, half up; the completing shipment takes
//    the remainder;
//  - with a whole number of units a line's sum must be price × quantity, so a sum that does not
//    divide becomes two lines: S = n × p + k gives (n − k) × p and k × (p + 0.01);
//  - with a fractional quantity the price is sum / quantity rounded half up when that price times
//    the quantity, rounded half up, gives the sum back; otherwise two lines a kopeck apart
//    (fiscal-54fz.md section 3): p = ⌊1000·S / Q⌋, 1000·S − p·Q thousandths at p + 0.01 and the
//    rest at p; when both products end in exactly half a kopeck, one thousandth moves over;
//  - at most 100 lines per receipt; further lines go to "<event_id>:<kind>:2", ...
//  - the ATOL timestamp is the event's occurred_at in Moscow time, "dd.mm.yyyy HH:MM:SS".
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contract/decode.hpp"
#include "contract/receipt_json.hpp"
#include "core/order.hpp"
#include "core/receipt.hpp"
#include "event_builders.hpp"
#include "raw_json.hpp"
#include "test_messages.hpp"

namespace kassa::core {
namespace {

using nlohmann::json;

using namespace builders;

// Business times (UTC) and their ATOL timestamps (Moscow, UTC+3).
constexpr const char* kPaid = "2026-02-10T09:00:00Z";        // 10.02.2026 12:00:00
constexpr const char* kShipped = "2026-02-14T12:00:00Z";     // 14.02.2026 15:00:00
constexpr const char* kFeb16 = "2026-02-16T12:00:00Z";       // 16.02.2026 15:00:00
constexpr const char* kFeb18 = "2026-02-18T12:00:00Z";       // 18.02.2026 15:00:00
constexpr const char* kRefunded = "2026-02-20T15:30:00Z";    // 20.02.2026 18:30:00
constexpr const char* kPaid25 = "2025-12-10T09:00:00Z";      // 10.12.2025 12:00:00
constexpr const char* kShipped25 = "2025-12-15T12:00:00Z";   // 15.12.2025 15:00:00
constexpr const char* kDec20 = "2025-12-20T10:00:00Z";       // 20.12.2025 13:00:00
constexpr const char* kDec28 = "2025-12-28T10:00:00Z";       // 28.12.2025 13:00:00
constexpr const char* kJan12 = "2026-01-12T08:00:00Z";       // 12.01.2026 11:00:00
constexpr const char* kJan20 = "2026-01-20T07:15:00Z";       // 20.01.2026 10:15:00
constexpr const char* kNewYear = "2025-12-31T21:00:00Z";     // 01.01.2026 00:00:00 in Moscow
constexpr const char* kLastSecond = "2025-12-31T20:59:59Z";  // 31.12.2025 23:59:59 in Moscow
constexpr const char* kDec31 = "2025-12-30T21:00:00Z";       // 31.12.2025 00:00:00 in Moscow
constexpr const char* kUtcDec31 = "2025-12-31T23:30:00Z";    // 01.01.2026 02:30:00 in Moscow

constexpr const char* kPre = "full_prepayment";
constexpr const char* kFull = "full_payment";
constexpr int kGoods = 1;
constexpr int kService = 4;

// Names of the catalogue used below.
const std::string kKettle = "Электрочайник Polaris PWK 1725";
const std::string kDelivery = "Курьерская доставка";
const std::string kMoka = "Кофеварка гейзерная";
const std::string kPens = "Набор фломастеров";
const std::string kMug = "Термокружка";
const std::string kShirt = "Футболка хлопковая";
const std::string kBag = "Пакет фасовочный";
const std::string kSaffron = "Шафран";
const std::string kCheese = "Сыр «Российский» весовой";
const std::string kCable = "Кабель ВВГнг-LS 3×2,5";

// ATOL names of VAT types, written out here rather than taken from the code under test.
std::string atol_vat(VatType type) {
  switch (type) {
    case VatType::none:
      return "none";
    case VatType::vat0:
      return "vat0";
    case VatType::vat5:
      return "vat5";
    case VatType::vat7:
      return "vat7";
    case VatType::vat10:
      return "vat10";
    case VatType::vat20:
      return "vat20";
    case VatType::vat22:
      return "vat22";
    case VatType::vat105:
      return "vat105";
    case VatType::vat107:
      return "vat107";
    case VatType::vat110:
      return "vat110";
    case VatType::vat120:
      return "vat120";
    case VatType::vat122:
      return "vat122";
  }
  return "?";
}

std::string repeat(const std::string& piece, int times) {
  std::string text;
  for (int i = 0; i < times; ++i) text += piece;
  return text;
}

// ---------------------------------------------------------------------------------------------
// Events.

// The worked example's lines: A kettle 3 × 1 999.99 = 5 999.97 (RUS_VAT22), B delivery 350.00.
OrderItem kettles() {
  return item("A", kKettle, "3", 199999, 599997, "RUS_VAT22");
}
OrderItem delivery() {
  return item("B", kDelivery, "1", 35000, 35000, "VATNONE", LineType::service);
}
// One moka pot of 1 234.57 RUB under the given VAT code.
OrderItem moka(const char* vat_code) {
  return item("K", kMoka, "1", 123457, 123457, vat_code);
}
// 100.00 RUB for 3 sets: 33.333... each, it does not divide into kopecks.
OrderItem pens() {
  return item("C", kPens, "3", 3333, 10000, "RUS_VAT22");
}

Customer legal_buyer() {
  Customer c;
  c.type = CustomerType::legal;
  c.name = "ООО Ромашка";
  c.inn = "7701234560";
  c.kpp = "770101001";
  c.email = "buh@romashka.example.ru";
  return c;
}

// The worked example's events as JSON (test_messages.hpp), optionally paid at another time.
Event worked_payment(const char* occurred_at = nullptr) {
  json p = testing::payment_json();
  if (occurred_at) p["occurred_at"] = occurred_at;
  return contract::event_from_json(EventKind::payment, p);
}
Event worked_shipment() {
  return contract::event_from_json(EventKind::shipment, testing::shipment_json());
}
Event worked_refund() {
  return contract::event_from_json(EventKind::refund, testing::refund_json());
}

// ---------------------------------------------------------------------------------------------
// Expected receipts.

struct Line {
  std::string name;
  Kopecks price;
  const char* quantity;
  Kopecks sum;
  const char* payment_method;
  int payment_object;
  VatType vat;
  Kopecks vat_sum;
  int measure = 0;  // OKEI 796 (piece) -> 0
};

struct Expected {
  std::string id_name;
  ReceiptKind kind;
  const char* operation;
  int payment_type;
  const char* timestamp;
  Kopecks total;
  std::vector<Line> lines;
  std::map<VatType, Kopecks> vats;
};

// The three receipts of fiscal-54fz.md section 3: operation and payment type follow from the kind.
Expected prepayment(std::string id_name, const char* timestamp, Kopecks total,
                    std::vector<Line> lines, std::map<VatType, Kopecks> vats) {
  return {std::move(id_name), ReceiptKind::prepayment, "sell", 1, timestamp, total,
          std::move(lines),   std::move(vats)};
}
Expected settlement(std::string id_name, const char* timestamp, Kopecks total,
                    std::vector<Line> lines, std::map<VatType, Kopecks> vats) {
  return {std::move(id_name), ReceiptKind::settlement, "sell", 2, timestamp, total,
          std::move(lines),   std::move(vats)};
}
Expected refunded(std::string id_name, const char* timestamp, Kopecks total,
                  std::vector<Line> lines, std::map<VatType, Kopecks> vats) {
  return {std::move(id_name), ReceiptKind::refund, "sell_refund", 1, timestamp, total,
          std::move(lines),   std::move(vats)};
}

struct Case {
  const char* why;
  std::vector<Event> history;      // applied (or parked) before
  Event event;                     // the event whose receipts are checked
  std::vector<Expected> receipts;  // of the event and of any waiting events its payment released
};

// ---------------------------------------------------------------------------------------------
// Running and checking.

Source source_of(const Event& event, std::int64_t offset) {
  static const char* kTopics[] = {"invoicebox.payments.v1", "invoicebox.shipments.v1",
                                  "invoicebox.refunds.v1"};
  return {kTopics[event.index()], 0, offset, kOrder, "{}"};
}

std::vector<Receipt> receipts_of(const std::vector<Event>& history, const Event& event,
                                 const std::optional<Supplier>& supplier = std::nullopt) {
  OrderState state;
  state.order_id = kOrder;
  std::int64_t offset = 0;
  for (const auto& e : history)
    for (const auto& step : apply_event(state, e, source_of(e, offset++))) {
      if (step.outcome != Outcome::applied && step.outcome != Outcome::parked)
        ADD_FAILURE() << "history event " << step.event_id << " " << outcome_name(step.outcome);
    }
  std::vector<Receipt> out;
  for (const auto& step : apply_event(state, event, source_of(event, offset++))) {
    if (step.outcome != Outcome::applied && step.outcome != Outcome::parked)
      ADD_FAILURE() << "event " << step.event_id << " " << outcome_name(step.outcome)
                    << (step.rejection ? ": " + step.rejection->message : "");
    for (auto& receipt : build_receipts(state, step, invoicebox(), supplier))
      out.push_back(std::move(receipt));
  }
  return out;
}

std::string kind_text(ReceiptKind kind) {
  switch (kind) {
    case ReceiptKind::prepayment:
      return "prepayment";
    case ReceiptKind::settlement:
      return "settlement";
    case ReceiptKind::refund:
      return "refund";
  }
  return "?";
}

// The typed receipt against the row, then its rendered body against the row again.
void check_receipt(const Expected& e, const Receipt& r) {
  EXPECT_EQ(r.id_name, e.id_name);
  EXPECT_EQ(kind_text(r.kind), kind_text(e.kind));
  EXPECT_EQ(r.operation, e.operation);
  EXPECT_EQ(r.payment_type, e.payment_type);
  EXPECT_EQ(r.total, e.total);
  ASSERT_EQ(r.lines.size(), e.lines.size());
  for (std::size_t i = 0; i < e.lines.size(); ++i) {
    SCOPED_TRACE("line " + std::to_string(i + 1));
    const Line& want = e.lines[i];
    const ReceiptLine& got = r.lines[i];
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.price, want.price);
    EXPECT_EQ(format_quantity(got.quantity), format_quantity(q(want.quantity)));
    EXPECT_EQ(got.sum, want.sum);
    EXPECT_EQ(got.measure, want.measure);
    EXPECT_EQ(got.payment_method, want.payment_method);
    EXPECT_EQ(got.payment_object, want.payment_object);
    EXPECT_EQ(atol_vat(got.vat), atol_vat(want.vat));
    EXPECT_EQ(got.vat_sum, want.vat_sum);
  }
  std::map<std::string, Kopecks> want_vats, got_vats;
  for (const auto& [type, sum] : e.vats) want_vats[atol_vat(type)] = sum;
  for (const auto& [type, sum] : r.vats) {
    EXPECT_FALSE(got_vats.contains(atol_vat(type))) << "vats lists " << atol_vat(type) << " twice";
    got_vats[atol_vat(type)] = sum;
  }
  EXPECT_EQ(got_vats, want_vats);

  // The body the cash-register gateway gets.
  const std::string body = contract::receipt_json(r, invoicebox(), "");
  const json j = testing::parse_raw(body);
  const json& atol = j["atol"];
  const json& receipt = atol["receipt"];
  EXPECT_EQ(j["receipt_id"], atol["external_id"]);
  EXPECT_EQ(j["kind"], kind_text(e.kind));
  EXPECT_EQ(j["operation"], e.operation);
  EXPECT_EQ(j["total"], e.total);
  EXPECT_EQ(atol["timestamp"], e.timestamp);
  EXPECT_EQ(testing::rubles(receipt["total"]), e.total);
  ASSERT_EQ(receipt["payments"].size(), 1u);
  EXPECT_EQ(receipt["payments"][0]["type"], e.payment_type);
  EXPECT_EQ(testing::rubles(receipt["payments"][0]["sum"]), e.total);
  ASSERT_EQ(receipt["items"].size(), e.lines.size());
  for (std::size_t i = 0; i < e.lines.size(); ++i) {
    SCOPED_TRACE("body item " + std::to_string(i + 1));
    const Line& want = e.lines[i];
    const json& got = receipt["items"][i];
    EXPECT_EQ(got["name"], want.name);
    EXPECT_EQ(testing::rubles(got["price"]), want.price);
    EXPECT_EQ(testing::quantity(got["quantity"]), q(want.quantity));
    EXPECT_EQ(testing::rubles(got["sum"]), want.sum);
    EXPECT_EQ(got["measure"], want.measure);
    EXPECT_EQ(got["payment_method"], want.payment_method);
    EXPECT_EQ(got["payment_object"], want.payment_object);
    EXPECT_EQ(got["vat"]["type"], atol_vat(want.vat));
    EXPECT_EQ(testing::rubles(got["vat"]["sum"]), want.vat_sum);
  }
  std::map<std::string, Kopecks> body_vats;
  for (const auto& v : receipt["vats"])
    body_vats[v["type"].get<std::string>()] = testing::rubles(v["sum"]);
  EXPECT_EQ(body_vats, want_vats);
}

void check_case(const Case& c) {
  SCOPED_TRACE(c.why);
  const auto receipts = receipts_of(c.history, c.event);
  ASSERT_EQ(receipts.size(), c.receipts.size());
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    SCOPED_TRACE("receipt " + std::to_string(i + 1) + " " + c.receipts[i].id_name);
    check_receipt(c.receipts[i], receipts[i]);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Every VAT code, on the prepayment and on the settlement. One moka pot, 1 × 1 234.57 RUB, paid
//    10.02.2026 and shipped 14.02.2026 (both 2026: the standard rate is 22).
//    123457 × 5/105 = 5878.90 -> 5879; × 7/107 = 8076.63 -> 8077; × 10/110 = 11223.36 -> 11223;
//    × 22/122 = 22262.74 -> 22263; × 20/120 = 20576.17 -> 20576.

Line moka_line(const char* method, VatType vat, Kopecks vat_sum) {
  return {kMoka, 123457, "1", 123457, method, kGoods, vat, vat_sum};
}

Case prepaid(const char* why, const char* code, VatType vat, Kopecks vat_sum) {
  return {why,
          {},
          pay(kPaid, {moka(code)}),
          {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 123457,
                      {moka_line(kPre, vat, vat_sum)}, {{vat, vat_sum}})}};
}

Case settled(const char* why, const char* code, VatType vat, Kopecks vat_sum) {
  return {why,
          {pay(kPaid, {moka(code)})},
          ship("S1", kShipped, {{"K", "1"}}),
          {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 123457,
                      {moka_line(kFull, vat, vat_sum)}, {{vat, vat_sum}})}};
}

TEST(Receipt, EveryVatCodeOnPrepaymentAndSettlement) {
  const Case cases[] = {
      prepaid("VATNONE prepaid: no VAT, type none, 0.00", "VATNONE", VatType::none, 0),
      prepaid("RUS_VAT0 prepaid: vat0, 0.00", "RUS_VAT0", VatType::vat0, 0),
      prepaid("RUS_VAT5 prepaid: calculated 5/105, 123457 × 5/105 = 5878.90 -> 5879", "RUS_VAT5",
              VatType::vat105, 5879),
      prepaid("RUS_VAT5_ADDED is the same rate: 5/105, 5879", "RUS_VAT5_ADDED", VatType::vat105,
              5879),
      prepaid("RUS_VAT7 prepaid: 7/107, 123457 × 7/107 = 8076.63 -> 8077", "RUS_VAT7",
              VatType::vat107, 8077),
      prepaid("RUS_VAT7_ADDED: 7/107, 8077", "RUS_VAT7_ADDED", VatType::vat107, 8077),
      prepaid("RUS_VAT10 prepaid: 10/110, 123457 × 10/110 = 11223.36 -> 11223", "RUS_VAT10",
              VatType::vat110, 11223),
      prepaid("RUS_VAT10_ADDED: 10/110, 11223", "RUS_VAT10_ADDED", VatType::vat110, 11223),
      prepaid(
          "RUS_VAT20 paid 10.02.2026: the standard rate is 22 in 2026, 22/122, 123457 × 22/122 = "
          "22262.74 -> 22263",
          "RUS_VAT20", VatType::vat122, 22263),
      prepaid("RUS_VAT20_ADDED paid 10.02.2026: 22/122, 22263", "RUS_VAT20_ADDED", VatType::vat122,
              22263),
      prepaid("RUS_VAT22 paid 10.02.2026: 22/122, 22263", "RUS_VAT22", VatType::vat122, 22263),
      prepaid("RUS_VAT22_ADDED paid 10.02.2026: 22/122, 22263", "RUS_VAT22_ADDED", VatType::vat122,
              22263),

      settled("VATNONE shipped: none, 0.00", "VATNONE", VatType::none, 0),
      settled("RUS_VAT0 shipped: vat0, 0.00", "RUS_VAT0", VatType::vat0, 0),
      settled(
          "RUS_VAT5 shipped: plain 5%, VAT still extracted from the gross: 123457 × 5/105 -> 5879",
          "RUS_VAT5", VatType::vat5, 5879),
      settled("RUS_VAT5_ADDED shipped: 5%, 5879", "RUS_VAT5_ADDED", VatType::vat5, 5879),
      settled("RUS_VAT7 shipped: 7%, 123457 × 7/107 -> 8077", "RUS_VAT7", VatType::vat7, 8077),
      settled("RUS_VAT7_ADDED shipped: 7%, 8077", "RUS_VAT7_ADDED", VatType::vat7, 8077),
      settled("RUS_VAT10 shipped: 10%, 123457 × 10/110 -> 11223", "RUS_VAT10", VatType::vat10,
              11223),
      settled("RUS_VAT10_ADDED shipped: 10%, 11223", "RUS_VAT10_ADDED", VatType::vat10, 11223),
      settled("RUS_VAT20 shipped 14.02.2026: standard rate 22%, 123457 × 22/122 -> 22263",
              "RUS_VAT20", VatType::vat22, 22263),
      settled("RUS_VAT20_ADDED shipped 14.02.2026: 22%, 22263", "RUS_VAT20_ADDED", VatType::vat22,
              22263),
      settled("RUS_VAT22 shipped 14.02.2026: 22%, 22263", "RUS_VAT22", VatType::vat22, 22263),
      settled("RUS_VAT22_ADDED shipped 14.02.2026: 22%, 22263", "RUS_VAT22_ADDED", VatType::vat22,
              22263),
  };
  for (const auto& c : cases) check_case(c);
}

// ---------------------------------------------------------------------------------------------
// 2. The 2026 rate change: the Moscow date of the receipt decides (of the receipt reversed, for a
//    refund line).

TEST(Receipt, StandardRateByMoscowDate) {
  const Line moka120 = moka_line(kPre, VatType::vat120, 20576);  // 123457 × 20/120 = 20576.17
  const Line moka122 = moka_line(kPre, VatType::vat122, 22263);  // 123457 × 22/122 = 22262.74
  const Line moka20 = moka_line(kFull, VatType::vat20, 20576);
  const Line moka22 = moka_line(kFull, VatType::vat22, 22263);
  const Case cases[] = {
      {"RUS_VAT22 paid 10.12.2025: prepayment at 20/120, 123457 × 20/120 = 20576.17 -> 20576",
       {},
       pay(kPaid25, {moka("RUS_VAT22")}),
       {prepayment("evt-pay:prepayment", "10.12.2025 12:00:00", 123457, {moka120},
                   {{VatType::vat120, 20576}})}},
      {"RUS_VAT20_ADDED paid 10.12.2025: 20/120, 20576",
       {},
       pay(kPaid25, {moka("RUS_VAT20_ADDED")}),
       {prepayment("evt-pay:prepayment", "10.12.2025 12:00:00", 123457, {moka120},
                   {{VatType::vat120, 20576}})}},
      {"RUS_VAT10 paid 10.12.2025: 10% did not change, 10/110, 11223",
       {},
       pay(kPaid25, {moka("RUS_VAT10")}),
       {prepayment("evt-pay:prepayment", "10.12.2025 12:00:00", 123457,
                   {moka_line(kPre, VatType::vat110, 11223)}, {{VatType::vat110, 11223}})}},
      {"RUS_VAT22 paid and shipped in December 2025 (15.12): settlement at 20%, 20576",
       {pay(kPaid25, {moka("RUS_VAT22")})},
       ship("S1", kShipped25, {{"K", "1"}}),
       {settlement("evt-S1:settlement", "15.12.2025 15:00:00", 123457, {moka20},
                   {{VatType::vat20, 20576}})}},
      {"RUS_VAT5 shipped 15.12.2025: 5% did not change, 5879",
       {pay(kPaid25, {moka("RUS_VAT5")})},
       ship("S1", kShipped25, {{"K", "1"}}),
       {settlement("evt-S1:settlement", "15.12.2025 15:00:00", 123457,
                   {moka_line(kFull, VatType::vat5, 5879)}, {{VatType::vat5, 5879}})}},
      {"RUS_VAT20 paid 10.12.2025 (20/120) but shipped 14.02.2026: the settlement takes the rate "
       "of its own "
       "date, 22%, 22263",
       {pay(kPaid25, {moka("RUS_VAT20")})},
       ship("S1", kShipped, {{"K", "1"}}),
       {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 123457, {moka22},
                   {{VatType::vat22, 22263}})}},

      {"paid 2025-12-31T21:00:00Z = 01.01.2026 00:00 Moscow: already 2026, prepayment at 22/122",
       {},
       pay(kNewYear, {moka("RUS_VAT22")}),
       {prepayment("evt-pay:prepayment", "01.01.2026 00:00:00", 123457, {moka122},
                   {{VatType::vat122, 22263}})}},
      {"paid 2025-12-31T20:59:59Z = 31.12.2025 23:59:59 Moscow: still 2025, prepayment at 20/120",
       {},
       pay(kLastSecond, {moka("RUS_VAT22")}),
       {prepayment("evt-pay:prepayment", "31.12.2025 23:59:59", 123457, {moka120},
                   {{VatType::vat120, 20576}})}},
      {"paid 31.12.2025 00:00 Moscow = 30.12 21:00Z: prepayment at 20/120",
       {},
       pay(kDec31, {moka("RUS_VAT20")}),
       {prepayment("evt-pay:prepayment", "31.12.2025 00:00:00", 123457, {moka120},
                   {{VatType::vat120, 20576}})}},
      {"paid 2025-12-31T23:30:00Z: the UTC date is still 31.12.2025 but Moscow is 01.01.2026 "
       "02:30, 22/122",
       {},
       pay(kUtcDec31, {moka("RUS_VAT22")}),
       {prepayment("evt-pay:prepayment", "01.01.2026 02:30:00", 123457, {moka122},
                   {{VatType::vat122, 22263}})}},
      {"paid 20.12.2025, shipped 2025-12-31T21:00:00Z = 01.01.2026 00:00 Moscow: settlement at 22%",
       {pay(kDec20, {moka("RUS_VAT22")})},
       ship("S1", kNewYear, {{"K", "1"}}),
       {settlement("evt-S1:settlement", "01.01.2026 00:00:00", 123457, {moka22},
                   {{VatType::vat22, 22263}})}},
      {"paid 20.12.2025, shipped 2025-12-31T20:59:59Z = 31.12.2025 23:59:59 Moscow: settlement at "
       "20%",
       {pay(kDec20, {moka("RUS_VAT22")})},
       ship("S1", kLastSecond, {{"K", "1"}}),
       {settlement("evt-S1:settlement", "31.12.2025 23:59:59", 123457, {moka20},
                   {{VatType::vat20, 20576}})}},
      {"paid at 23:59:59 on 31.12.2025 (20/120), shipped one second later at 00:00:00 on "
       "01.01.2026: 22%",
       {pay(kLastSecond, {moka("RUS_VAT22")})},
       ship("S1", kNewYear, {{"K", "1"}}),
       {settlement("evt-S1:settlement", "01.01.2026 00:00:00", 123457, {moka22},
                   {{VatType::vat22, 22263}})}},
      {"paid at 23:59:59 on 31.12.2025, refunded unshipped at 00:00:00 on 01.01.2026: the refund "
       "reverses a "
       "2025 prepayment, 20/120, 20576",
       {pay(kLastSecond, {moka("RUS_VAT22")})},
       refund("R1", kNewYear, {{"K", "1", 123457}}),
       {refunded("evt-R1:refund", "01.01.2026 00:00:00", 123457, {moka120},
                 {{VatType::vat120, 20576}})}},
  };
  for (const auto& c : cases) check_case(c);
}

// ---------------------------------------------------------------------------------------------
// 3. Sums that do not divide: 100.00 RUB for 3 sets of felt-tip pens (RUS_VAT22, 2026).
//    33.33 × 22/122: 3333 × 22/122 = 601.03 -> 601; 3334 × 22/122 = 601.21 -> 601;
//    6666 × 22/122 = 1202.07 -> 1202.

TEST(Receipt, SumsThatDoNotDivide) {
  const Line pens_2x = {kPens, 3333, "2", 6666, kPre, kGoods, VatType::vat122, 1202};
  const Line pens_1x_high = {kPens, 3334, "1", 3334, kPre, kGoods, VatType::vat122, 601};
  const Line one_low = {kPens, 3333, "1", 3333, kFull, kGoods, VatType::vat22, 601};
  const Line one_high = {kPens, 3334, "1", 3334, kFull, kGoods, VatType::vat22, 601};
  const Line two_low = {kPens, 3333, "2", 6666, kFull, kGoods, VatType::vat22, 1202};
  const Case cases[] = {
      {"prepayment of 100.00 for 3: 3 × 33.33 would be 99.99, so two lines, 2 × 33.33 = 66.66 (VAT "
       "1202) and "
       "1 × 33.34 (VAT 601); vats 1803",
       {},
       pay(kPaid, {pens()}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 10000, {pens_2x, pens_1x_high},
                   {{VatType::vat122, 1803}})}},
      {"first of three shipments of 1 set: 10000 × 1/3 = 3333.33 -> 3333, 1 × 33.33, VAT 601",
       {pay(kPaid, {pens()})},
       ship("S1", kShipped, {{"C", "1"}}),
       {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 3333, {one_low},
                   {{VatType::vat22, 601}})}},
      {"second shipment of 1 set: again 10000 × 1/3 -> 3333",
       {pay(kPaid, {pens()}), ship("S1", kShipped, {{"C", "1"}})},
       ship("S2", kFeb16, {{"C", "1"}}),
       {settlement("evt-S2:settlement", "16.02.2026 15:00:00", 3333, {one_low},
                   {{VatType::vat22, 601}})}},
      {"third shipment completes the line and takes the remainder: 10000 − 3333 − 3333 = 3334, VAT "
       "601",
       {pay(kPaid, {pens()}), ship("S1", kShipped, {{"C", "1"}}), ship("S2", kFeb16, {{"C", "1"}})},
       ship("S3", kFeb18, {{"C", "1"}}),
       {settlement("evt-S3:settlement", "18.02.2026 15:00:00", 3334, {one_high},
                   {{VatType::vat22, 601}})}},
      {"all 3 sets in one shipment: 100.00 splits as on the prepayment, 2 × 33.33 (1202) + 1 × "
       "33.34 (601) = 1803",
       {pay(kPaid, {pens()})},
       ship("S1", kShipped, {{"C", "3"}}),
       {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 10000, {two_low, one_high},
                   {{VatType::vat22, 1803}})}},
      {"2 of 3 sets: 10000 × 2/3 = 6666.67 -> 6667 = 1 × 33.33 + 1 × 33.34, VAT 601 + 601 = 1202",
       {pay(kPaid, {pens()})},
       ship("S1", kShipped, {{"C", "2"}}),
       {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 6667, {one_low, one_high},
                   {{VatType::vat22, 1202}})}},
  };
  for (const auto& c : cases) check_case(c);
}

// ---------------------------------------------------------------------------------------------
// 4. Refunds: unshipped units reverse the prepayment, shipped units the settlements (latest first),
//    each at the rate of the receipt it reverses. Kettles 1 999.99 each: 199999 × 22/122 = 36065.39
//    -> 36065; × 20/120 = 33333.17 -> 33333.

TEST(Receipt, Refunds) {
  const Line kettle_pre122 = {kKettle, 199999, "1", 199999, kPre, kGoods, VatType::vat122, 36065};
  const Line kettle_full22 = {kKettle, 199999, "1", 199999, kFull, kGoods, VatType::vat22, 36065};
  const Line kettle_pre120 = {kKettle, 199999, "1", 199999, kPre, kGoods, VatType::vat120, 33333};
  const Line kettle_full20 = {kKettle, 199999, "1", 199999, kFull, kGoods, VatType::vat20, 33333};
  // Thermo mugs, 100.00 each (RUS_VAT22), paid 20.12.2025: 10000 × 20/120 = 1666.67 -> 1667,
  // 10000 × 22/122 = 1803.28 -> 1803.
  const auto mugs = [](const char* quantity, Kopecks total) {
    return item("D", kMug, quantity, 10000, total, "RUS_VAT22");
  };
  const Line mug_pre120 = {kMug, 10000, "1", 10000, kPre, kGoods, VatType::vat120, 1667};
  const Line mug_full22 = {kMug, 10000, "1", 10000, kFull, kGoods, VatType::vat22, 1803};
  const Line mug_full20 = {kMug, 10000, "1", 10000, kFull, kGoods, VatType::vat20, 1667};

  const Case cases[] = {
      {"refund of 1 unshipped kettle (2026): reverses the prepayment, full_prepayment 22/122, "
       "36065",
       {pay(kPaid, {kettles(), delivery()})},
       refund("R1", kRefunded, {{"A", "1", 199999}}),
       {refunded("evt-R1:refund", "20.02.2026 18:30:00", 199999, {kettle_pre122},
                 {{VatType::vat122, 36065}})}},
      {"refund of 1 kettle after all were shipped: reverses the settlement, full_payment 22%, "
       "36065",
       {pay(kPaid, {kettles(), delivery()}), ship_all("S1", kShipped)},
       refund("R1", kRefunded, {{"A", "1", 199999}}),
       {refunded("evt-R1:refund", "20.02.2026 18:30:00", 199999, {kettle_full22},
                 {{VatType::vat22, 36065}})}},
      {"refund of the delivery after it was rendered: full_payment, no VAT, payment_object 4 "
       "(service)",
       {pay(kPaid, {kettles(), delivery()}), ship_all("S1", kShipped)},
       refund("R1", kRefunded, {{"B", "1", 35000}}),
       {refunded("evt-R1:refund", "20.02.2026 18:30:00", 35000,
                 {{kDelivery, 35000, "1", 35000, kFull, kService, VatType::none, 0}},
                 {{VatType::none, 0}})}},
      {"2 kettles and the delivery back after 2 kettles and the delivery shipped: kettle line "
       "spans both, "
       "1 unshipped (22/122, 36065) + 1 shipped (22%, 36065); delivery shipped, none; total 434998",
       {pay(kPaid, {kettles(), delivery()}), ship("S1", kShipped, {{"A", "2"}, {"B", "1"}})},
       refund("R1", kRefunded, {{"A", "2", 399998}, {"B", "1", 35000}}),
       {refunded("evt-R1:refund", "20.02.2026 18:30:00", 434998,
                 {kettle_pre122,
                  kettle_full22,
                  {kDelivery, 35000, "1", 35000, kFull, kService, VatType::none, 0}},
                 {{VatType::vat122, 36065}, {VatType::vat22, 36065}, {VatType::none, 0}})}},
      {"1 unshipped kettle refunded with 1 500.00 only (a partial compensation): one line 1 × "
       "1500.00 at "
       "22/122, 150000 × 22/122 = 27049.18 -> 27049",
       {pay(kPaid, {kettles()})},
       refund("R1", kRefunded, {{"A", "1", 150000}}),
       {refunded("evt-R1:refund", "20.02.2026 18:30:00", 150000,
                 {{kKettle, 150000, "1", 150000, kPre, kGoods, VatType::vat122, 27049}},
                 {{VatType::vat122, 27049}})}},
      {"paid 10.12.2025, never shipped, refunded 20.01.2026: the refund keeps the 2025 "
       "prepayment's 20/120, "
       "33333",
       {pay(kPaid25, {kettles()})},
       refund("R1", kJan20, {{"A", "1", 199999}}),
       {refunded("evt-R1:refund", "20.01.2026 10:15:00", 199999, {kettle_pre120},
                 {{VatType::vat120, 33333}})}},
      {"paid 10.12.2025, shipped 15.12.2025, refunded 20.01.2026: keeps the 2025 settlement's 20%, "
       "33333",
       {pay(kPaid25, {kettles()}), ship_all("S1", kShipped25)},
       refund("R1", kJan20, {{"A", "1", 199999}}),
       {refunded("evt-R1:refund", "20.01.2026 10:15:00", 199999, {kettle_full20},
                 {{VatType::vat20, 33333}})}},
      {"2 mugs paid 20.12.2025, shipped 1 on 28.12.2025 (20%) and 1 on 12.01.2026 (22%); 1 "
       "refunded on "
       "20.01.2026 reverses the latest settlement: 22%, 1803",
       {pay(kDec20, {mugs("2", 20000)}), ship("S1", kDec28, {{"D", "1"}}),
        ship("S2", kJan12, {{"D", "1"}})},
       refund("R1", kJan20, {{"D", "1", 10000}}),
       {refunded("evt-R1:refund", "20.01.2026 10:15:00", 10000, {mug_full22},
                 {{VatType::vat22, 1803}})}},
      {"the same 2 mugs both refunded: the line splits by settlement, latest first: 1 at 22% "
       "(1803), then 1 at "
       "20% (1667)",
       {pay(kDec20, {mugs("2", 20000)}), ship("S1", kDec28, {{"D", "1"}}),
        ship("S2", kJan12, {{"D", "1"}})},
       refund("R1", kJan20, {{"D", "2", 20000}}),
       {refunded("evt-R1:refund", "20.01.2026 10:15:00", 20000, {mug_full22, mug_full20},
                 {{VatType::vat22, 1803}, {VatType::vat20, 1667}})}},
      {"3 mugs paid 20.12.2025, 1 shipped 28.12.2025, 1 shipped 12.01.2026, all 3 refunded "
       "20.01.2026: "
       "unshipped first (20/120, 1667), then the January settlement (22%, 1803), then December's "
       "(20%, 1667)",
       {pay(kDec20, {mugs("3", 30000)}), ship("S1", kDec28, {{"D", "1"}}),
        ship("S2", kJan12, {{"D", "1"}})},
       refund("R1", kJan20, {{"D", "3", 30000}}),
       {refunded("evt-R1:refund", "20.01.2026 10:15:00", 30000,
                 {mug_pre120, mug_full22, mug_full20},
                 {{VatType::vat120, 1667}, {VatType::vat22, 1803}, {VatType::vat20, 1667}})}},
  };
  for (const auto& c : cases) check_case(c);
}

TEST(Receipt, AtMostSixVatTypesPerReceipt) {
  // ATOL v5 takes at most 6 `vats` entries (fiscal-54fz.md section 4). A refund that reverses both
  // the prepayment and a settlement of lines under 4 rates has 8 VAT types: the first 6 types go to
  // "<event_id>:refund", the rest to "<event_id>:refund:2". Each line is 2 × 100.00, paid
  // 10.02.2026, 1 shipped 14.02.2026, both refunded 20.02.2026: 1 unshipped (calculated rate) + 1
  // shipped (plain rate) per line. VAT of 10000: 5/105 = 476.19 -> 476, 7/107 = 654.21 -> 654,
  // 10/110 = 909.09 -> 909, 22/122 = 1803.28 -> 1803 (the same for the plain rates).
  const std::vector<OrderItem> items = {
      item("V5", "Хлеб", "2", 10000, 20000, "RUS_VAT5"),
      item("V7", "Сироп", "2", 10000, 20000, "RUS_VAT7_ADDED"),
      item("V10", "Молоко", "2", 10000, 20000, "RUS_VAT10"),
      item("V22", "Чайник", "2", 10000, 20000, "RUS_VAT22"),
  };
  const auto one = [](const char* name, const char* method, VatType vat, Kopecks vat_sum) {
    return Line{name, 10000, "1", 10000, method, kGoods, vat, vat_sum};
  };
  check_case(
      {"a refund under 8 VAT types: 6 types (6 lines, 600.00) on the first receipt, 2 types "
       "(200.00) on the second",
       {pay(kPaid, items),
        ship("S1", kShipped, {{"V5", "1"}, {"V7", "1"}, {"V10", "1"}, {"V22", "1"}})},
       refund("R1", kRefunded,
              {{"V5", "2", 20000}, {"V7", "2", 20000}, {"V10", "2", 20000}, {"V22", "2", 20000}}),
       {refunded(
            "evt-R1:refund", "20.02.2026 18:30:00", 60000,
            {one("Хлеб", kPre, VatType::vat105, 476), one("Хлеб", kFull, VatType::vat5, 476),
             one("Сироп", kPre, VatType::vat107, 654), one("Сироп", kFull, VatType::vat7, 654),
             one("Молоко", kPre, VatType::vat110, 909), one("Молоко", kFull, VatType::vat10, 909)},
            {{VatType::vat105, 476},
             {VatType::vat5, 476},
             {VatType::vat107, 654},
             {VatType::vat7, 654},
             {VatType::vat110, 909},
             {VatType::vat10, 909}}),
        refunded("evt-R1:refund:2", "20.02.2026 18:30:00", 20000,
                 {one("Чайник", kPre, VatType::vat122, 1803),
                  one("Чайник", kFull, VatType::vat22, 1803)},
                 {{VatType::vat122, 1803}, {VatType::vat22, 1803}})}});
}

// ---------------------------------------------------------------------------------------------
// 5. Discounts, one-kopeck lines and fractional quantities.

TEST(Receipt, DiscountsSmallSumsAndFractions) {
  // 2 T-shirts listed at 150.00 sold for 270.00 together: the receipt shows what was paid.
  const OrderItem shirts = item("T", kShirt, "2", 15000, 27000, "RUS_VAT22");
  // 3 sets listed at 100.00 sold for 299.99: 29999 = 3 × 99.99 + 0.02.
  const OrderItem sets = item("C", kPens, "3", 10000, 29999, "RUS_VAT22");
  const OrderItem bag = item("P", kBag, "1", 1, 1, "RUS_VAT22");
  const OrderItem bags3 = item("P", kBag, "3", 1, 3, "RUS_VAT20");
  const OrderItem saffron =
      item("Z", kSaffron, "0.001", 1500000, 1500, "RUS_VAT10", LineType::commodity, "166");
  const OrderItem cheese =
      item("Y", kCheese, "0.750", 49950, 37463, "RUS_VAT10", LineType::commodity, "166");
  const OrderItem cable =
      item("W", kCable, "1.5", 20000, 30000, "RUS_VAT10", LineType::commodity, "006");
  const Case cases[] = {
      {"discount: 2 × 150.00 listed, 270.00 paid: 2 × 135.00 = 270.00, 27000 × 22/122 = 4868.85 -> "
       "4869",
       {},
       pay(kPaid, {shirts}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 27000,
                   {{kShirt, 13500, "2", 27000, kPre, kGoods, VatType::vat122, 4869}},
                   {{VatType::vat122, 4869}})}},
      {"1 discounted T-shirt shipped: 27000 × 1/2 = 13500, 13500 × 22/122 = 2434.43 -> 2434",
       {pay(kPaid, {shirts})},
       ship("S1", kShipped, {{"T", "1"}}),
       {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 13500,
                   {{kShirt, 13500, "1", 13500, kFull, kGoods, VatType::vat22, 2434}},
                   {{VatType::vat22, 2434}})}},
      {"discount to 299.99 for 3: 1 × 99.99 (9999 × 22/122 = 1803.10 -> 1803) + 2 × 100.00 (20000 "
       "× 22/122 = "
       "3606.56 -> 3607); vats 5410",
       {},
       pay(kPaid, {sets}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 29999,
                   {{kPens, 9999, "1", 9999, kPre, kGoods, VatType::vat122, 1803},
                    {kPens, 10000, "2", 20000, kPre, kGoods, VatType::vat122, 3607}},
                   {{VatType::vat122, 5410}})}},
      {"a one-kopeck bag at 22/122: 1 × 22/122 = 0.18 -> VAT 0.00",
       {},
       pay(kPaid, {bag}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 1,
                   {{kBag, 1, "1", 1, kPre, kGoods, VatType::vat122, 0}}, {{VatType::vat122, 0}})}},
      {"the one-kopeck bag shipped: 22%, VAT 0.00",
       {pay(kPaid, {bag})},
       ship("S1", kShipped, {{"P", "1"}}),
       {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 1,
                   {{kBag, 1, "1", 1, kFull, kGoods, VatType::vat22, 0}}, {{VatType::vat22, 0}})}},
      {"3 bags × 0.01 paid 10.12.2025 at 20/120: 3 × 20/120 = 0.5 exactly, half up -> 0.01",
       {},
       pay(kPaid25, {bags3}),
       {prepayment("evt-pay:prepayment", "10.12.2025 12:00:00", 3,
                   {{kBag, 1, "3", 3, kPre, kGoods, VatType::vat120, 1}}, {{VatType::vat120, 1}})}},
      {"0.001 kg of saffron for 15.00 (OKEI 166 kg -> measure 11): price 15.00 / 0.001 = 15000.00, "
       "sum 15.00, "
       "10/110: 1500 × 10/110 = 136.36 -> 136",
       {},
       pay(kPaid, {saffron}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 1500,
                   {{kSaffron, 1500000, "0.001", 1500, kPre, kGoods, VatType::vat110, 136, 11}},
                   {{VatType::vat110, 136}})}},
      {"0.750 kg of cheese for 374.63: price 374.63 / 0.75 = 499.5067 -> 499.51, sum stays 374.63, "
       "37463 × "
       "10/110 = 3405.73 -> 3406",
       {},
       pay(kPaid, {cheese}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 37463,
                   {{kCheese, 49951, "0.75", 37463, kPre, kGoods, VatType::vat110, 3406, 11}},
                   {{VatType::vat110, 3406}})}},
      {"0.5 m of 1.5 m cable (OKEI 006 m -> measure 22) shipped: 30000 × 0.5/1.5 = 10000, price "
       "100.00 / 0.5 = "
       "200.00, 10%: 10000 × 10/110 = 909.09 -> 909",
       {pay(kPaid, {cable})},
       ship("S1", kShipped, {{"W", "0.5"}}),
       {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 10000,
                   {{kCable, 20000, "0.5", 10000, kFull, kGoods, VatType::vat10, 909, 22}},
                   {{VatType::vat10, 909}})}},
  };
  for (const auto& c : cases) check_case(c);
}

// 5a. Fractional quantities whose sum no single price gives: every ATOL item must satisfy
//     sum = price × quantity rounded half up (tag 1043 = 1079 × 1023), so the line becomes two
//     items at prices a kopeck apart, the quantity split in thousandths; each has its own VAT.

TEST(Receipt, FractionalQuantitiesTwoPricesAKopeckApart) {
  const OrderItem wire =
      item("W", kCable, "1.5", 355, 532, "RUS_VAT10", LineType::commodity, "006");
  const OrderItem bolts =
      item("B", "Болты М8 весовые", "99999.999", 2, 196289, "VATNONE", LineType::commodity, "166");
  const OrderItem nails = item("N", "Гвозди строительные", "12.345", 677, 8357, "RUS_VAT22",
                               LineType::commodity, "166");
  const OrderItem rope =
      item("R", "Верёвка джутовая", "2.5", 118, 294, "VATNONE", LineType::commodity, "006");
  const OrderItem salt =
      item("S", "Соль пищевая", "1.002", 250, 250, "VATNONE", LineType::commodity, "166");
  const Case cases[] = {
      {"5.32 over 1.5 m (the brief's case): 3.55 × 1.5 = 5.325 -> 5.33, 3.54 × 1.5 = 5.31, no "
       "single price; p = ⌊532000 / 1500⌋ = 354, 532000 − 354 × 1500 = 1000 thousandths at 3.55: "
       "0.5 × 3.54 = 1.77 (10/110: 177 × 10/110 = 16.09 -> 16) + 1 × 3.55 = 3.55 (32.27 -> 32)",
       {},
       pay(kPaid, {wire}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 532,
                   {{kCable, 354, "0.5", 177, kPre, kGoods, VatType::vat110, 16, 22},
                    {kCable, 355, "1", 355, kPre, kGoods, VatType::vat110, 32, 22}},
                   {{VatType::vat110, 48}})}},
      {"1 962.89 over 99 999.999 kg: p = ⌊196289000 / 99999999⌋ = 0.01, 196289000 − 99999999 = "
       "96289001 thousandths at 0.02: 3 710.998 × 0.01 = 37.10998 -> 37.11 and 96 289.001 × 0.02 = "
       "1 925.78002 -> 1 925.78 (the brief's 3 710.999 + 96 289.000 also fits; this is its "
       "formula)",
       {},
       pay(kPaid, {bolts}),
       {prepayment(
           "evt-pay:prepayment", "10.02.2026 12:00:00", 196289,
           {{"Болты М8 весовые", 1, "3710.998", 3711, kPre, kGoods, VatType::none, 0, 11},
            {"Болты М8 весовые", 2, "96289.001", 192578, kPre, kGoods, VatType::none, 0, 11}},
           {{VatType::none, 0}})}},
      {"83.57 over 12.345 kg (6.77 × 12.345 = 83.57565 -> 83.58 and 6.76 × 12.345 = 83.4522 -> "
       "83.45, neither): p = 6.76, 835700 − 676 × 12345 = 11780 thousandths at 6.77: 0.565 × 6.76 "
       "= 3.8194 -> 3.82 (22/122: 382 × 22/122 = 68.89 -> 69) + 11.78 × 6.77 = 79.7506 -> 79.75 "
       "(1438.11 -> 1438)",
       {},
       pay(kPaid, {nails}),
       {prepayment(
           "evt-pay:prepayment", "10.02.2026 12:00:00", 8357,
           {{"Гвозди строительные", 676, "0.565", 382, kPre, kGoods, VatType::vat122, 69, 11},
            {"Гвозди строительные", 677, "11.78", 7975, kPre, kGoods, VatType::vat122, 1438, 11}},
           {{VatType::vat122, 1507}})}},
      {"2.94 over 2.5 m (1.18 × 2.5 = 2.95, 1.17 × 2.5 = 2.925 -> 2.93): p = 1.17, 294000 − 117 "
       "× 2500 = 1500 thousandths at 1.18: 1 × 1.17 + 1.5 × 1.18 = 1.17 + 1.77",
       {},
       pay(kPaid, {rope}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 294,
                   {{"Верёвка джутовая", 117, "1", 117, kPre, kGoods, VatType::none, 0, 22},
                    {"Верёвка джутовая", 118, "1.5", 177, kPre, kGoods, VatType::none, 0, 22}},
                   {{VatType::none, 0}})}},
      {"2.50 over 1.002 kg, the tie: p = 2.49 with 502 thousandths at 2.50 gives 0.5 × 2.49 = "
       "1.245 -> 1.25 and 0.502 × 2.50 = 1.255 -> 1.26, both half a kopeck up, 2.51; one "
       "thousandth moves: 0.501 × 2.49 = 1.24749 -> 1.25 and 0.501 × 2.50 = 1.2525 -> 1.25",
       {},
       pay(kPaid, {salt}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 250,
                   {{"Соль пищевая", 249, "0.501", 125, kPre, kGoods, VatType::none, 0, 11},
                    {"Соль пищевая", 250, "0.501", 125, kPre, kGoods, VatType::none, 0, 11}},
                   {{VatType::none, 0}})}},
  };
  for (const auto& c : cases) check_case(c);
}

// ---------------------------------------------------------------------------------------------
// 6. What each line says about itself: goods or service (tag 1212), unit of measure (tag 2108) and
//    a name cut to 128 characters.

TEST(Receipt, LineAttributes) {
  // Paid 10.02.2026:
  //   G cups, goods, OKEI 796 (piece) -> 0: 2 × 500.00, 22/122: 100000 × 22/122 = 18032.79 -> 18033
  //   S furniture assembly, service, OKEI 796 -> 0: 1 × 1 500.00, VATNONE
  //   W cheese, goods, OKEI 166 (kg) -> 11: 2 × 800.00, 10/110: 160000 × 10/110 = 14545.45 -> 14545
  //   H lawyer, service, OKEI 356 (hour) -> 71: 3 × 3 000.00, RUS_VAT20 in 2026 -> 22/122:
  //     900000 × 22/122 = 162295.08 -> 162295
  //   F petrol, goods, OKEI 112 (litre) -> 41: 40 × 60.00, 22/122: 240000 × 22/122 = 43278.69 ->
  //   43279 X cork, goods, OKEI 9999 (not a unit ATOL knows) -> 255 (other): 1 × 1.00, VATNONE
  //   total 100000 + 150000 + 160000 + 900000 + 240000 + 100 = 1550100;
  //   vats vat122 18033 + 162295 + 43279 = 223607, vat110 14545, none 0.
  const std::vector<OrderItem> mixed = {
      item("G", "Чашка фарфоровая", "2", 50000, 100000, "RUS_VAT22"),
      item("S", "Сборка мебели", "1", 150000, 150000, "VATNONE", LineType::service),
      item("W", kCheese, "2", 80000, 160000, "RUS_VAT10", LineType::commodity, "166"),
      item("H", "Консультация юриста", "3", 300000, 900000, "RUS_VAT20", LineType::service, "356"),
      item("F", "Бензин АИ-95", "40", 6000, 240000, "RUS_VAT22", LineType::commodity, "112"),
      item("X", "Пробка", "1", 100, 100, "VATNONE", LineType::commodity, "9999"),
  };
  const std::vector<Line> mixed_lines = {
      {"Чашка фарфоровая", 50000, "2", 100000, kPre, kGoods, VatType::vat122, 18033, 0},
      {"Сборка мебели", 150000, "1", 150000, kPre, kService, VatType::none, 0, 0},
      {kCheese, 80000, "2", 160000, kPre, kGoods, VatType::vat110, 14545, 11},
      {"Консультация юриста", 300000, "3", 900000, kPre, kService, VatType::vat122, 162295, 71},
      {"Бензин АИ-95", 6000, "40", 240000, kPre, kGoods, VatType::vat122, 43279, 41},
      {"Пробка", 100, "1", 100, kPre, kGoods, VatType::none, 0, 255},
  };
  const std::map<VatType, Kopecks> mixed_vats = {
      {VatType::vat122, 223607}, {VatType::vat110, 14545}, {VatType::none, 0}};
  std::vector<Line> settled_lines = mixed_lines;
  for (auto& l : settled_lines) {
    l.payment_method = kFull;
    if (l.vat == VatType::vat122) l.vat = VatType::vat22;
    if (l.vat == VatType::vat110) l.vat = VatType::vat10;
  }

  // Names: 130 Cyrillic letters (260 bytes) -> the first 128 letters (256 bytes), never half a
  // letter; 128 letters stay; 100 Latin letters + 40 four-byte emoji -> 100 + 28 emoji.
  const std::string long_name = repeat("Ж", 130);
  const std::string exact_name = repeat("Я", 128);
  const std::string mixed_name = repeat("a", 100) + repeat("\xF0\x9F\x98\x80", 40);
  const auto named = [](const std::string& name) {
    return item("N", name, "1", 10000, 10000, "VATNONE");
  };
  const auto named_line = [](const std::string& name) {
    return Line{name, 10000, "1", 10000, kPre, kGoods, VatType::none, 0};
  };

  const Case cases[] = {
      {"goods -> payment_object 1, services -> 4; OKEI 796 -> 0, 166 -> 11, 356 -> 71, 112 -> 41, "
       "unknown -> "
       "255",
       {},
       pay(kPaid, mixed),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 1550100, mixed_lines, mixed_vats)}},
      {"the same lines shipped at once: same objects and measures, full_payment, plain 22% and 10%",
       {pay(kPaid, mixed)},
       ship_all("S1", kShipped),
       {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 1550100, settled_lines,
                   {{VatType::vat22, 223607}, {VatType::vat10, 14545}, {VatType::none, 0}})}},
      {"a name of 130 Cyrillic letters is cut to 128 letters (not 128 bytes)",
       {},
       pay(kPaid, {named(long_name)}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 10000,
                   {named_line(repeat("Ж", 128))}, {{VatType::none, 0}})}},
      {"a name of exactly 128 Cyrillic letters stays whole",
       {},
       pay(kPaid, {named(exact_name)}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 10000, {named_line(exact_name)},
                   {{VatType::none, 0}})}},
      {"100 Latin letters and 40 emoji (4 bytes each) -> 100 letters and 28 emoji",
       {},
       pay(kPaid, {named(mixed_name)}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 10000,
                   {named_line(repeat("a", 100) + repeat("\xF0\x9F\x98\x80", 28))},
                   {{VatType::none, 0}})}},
  };
  for (const auto& c : cases) check_case(c);
}

// ---------------------------------------------------------------------------------------------
// 7. Who gets receipts, and when: legal buyers none; waiting events get theirs when the payment
//    releases them; a shipment without items ships everything still open.

TEST(Receipt, WhoAndWhen) {
  const Line kettles_full = {kKettle, 199999, "3", 599997, kFull, kGoods, VatType::vat22, 108196};
  const Line delivery_full = {kDelivery, 35000, "1", 35000, kFull, kService, VatType::none, 0};
  const Line kettles_pre = {kKettle, 199999, "3", 599997, kPre, kGoods, VatType::vat122, 108196};
  const Line delivery_pre = {kDelivery, 35000, "1", 35000, kPre, kService, VatType::none, 0};
  const Case cases[] = {
      {"a legal buyer's payment: no receipt (a document package instead)",
       {},
       pay(kPaid, {kettles(), delivery()}, legal_buyer()),
       {}},
      {"a legal buyer's shipment: no receipt",
       {pay(kPaid, {kettles(), delivery()}, legal_buyer())},
       ship("S1", kShipped, {{"A", "1"}}),
       {}},
      {"a legal buyer's refund: no receipt",
       {pay(kPaid, {kettles(), delivery()}, legal_buyer())},
       refund("R1", kRefunded, {{"A", "1", 199999}}),
       {}},
      {"'ship everything': 3 kettles (599997 × 22/122 = 108196.18 -> 108196) and the delivery "
       "(none), total "
       "634997, paid by offsetting the prepayment (type 2)",
       {pay(kPaid, {kettles(), delivery()})},
       ship_all("S1", kShipped),
       {settlement("evt-S1:settlement", "14.02.2026 15:00:00", 634997,
                   {kettles_full, delivery_full}, {{VatType::vat22, 108196}, {VatType::none, 0}})}},
      {"a shipment of 1 kettle arrived before the payment and waited: the payment gives the "
       "prepayment "
       "receipt, then the released shipment its settlement (1 × 1999.99 at 22%, 36065)",
       {ship("S1", kShipped, {{"A", "1"}})},
       pay(kPaid, {kettles(), delivery()}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 634997, {kettles_pre, delivery_pre},
                   {{VatType::vat122, 108196}, {VatType::none, 0}}),
        settlement("evt-S1:settlement", "14.02.2026 15:00:00", 199999,
                   {{kKettle, 199999, "1", 199999, kFull, kGoods, VatType::vat22, 36065}},
                   {{VatType::vat22, 36065}})}},
      {"a refund of the delivery that waited for the payment: prepayment, then the refund "
       "reversing it "
       "(full_prepayment, none)",
       {refund("R1", kRefunded, {{"B", "1", 35000}})},
       pay(kPaid, {kettles(), delivery()}),
       {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 634997, {kettles_pre, delivery_pre},
                   {{VatType::vat122, 108196}, {VatType::none, 0}}),
        refunded("evt-R1:refund", "20.02.2026 18:30:00", 35000, {delivery_pre},
                 {{VatType::none, 0}})}},
  };
  for (const auto& c : cases) check_case(c);
}

// ---------------------------------------------------------------------------------------------
// 8. At most 100 lines per receipt (ATOL v5).

TEST(Receipt, HundredLinesFitOneReceipt) {
  // 100 lines of 1 × 10.00 (RUS_VAT22): each 1000 × 22/122 = 180.33 -> 180; total 1000.00, vats
  // 100 × 180 = 18000 (per-line rounding, not 100000 × 22/122 = 18032.79).
  std::vector<OrderItem> items;
  std::vector<Line> lines;
  for (int i = 1; i <= 100; ++i) {
    char sku[8], name[32];
    std::snprintf(sku, sizeof sku, "L%03d", i);
    std::snprintf(name, sizeof name, "Позиция %03d", i);
    items.push_back(item(sku, name, "1", 1000, 1000, "RUS_VAT22"));
    lines.push_back({name, 1000, "1", 1000, kPre, kGoods, VatType::vat122, 180});
  }
  check_case({"100 lines of 10.00: one receipt, total 1000.00, vats 180.00",
              {},
              pay(kPaid, items),
              {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 100000, lines,
                          {{VatType::vat122, 18000}})}});
}

TEST(Receipt, HundredAndOneLinesMakeTwoReceipts) {
  // 100 order lines make 101 receipt lines: the pens (100.00 for 3) split into 2 × 33.33 + 1
  // × 33.34, then 99 lines of 1 × 10.00 (VAT 180 each). Receipt 1 takes the first 100 lines: 6666 +
  // 3334 + 98 × 1000 = 108000, vats 1202 + 601 + 98 × 180 = 19443. Receipt 2
  // ("<event_id>:prepayment:2") takes the last line: 1000, vats 180. Together 109000, the payment's
  // amount.
  std::vector<OrderItem> items = {pens()};
  std::vector<Line> first = {{kPens, 3333, "2", 6666, kPre, kGoods, VatType::vat122, 1202},
                             {kPens, 3334, "1", 3334, kPre, kGoods, VatType::vat122, 601}};
  std::vector<Line> second;
  for (int i = 1; i <= 99; ++i) {
    char sku[8], name[32];
    std::snprintf(sku, sizeof sku, "L%03d", i);
    std::snprintf(name, sizeof name, "Позиция %03d", i);
    items.push_back(item(sku, name, "1", 1000, 1000, "RUS_VAT22"));
    (i <= 98 ? first : second)
        .push_back({name, 1000, "1", 1000, kPre, kGoods, VatType::vat122, 180});
  }
  check_case({"101 receipt lines: two receipts, 100 + 1 lines, each with its own totals",
              {},
              pay(kPaid, items),
              {prepayment("evt-pay:prepayment", "10.02.2026 12:00:00", 108000, first,
                          {{VatType::vat122, 19443}}),
               prepayment("evt-pay:prepayment:2", "10.02.2026 12:00:00", 1000, second,
                          {{VatType::vat122, 180}})}});
}

// ---------------------------------------------------------------------------------------------
// 9. The worked example of fiscal-54fz.md section 3, from the JSON events of test_messages.hpp,
//    and its boundary variant (paid 30.12.2025).

TEST(Receipt, WorkedExample) {
  const std::string pay_id = testing::kPaymentEventId, ship_id = testing::kShipmentEventId,
                    refund_id = testing::kRefundEventId;
  const Line r1_a = {kKettle, 199999, "3", 599997, kPre, kGoods, VatType::vat122, 108196};
  const Line r1_b = {kDelivery, 35000, "1", 35000, kPre, kService, VatType::none, 0};
  const Line r2_a = {kKettle, 199999, "2", 399998, kFull, kGoods, VatType::vat22, 72131};
  const Line r2_b = {kDelivery, 35000, "1", 35000, kFull, kService, VatType::none, 0};
  const Line r3_1 = {kKettle, 199999, "1", 199999, kPre, kGoods, VatType::vat122, 36065};
  const Line r3_2 = {kKettle, 199999, "1", 199999, kFull, kGoods, VatType::vat22, 36065};
  const Case cases[] = {
      {"R1 prepayment 10.02.2026: A 3 × 1999.99 = 5999.97, 599997 × 22/122 = 108196.18 -> 108196; "
       "B 350.00 "
       "none; payments type 1 = 6349.97",
       {},
       worked_payment(),
       {prepayment(pay_id + ":prepayment", "10.02.2026 12:00:00", 634997, {r1_a, r1_b},
                   {{VatType::vat122, 108196}, {VatType::none, 0}})}},
      {"R2 settlement 14.02.2026 of A × 2 and B: 399998 × 22/122 = 72130.79 -> 72131; type 2 = "
       "4349.98",
       {worked_payment()},
       worked_shipment(),
       {settlement(ship_id + ":settlement", "14.02.2026 15:00:00", 434998, {r2_a, r2_b},
                   {{VatType::vat22, 72131}, {VatType::none, 0}})}},
      {"R3 refund 20.02.2026 (15:30:00.250Z) of A × 2 = 3999.98: the unshipped kettle (22/122, "
       "199999 × "
       "22/122 = 36065.39 -> 36065) and a shipped one (22%, 36065)",
       {worked_payment(), worked_shipment()},
       worked_refund(),
       {refunded(refund_id + ":refund", "20.02.2026 18:30:00", 399998, {r3_1, r3_2},
                 {{VatType::vat122, 36065}, {VatType::vat22, 36065}})}},
      {"boundary R1, paid 30.12.2025: 20/120, 599997 × 20/120 = 99999.5 exactly, half up -> 100000",
       {},
       worked_payment("2025-12-30T09:00:00Z"),
       {prepayment(pay_id + ":prepayment", "30.12.2025 12:00:00", 634997,
                   {{kKettle, 199999, "3", 599997, kPre, kGoods, VatType::vat120, 100000}, r1_b},
                   {{VatType::vat120, 100000}, {VatType::none, 0}})}},
      {"boundary R2: shipped 14.02.2026, the settlement's own date gives 22%, still 72131",
       {worked_payment("2025-12-30T09:00:00Z")},
       worked_shipment(),
       {settlement(ship_id + ":settlement", "14.02.2026 15:00:00", 434998, {r2_a, r2_b},
                   {{VatType::vat22, 72131}, {VatType::none, 0}})}},
      {"boundary R3: line 1 mirrors R1 -> 20/120, 199999 × 20/120 = 33333.17 -> 33333; line 2 "
       "mirrors R2 -> "
       "22%, 36065",
       {worked_payment("2025-12-30T09:00:00Z"), worked_shipment()},
       worked_refund(),
       {refunded(refund_id + ":refund", "20.02.2026 18:30:00", 399998,
                 {{kKettle, 199999, "1", 199999, kPre, kGoods, VatType::vat120, 33333}, r3_2},
                 {{VatType::vat120, 33333}, {VatType::vat22, 36065}})}},
  };
  for (const auto& c : cases) check_case(c);
}

// ---------------------------------------------------------------------------------------------
// 10. The rendered message (contract section 3, fiscal-54fz.md section 9), checked as raw text.

std::string render_only(const std::vector<Event>& history, const Event& event,
                        const std::string& callback = "",
                        const std::optional<Supplier>& supplier = std::nullopt) {
  const auto receipts = receipts_of(history, event, supplier);
  if (receipts.size() != 1)
    throw std::logic_error("expected one receipt, got " + std::to_string(receipts.size()));
  return contract::receipt_json(receipts[0], invoicebox(), callback);
}

bool has(const std::string& body, const std::string& text) {
  return body.find(text) != std::string::npos;
}

TEST(ReceiptJson, WorkedExampleR1AsRawText) {
  const std::string body = render_only({}, worked_payment());
  // uuid.uuid5(UUID('6f1c5a0e-7d4b-5e8a-9c3f-2b1d0e4a8c71'),
  //            '11111111-1111-4111-8111-111111111111:prepayment') in python3
  const std::string id = "1d371cc3-2bca-5c1e-b244-62d7eeeb61e8";
  EXPECT_TRUE(has(body, "{\"receipt_id\":\"" + id + "\",")) << body;
  EXPECT_TRUE(has(body, "\"external_id\":\"" + id + "\"")) << body;
  EXPECT_TRUE(has(body, "\"kind\":\"prepayment\"")) << body;
  EXPECT_TRUE(has(body, "\"source_event_id\":\"" + testing::kPaymentEventId + "\"")) << body;
  EXPECT_TRUE(has(body, "\"operation\":\"sell\"")) << body;
  EXPECT_TRUE(has(body, "\"issued_at\":\"2026-02-10T09:00:00Z\"")) << body;
  EXPECT_TRUE(has(body, "\"total\":634997,")) << body;  // the envelope: kopecks
  EXPECT_TRUE(has(body, "\"timestamp\":\"10.02.2026 12:00:00\"")) << body;
  EXPECT_TRUE(has(body, "\"price\":1999.99,\"quantity\":3,\"sum\":5999.97")) << body;
  EXPECT_TRUE(has(body, "\"price\":350.00,\"quantity\":1,\"sum\":350.00")) << body;
  EXPECT_TRUE(has(body, "\"vat\":{\"type\":\"vat122\",\"sum\":1081.96}")) << body;
  EXPECT_TRUE(has(body, "\"vat\":{\"type\":\"none\",\"sum\":0.00}")) << body;
  EXPECT_TRUE(has(body, "\"payment_method\":\"full_prepayment\",\"payment_object\":4")) << body;
  EXPECT_TRUE(has(body, "\"payments\":[{\"type\":1,\"sum\":6349.97}]")) << body;
  EXPECT_TRUE(has(body, "{\"type\":\"vat122\",\"sum\":1081.96}")) << body;
  EXPECT_TRUE(has(body, "\"total\":6349.97,\"internet\":true")) << body;
  EXPECT_TRUE(has(body, "\"client\":{\"email\":\"ivan@example.ru\"}")) << body;
  EXPECT_TRUE(
      has(body,
          "\"company\":{\"email\":\"kassa@invoicebox.ru\",\"sno\":\"osn\",\"inn\":\"7725416908\","
          "\"payment_address\":\"https://www.invoicebox.ru\"}"))
      << body;
  EXPECT_TRUE(has(body,
                  "\"agent_info\":{\"type\":\"paying_agent\",\"paying_agent\":{\"operation\":"
                  "\"Оплата заказа\",\"phones\":[\"+74957870101\"]},\"receive_payments_"
                  "operator\":{\"phones\":[\"+74957870111\"]}}"))
      << body;
  EXPECT_FALSE(has(body, "\"service\"")) << "no callback configured: no service object";
  EXPECT_FALSE(has(body, "e+")) << body;
  EXPECT_NO_THROW(testing::parse_raw(body));
}

TEST(ReceiptJson, WorkedExampleR2AndR3AsRawText) {
  const std::string r2 = render_only({worked_payment()}, worked_shipment());
  // python3: uuid5(ns, '22222222-2222-4222-8222-222222222222:settlement')
  EXPECT_TRUE(has(r2, "\"receipt_id\":\"090e5032-b7dd-5aaa-bf83-3a337aa478f7\"")) << r2;
  EXPECT_TRUE(has(r2, "\"external_id\":\"090e5032-b7dd-5aaa-bf83-3a337aa478f7\"")) << r2;
  EXPECT_TRUE(has(r2, "\"total\":434998,")) << r2;
  EXPECT_TRUE(has(r2, "\"price\":1999.99,\"quantity\":2,\"sum\":3999.98")) << r2;
  EXPECT_TRUE(has(r2, "\"vat\":{\"type\":\"vat22\",\"sum\":721.31}")) << r2;
  EXPECT_TRUE(has(r2, "\"payments\":[{\"type\":2,\"sum\":4349.98}]")) << r2;
  EXPECT_TRUE(has(r2, "\"timestamp\":\"14.02.2026 15:00:00\"")) << r2;

  const std::string r3 = render_only({worked_payment(), worked_shipment()}, worked_refund());
  // python3: uuid5(ns, '33333333-3333-4333-8333-333333333333:refund')
  EXPECT_TRUE(has(r3, "\"receipt_id\":\"f8de60dd-1543-5f1e-bf70-c2e52d5d465d\"")) << r3;
  EXPECT_TRUE(has(r3, "\"operation\":\"sell_refund\"")) << r3;
  EXPECT_TRUE(has(r3, "\"sum\":1999.99")) << r3;
  EXPECT_TRUE(has(r3, "\"vat\":{\"type\":\"vat122\",\"sum\":360.65}")) << r3;
  EXPECT_TRUE(has(r3, "\"vat\":{\"type\":\"vat22\",\"sum\":360.65}")) << r3;
  EXPECT_TRUE(has(r3, "\"payments\":[{\"type\":1,\"sum\":3999.98}]")) << r3;
  // occurred_at 2026-02-20T15:30:00.250Z: Moscow 18:30:00, the fraction dropped.
  EXPECT_TRUE(has(r3, "\"timestamp\":\"20.02.2026 18:30:00\"")) << r3;
  const json j = testing::parse_raw(r3);
  EXPECT_EQ(parse_utc(j["issued_at"].get<std::string>()), at("2026-02-20T15:30:00.250Z"));
}

TEST(ReceiptJson, BoundaryTimestampAndVat) {
  const std::string body = render_only({}, pay(kNewYear, {moka("RUS_VAT22")}));
  EXPECT_TRUE(has(body, "\"issued_at\":\"2025-12-31T21:00:00Z\"")) << body;
  EXPECT_TRUE(has(body, "\"timestamp\":\"01.01.2026 00:00:00\"")) << body;
  EXPECT_TRUE(has(body, "\"vat\":{\"type\":\"vat122\",\"sum\":222.63}")) << body;
  const std::string before = render_only({}, pay(kLastSecond, {moka("RUS_VAT22")}));
  EXPECT_TRUE(has(before, "\"timestamp\":\"31.12.2025 23:59:59\"")) << before;
  EXPECT_TRUE(has(before, "\"vat\":{\"type\":\"vat120\",\"sum\":205.76}")) << before;
}

TEST(ReceiptJson, SmallAmountsAndQuantitiesAsRawText) {
  const std::string kopeck = render_only({}, pay(kPaid, {item("P", kBag, "1", 1, 1, "RUS_VAT22")}));
  EXPECT_TRUE(has(kopeck, "\"price\":0.01,\"quantity\":1,\"sum\":0.01")) << kopeck;
  EXPECT_TRUE(has(kopeck, "\"vat\":{\"type\":\"vat122\",\"sum\":0.00}")) << kopeck;
  EXPECT_TRUE(has(kopeck, "\"total\":0.01,\"internet\":true")) << kopeck;
  EXPECT_TRUE(has(kopeck, "\"total\":1,")) << kopeck;

  const std::string saffron =
      render_only({}, pay(kPaid, {item("Z", kSaffron, "0.001", 1500000, 1500, "RUS_VAT10",
                                       LineType::commodity, "166")}));
  EXPECT_TRUE(has(saffron, "\"price\":15000.00,\"quantity\":0.001,\"sum\":15.00,\"measure\":11"))
      << saffron;
  EXPECT_TRUE(has(saffron, "\"vat\":{\"type\":\"vat110\",\"sum\":1.36}")) << saffron;

  const std::string cheese =
      render_only({}, pay(kPaid, {item("Y", kCheese, "0.750", 49950, 37463, "RUS_VAT10",
                                       LineType::commodity, "166")}));
  EXPECT_TRUE(has(cheese, "\"price\":499.51,\"quantity\":0.75,\"sum\":374.63")) << cheese;

  // A round sum: 1 000 000.00 RUB keeps its ".00".
  const std::string big =
      render_only({}, pay(kPaid, {item("M", "Ноутбук", "1", 100000000, 100000000, "VATNONE")}));
  EXPECT_TRUE(has(big, "\"price\":1000000.00,\"quantity\":1,\"sum\":1000000.00")) << big;
  EXPECT_TRUE(has(big, "\"total\":100000000,")) << big;
}

TEST(ReceiptJson, EveryMoneyFieldHasTwoDecimals) {
  const std::vector<std::string> bodies = {
      render_only({}, worked_payment()), render_only({worked_payment()}, worked_shipment()),
      render_only({worked_payment(), worked_shipment()}, worked_refund()),
      render_only({},
                  pay(kPaid, {pens(), item("Y", kCheese, "0.750", 49950, 37463, "RUS_VAT10")}))};
  for (const auto& body : bodies) {
    SCOPED_TRACE(body);
    const json j = testing::parse_raw(body);
    const json& receipt = j["atol"]["receipt"];
    ASSERT_TRUE(j["total"].is_number_integer());  // kopecks in the envelope
    std::vector<const json*> money = {&receipt["total"]};
    for (const auto& i : receipt["items"]) {
      money.push_back(&i["price"]);
      money.push_back(&i["sum"]);
      money.push_back(&i["vat"]["sum"]);
    }
    for (const auto& p : receipt["payments"]) money.push_back(&p["sum"]);
    for (const auto& v : receipt["vats"]) money.push_back(&v["sum"]);
    for (const json* m : money) {
      const auto text = testing::number_text(*m);
      ASSERT_TRUE(text.has_value()) << m->dump();
      EXPECT_TRUE(testing::two_decimals(*text)) << *text;
    }
    EXPECT_EQ(testing::rubles(receipt["total"]), j["total"].get<Kopecks>());
  }
}

TEST(ReceiptJson, ContinuationReceiptIdIsUuidV5OfItsName) {
  std::vector<OrderItem> items = {pens()};
  for (int i = 1; i <= 99; ++i)
    items.push_back(
        item(("L" + std::to_string(i)).c_str(), "Позиция", "1", 1000, 1000, "RUS_VAT22"));
  const auto receipts = [&] {
    PaymentSucceeded payment = std::get<PaymentSucceeded>(worked_payment());
    payment.items = items;
    payment.amount = 10000 + 99 * 1000;
    return receipts_of({}, payment);
  }();
  ASSERT_EQ(receipts.size(), 2u);
  // python3: uuid5(ns, '11111111-1111-4111-8111-111111111111:prepayment') and ...':prepayment:2'
  EXPECT_EQ(contract::receipt_id(receipts[0]), "1d371cc3-2bca-5c1e-b244-62d7eeeb61e8");
  EXPECT_EQ(contract::receipt_id(receipts[1]), "8393b7ee-acce-5476-98ce-6f3e820ef8c1");
  const std::string second = contract::receipt_json(receipts[1], invoicebox(), "");
  EXPECT_TRUE(has(second, "\"receipt_id\":\"8393b7ee-acce-5476-98ce-6f3e820ef8c1\"")) << second;
  EXPECT_TRUE(has(second, "\"external_id\":\"8393b7ee-acce-5476-98ce-6f3e820ef8c1\"")) << second;
  EXPECT_TRUE(has(second, "\"total\":1000,")) << second;
}

TEST(ReceiptJson, SameReceiptSameBytes) {
  const auto receipts = receipts_of({worked_payment(), worked_shipment()}, worked_refund());
  ASSERT_EQ(receipts.size(), 1u);
  const std::string once =
      contract::receipt_json(receipts[0], invoicebox(), "https://gw.example/callback");
  const std::string twice =
      contract::receipt_json(receipts[0], invoicebox(), "https://gw.example/callback");
  EXPECT_EQ(once, twice);
  // A replay of the same events from an empty order gives the same bytes again.
  const auto replayed = receipts_of({worked_payment(), worked_shipment()}, worked_refund());
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(contract::receipt_json(replayed[0], invoicebox(), "https://gw.example/callback"), once);
  EXPECT_TRUE(has(once, "\"service\":{\"callback_url\":\"https://gw.example/callback\"}")) << once;
}

TEST(ReceiptJson, ClientAndSupplier) {
  Customer phone_only = private_buyer();
  phone_only.email.clear();
  phone_only.phone = "+79001112233";
  const std::string by_phone = render_only({}, pay(kPaid, {moka("VATNONE")}, phone_only));
  EXPECT_TRUE(has(by_phone, "\"client\":{\"phone\":\"+79001112233\"}")) << by_phone;

  Customer both = private_buyer();
  both.phone = "+79001112233";
  const std::string by_email = render_only({}, pay(kPaid, {moka("VATNONE")}, both));
  EXPECT_TRUE(has(by_email, "\"client\":{\"email\":\"ivan@example.ru\"}")) << by_email;

  const Supplier shop{"7712345678", "ООО «Чайники»", {"+74951234567"}, ""};
  const std::string supplied = render_only({}, pay(kPaid, {moka("VATNONE")}), "", shop);
  EXPECT_TRUE(has(supplied,
                  "\"supplier_info\":{\"inn\":\"7712345678\",\"name\":\"ООО "
                  "«Чайники»\",\"phones\":[\"+74951234567\"]}"))
      << supplied;
  const std::string defaulted = render_only({}, pay(kPaid, {moka("VATNONE")}));
  EXPECT_TRUE(has(defaulted,
                  "\"supplier_info\":{\"inn\":\"7814152630\",\"name\":\"Продавец\",\"phones\":["
                  "\"+74957870202\"]}"))
      << defaulted;
  EXPECT_TRUE(receipts_of({}, pay(kPaid, {moka("VATNONE")}))[0].default_supplier);
  EXPECT_FALSE(receipts_of({}, pay(kPaid, {moka("VATNONE")}), shop)[0].default_supplier);
  EXPECT_FALSE(receipts_of({}, pay(kPaid, {moka("VATNONE")}), shop)[0].default_supplier_phone);
  // A merchant listed without phones: ATOL v5 needs tag 1171 for a payment agent, so the
  // configured default phone stands in, and the receipt says so.
  const Supplier no_phone{"7712345678", "ООО «Чайники»", {}, ""};
  const std::string phoned = render_only({}, pay(kPaid, {moka("VATNONE")}), "", no_phone);
  EXPECT_TRUE(has(phoned,
                  "\"supplier_info\":{\"inn\":\"7712345678\",\"name\":\"ООО "
                  "«Чайники»\",\"phones\":[\"+74957870202\"]}"))
      << phoned;
  const auto flagged = receipts_of({}, pay(kPaid, {moka("VATNONE")}), no_phone)[0];
  EXPECT_FALSE(flagged.default_supplier);
  EXPECT_TRUE(flagged.default_supplier_phone);
}

}  // namespace
}  // namespace kassa::core
