// The order state machine (contract section 2; fiscal-54fz.md section 3), as tables a tax
// accountant can check line by line.
//
// Money is in kopecks: 599997 is 5 999.97 RUB. Quantities are written as the events send them
// ("3", "0.750"). Every expected amount is worked out by hand in the row's `why`:
//  - a partial shipment's sum is total × shipped / ordered, rounded half up to a kopeck;
//  - the shipment that completes a line takes whatever remains, so a line adds up exactly;
//  - a refund takes unshipped units first (reversing the prepayment receipt), then shipped units
//    (reversing settlement receipts, the latest first). Each part is worth what its units were
//    worth on the receipt it reverses (valued like a shipment); the refunded money splits over the
//    parts in proportion to those values, half up, the last part taking the remainder, and no part
//    gets more than its receipt still holds. Where units are worth the same on every receipt (the
//    kettle: 1 999.99 each) that is simply a split by quantity.
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "contract/state_codec.hpp"
#include "core/order.hpp"
#include "event_builders.hpp"

namespace kassa::core {
namespace {

using Basis = LinePart::Basis;

using builders::at;
using builders::header;
using builders::kOrder;
using builders::kShop;
using builders::q;
using builders::Returned;
using builders::ship;
using builders::ship_all;
using builders::Shipped;

const std::string kOtherShop = "shop-2";

// Business times of the worked example (UTC).
constexpr const char* kPaid = "2026-02-10T09:00:00Z";
constexpr const char* kFeb12 = "2026-02-12T10:00:00Z";
constexpr const char* kFeb14 = "2026-02-14T12:00:00Z";
constexpr const char* kFeb16 = "2026-02-16T12:00:00Z";
constexpr const char* kFeb20 = "2026-02-20T15:30:00Z";

// ---------------------------------------------------------------------------------------------
// Order lines and events.

OrderItem line(const char* sku, const char* quantity, Kopecks total,
               const char* vat_code = "RUS_VAT22", LineType type = LineType::commodity) {
  OrderItem item;
  item.sku = sku;
  item.name = std::string("goods ") + sku;
  item.measure = "шт";
  item.measure_code = "796";
  item.quantity = q(quantity);
  item.price = total * 1000 / item.quantity.milli;  // informative only; the core works with totals
  item.total_amount = total;
  item.vat_code = vat_code;
  item.vat = parse_vat_code(vat_code).value();
  item.type = type;
  return item;
}

// The worked example: A kettle 3 × 1 999.99 = 5 999.97 (RUS_VAT22), B delivery 350.00 (VATNONE).
std::vector<OrderItem> kettles() {
  return {line("A", "3", 599997, "RUS_VAT22"), line("B", "1", 35000, "VATNONE", LineType::service)};
}
// A line of 100.00 RUB for 3 units: it does not divide into kopecks (33.333...).
std::vector<OrderItem> thirds() {
  return {line("C", "3", 10000)};
}

Customer private_buyer(const char* email, const char* phone) {
  Customer c;
  c.type = CustomerType::private_person;
  c.name = "Иван Петров";
  c.email = email;
  c.phone = phone;
  return c;
}

Customer legal_buyer() {
  Customer c;
  c.type = CustomerType::legal;
  c.name = "ООО Ромашка";
  c.inn = "7701234560";
  c.kpp = "770101001";
  return c;
}

PaymentSucceeded payment_of(std::vector<OrderItem> items) {
  PaymentSucceeded p;
  p.header = header("evt-pay-1", kPaid);
  p.payment_id = "pay-1";
  p.merchant_order_id = "SHOP-1001";
  p.currency = "RUB";
  p.customer = private_buyer("ivan@example.ru", "");
  for (const auto& item : items) p.amount += item.total_amount;
  p.items = std::move(items);
  return p;
}

// The usual payment: amount = Σ lines, private buyer with an email, payment_id pay-1, on 10.02.
Event pay(std::vector<OrderItem> items) {
  return payment_of(std::move(items));
}

// A payment with its own ids (for duplicates).
Event pay_again(const char* payment_id, const char* event_id, std::vector<OrderItem> items) {
  PaymentSucceeded p = payment_of(std::move(items));
  p.payment_id = payment_id;
  p.header.event_id = event_id;
  return p;
}

Event pay_by(Customer customer, std::vector<OrderItem> items) {
  PaymentSucceeded p = payment_of(std::move(items));
  p.customer = std::move(customer);
  return p;
}

// A payment whose amount the sender states differently from the sum of its lines.
Event pay_stated(Kopecks amount, std::vector<OrderItem> items) {
  PaymentSucceeded p = payment_of(std::move(items));
  p.amount = amount;
  return p;
}

// Refund `id` with event id "evt-<id>"; amount = Σ lines unless stated.
Event refund(const char* id, const char* when, std::vector<Returned> items,
             std::optional<Kopecks> stated_amount = std::nullopt) {
  Event event = builders::refund(id, when, std::move(items));
  if (stated_amount) std::get<RefundSucceeded>(event).amount = *stated_amount;
  return event;
}

// The same event sent by another shop.
Event from_other_shop(Event event) {
  std::visit([](auto& e) { e.header.merchant_id = kOtherShop; }, event);
  return event;
}

// The same business id (shipment_id / refund_id) under a new event_id: the shop's system resent it.
Event resent(Event event) {
  std::visit([](auto& e) { e.header.event_id += "-resent"; }, event);
  return event;
}

// ---------------------------------------------------------------------------------------------
// Running events.

Source source_of(const Event& event, std::int64_t offset) {
  static const char* kTopics[] = {"invoicebox.payments.v1", "invoicebox.shipments.v1",
                                  "invoicebox.refunds.v1"};
  return {kTopics[event.index()], 0, offset, kOrder,
          "{\"event_id\":\"" + header_of(event).event_id + "\"}"};
}

std::string describe(const Step& step) {
  std::string text = step.event_id + " " + std::string(outcome_name(step.outcome));
  if (step.rejection)
    text += " (" + std::string(error_code_name(step.rejection->code)) + ": " +
            step.rejection->message + ")";
  return text;
}

// Applies the history, which must go through (applied, or parked while the payment is missing).
OrderState after(const std::vector<Event>& history, const char* why) {
  OrderState state;
  state.order_id = kOrder;
  std::int64_t offset = 0;
  for (const auto& event : history)
    for (const auto& step : apply_event(state, event, source_of(event, offset++)))
      if (step.outcome != Outcome::applied && step.outcome != Outcome::parked)
        ADD_FAILURE() << why << ": history event " << describe(step) << " did not go through";
  return state;
}

// "applied", "parked", "duplicate", or the rejection's error code, of an event's own step.
std::string verdict(const std::vector<Step>& steps) {
  if (steps.empty()) return "no step";
  if (steps[0].rejection) return std::string(error_code_name(steps[0].rejection->code));
  return std::string(outcome_name(steps[0].outcome));
}

std::string state_json(const OrderState& state) {
  return contract::order_to_json(state).dump();
}

const OrderLine& line_of(const OrderState& state, const std::string& sku) {
  for (const auto& l : state.lines)
    if (l.item.sku == sku) return l;
  throw std::out_of_range("no line " + sku);
}

// ---------------------------------------------------------------------------------------------
// 1. What happens to an event: applied, parked, ignored as a duplicate, or rejected with a reason.
//    Whatever is not applied or parked must leave the order exactly as it was.

struct OutcomeCase {
  const char* why;
  std::vector<Event> history;
  Event event;
  Outcome outcome;
  std::optional<ErrorCode> code = std::nullopt;  // for rejections
};

void check_outcome(const OutcomeCase& c);

TEST(Order, OutcomeOfEachEvent) {
  const OutcomeCase cases[] = {
      // Payments.
      {"a payment whose lines add up (599997 + 35000 = 634997) applies",
       {},
       pay(kettles()),
       Outcome::applied},
      {"the same payment_id again under a new event_id: a redelivery, ignored",
       {pay(kettles())},
       pay_again("pay-1", "evt-pay-1-resent", kettles()),
       Outcome::duplicate},
      {"a second payment with another payment_id for a paid order",
       {pay(kettles())},
       pay_again("pay-2", "evt-pay-2", kettles()),
       Outcome::rejected,
       ErrorCode::duplicate_payment},
      {"amount 634996 while the lines add up to 634997",
       {},
       pay_stated(634996, kettles()),
       Outcome::rejected,
       ErrorCode::amount_mismatch},
      {"amount 634998 while the lines add up to 634997",
       {},
       pay_stated(634998, kettles()),
       Outcome::rejected,
       ErrorCode::amount_mismatch},
      {"the same sku twice in one payment",
       {},
       pay({line("A", "1", 100), line("A", "2", 200)}),
       Outcome::rejected,
       ErrorCode::duplicate_sku},
      {"a private buyer with neither email nor phone: nowhere to send the receipt",
       {},
       pay_by(private_buyer("", ""), kettles()),
       Outcome::rejected,
       ErrorCode::missing_contact},
      {"a private buyer with a phone only",
       {},
       pay_by(private_buyer("", "+79001112233"), kettles()),
       Outcome::applied},
      {"a private buyer with an email only",
       {},
       pay_by(private_buyer("ivan@example.ru", ""), kettles()),
       Outcome::applied},
      {"a legal buyer needs no email or phone: documents go by INN, not receipts",
       {},
       pay_by(legal_buyer(), kettles()),
       Outcome::applied},

      // Waiting for the payment.
      {"a shipment before its payment waits",
       {},
       ship("S1", kFeb14, {{"A", "1"}}),
       Outcome::parked},
      {"a refund before its payment waits",
       {},
       refund("R1", kFeb20, {{"A", "1", 199999}}),
       Outcome::parked},
      {"a waiting shipment_id sent again under a new event_id",
       {ship("S1", kFeb14, {{"A", "1"}})},
       resent(ship("S1", kFeb14, {{"A", "1"}})),
       Outcome::duplicate},
      {"a waiting refund_id sent again under a new event_id",
       {refund("R1", kFeb20, {{"A", "1", 199999}})},
       resent(refund("R1", kFeb20, {{"A", "1", 199999}})),
       Outcome::duplicate},
      {"a shipment and a refund may share an id: they are different kinds",
       {ship("X", kFeb14, {{"A", "1"}})},
       refund("X", kFeb20, {{"A", "1", 199999}}),
       Outcome::parked},
      {"a waiting refund whose lines do not add up is refused at once, without waiting",
       {},
       refund("R1", kFeb20, {{"A", "1", 199999}}, 200000),
       Outcome::rejected,
       ErrorCode::amount_mismatch},

      // Shipments.
      {"shipping 2 of 3 kettles",
       {pay(kettles())},
       ship("S1", kFeb14, {{"A", "2"}}),
       Outcome::applied},
      {"shipping 4 kettles of 3 ordered",
       {pay(kettles())},
       ship("S1", kFeb14, {{"A", "4"}}),
       Outcome::rejected,
       ErrorCode::over_shipment},
      {"shipping 2 kettles when 2 of 3 have shipped already",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "2"}})},
       ship("S2", kFeb16, {{"A", "2"}}),
       Outcome::rejected,
       ErrorCode::over_shipment},
      {"shipping a kettle after all 3 were refunded unshipped",
       {pay(kettles()), refund("R1", kFeb12, {{"A", "3", 599997}})},
       ship("S1", kFeb14, {{"A", "1"}}),
       Outcome::rejected,
       ErrorCode::over_shipment},
      {"'ship everything' when everything has shipped: nothing left",
       {pay(kettles()), ship_all("S1", kFeb14)},
       ship_all("S2", kFeb16),
       Outcome::rejected,
       ErrorCode::over_shipment},
      {"'ship everything' when everything was refunded: nothing left",
       {pay(kettles()), refund("R1", kFeb12, {{"A", "3", 599997}, {"B", "1", 35000}})},
       ship_all("S1", kFeb14),
       Outcome::rejected,
       ErrorCode::over_shipment},
      {"shipping 0.001 more than ordered (3.001 of 3)",
       {pay(kettles())},
       ship("S1", kFeb14, {{"A", "3.001"}}),
       Outcome::rejected,
       ErrorCode::over_shipment},
      {"shipping a sku the order does not have",
       {pay(kettles())},
       ship("S1", kFeb14, {{"Z", "1"}}),
       Outcome::rejected,
       ErrorCode::unknown_sku},
      {"shipping a good kettle and an unknown sku: the kettle does not ship either",
       {pay(kettles())},
       ship("S1", kFeb14, {{"A", "1"}, {"Z", "1"}}),
       Outcome::rejected,
       ErrorCode::unknown_sku},
      {"shipping 1 kettle and too much delivery: the kettle does not ship either",
       {pay(kettles())},
       ship("S1", kFeb14, {{"A", "1"}, {"B", "2"}}),
       Outcome::rejected,
       ErrorCode::over_shipment},
      {"the same sku twice in one shipment",
       {pay(kettles())},
       ship("S1", kFeb14, {{"A", "1"}, {"A", "1"}}),
       Outcome::rejected,
       ErrorCode::duplicate_sku},
      {"shipment_id S1 again under a new event_id: ignored",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "1"}})},
       resent(ship("S1", kFeb14, {{"A", "1"}})),
       Outcome::duplicate},
      {"shipment_id S1 again, even with other items and date: still S1, ignored",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "1"}})},
       resent(ship("S1", kFeb16, {{"B", "1"}})),
       Outcome::duplicate},
      {"a shipment from another shop than the one paid",
       {pay(kettles())},
       from_other_shop(ship("S1", kFeb14, {{"A", "1"}})),
       Outcome::rejected,
       ErrorCode::merchant_mismatch},

      // Refunds.
      {"refunding 1 unshipped kettle",
       {pay(kettles())},
       refund("R1", kFeb20, {{"A", "1", 199999}}),
       Outcome::applied},
      {"refunding 4 kettles of 3",
       {pay(kettles())},
       refund("R1", kFeb20, {{"A", "4", 799996}}),
       Outcome::rejected,
       ErrorCode::over_refund},
      {"refunding 3 kettles after 1 was refunded",
       {pay(kettles()), refund("R1", kFeb12, {{"A", "1", 199999}})},
       refund("R2", kFeb20, {{"A", "3", 599997}}),
       Outcome::rejected,
       ErrorCode::over_refund},
      {"refunding anything after the whole order was refunded",
       {pay(kettles()), refund("R1", kFeb12, {{"A", "3", 599997}, {"B", "1", 35000}})},
       refund("R2", kFeb20, {{"B", "0.001", 1}}),
       Outcome::rejected,
       ErrorCode::over_refund},
      {"1 unshipped kettle for 5 999.98: more money than is left on the whole line (5 999.97)",
       {pay(kettles())},
       refund("R1", kFeb20, {{"A", "1", 599998}}),
       Outcome::rejected,
       ErrorCode::over_refund},
      {"1 shipped kettle for 5 999.98: more than the 5 999.97 settled",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "3"}})},
       refund("R1", kFeb20, {{"A", "1", 599998}}),
       Outcome::rejected,
       ErrorCode::over_refund},
      {"refund amount 399999 while its lines add up to 399998",
       {pay(kettles())},
       refund("R1", kFeb20, {{"A", "2", 399998}}, 399999),
       Outcome::rejected,
       ErrorCode::amount_mismatch},
      {"refunding a sku the order does not have",
       {pay(kettles())},
       refund("R1", kFeb20, {{"Z", "1", 100}}),
       Outcome::rejected,
       ErrorCode::unknown_sku},
      {"the same sku twice in one refund",
       {pay(kettles())},
       refund("R1", kFeb20, {{"A", "1", 199999}, {"A", "1", 199999}}),
       Outcome::rejected,
       ErrorCode::duplicate_sku},
      {"refunding a kettle and too much delivery: the kettle is not refunded either",
       {pay(kettles())},
       refund("R1", kFeb20, {{"A", "1", 199999}, {"B", "2", 70000}}),
       Outcome::rejected,
       ErrorCode::over_refund},
      {"after a shipment and a refund, a refund of 1 shipped kettle plus too much delivery: "
       "nothing is "
       "refunded, the settlement stays unreversed",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "2"}}),
        refund("R1", kFeb16, {{"A", "1", 199999}})},
       refund("R2", kFeb20, {{"A", "1", 199999}, {"B", "2", 70000}}),
       Outcome::rejected,
       ErrorCode::over_refund},
      {"after a refund, 'ship everything' with the order from another shop: nothing ships",
       {pay(kettles()), refund("R1", kFeb16, {{"A", "1", 199999}})},
       from_other_shop(ship_all("S1", kFeb20)),
       Outcome::rejected,
       ErrorCode::merchant_mismatch},
      {"100.00 for 3 shipped as 2 (6667) + 1 (3333); R1 returned S2's unit (3333) and 1 of S1's "
       "for 3334; "
       "the last unit for 33.34 is more than the 6667 - 3334 = 3333 its settlement still holds",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "2"}}), ship("S2", kFeb16, {{"C", "1"}}),
        refund("R1", kFeb16, {{"C", "2", 6667}})},
       refund("R2", kFeb20, {{"C", "1", 3334}}),
       Outcome::rejected,
       ErrorCode::over_refund},
      {"refund_id R1 again under a new event_id: ignored",
       {pay(kettles()), refund("R1", kFeb12, {{"A", "1", 199999}})},
       resent(refund("R1", kFeb12, {{"A", "1", 199999}})),
       Outcome::duplicate},
      {"a refund from another shop than the one paid",
       {pay(kettles())},
       from_other_shop(refund("R1", kFeb20, {{"A", "1", 199999}})),
       Outcome::rejected,
       ErrorCode::merchant_mismatch},
  };
  for (const auto& c : cases) check_outcome(c);
}

void check_outcome(const OutcomeCase& c) {
  OrderState state = after(c.history, c.why);
  const std::string before = state_json(state);
  const auto steps = apply_event(state, c.event, source_of(c.event, 100));
  ASSERT_EQ(steps.size(), 1u) << c.why << ": nothing was waiting, so one step";
  const Step& step = steps[0];
  EXPECT_EQ(step.event_id, header_of(c.event).event_id) << c.why;
  EXPECT_EQ(outcome_name(step.outcome), outcome_name(c.outcome))
      << c.why << ": got " << describe(step);
  if (c.outcome == Outcome::rejected) {
    ASSERT_TRUE(step.rejection.has_value()) << c.why;
    EXPECT_EQ(error_code_name(step.rejection->code), error_code_name(*c.code))
        << c.why << ": " << describe(step);
    EXPECT_FALSE(step.rejection->message.empty()) << c.why;
  } else {
    EXPECT_FALSE(step.rejection.has_value()) << c.why;
  }
  if (c.outcome == Outcome::rejected || c.outcome == Outcome::duplicate) {
    EXPECT_EQ(state_json(state), before)
        << c.why << ": a refused or repeated event must change nothing";
    EXPECT_TRUE(step.parts.empty()) << c.why;
  } else {
    EXPECT_NE(state_json(state), before) << c.why << ": an applied or parked event is recorded";
  }
}

TEST(Order, CheckEventNeedsNoOrder) {
  // The checks that need the event alone, so the worker can refuse early.
  const auto checked = [](const Event& event) {
    const auto rejection = check_event(event);
    return rejection ? std::string(error_code_name(rejection->code)) : std::string("fine");
  };
  EXPECT_EQ(checked(pay(kettles())), "fine");
  EXPECT_EQ(checked(pay_stated(634996, kettles())), "amount_mismatch");
  EXPECT_EQ(checked(pay_by(private_buyer("", ""), kettles())), "missing_contact");
  EXPECT_EQ(checked(pay_by(legal_buyer(), kettles())), "fine");
  EXPECT_EQ(checked(ship("S1", kFeb14, {{"A", "1"}, {"A", "2"}})), "duplicate_sku");
  EXPECT_EQ(checked(ship_all("S1", kFeb14)), "fine");
  EXPECT_EQ(checked(refund("R1", kFeb20, {{"A", "1", 5}}, 6)), "amount_mismatch");
  EXPECT_EQ(checked(refund("R1", kFeb20, {{"A", "1", 5}, {"B", "1", 6}})), "fine");
}

// ---------------------------------------------------------------------------------------------
// 2. The money of each applied event, line by line, and which earlier receipt each part belongs to
//    (the prepayment of 10.02, or the settlement of a given shipment) - that fixes its VAT rate.

struct Reverses {
  Basis basis;
  std::string event_id;
  const char* when;
};
const Reverses kPrepayment{Basis::prepayment, "evt-pay-1", kPaid};
Reverses settlement(const char* shipment_id, const char* when) {
  return {Basis::settlement, std::string("evt-") + shipment_id, when};
}

struct Part {
  const char* sku;
  const char* quantity;
  Kopecks amount;
  Reverses of;
};

struct MoneyCase {
  const char* why;
  std::vector<Event> history;
  Event event;
  Kopecks amount;  // the event's total
  std::vector<Part> parts;
};

void check_money(const MoneyCase& c);

TEST(Order, MoneyOfEachEvent) {
  const MoneyCase cases[] = {
      // The prepayment.
      {"the payment covers both lines in full, as a prepayment",
       {},
       pay(kettles()),
       634997,
       {{"A", "3", 599997, kPrepayment}, {"B", "1", 35000, kPrepayment}}},

      // Partial shipments of 100.00 RUB for 3 units.
      {"1 of 3: 10000 × 1/3 = 3333.33, rounds to 3333",
       {pay(thirds())},
       ship("S1", kFeb14, {{"C", "1"}}),
       3333,
       {{"C", "1", 3333, settlement("S1", kFeb14)}}},
      {"the second third: again 3333",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "1"}})},
       ship("S2", kFeb16, {{"C", "1"}}),
       3333,
       {{"C", "1", 3333, settlement("S2", kFeb16)}}},
      {"the last third completes the line and takes the remainder: 10000 - 3333 - 3333 = 3334",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "1"}}), ship("S2", kFeb14, {{"C", "1"}})},
       ship("S3", kFeb16, {{"C", "1"}}),
       3334,
       {{"C", "1", 3334, settlement("S3", kFeb16)}}},
      {"1 of 3 shipped (3333), then the other 2 take the remainder 6667, not 2 × 3333",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "1"}})},
       ship("S2", kFeb16, {{"C", "2"}}),
       6667,
       {{"C", "2", 6667, settlement("S2", kFeb16)}}},
      {"2 of 3 first: 10000 × 2/3 = 6666.67, rounds up to 6667",
       {pay(thirds())},
       ship("S1", kFeb14, {{"C", "2"}}),
       6667,
       {{"C", "2", 6667, settlement("S1", kFeb14)}}},
      {"after 2 of 3 (6667) the last unit takes 10000 - 6667 = 3333",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "2"}})},
       ship("S2", kFeb16, {{"C", "1"}}),
       3333,
       {{"C", "1", 3333, settlement("S2", kFeb16)}}},

      // Shipments without items.
      {"'ship everything' ships every line in full: 599997 + 35000",
       {pay(kettles())},
       ship_all("S1", kFeb14),
       634997,
       {{"A", "3", 599997, settlement("S1", kFeb14)}, {"B", "1", 35000, settlement("S1", kFeb14)}}},
      {"'ship everything' after 1 kettle shipped (599997 × 1/3 = 199999): the other 2 take 599997 "
       "- 199999 = "
       "399998, plus delivery 35000",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "1"}})},
       ship_all("S2", kFeb16),
       434998,
       {{"A", "2", 399998, settlement("S2", kFeb16)}, {"B", "1", 35000, settlement("S2", kFeb16)}}},
      {"'ship everything' skips the kettle refunded before shipping: 2 kettles 399998 + delivery "
       "35000",
       {pay(kettles()), refund("R1", kFeb12, {{"A", "1", 199999}})},
       ship_all("S1", kFeb14),
       434998,
       {{"A", "2", 399998, settlement("S1", kFeb14)}, {"B", "1", 35000, settlement("S1", kFeb14)}}},

      // Refunds.
      {"1 unshipped kettle: reverses the prepayment",
       {pay(kettles())},
       refund("R1", kFeb20, {{"A", "1", 199999}}),
       199999,
       {{"A", "1", 199999, kPrepayment}}},
      {"the delivery, not yet rendered, refunded in full",
       {pay(kettles())},
       refund("R1", kFeb20, {{"B", "1", 35000}}),
       35000,
       {{"B", "1", 35000, kPrepayment}}},
      {"a partial money refund (a 500.00 discount on 1 unshipped kettle) still reverses the "
       "prepayment",
       {pay(kettles())},
       refund("R1", kFeb20, {{"A", "1", 50000}}),
       50000,
       {{"A", "1", 50000, kPrepayment}}},
      {"1 shipped kettle (all 3 shipped): reverses the settlement of S1",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "3"}})},
       refund("R1", kFeb20, {{"A", "1", 199999}}),
       199999,
       {{"A", "1", 199999, settlement("S1", kFeb14)}}},
      {"1 shipped kettle after two shipments: only the latest one (S2 of 16.02) is reversed",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "2"}}), ship("S2", kFeb16, {{"A", "1"}})},
       refund("R1", kFeb20, {{"A", "1", 199999}}),
       199999,
       {{"A", "1", 199999, settlement("S2", kFeb16)}}},
      {"2 shipped kettles across two shipments: the latest (S2, 1 unit) first, then 1 of S1; "
       "399998 splits "
       "by quantity: 399998 × 1/2 = 199999 each",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "2"}}), ship("S2", kFeb16, {{"A", "1"}})},
       refund("R1", kFeb20, {{"A", "2", 399998}}),
       399998,
       {{"A", "1", 199999, settlement("S2", kFeb16)},
        {"A", "1", 199999, settlement("S1", kFeb14)}}},
      {"all 3 of a 100.00 line shipped as 2 (6667) + 1 (3333), refunded in full: the latest "
       "shipment's unit "
       "first, worth its 3333, then S1's 2 units the remaining 6667",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "2"}}), ship("S2", kFeb16, {{"C", "1"}})},
       refund("R1", kFeb20, {{"C", "3", 10000}}),
       10000,
       {{"C", "1", 3333, settlement("S2", kFeb16)}, {"C", "2", 6667, settlement("S1", kFeb14)}}},
      {"a line spanning both: 1 of 3 shipped (3333), all 3 refunded for 10000; the 2 unshipped "
       "units hold "
       "10000 - 3333 = 6667 on the prepayment (by quantity too: 10000 × 2/3 = 6666.67 -> 6667), "
       "the shipped "
       "unit the remaining 3333 of its settlement",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "1"}})},
       refund("R1", kFeb20, {{"C", "3", 10000}}),
       10000,
       {{"C", "2", 6667, kPrepayment}, {"C", "1", 3333, settlement("S1", kFeb14)}}},
      {"a line spanning both, exact half: 2 of 3 kettles shipped (399998), 2 returned with a 1 "
       "000.01 "
       "compensation; each kettle is worth 199999 on its receipt, so the money splits by quantity: "
       "100001 × 1/2 = 50000.5 -> 50001 against the prepayment, the shipped kettle the remaining "
       "50000",
       {pay(kettles()), ship("S1", kFeb14, {{"A", "2"}})},
       refund("R1", kFeb20, {{"A", "2", 100001}}),
       100001,
       {{"A", "1", 50001, kPrepayment}, {"A", "1", 50000, settlement("S1", kFeb14)}}},
      {"a line spanning both where units are worth different amounts: 100.00 for 3, 2 shipped "
       "(6667), 2 "
       "refunded for 50.01; the unshipped unit holds 10000 - 6667 = 3333 on the prepayment, the "
       "shipped one "
       "6667 × 1/2 = 3333.5 -> 3334 on the settlement; 5001 × 3333/6667 = 2500.12 -> 2500, the "
       "shipped 2501",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "2"}})},
       refund("R1", kFeb20, {{"C", "2", 5001}}),
       5001,
       {{"C", "1", 2500, kPrepayment}, {"C", "1", 2501, settlement("S1", kFeb14)}}},
      {"a line of 2 units for 100.01: 1 shipped (10001 × 1/2 = 5000.5 -> 5001), then the whole "
       "line refunded "
       "for 10001: the prepayment has 5000 left and the settlement 5001, so the refund is 5000 + "
       "5001",
       {pay({line("D", "2", 10001)}), ship("S1", kFeb14, {{"D", "1"}})},
       refund("R1", kFeb20, {{"D", "2", 10001}}),
       10001,
       {{"D", "1", 5000, kPrepayment}, {"D", "1", 5001, settlement("S1", kFeb14)}}},
      {"3 units for 90.00: 1 cancelled before shipping for a token 0.01, 1 shipped (9000 × 1/3 = "
       "3000); the "
       "other 2 refunded for 89.99: by quantity the shipped unit would take 4499, more than its "
       "3000 "
       "settlement; by value the unshipped unit holds 5999 on the prepayment and the shipped one "
       "3000",
       {pay({line("E", "3", 9000)}), refund("R0", kFeb12, {{"E", "1", 1}}),
        ship("S1", kFeb14, {{"E", "1"}})},
       refund("R1", kFeb20, {{"E", "2", 8999}}),
       8999,
       {{"E", "1", 5999, kPrepayment}, {"E", "1", 3000, settlement("S1", kFeb14)}}},
      {"100.00 for 3 shipped as 2 (6667) + 1 (3333); R1 returned 2 units for 6667: S2's unit worth "
       "3333 and "
       "1 of S1's worth 6667 × 1/2 = 3333.5 -> 3334; 6667 splits by those values: 3333 and 3334",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "2"}}), ship("S2", kFeb16, {{"C", "1"}})},
       refund("R1", kFeb16, {{"C", "2", 6667}}),
       6667,
       {{"C", "1", 3333, settlement("S2", kFeb16)}, {"C", "1", 3334, settlement("S1", kFeb14)}}},
      {"then the last unit, for all that S1 still holds: 6667 - 3334 = 3333",
       {pay(thirds()), ship("S1", kFeb14, {{"C", "2"}}), ship("S2", kFeb16, {{"C", "1"}}),
        refund("R1", kFeb16, {{"C", "2", 6667}})},
       refund("R2", kFeb20, {{"C", "1", 3333}}),
       3333,
       {{"C", "1", 3333, settlement("S1", kFeb14)}}},
      {"the kettle and the delivery refunded together, each from its own receipt",
       {pay(kettles()), ship("S1", kFeb14, {{"B", "1"}})},
       refund("R1", kFeb20, {{"A", "1", 199999}, {"B", "1", 35000}}),
       234999,
       {{"A", "1", 199999, kPrepayment}, {"B", "1", 35000, settlement("S1", kFeb14)}}},

      // Fractional quantities.
      {"0.750 kg of cheese for 450.01, 0.250 kg shipped: 45001 × 250/750 = 15000.33 -> 15000",
       {pay({line("CHEESE", "0.750", 45001)})},
       ship("S1", kFeb14, {{"CHEESE", "0.250"}}),
       15000,
       {{"CHEESE", "0.25", 15000, settlement("S1", kFeb14)}}},
      {"then the remaining 0.500 kg takes 45001 - 15000 = 30001",
       {pay({line("CHEESE", "0.750", 45001)}), ship("S1", kFeb14, {{"CHEESE", "0.250"}})},
       ship("S2", kFeb16, {{"CHEESE", "0.5"}}),
       30001,
       {{"CHEESE", "0.5", 30001, settlement("S2", kFeb16)}}},
      {"0.001 kg refunded of 0.750 kg unshipped for 0.60 RUB",
       {pay({line("CHEESE", "0.750", 45001)})},
       refund("R1", kFeb20, {{"CHEESE", "0.001", 60}}),
       60,
       {{"CHEESE", "0.001", 60, kPrepayment}}},
      {"one gram (0.001) of saffron for 1 kopeck ships whole",
       {pay({line("SAFFRON", "0.001", 1)})},
       ship_all("S1", kFeb14),
       1,
       {{"SAFFRON", "0.001", 1, settlement("S1", kFeb14)}}},
      {"the shipped gram refunded: 1 kopeck from its settlement",
       {pay({line("SAFFRON", "0.001", 1)}), ship_all("S1", kFeb14)},
       refund("R1", kFeb20, {{"SAFFRON", "0.001", 1}}),
       1,
       {{"SAFFRON", "0.001", 1, settlement("S1", kFeb14)}}},

      // One-kopeck lines.
      {"a one-kopeck line, paid", {}, pay({line("K", "1", 1)}), 1, {{"K", "1", 1, kPrepayment}}},
      {"a one-kopeck line, refunded before shipping",
       {pay({line("K", "1", 1)})},
       refund("R1", kFeb20, {{"K", "1", 1}}),
       1,
       {{"K", "1", 1, kPrepayment}}},
      {"1 of 3 units of a one-kopeck line: 1 × 1/3 = 0.33 -> 0",
       {pay({line("K", "3", 1)})},
       ship("S1", kFeb14, {{"K", "1"}}),
       0,
       {{"K", "1", 0, settlement("S1", kFeb14)}}},
      {"2 of 3 units of a one-kopeck line: 1 × 2/3 = 0.67 -> 1",
       {pay({line("K", "3", 1)})},
       ship("S1", kFeb14, {{"K", "2"}}),
       1,
       {{"K", "2", 1, settlement("S1", kFeb14)}}},
      {"after 2 of 3 took the kopeck, the last unit gets 1 - 1 = 0",
       {pay({line("K", "3", 1)}), ship("S1", kFeb14, {{"K", "2"}})},
       ship("S2", kFeb16, {{"K", "1"}}),
       0,
       {{"K", "1", 0, settlement("S2", kFeb16)}}},
      {"1 of 2 units of a one-kopeck line: 0.5 rounds up to 1",
       {pay({line("K", "2", 1)})},
       ship("S1", kFeb14, {{"K", "1"}}),
       1,
       {{"K", "1", 1, settlement("S1", kFeb14)}}},
      {"2 kopecks for 4 units shipped one by one: 1, 1, then nothing is left for the third (never "
       "a negative "
       "sum), and the last takes the remainder 0",
       {pay({line("K", "4", 2)}), ship("S1", kFeb14, {{"K", "1"}}),
        ship("S2", kFeb14, {{"K", "1"}})},
       ship("S3", kFeb16, {{"K", "1"}}),
       0,
       {{"K", "1", 0, settlement("S3", kFeb16)}}},
      {"2 kopecks for 4 units, shipped one by one as 1, 1, 0, 0, all returned for 2 kopecks: "
       "latest shipment "
       "first; S4 and S3 settled 0 so they get 0, S2 and S1 their 1 kopeck each (never more than a "
       "receipt "
       "holds, never a negative line)",
       {pay({line("K", "4", 2)}), ship("S1", kFeb14, {{"K", "1"}}),
        ship("S2", kFeb14, {{"K", "1"}}), ship("S3", kFeb16, {{"K", "1"}}),
        ship("S4", kFeb16, {{"K", "1"}})},
       refund("R1", kFeb20, {{"K", "4", 2}}),
       2,
       {{"K", "1", 0, settlement("S4", kFeb16)},
        {"K", "1", 0, settlement("S3", kFeb16)},
        {"K", "1", 1, settlement("S2", kFeb14)},
        {"K", "1", 1, settlement("S1", kFeb14)}}},
  };
  for (const auto& c : cases) check_money(c);
}

void check_money(const MoneyCase& c) {
  OrderState state = after(c.history, c.why);
  const auto steps = apply_event(state, c.event, source_of(c.event, 100));
  ASSERT_EQ(steps.size(), 1u) << c.why;
  const Step& step = steps[0];
  ASSERT_EQ(step.outcome, Outcome::applied) << c.why << ": " << describe(step);
  EXPECT_EQ(step.amount, c.amount) << c.why;
  ASSERT_EQ(step.parts.size(), c.parts.size()) << c.why;
  Kopecks sum = 0;
  for (std::size_t i = 0; i < c.parts.size(); ++i) {
    const LinePart& got = step.parts[i];
    const Part& want = c.parts[i];
    ASSERT_LT(got.line, state.lines.size()) << c.why;
    EXPECT_EQ(state.lines[got.line].item.sku, want.sku) << c.why << ", part " << i;
    EXPECT_EQ(format_quantity(got.quantity), want.quantity) << c.why << ", part " << i;
    EXPECT_EQ(got.amount, want.amount) << c.why << ", part " << i;
    EXPECT_EQ(got.basis, want.of.basis) << c.why << ", part " << i;
    EXPECT_EQ(got.basis_event_id, want.of.event_id) << c.why << ", part " << i;
    EXPECT_EQ(format_utc(got.basis_time), want.of.when) << c.why << ", part " << i;
    EXPECT_GE(got.amount, 0) << c.why << ", part " << i << ": a receipt line is never negative";
    sum += got.amount;
  }
  EXPECT_EQ(sum, step.amount) << c.why << ": the parts add up to the event's money";
}

// ---------------------------------------------------------------------------------------------
// 3. The worked example of fiscal-54fz.md section 3, step by step.

TEST(Order, WorkedExampleOfFiscal54fz) {
  OrderState state;
  state.order_id = kOrder;

  // Paid 10.02.2026: A 3 × 1 999.99 = 5 999.97 (RUS_VAT22), B 350.00 (VATNONE); total 6 349.97.
  auto steps = apply_event(state, pay(kettles()), source_of(pay(kettles()), 0));
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].outcome, Outcome::applied);
  EXPECT_EQ(steps[0].amount, 634997);

  // R2, shipment 14.02 of A × 2 and B: 2 × 1 999.99 = 3 999.98 and 350.00, total 4 349.98.
  const Event shipment = ship("S1", kFeb14, {{"A", "2"}, {"B", "1"}});
  steps = apply_event(state, shipment, source_of(shipment, 1));
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_EQ(steps[0].outcome, Outcome::applied) << describe(steps[0]);
  EXPECT_EQ(steps[0].amount, 434998);
  // "Open prepayment: 634 997 − 434 998 = 199 999 (one unshipped kettle)."
  EXPECT_EQ(line_of(state, "A").open_amount(), 199999);
  EXPECT_EQ(line_of(state, "A").open_quantity(), q("1"));
  EXPECT_EQ(line_of(state, "B").open_amount(), 0);
  EXPECT_EQ(state.shipped_amount(), 434998);

  // R3, refund 20.02 of A × 2 for 3 999.98: the unshipped kettle reverses the prepayment
  // (full_prepayment, 22/122), the shipped one the settlement of 14.02 (full_payment, 22%).
  const Event returned = refund("R1", kFeb20, {{"A", "2", 399998}});
  steps = apply_event(state, returned, source_of(returned, 2));
  ASSERT_EQ(steps.size(), 1u);
  ASSERT_EQ(steps[0].outcome, Outcome::applied) << describe(steps[0]);
  EXPECT_EQ(steps[0].amount, 399998);
  ASSERT_EQ(steps[0].parts.size(), 2u);
  const LinePart& unshipped = steps[0].parts[0];
  EXPECT_EQ(unshipped.quantity, q("1"));
  EXPECT_EQ(unshipped.amount, 199999);
  EXPECT_EQ(unshipped.basis, Basis::prepayment);
  EXPECT_EQ(format_utc(unshipped.basis_time), kPaid) << "VAT rate of the payment's date";
  const LinePart& shipped = steps[0].parts[1];
  EXPECT_EQ(shipped.quantity, q("1"));
  EXPECT_EQ(shipped.amount, 199999);
  EXPECT_EQ(shipped.basis, Basis::settlement);
  EXPECT_EQ(shipped.basis_event_id, "evt-S1");
  EXPECT_EQ(format_utc(shipped.basis_time), kFeb14) << "VAT rate of the shipment's date";

  // Afterwards: nothing open on A (1 shipped and kept, 1 shipped and returned, 1 cancelled).
  const OrderLine& a = line_of(state, "A");
  EXPECT_EQ(a.open_quantity(), q("0"));
  EXPECT_EQ(a.open_amount(), 0);
  EXPECT_EQ(a.refunded_unshipped_amount, 199999);
  EXPECT_EQ(a.refunded_shipped_amount, 199999);
  EXPECT_EQ(state.refunded_amount(), 399998);
  ASSERT_EQ(a.settlements.size(), 1u);
  EXPECT_EQ(a.settlements[0].reversed, q("1"));
  EXPECT_EQ(a.settlements[0].reversed_amount, 199999);

  // Nothing more can be shipped or refunded on A, but the kept kettle's 1 999.99 can still be
  // returned.
  EXPECT_EQ(verdict(apply_event(state, ship("S2", kFeb20, {{"A", "1"}}), {})), "over_shipment");
  EXPECT_EQ(verdict(apply_event(state, refund("R2", kFeb20, {{"A", "1", 199999}}), {})), "applied");
  EXPECT_EQ(state.refunded_amount(), 599997) << "all three kettles' money went back";
  EXPECT_EQ(verdict(apply_event(state, refund("R3", kFeb20, {{"A", "0.001", 1}}), {})),
            "over_refund");
}

// ---------------------------------------------------------------------------------------------
// 4. Events that arrive before their payment wait, and are applied in business order (occurred_at,
//    then shipments before refunds) when it comes, whatever order they arrived in.

struct ArrivalCase {
  const char* why;
  std::vector<Event> arrivals;               // the payment comes last
  std::vector<std::string> released_events;  // the order in which the waiting events apply
  std::vector<Part> refund_parts;            // the refund's parts once applied
};

TEST(Order, WaitingEventsApplyInBusinessOrder) {
  // The shop shipped all 3 kettles and the delivery on 14.02; the buyer returned one kettle
  // on 20.02.
  const Event payment = pay(kettles());
  const Event shipment = ship_all("S1", kFeb14);
  const Event late_refund = refund("R1", kFeb20, {{"A", "1", 199999}});
  // Same, but the buyer cancelled one kettle on 12.02, before the shipment.
  const Event early_refund = refund("R1", kFeb12, {{"A", "1", 199999}});
  // Same moment for both: the shipment goes first.
  const Event same_time_refund = refund("R1", kFeb14, {{"A", "1", 199999}});

  const ArrivalCase cases[] = {
      {"the refund (20.02) arrives before the shipment (14.02): both wait; the shipment applies "
       "first, so the "
       "refund reverses a shipped kettle",
       {late_refund, shipment, payment},
       {"evt-S1", "evt-R1"},
       {{"A", "1", 199999, settlement("S1", kFeb14)}}},
      {"the shipment arrives first, then the refund: the same result",
       {shipment, late_refund, payment},
       {"evt-S1", "evt-R1"},
       {{"A", "1", 199999, settlement("S1", kFeb14)}}},
      {"the refund (12.02) happened before the shipment (14.02) but arrives after it: the refund "
       "applies "
       "first and cancels an unshipped kettle, so 2 ship",
       {shipment, early_refund, payment},
       {"evt-R1", "evt-S1"},
       {{"A", "1", 199999, kPrepayment}}},
      {"shipment and refund at the same moment, refund arrived first: the shipment applies first",
       {same_time_refund, shipment, payment},
       {"evt-S1", "evt-R1"},
       {{"A", "1", 199999, settlement("S1", kFeb14)}}},
  };
  for (const auto& c : cases) {
    OrderState state;
    state.order_id = kOrder;
    std::vector<Step> last;
    for (std::size_t i = 0; i < c.arrivals.size(); ++i) {
      last =
          apply_event(state, c.arrivals[i], source_of(c.arrivals[i], static_cast<std::int64_t>(i)));
      if (i + 1 < c.arrivals.size()) {
        ASSERT_EQ(last.size(), 1u) << c.why;
        EXPECT_EQ(last[0].outcome, Outcome::parked) << c.why << ": " << describe(last[0]);
        EXPECT_EQ(state.parked.size(), i + 1) << c.why;
      }
    }
    // The payment's step, then one step per waiting event, in business order.
    ASSERT_EQ(last.size(), 1 + c.released_events.size()) << c.why;
    EXPECT_EQ(last[0].kind, EventKind::payment) << c.why;
    EXPECT_TRUE(state.parked.empty()) << c.why << ": nothing waits once the payment is in";
    const Step* refund_step = nullptr;
    for (std::size_t i = 0; i < c.released_events.size(); ++i) {
      const Step& step = last[i + 1];
      EXPECT_EQ(step.event_id, c.released_events[i]) << c.why << ", released #" << i;
      EXPECT_EQ(step.outcome, Outcome::applied) << c.why << ": " << describe(step);
      ASSERT_TRUE(step.source.has_value())
          << c.why << ": a released event keeps where it came from";
      if (step.kind == EventKind::refund) refund_step = &step;
    }
    ASSERT_NE(refund_step, nullptr) << c.why;
    ASSERT_EQ(refund_step->parts.size(), c.refund_parts.size()) << c.why;
    for (std::size_t i = 0; i < c.refund_parts.size(); ++i) {
      EXPECT_EQ(refund_step->parts[i].quantity, q(c.refund_parts[i].quantity)) << c.why;
      EXPECT_EQ(refund_step->parts[i].amount, c.refund_parts[i].amount) << c.why;
      EXPECT_EQ(refund_step->parts[i].basis, c.refund_parts[i].of.basis) << c.why;
      EXPECT_EQ(refund_step->parts[i].basis_event_id, c.refund_parts[i].of.event_id) << c.why;
    }
    // Either way every kettle is accounted for once: 3 = shipped + refunded before shipping.
    const OrderLine& a = line_of(state, "A");
    EXPECT_EQ(a.shipped + a.refunded_unshipped, q("3")) << c.why;
    EXPECT_EQ(a.shipped_amount + a.refunded_unshipped_amount, 599997) << c.why;
    EXPECT_EQ(state.refunded_amount(), 199999) << c.why;
  }
}

TEST(Order, ArrivalOrderDoesNotChangeTheResult) {
  // Three waiting events in every arrival order before the payment give the same order state.
  const Event s1 = ship("S1", kFeb14, {{"C", "1"}});
  const Event s2 = ship("S2", kFeb16, {{"C", "2"}});
  const Event r1 = refund("R1", kFeb20, {{"C", "1", 3333}});
  const std::vector<std::vector<Event>> orders = {{s1, s2, r1}, {s1, r1, s2}, {s2, s1, r1},
                                                  {s2, r1, s1}, {r1, s1, s2}, {r1, s2, s1}};
  std::optional<std::string> first;
  for (const auto& arrivals : orders) {
    std::vector<Event> history = arrivals;
    history.push_back(pay(thirds()));
    const OrderState state = after(history, "arrival permutation");
    const OrderLine& c = line_of(state, "C");
    // S1 ships a third (3333), S2 the rest (6667); R1 reverses 1 unit of the latest settlement, S2.
    EXPECT_EQ(c.shipped_amount, 10000);
    ASSERT_EQ(c.settlements.size(), 2u);
    EXPECT_EQ(c.settlements[0].event_id, "evt-S1");
    EXPECT_EQ(c.settlements[1].event_id, "evt-S2");
    EXPECT_EQ(c.settlements[1].reversed_amount, 3333);
    EXPECT_EQ(c.settlements[0].reversed_amount, 0);
    const std::string json = state_json(state);
    if (!first) first = json;
    EXPECT_EQ(json, *first) << "the same events in another arrival order";
  }
}

TEST(Order, WaitingEventRefusedWhenThePaymentComes) {
  // A shipment from another shop, a shipment of too much and a good refund wait for the payment.
  const Event foreign = from_other_shop(ship("S1", kFeb14, {{"A", "1"}}));
  const Event too_much = ship("S2", kFeb14, {{"A", "4"}});
  const Event good = refund("R1", kFeb20, {{"A", "1", 199999}});
  OrderState state;
  state.order_id = kOrder;
  EXPECT_EQ(apply_event(state, foreign, source_of(foreign, 7))[0].outcome, Outcome::parked);
  EXPECT_EQ(state.merchant_id, kOtherShop)
      << "until the payment, the order's shop is the first event's";
  EXPECT_EQ(apply_event(state, too_much, source_of(too_much, 8))[0].outcome, Outcome::parked);
  EXPECT_EQ(apply_event(state, good, source_of(good, 9))[0].outcome, Outcome::parked);

  const auto steps = apply_event(state, pay(kettles()), source_of(pay(kettles()), 10));
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].outcome, Outcome::applied);
  EXPECT_EQ(state.merchant_id, kShop) << "the payment decides the order's shop";

  // S1 and S2 both occurred on 14.02, so event_id decides: evt-S1, evt-S2, then the refund
  // of 20.02.
  EXPECT_EQ(steps[1].event_id, "evt-S1");
  ASSERT_TRUE(steps[1].rejection.has_value()) << describe(steps[1]);
  EXPECT_EQ(steps[1].rejection->code, ErrorCode::merchant_mismatch);
  ASSERT_TRUE(steps[1].source.has_value());
  EXPECT_EQ(steps[1].source->offset, 7) << "dead-lettered with the coordinates it arrived with";
  EXPECT_EQ(steps[1].source->topic, "invoicebox.shipments.v1");

  EXPECT_EQ(steps[2].event_id, "evt-S2");
  ASSERT_TRUE(steps[2].rejection.has_value()) << describe(steps[2]);
  EXPECT_EQ(steps[2].rejection->code, ErrorCode::over_shipment);
  EXPECT_EQ(steps[2].source->offset, 8);

  EXPECT_EQ(steps[3].event_id, "evt-R1");
  EXPECT_EQ(steps[3].outcome, Outcome::applied) << describe(steps[3]);
  ASSERT_EQ(steps[3].parts.size(), 1u);
  EXPECT_EQ(steps[3].parts[0].basis, Basis::prepayment)
      << "nothing shipped: the refund reverses the prepayment";

  EXPECT_EQ(line_of(state, "A").shipped, q("0")) << "neither refused shipment shipped anything";
  EXPECT_TRUE(state.shipment_ids.empty());
  EXPECT_EQ(state.refund_ids, std::vector<std::string>{"R1"});
  EXPECT_TRUE(state.parked.empty());
}

TEST(Order, LinesAlwaysAddUpToWhatWasPaid) {
  // However a line is shipped, its settlements add up to its total exactly, never one kopeck off.
  struct Split {
    const char* why;
    const char* ordered;
    Kopecks total;
    std::vector<const char*> shipments;
  };
  const Split cases[] = {
      {"100.00 for 3 units, one by one", "3", 10000, {"1", "1", "1"}},
      {"100.00 for 3 units, 2 then 1", "3", 10000, {"2", "1"}},
      {"1 kopeck for 3 units, one by one", "3", 1, {"1", "1", "1"}},
      {"2 kopecks for 4 units, one by one", "4", 2, {"1", "1", "1", "1"}},
      {"7 kopecks for 0.007 kg, gram by gram", "0.007", 7, {"0.001", "0.002", "0.001", "0.003"}},
      {"999.99 for 7 units in uneven lots", "7", 99999, {"3", "1", "2", "1"}},
      {"450.01 for 0.750 kg", "0.750", 45001, {"0.1", "0.25", "0.4"}},
  };
  for (const auto& c : cases) {
    std::vector<Event> history{pay({line("X", c.ordered, c.total)})};
    int n = 0;
    for (const char* lot : c.shipments) {
      static const char* kIds[] = {"S1", "S2", "S3", "S4", "S5"};
      history.push_back(ship(kIds[n++], kFeb14, {{"X", lot}}));
    }
    const OrderState state = after(history, c.why);
    const OrderLine& x = line_of(state, "X");
    Kopecks settled = 0;
    for (const auto& s : x.settlements) {
      EXPECT_GE(s.amount, 0) << c.why << ": never a negative settlement";
      settled += s.amount;
    }
    EXPECT_EQ(settled, c.total) << c.why;
    EXPECT_EQ(x.shipped_amount, c.total) << c.why;
    EXPECT_EQ(x.open_quantity(), q("0")) << c.why;
  }
}

}  // namespace
}  // namespace kassa::core
