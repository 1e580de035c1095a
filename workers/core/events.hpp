// The three business events of the contract (section 1), as typed values. JSON parsing and schema
// validation live in contract/; everything here is already well-formed.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/money.hpp"
#include "core/quantity.hpp"
#include "core/utc_time.hpp"
#include "core/vat.hpp"

namespace kassa::core {

enum class CustomerType { private_person, legal };
enum class LineType { commodity, service };
enum class EventKind { payment, shipment, refund };

struct Customer {
  CustomerType type = CustomerType::private_person;
  std::string name, email, phone, inn, kpp;
};

struct OrderItem {
  std::string sku, name, measure, measure_code;
  Quantity quantity;
  Kopecks price = 0;
  Kopecks total_amount = 0;
  std::string vat_code;  // as sent (e.g. RUS_VAT22_ADDED), kept for documents
  VatCode vat = VatCode::none;
  LineType type = LineType::commodity;
};

struct EventHeader {
  std::string event_id, order_id, merchant_id;
  UtcTime occurred_at;
};

struct PaymentSucceeded {
  EventHeader header;
  std::string payment_id, merchant_order_id, currency;
  // How the order came and was paid (contract section 6); the contract's defaults when absent.
  std::string channel = "merchant_api", payment_method = "card";
  std::string partner_id, partner_operation_id;  // empty: none
  Kopecks amount = 0;
  Customer customer;
  std::vector<OrderItem> items;
};

struct ShipmentItem {
  std::string sku;
  Quantity quantity;
};

struct ShipmentConfirmed {
  EventHeader header;
  std::string shipment_id, document_number;
  CivilDate document_date;
  std::optional<std::vector<ShipmentItem>> items;  // absent: everything still open ships
};

struct RefundItem {
  std::string sku;
  Quantity quantity;
  Kopecks amount = 0;
};

struct RefundSucceeded {
  EventHeader header;
  std::string refund_id, reason;
  Kopecks amount = 0;
  std::vector<RefundItem> items;
};

using Event = std::variant<PaymentSucceeded, ShipmentConfirmed, RefundSucceeded>;

const EventHeader& header_of(const Event& event);
EventKind kind_of(const Event& event);
std::string_view event_type_name(EventKind kind);  // "payment.succeeded", ...
std::string_view event_kind_name(EventKind kind);  // "payment", "shipment", "refund"
// The business id that makes an event unique within its order: payment_id, shipment_id, refund_id.
const std::string& business_id_of(const Event& event);

}  // namespace kassa::core
