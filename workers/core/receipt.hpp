// The 54-FZ receipt builder: (order state after an event, that event's applied step) -> receipts.
// Pure: no I/O, no clock; the same events give the same receipts, byte for byte once rendered.
//
//   payment   -> prepayment: sell, every line full_prepayment, calculated rate (22/122), paid
//                electronically (payment type 1)
//   shipment  -> settlement: sell, full_payment, plain rate (22%), paid by offsetting the
//                prepayment (payment type 2)
//   refund    -> refund: sell_refund; unshipped units reverse the prepayment (full_prepayment,
//                calculated rate), shipped units reverse settlements (full_payment, plain rate),
//                each at the rate of the receipt it reverses; paid back electronically (type 1)
//
// The standard rate is 20% before 2026-01-01 and 22% from then, by the Moscow date of the receipt
// (or, for refund lines, of the receipt reversed). VAT per line = sum × r / (100 + r), half up.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/order.hpp"

namespace kassa::core {

enum class ReceiptKind { prepayment, settlement, refund };
std::string_view receipt_kind_name(ReceiptKind kind);

// ATOL vat.type values (tag 1199).
enum class VatType {
  none,
  vat0,
  vat5,
  vat7,
  vat10,
  vat20,
  vat22,
  vat105,
  vat107,
  vat110,
  vat120,
  vat122
};
std::string_view vat_type_name(VatType type);
int vat_percent(VatType type);  // r of sum × r / (100 + r); 0 for none and vat0

// The VAT type of a line: `calculated` for prepayment lines (and refunds reversing them), dated
// by the Moscow date of the receipt that fixes the rate.
VatType vat_type_for(VatCode code, bool calculated, UtcTime dated);
Kopecks vat_amount(VatType type, Kopecks sum);

// price × quantity rounded half up to the kopeck: what tag 1043 (sum) must equal on every item.
Kopecks item_sum(Kopecks price, Quantity quantity);

// `sum` kopecks over `quantity` as ATOL items: one price when price × quantity rounds to the sum,
// else two prices a kopeck apart with the quantity split in thousandths (fiscal-54fz.md section
// 3). Every item's sum = item_sum(price, quantity); quantities and sums add up to the arguments.
// Throws std::invalid_argument for quantity <= 0 or sum < 0.
struct PricedQuantity {
  Kopecks price = 0;
  Quantity quantity;
  Kopecks sum = 0;
};
std::vector<PricedQuantity> price_items(Quantity quantity, Kopecks sum);

// OKEI code (measure_code) -> ATOL measure (tag 2108); unknown units are 255 (other).
int atol_measure(const std::string& okei);

// The registering agent (Invoicebox's own cash registers) and the defaults for merchants that
// kassa.merchants does not list; from configuration.
struct Seller {
  std::string inn = "0000000000";  // placeholders: production sets KASSA_SELLER_*
  std::string name = "ООО «ОРЦ»";  // the agent on document packages
  std::string kpp;
  std::string sno = "osn";
  std::string email = "kassa@invoicebox.ru";
  std::string payment_address = "https://www.invoicebox.ru";
  std::string agent_type = "paying_agent";
  // A payment agent's details (agent_info.paying_agent, .receive_payments_operator): ATOL v5
  // requires them with agent_type paying_agent. Empty ones are left out of the receipt.
  std::string paying_agent_operation = "Оплата заказа";  // tag 1044, at most 24 characters
  std::vector<std::string> paying_agent_phones;          // tag 1073
  std::vector<std::string> payments_operator_phones;     // tag 1074
  std::string default_supplier_inn = "0000000000";
  std::string default_supplier_name = "Продавец";
  // Also the supplier phone (tag 1171) of a merchant that kassa.merchants lists without phones.
  std::string default_supplier_phone;
};

struct Supplier {
  std::string inn, name;
  std::vector<std::string> phones;
  std::string kpp;  // documents only; receipts carry no KPP
  // The shop's site, the place of settlement on its receipts (company.payment_address, tag
  // 1187); empty: the seller's configured one.
  std::string site_url = {};
  // Its EDO participant id (the FNS XML's file name); documents only, empty when unknown.
  std::string edo_participant_id = {};
};

struct ReceiptLine {
  std::string name;  // at most 128 characters
  Kopecks price = 0;
  Quantity quantity;
  Kopecks sum = 0;  // = item_sum(price, quantity): ATOL's rule for every item
  int measure = 0;
  std::string payment_method;  // full_prepayment | full_payment
  int payment_object = 1;      // 1 goods, 4 service
  VatType vat = VatType::none;
  Kopecks vat_sum = 0;
};

struct Receipt {
  // "<event_id>:<kind>", then ":2", ":3" for continuation receipts (past 100 lines or 6 VAT types)
  std::string id_name;
  ReceiptKind kind = ReceiptKind::prepayment;
  std::string order_id, merchant_id, source_event_id;
  std::string operation;  // sell | sell_refund
  UtcTime issued_at;      // = the source event's occurred_at
  std::string client_email, client_phone;
  int payment_type = 1;  // 1 electronic, 2 prepayment offset
  Kopecks total = 0;
  std::vector<ReceiptLine> lines;
  std::vector<std::pair<VatType, Kopecks>> vats;  // per type, in VatType order
  Supplier supplier;
  bool default_supplier = false;        // the merchant was not in kassa.merchants
  bool default_supplier_phone = false;  // it was, without phones: the default phone stands in
};

inline constexpr std::size_t kMaxReceiptLines = 100;
inline constexpr std::size_t kMaxReceiptVatTypes = 6;  // ATOL v5 `vats` entries

// Receipts for an applied step of a private buyer's order; none for legal buyers or other outcomes.
// `supplier` is the merchant's row of kassa.merchants, if any.
std::vector<Receipt> build_receipts(const OrderState& order, const Step& step, const Seller& seller,
                                    const std::optional<Supplier>& supplier);

// Cuts a UTF-8 string to at most `limit` characters (code points), never inside a character.
std::string cut_characters(const std::string& text, std::size_t limit);

}  // namespace kassa::core
