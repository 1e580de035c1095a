// Typed events for the table-driven tests of the core (receipts, packages): one order, "order-1"
// of merchant "shop-1", built the way the rows read ("pay on 10.02, ship 2 kettles on 14.02").
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "core/receipt.hpp"

namespace kassa::core::builders {

inline const std::string kOrder = "order-1";
inline const std::string kShop = "shop-1";

// Invoicebox's requisites as configuration gives them: fictional, checksum-valid INNs and the
// phones ATOL v5 requires of a payment agent (config/local.env has the same kind of values).
inline const Seller& invoicebox() {
  static const Seller seller = [] {
    Seller s;
    s.inn = "7725416908";
    s.default_supplier_inn = "7814152630";
    s.default_supplier_phone = "+74957870202";
    s.paying_agent_phones = {"+74957870101"};
    s.payments_operator_phones = {"+74957870111"};
    return s;
  }();
  return seller;
}

inline Quantity q(const char* text) {
  const auto quantity = parse_quantity(text);
  if (!quantity) throw std::invalid_argument(std::string("bad quantity in a test: ") + text);
  return *quantity;
}

inline UtcTime at(const char* text) {
  const auto time = parse_utc(text);
  if (!time) throw std::invalid_argument(std::string("bad time in a test: ") + text);
  return *time;
}

inline OrderItem item(const char* sku, std::string name, const char* quantity, Kopecks price,
                      Kopecks total, const char* vat_code, LineType type = LineType::commodity,
                      const char* okei = "796") {
  OrderItem i;
  i.sku = sku;
  i.name = std::move(name);
  i.measure = "шт";
  i.measure_code = okei;
  i.quantity = q(quantity);
  i.price = price;
  i.total_amount = total;
  i.vat_code = vat_code;
  i.vat = parse_vat_code(vat_code).value();
  i.type = type;
  return i;
}

inline Customer private_buyer() {
  Customer c;
  c.type = CustomerType::private_person;
  c.name = "Иван Петров";
  c.email = "ivan@example.ru";
  return c;
}

inline EventHeader header(std::string event_id, const char* when) {
  return {std::move(event_id), kOrder, kShop, at(when)};
}

// The payment, event id "evt-pay", amount = Σ lines.
inline Event pay(const char* when, std::vector<OrderItem> items,
                 Customer customer = private_buyer()) {
  PaymentSucceeded p;
  p.header = header("evt-pay", when);
  p.payment_id = "pay-1";
  p.merchant_order_id = "SHOP-1001";
  p.currency = "RUB";
  p.customer = std::move(customer);
  for (const auto& i : items) p.amount += i.total_amount;
  p.items = std::move(items);
  return p;
}

struct Shipped {
  const char* sku;
  const char* quantity;
};

// Shipment `id`, event id "evt-<id>", the shop's document "DOC-<id>" of the shipment's date.
inline Event ship(const char* id, const char* when, std::vector<Shipped> items) {
  ShipmentConfirmed s;
  s.header = header(std::string("evt-") + id, when);
  s.shipment_id = id;
  s.document_number = std::string("DOC-") + id;
  s.document_date = moscow_date(s.header.occurred_at);
  s.items.emplace();
  for (const auto& i : items) s.items->push_back({i.sku, q(i.quantity)});
  return s;
}

// A shipment without items: everything not yet shipped or refunded ships.
inline Event ship_all(const char* id, const char* when) {
  auto event = ship(id, when, {});
  std::get<ShipmentConfirmed>(event).items.reset();
  return event;
}

struct Returned {
  const char* sku;
  const char* quantity;
  Kopecks amount;
};

// Refund `id`, event id "evt-<id>", amount = Σ lines.
inline Event refund(const char* id, const char* when, std::vector<Returned> items,
                    std::string reason = "") {
  RefundSucceeded r;
  r.header = header(std::string("evt-") + id, when);
  r.refund_id = id;
  r.reason = std::move(reason);
  for (const auto& i : items) {
    r.items.push_back({i.sku, q(i.quantity), i.amount});
    r.amount += i.amount;
  }
  return r;
}

}  // namespace kassa::core::builders
