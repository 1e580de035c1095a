#include "core/events.hpp"

namespace kassa::core {

const EventHeader& header_of(const Event& event) {
  return std::visit([](const auto& e) -> const EventHeader& { return e.header; }, event);
}

EventKind kind_of(const Event& event) {
  switch (event.index()) {
    case 0:
      return EventKind::payment;
    case 1:
      return EventKind::shipment;
    default:
      return EventKind::refund;
  }
}

std::string_view event_type_name(EventKind kind) {
  switch (kind) {
    case EventKind::payment:
      return "payment.succeeded";
    case EventKind::shipment:
      return "shipment.confirmed";
    case EventKind::refund:
      return "refund.succeeded";
  }
  return "";
}

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::payment:
      return "payment";
    case EventKind::shipment:
      return "shipment";
    case EventKind::refund:
      return "refund";
  }
  return "";
}

const std::string& business_id_of(const Event& event) {
  if (const auto* p = std::get_if<PaymentSucceeded>(&event)) return p->payment_id;
  if (const auto* s = std::get_if<ShipmentConfirmed>(&event)) return s->shipment_id;
  return std::get<RefundSucceeded>(event).refund_id;
}

}  // namespace kassa::core
