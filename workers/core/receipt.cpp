#include "core/receipt.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace kassa::core {
namespace {

constexpr CivilDate kStandardRate22From{2026, 1, 1};

ReceiptKind kind_for(EventKind event) {
  switch (event) {
    case EventKind::payment:
      return ReceiptKind::prepayment;
    case EventKind::shipment:
      return ReceiptKind::settlement;
    case EventKind::refund:
      return ReceiptKind::refund;
  }
  return ReceiptKind::prepayment;
}

// Receipt lines for one part, priced by price_items().
std::vector<ReceiptLine> lines_for(const ReceiptLine& base, Quantity quantity, Kopecks sum) {
  std::vector<ReceiptLine> lines;
  for (const PricedQuantity& priced : price_items(quantity, sum)) {
    ReceiptLine line = base;
    line.price = priced.price;
    line.quantity = priced.quantity;
    line.sum = priced.sum;
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

Kopecks item_sum(Kopecks price, Quantity quantity) {
  return mul_div_half_up(price, quantity.milli, 1000);
}

// One item when a single price does it. Otherwise the brief's construction (fiscal-54fz.md
// section 3): p = ⌊1000·S / Q⌋ over Q thousandths; 1000·S − p·Q thousandths at p + 1 and the rest
// at p, so the exact products add up to S. With whole units both products are exact (100.00 over
// 3 units: 2 × 33.33 and 1 × 33.34). With fractions, rounding each product keeps the total unless
// both are exactly half a kopeck off, which rounds both up: then a thousandth moves between the
// parts until the rounded sums add up again.
std::vector<PricedQuantity> price_items(Quantity quantity, Kopecks sum) {
  const std::int64_t q = quantity.milli;
  if (q <= 0 || sum < 0) throw std::invalid_argument("price_items: quantity <= 0 or sum < 0");
  // A single price, if one exists. Below one unit the rounded exact price always fits; above it
  // at most one price fits, the nearest to the exact one (its neighbours cover a tie).
  const Kopecks guess = mul_div_half_up(sum, 1000, q);
  for (const Kopecks price : {guess, guess - 1, guess + 1}) {
    if (price >= 0 && item_sum(price, quantity) == sum) return {{price, quantity, sum}};
  }
  const auto p = static_cast<Kopecks>(static_cast<__int128>(sum) * 1000 / q);
  const auto at_higher =
      static_cast<std::int64_t>(static_cast<__int128>(sum) * 1000 - static_cast<__int128>(p) * q);
  // 0 < at_higher < q here: at_higher == 0 would have made p a single price.
  for (std::int64_t shift = 0; shift < std::min<std::int64_t>(q, 1000); ++shift) {
    for (const std::int64_t a : {at_higher - shift, at_higher + shift}) {
      if (a <= 0 || a >= q) continue;
      const PricedQuantity low{p, {q - a}, item_sum(p, {q - a})};
      const PricedQuantity high{p + 1, {a}, item_sum(p + 1, {a})};
      if (low.sum + high.sum == sum) return {low, high};
    }
  }
  // Not reached: a tie moves by one thousandth (the property test covers the whole range).
  throw std::logic_error("price_items: no prices for " + std::to_string(sum) + " kopecks over " +
                         std::to_string(q) + " thousandths");
}

std::string_view receipt_kind_name(ReceiptKind kind) {
  switch (kind) {
    case ReceiptKind::prepayment:
      return "prepayment";
    case ReceiptKind::settlement:
      return "settlement";
    case ReceiptKind::refund:
      return "refund";
  }
  return "";
}

std::string_view vat_type_name(VatType type) {
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
  return "none";
}

int vat_percent(VatType type) {
  switch (type) {
    case VatType::none:
    case VatType::vat0:
      return 0;
    case VatType::vat5:
    case VatType::vat105:
      return 5;
    case VatType::vat7:
    case VatType::vat107:
      return 7;
    case VatType::vat10:
    case VatType::vat110:
      return 10;
    case VatType::vat20:
    case VatType::vat120:
      return 20;
    case VatType::vat22:
    case VatType::vat122:
      return 22;
  }
  return 0;
}

VatType vat_type_for(VatCode code, bool calculated, UtcTime dated) {
  switch (code) {
    case VatCode::none:
      return VatType::none;
    case VatCode::rate0:
      return VatType::vat0;
    case VatCode::rate5:
      return calculated ? VatType::vat105 : VatType::vat5;
    case VatCode::rate7:
      return calculated ? VatType::vat107 : VatType::vat7;
    case VatCode::rate10:
      return calculated ? VatType::vat110 : VatType::vat10;
    case VatCode::standard:
      if (moscow_date(dated) < kStandardRate22From)
        return calculated ? VatType::vat120 : VatType::vat20;
      return calculated ? VatType::vat122 : VatType::vat22;
  }
  return VatType::none;
}

Kopecks vat_amount(VatType type, Kopecks sum) {
  const int r = vat_percent(type);
  return r == 0 ? 0 : mul_div_half_up(sum, r, 100 + r);
}

int atol_measure(const std::string& okei) {
  static const std::map<std::string, int> kMeasures = {
      {"796", 0},  {"876", 0},  {"839", 0},  {"163", 10},  {"166", 11},  {"168", 12},
      {"004", 20}, {"005", 21}, {"006", 22}, {"051", 30},  {"053", 31},  {"055", 32},
      {"111", 40}, {"112", 41}, {"113", 42}, {"245", 50},  {"233", 51},  {"359", 70},
      {"356", 71}, {"355", 72}, {"354", 73}, {"2553", 80}, {"2554", 81}, {"2555", 82}};
  const auto it = kMeasures.find(okei);
  return it == kMeasures.end() ? 255 : it->second;
}

std::string cut_characters(const std::string& text, std::size_t limit) {
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {  // a character starts here
      if (characters == limit) return text.substr(0, i);
      ++characters;
    }
  }
  return text;
}

std::vector<Receipt> build_receipts(const OrderState& order, const Step& step, const Seller& seller,
                                    const std::optional<Supplier>& supplier) {
  if (step.outcome != Outcome::applied || !order.payment) return {};
  if (order.payment->customer.type != CustomerType::private_person) return {};  // packages instead

  const ReceiptKind kind = kind_for(step.kind);
  std::vector<ReceiptLine> lines;
  for (const LinePart& part : step.parts) {
    if (part.quantity.milli <= 0 && part.amount == 0) continue;
    const OrderItem& item = order.lines.at(part.line).item;
    ReceiptLine base;
    base.name = cut_characters(item.name, 128);
    base.measure = atol_measure(item.measure_code);
    const bool calculated = part.basis == LinePart::Basis::prepayment;
    base.payment_method = calculated ? "full_prepayment" : "full_payment";
    base.payment_object = item.type == LineType::service ? 4 : 1;
    base.vat = vat_type_for(item.vat, calculated, part.basis_time);
    for (ReceiptLine& line : lines_for(base, part.quantity, part.amount)) {
      line.vat_sum = vat_amount(line.vat, line.sum);
      lines.push_back(std::move(line));
    }
  }
  if (lines.empty()) return {};

  Receipt prototype;
  prototype.kind = kind;
  prototype.order_id = order.order_id;
  prototype.merchant_id = order.merchant_id;
  prototype.source_event_id = step.event_id;
  prototype.operation = kind == ReceiptKind::refund ? "sell_refund" : "sell";
  prototype.issued_at = step.occurred_at;
  prototype.client_email = order.payment->customer.email;
  prototype.client_phone =
      order.payment->customer.email.empty() ? order.payment->customer.phone : "";
  prototype.payment_type = kind == ReceiptKind::settlement ? 2 : 1;
  if (supplier) {
    prototype.supplier = *supplier;
    if (prototype.supplier.phones.empty() && !seller.default_supplier_phone.empty()) {
      prototype.supplier.phones.push_back(seller.default_supplier_phone);
      prototype.default_supplier_phone = true;
    }
  } else {
    prototype.supplier = {seller.default_supplier_inn, seller.default_supplier_name, {}, {}};
    if (!seller.default_supplier_phone.empty())
      prototype.supplier.phones.push_back(seller.default_supplier_phone);
    prototype.default_supplier = true;
  }

  // ATOL takes at most 100 lines and 6 VAT types per receipt: past either, a continuation receipt
  // starts, named ":2", ":3", ... so that its id stays deterministic.
  std::vector<std::vector<ReceiptLine>> chunks(1);
  std::set<VatType> types;
  for (auto& line : lines) {
    const bool new_type = types.count(line.vat) == 0;
    if (chunks.back().size() == kMaxReceiptLines ||
        (new_type && types.size() == kMaxReceiptVatTypes)) {
      chunks.emplace_back();
      types.clear();
    }
    types.insert(line.vat);
    chunks.back().push_back(std::move(line));
  }
  std::vector<Receipt> receipts;
  for (auto& chunk : chunks) {
    Receipt receipt = prototype;
    const std::size_t number = receipts.size() + 1;
    receipt.id_name = step.event_id + ":" + std::string(receipt_kind_name(kind)) +
                      (number == 1 ? "" : ":" + std::to_string(number));
    receipt.lines = std::move(chunk);
    std::map<VatType, Kopecks> vats;
    for (const auto& line : receipt.lines) {
      receipt.total += line.sum;
      vats[line.vat] += line.vat_sum;
    }
    receipt.vats.assign(vats.begin(), vats.end());
    receipts.push_back(std::move(receipt));
  }
  return receipts;
}

}  // namespace kassa::core
