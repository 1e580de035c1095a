// The order state machine: one order's ledger of what was paid, shipped (settled) and refunded,
// per line, and the pure function that applies an event to it.
//
// Rules (contract section 2):
//  - a shipment or refund before its payment is parked and applied when the payment comes, in
//    business order (occurred_at, then shipments before refunds, then event_id);
//  - a second event with an existing payment_id / shipment_id / refund_id is a duplicate: ignored;
//  - a shipment settles open quantity: sum = total × shipped / ordered (half up), the shipment
//    that completes a line takes the remainder, so a line's settlements add up exactly;
//  - a refund takes unshipped quantity first (reverses the prepayment), then shipped quantity
//    (reverses settlements, latest first); its money is split over those parts in proportion to
//    what each part was worth on the receipt it reverses, never more than that receipt still
//    holds for the line (over_refund otherwise).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/events.hpp"

namespace kassa::core {

// Where an event came from; kept with parked events so that a later rejection can still be
// dead-lettered with its original coordinates and bytes.
struct Source {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string payload;
  bool has_key = true;  // Kafka allows a message without a key; dead letters then say null
};

// One settlement (shipment) of a line, and how much of it refunds have reversed since.
struct SettlementPart {
  std::string event_id;
  UtcTime occurred_at;
  Quantity quantity;
  Kopecks amount = 0;
  Quantity reversed;
  Kopecks reversed_amount = 0;
};

struct OrderLine {
  OrderItem item;
  Quantity shipped;
  Kopecks shipped_amount = 0;
  Quantity refunded_unshipped;  // refunded before shipping: reverses the prepayment
  Kopecks refunded_unshipped_amount = 0;
  Quantity refunded_shipped;  // refunded after shipping: reverses settlements
  Kopecks refunded_shipped_amount = 0;
  std::vector<SettlementPart> settlements;

  Quantity open_quantity() const { return item.quantity - shipped - refunded_unshipped; }
  Kopecks open_amount() const {
    return item.total_amount - shipped_amount - refunded_unshipped_amount;
  }
};

struct PaymentInfo {
  std::string event_id, payment_id, merchant_order_id, currency;
  Kopecks amount = 0;
  Customer customer;
  UtcTime occurred_at;
};

struct ParkedEvent {
  Event event;
  Source source;
};

struct OrderState {
  std::string order_id;
  std::string merchant_id;  // from the payment; until then from the first parked event
  std::optional<PaymentInfo> payment;
  std::vector<OrderLine> lines;
  std::vector<std::string> shipment_ids;  // applied
  std::vector<std::string> refund_ids;    // applied
  std::vector<ParkedEvent> parked;        // waiting for the payment, or for the merchant
  // Its events wait for the merchant's first merchant event (KASSA_UNKNOWN_MERCHANT=wait): every
  // parked event, the payment too, until release_merchant_wait().
  bool waiting_for_merchant = false;

  Kopecks shipped_amount() const;
  Kopecks refunded_amount() const;
};

enum class Outcome { applied, parked, duplicate, rejected };
std::string_view outcome_name(Outcome outcome);

// What one line contributed to an applied event; the receipt and package builders use it.
// `basis` says which earlier fiscal document this part belongs to or reverses: the prepayment
// (dated by the payment) or a settlement (dated by that shipment), which fixes its VAT rate.
struct LinePart {
  enum class Basis { prepayment, settlement };
  std::size_t line = 0;
  Quantity quantity;
  Kopecks amount = 0;
  Basis basis = Basis::prepayment;
  UtcTime basis_time;
  std::string basis_event_id;
};

// The outcome of one event (the incoming one, or a parked one drained by its payment).
struct Step {
  std::string event_id;
  EventKind kind = EventKind::payment;
  Outcome outcome = Outcome::applied;
  std::optional<Rejection> rejection;
  Kopecks amount = 0;           // money of the applied event (payment, settled or refunded)
  std::vector<LinePart> parts;  // applied only
  UtcTime occurred_at;
  std::string business_id;
  std::optional<Source> source;  // set for drained parked events
  // What documents cite: a shipment's own shipping document, a refund's reason.
  std::string document_number;
  std::optional<CivilDate> document_date;
  std::string reason;
};

// Checks that need the event alone (sums, unique skus, buyer contact).
std::optional<Rejection> check_event(const Event& event);

// Applies one event to its order. Returns the event's step first, followed by the steps of parked
// events that a payment released. On rejection the state is left unchanged for that event.
std::vector<Step> apply_event(OrderState& state, const Event& event, const Source& source);

// The merchant of the event has no merchant event yet: the event waits for it, parked with the
// rest of the order (checks that need the event alone still reject it at once; those that need
// the order's state wait too). Returns the event's step.
Step wait_for_merchant(OrderState& state, const Event& event, const Source& source);

// The merchant arrived: applies what waited for it, the payment first (so that it releases the
// shipments and refunds behind it), then the rest in business order. Each step carries its
// event's source. Nothing when the order was not waiting.
std::vector<Step> release_merchant_wait(OrderState& state);

}  // namespace kassa::core
