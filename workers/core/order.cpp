#include "core/order.hpp"

#include <algorithm>
#include <set>

namespace kassa::core {
namespace {

Rejection reject(ErrorCode code, std::string message) {
  return {code, std::move(message)};
}

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::optional<std::size_t> find_line(const OrderState& state, const std::string& sku) {
  for (std::size_t i = 0; i < state.lines.size(); ++i)
    if (state.lines[i].item.sku == sku) return i;
  return std::nullopt;
}

Step step_for(const Event& event, Outcome outcome) {
  Step step;
  const auto& header = header_of(event);
  step.event_id = header.event_id;
  step.kind = kind_of(event);
  step.outcome = outcome;
  step.occurred_at = header.occurred_at;
  step.business_id = business_id_of(event);
  if (const auto* shipment = std::get_if<ShipmentConfirmed>(&event)) {
    step.document_number = shipment->document_number;
    step.document_date = shipment->document_date;
  } else if (const auto* refund = std::get_if<RefundSucceeded>(&event)) {
    step.reason = refund->reason;
  }
  return step;
}

Step rejected(const Event& event, Rejection rejection) {
  Step step = step_for(event, Outcome::rejected);
  step.rejection = std::move(rejection);
  return step;
}

// Shipments: validate everything first, then mutate, so a rejection leaves the order untouched.
Step apply_shipment(OrderState& state, const ShipmentConfirmed& shipment, const Event& event) {
  std::vector<std::pair<std::size_t, Quantity>> wanted;
  if (shipment.items) {
    for (const auto& item : *shipment.items) {
      const auto line = find_line(state, item.sku);
      if (!line)
        return rejected(event,
                        reject(ErrorCode::unknown_sku, "shipment names unknown sku " + item.sku));
      const auto open = state.lines[*line].open_quantity();
      if (item.quantity > open)
        return rejected(
            event, reject(ErrorCode::over_shipment, "sku " + item.sku + ": shipping " +
                                                        format_quantity(item.quantity) + ", open " +
                                                        format_quantity(open)));
      wanted.emplace_back(*line, item.quantity);
    }
  } else {
    for (std::size_t i = 0; i < state.lines.size(); ++i)
      if (state.lines[i].open_quantity().milli > 0)
        wanted.emplace_back(i, state.lines[i].open_quantity());
    if (wanted.empty())
      return rejected(event, reject(ErrorCode::over_shipment, "nothing left to ship"));
  }

  Step step = step_for(event, Outcome::applied);
  for (const auto& [index, quantity] : wanted) {
    OrderLine& line = state.lines[index];
    const bool completes = quantity == line.open_quantity();
    // Never more than is still open: earlier lots rounded half up may have taken the last kopecks
    // (2 kopecks for 4 units ship as 1, 1, 0, 0), and the completing lot must not go negative.
    const Kopecks amount =
        completes
            ? line.open_amount()
            : std::min(line.open_amount(), mul_div_half_up(line.item.total_amount, quantity.milli,
                                                           line.item.quantity.milli));
    line.shipped += quantity;
    line.shipped_amount += amount;
    line.settlements.push_back(
        {shipment.header.event_id, shipment.header.occurred_at, quantity, amount, {}, 0});
    step.parts.push_back({index, quantity, amount, LinePart::Basis::settlement,
                          shipment.header.occurred_at, shipment.header.event_id});
    step.amount += amount;
  }
  state.shipment_ids.push_back(shipment.shipment_id);
  return step;
}

// Refunds: unshipped quantity first, then shipped quantity from the latest settlement back.
// Each part is valued by the same rule as shipments (proportional, the last units taking the
// remainder) and the refunded money is split over the parts in proportion to those values, the
// last part taking the remainder. The refund's own amount is the money that really went back, so
// it may differ from those values by rounding; it may not exceed the money still held by the
// prepayment and settlements it reverses (over_refund), and no part gets more than its own.
struct RefundPiece {
  LinePart::Basis basis;
  std::size_t settlement = 0;  // index into line.settlements for settlement pieces
  Quantity quantity;
  Kopecks value = 0;   // what these units were worth on the receipt being reversed
  Kopecks cap = 0;     // money still held by that receipt for this line
  Kopecks amount = 0;  // refunded money allocated to them
};

std::vector<RefundPiece> plan_refund_line(const OrderLine& line, Quantity quantity) {
  std::vector<RefundPiece> pieces;
  const Quantity unshipped = std::min(quantity, line.open_quantity());
  if (unshipped.milli > 0) {
    const Kopecks value =
        unshipped == line.open_quantity()
            ? line.open_amount()
            : mul_div_half_up(line.item.total_amount, unshipped.milli, line.item.quantity.milli);
    pieces.push_back({LinePart::Basis::prepayment, 0, unshipped, value, line.open_amount(), 0});
  }
  Quantity left = quantity - unshipped;
  for (std::size_t k = line.settlements.size(); k-- > 0 && left.milli > 0;) {
    const SettlementPart& s = line.settlements[k];
    const Quantity available = s.quantity - s.reversed;
    if (available.milli <= 0) continue;
    const Quantity take = std::min(available, left);
    const Kopecks value = take == available
                              ? s.amount - s.reversed_amount
                              : mul_div_half_up(s.amount, take.milli, s.quantity.milli);
    pieces.push_back(
        {LinePart::Basis::settlement, k, take, value, s.amount - s.reversed_amount, 0});
    left -= take;
  }
  return pieces;
}

Step apply_refund(OrderState& state, const RefundSucceeded& refund, const Event& event) {
  std::vector<std::pair<std::size_t, std::vector<RefundPiece>>> plans;
  for (const auto& item : refund.items) {
    const auto index = find_line(state, item.sku);
    if (!index)
      return rejected(event,
                      reject(ErrorCode::unknown_sku, "refund names unknown sku " + item.sku));
    const OrderLine& line = state.lines[*index];
    const Quantity refundable =
        line.item.quantity - line.refunded_unshipped - line.refunded_shipped;
    if (item.quantity > refundable)
      return rejected(
          event, reject(ErrorCode::over_refund, "sku " + item.sku + ": refunding " +
                                                    format_quantity(item.quantity) +
                                                    ", refundable " + format_quantity(refundable)));
    auto pieces = plan_refund_line(line, item.quantity);
    Kopecks worth = 0, held = 0;
    for (const auto& piece : pieces) {
      worth += piece.value;
      held += piece.cap;
    }
    if (item.amount > held)
      return rejected(event,
                      reject(ErrorCode::over_refund,
                             "sku " + item.sku + ": refunding " + format_rubles(item.amount) +
                                 " RUB for " + format_quantity(item.quantity) + ", only " +
                                 format_rubles(held) + " RUB left to refund for them"));
    Kopecks money_left = item.amount;
    for (std::size_t p = 0; p < pieces.size(); ++p) {
      pieces[p].amount = p + 1 == pieces.size() ? money_left
                         : worth == 0           ? 0
                                      : mul_div_half_up(item.amount, pieces[p].value, worth);
      money_left -= pieces[p].amount;
    }
    // Rounding may push a part past what its receipt still holds; move the excess to parts with
    // room.
    Kopecks excess = 0;
    for (auto& piece : pieces) {
      if (piece.amount > piece.cap) {
        excess += piece.amount - piece.cap;
        piece.amount = piece.cap;
      }
    }
    for (auto& piece : pieces) {
      const Kopecks room = std::min(excess, piece.cap - piece.amount);
      piece.amount += room;
      excess -= room;
    }
    plans.emplace_back(*index, std::move(pieces));
  }

  Step step = step_for(event, Outcome::applied);
  for (const auto& [index, pieces] : plans) {
    OrderLine& line = state.lines[index];
    for (const auto& piece : pieces) {
      if (piece.basis == LinePart::Basis::prepayment) {
        line.refunded_unshipped += piece.quantity;
        line.refunded_unshipped_amount += piece.amount;
        step.parts.push_back({index, piece.quantity, piece.amount, piece.basis,
                              state.payment->occurred_at, state.payment->event_id});
      } else {
        SettlementPart& s = line.settlements[piece.settlement];
        s.reversed += piece.quantity;
        s.reversed_amount += piece.amount;
        line.refunded_shipped += piece.quantity;
        line.refunded_shipped_amount += piece.amount;
        step.parts.push_back(
            {index, piece.quantity, piece.amount, piece.basis, s.occurred_at, s.event_id});
      }
    }
  }
  step.amount = refund.amount;
  state.refund_ids.push_back(refund.refund_id);
  return step;
}

// Parked events drain in business order so that a replay gives the same result whatever order
// they arrived in across topics.
bool business_order(const ParkedEvent& a, const ParkedEvent& b) {
  const auto& ha = header_of(a.event);
  const auto& hb = header_of(b.event);
  if (ha.occurred_at != hb.occurred_at) return ha.occurred_at < hb.occurred_at;
  if (a.event.index() != b.event.index()) return a.event.index() < b.event.index();
  return ha.event_id < hb.event_id;
}

Step apply_to_paid(OrderState& state, const Event& event) {
  const auto& header = header_of(event);
  if (header.merchant_id != state.merchant_id)
    return rejected(event, reject(ErrorCode::merchant_mismatch,
                                  "event merchant " + header.merchant_id +
                                      " differs from the order's " + state.merchant_id));
  if (const auto* shipment = std::get_if<ShipmentConfirmed>(&event)) {
    if (contains(state.shipment_ids, shipment->shipment_id))
      return step_for(event, Outcome::duplicate);
    return apply_shipment(state, *shipment, event);
  }
  const auto& refund = std::get<RefundSucceeded>(event);
  if (contains(state.refund_ids, refund.refund_id)) return step_for(event, Outcome::duplicate);
  return apply_refund(state, refund, event);
}

std::vector<Step> apply_payment(OrderState& state, const PaymentSucceeded& payment,
                                const Event& event) {
  if (state.payment) {
    if (state.payment->payment_id == payment.payment_id)
      return {step_for(event, Outcome::duplicate)};
    return {rejected(event, reject(ErrorCode::duplicate_payment,
                                   "order already paid by payment " + state.payment->payment_id))};
  }
  state.merchant_id = payment.header.merchant_id;
  state.payment = PaymentInfo{
      payment.header.event_id, payment.payment_id, payment.merchant_order_id, payment.currency,
      payment.amount,          payment.customer,   payment.header.occurred_at};
  Step step = step_for(event, Outcome::applied);
  step.amount = payment.amount;
  for (std::size_t i = 0; i < payment.items.size(); ++i) {
    state.lines.push_back(OrderLine{payment.items[i], {}, 0, {}, 0, {}, 0, {}});
    step.parts.push_back({i, payment.items[i].quantity, payment.items[i].total_amount,
                          LinePart::Basis::prepayment, payment.header.occurred_at,
                          payment.header.event_id});
  }
  std::vector<Step> steps{std::move(step)};

  std::vector<ParkedEvent> parked = std::move(state.parked);
  state.parked.clear();
  std::stable_sort(parked.begin(), parked.end(), business_order);
  for (auto& waiting : parked) {
    Step drained = apply_to_paid(state, waiting.event);
    drained.source = std::move(waiting.source);
    steps.push_back(std::move(drained));
  }
  return steps;
}

}  // namespace

Kopecks OrderState::shipped_amount() const {
  Kopecks total = 0;
  for (const auto& line : lines) total += line.shipped_amount;
  return total;
}

Kopecks OrderState::refunded_amount() const {
  Kopecks total = 0;
  for (const auto& line : lines)
    total += line.refunded_unshipped_amount + line.refunded_shipped_amount;
  return total;
}

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::applied:
      return "applied";
    case Outcome::parked:
      return "parked";
    case Outcome::duplicate:
      return "duplicate";
    case Outcome::rejected:
      return "rejected";
  }
  return "";
}

std::optional<Rejection> check_event(const Event& event) {
  if (const auto* payment = std::get_if<PaymentSucceeded>(&event)) {
    Kopecks sum = 0;
    std::set<std::string> skus;
    for (const auto& item : payment->items) {
      sum += item.total_amount;
      if (!skus.insert(item.sku).second)
        return reject(ErrorCode::duplicate_sku, "sku " + item.sku + " appears twice");
    }
    if (sum != payment->amount)
      return reject(ErrorCode::amount_mismatch, "amount " + std::to_string(payment->amount) +
                                                    " differs from the sum of item totals " +
                                                    std::to_string(sum));
    const auto& customer = payment->customer;
    if (customer.type == CustomerType::private_person && customer.email.empty() &&
        customer.phone.empty())
      return reject(ErrorCode::missing_contact, "a private customer needs an email or a phone");
    return std::nullopt;
  }
  if (const auto* shipment = std::get_if<ShipmentConfirmed>(&event)) {
    std::set<std::string> skus;
    if (shipment->items)
      for (const auto& item : *shipment->items)
        if (!skus.insert(item.sku).second)
          return reject(ErrorCode::duplicate_sku, "sku " + item.sku + " appears twice");
    return std::nullopt;
  }
  const auto& refund = std::get<RefundSucceeded>(event);
  Kopecks sum = 0;
  std::set<std::string> skus;
  for (const auto& item : refund.items) {
    sum += item.amount;
    if (!skus.insert(item.sku).second)
      return reject(ErrorCode::duplicate_sku, "sku " + item.sku + " appears twice");
  }
  if (sum != refund.amount)
    return reject(ErrorCode::amount_mismatch, "amount " + std::to_string(refund.amount) +
                                                  " differs from the sum of line amounts " +
                                                  std::to_string(sum));
  return std::nullopt;
}

std::vector<Step> apply_event(OrderState& state, const Event& event, const Source& source) {
  if (auto rejection = check_event(event)) return {rejected(event, std::move(*rejection))};
  if (const auto* payment = std::get_if<PaymentSucceeded>(&event))
    return apply_payment(state, *payment, event);
  if (state.payment) return {apply_to_paid(state, event)};

  // No payment yet: park, unless the same business id is already waiting.
  const auto& id = business_id_of(event);
  for (const auto& waiting : state.parked)
    if (waiting.event.index() == event.index() && business_id_of(waiting.event) == id)
      return {step_for(event, Outcome::duplicate)};
  if (state.merchant_id.empty()) state.merchant_id = header_of(event).merchant_id;
  state.parked.push_back({event, source});
  return {step_for(event, Outcome::parked)};
}

Step wait_for_merchant(OrderState& state, const Event& event, const Source& source) {
  if (auto rejection = check_event(event)) return rejected(event, std::move(*rejection));
  const auto& id = business_id_of(event);
  for (const auto& waiting : state.parked)
    if (waiting.event.index() == event.index() && business_id_of(waiting.event) == id)
      return step_for(event, Outcome::duplicate);
  if (state.merchant_id.empty()) state.merchant_id = header_of(event).merchant_id;
  state.waiting_for_merchant = true;
  state.parked.push_back({event, source});
  return step_for(event, Outcome::parked);
}

std::vector<Step> release_merchant_wait(OrderState& state) {
  if (!state.waiting_for_merchant) return {};
  state.waiting_for_merchant = false;
  std::vector<ParkedEvent> waiting = std::move(state.parked);
  state.parked.clear();
  std::stable_sort(waiting.begin(), waiting.end(), [](const ParkedEvent& a, const ParkedEvent& b) {
    const bool pa = std::holds_alternative<PaymentSucceeded>(a.event);
    const bool pb = std::holds_alternative<PaymentSucceeded>(b.event);
    if (pa != pb) return pa;
    return business_order(a, b);
  });
  std::vector<Step> steps;
  for (auto& event : waiting) {
    auto applied = apply_event(state, event.event, event.source);
    for (auto& step : applied) {
      if (!step.source) step.source = event.source;
      steps.push_back(std::move(step));
    }
  }
  return steps;
}

}  // namespace kassa::core
