// Hand-written Invoicebox events (contract section 1) for the decoder and batch tests: the worked
// example of fiscal-54fz.md section 3, a kettle order of 10.02.2026.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kassa::testing {

inline const std::string kOrderId = "0b7c1f2e-4a5d-4e6f-8a9b-1c2d3e4f5a6b";
inline const std::string kOtherOrderId = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
inline const std::string kMerchantId = "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d";
inline const std::string kPaymentEventId = "11111111-1111-4111-8111-111111111111";
inline const std::string kShipmentEventId = "22222222-2222-4222-8222-222222222222";
inline const std::string kRefundEventId = "33333333-3333-4333-8333-333333333333";

// Paid 10.02.2026: A kettle 3 × 1 999.99 = 5 999.97 RUB (RUS_VAT22), B delivery 350.00 (VATNONE).
inline nlohmann::json payment_json() {
  return nlohmann::json::parse(R"({
    "event_id": "11111111-1111-4111-8111-111111111111",
    "event_type": "payment.succeeded",
    "schema_version": 1,
    "occurred_at": "2026-02-10T09:00:00Z",
    "order_id": "0b7c1f2e-4a5d-4e6f-8a9b-1c2d3e4f5a6b",
    "merchant_id": "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
    "payment_id": "pay-1",
    "merchant_order_id": "SHOP-1001",
    "amount": 634997,
    "currency": "RUB",
    "customer": {"type": "private", "name": "Иван Петров", "email": "ivan@example.ru", "phone": "+79001112233"},
    "items": [
      {"sku": "A", "name": "Электрочайник Polaris PWK 1725", "quantity": "3", "measure": "шт",
       "measure_code": "796", "price": 199999, "total_amount": 599997, "vat_code": "RUS_VAT22_ADDED",
       "type": "commodity"},
      {"sku": "B", "name": "Курьерская доставка", "quantity": "1", "measure": "усл",
       "measure_code": "796", "price": 35000, "total_amount": 35000, "vat_code": "VATNONE",
       "type": "service"}
    ]
  })");
}

// Shipped 14.02.2026: A × 2 and B.
inline nlohmann::json shipment_json() {
  return nlohmann::json::parse(R"({
    "event_id": "22222222-2222-4222-8222-222222222222",
    "event_type": "shipment.confirmed",
    "schema_version": 1,
    "occurred_at": "2026-02-14T12:00:00Z",
    "order_id": "0b7c1f2e-4a5d-4e6f-8a9b-1c2d3e4f5a6b",
    "merchant_id": "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
    "shipment_id": "ship-1",
    "document_number": "УПД-77",
    "document_date": "2026-02-14",
    "items": [{"sku": "A", "quantity": "2"}, {"sku": "B", "quantity": "1"}]
  })");
}

// Refunded 20.02.2026: A × 2 = 3 999.98 RUB.
inline nlohmann::json refund_json() {
  return nlohmann::json::parse(R"({
    "event_id": "33333333-3333-4333-8333-333333333333",
    "event_type": "refund.succeeded",
    "schema_version": 1,
    "occurred_at": "2026-02-20T15:30:00.250Z",
    "order_id": "0b7c1f2e-4a5d-4e6f-8a9b-1c2d3e4f5a6b",
    "merchant_id": "5d3a2b1c-0e9f-4a8b-9c7d-6e5f4a3b2c1d",
    "refund_id": "ref-1",
    "amount": 399998,
    "reason": "покупатель отказался от одного чайника и вернул второй",
    "items": [{"sku": "A", "quantity": "2", "amount": 399998}]
  })");
}

}  // namespace kassa::testing
