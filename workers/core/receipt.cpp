#include "core/receipt.hpp"

#include <algorithm>
#include <map>
#include <set>

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

// Receipt lines for one part. With a whole number of units the line must be price × quantity
// exactly, so a sum that does not divide evenly becomes two lines (2 × 33.33 and 1 × 33.34 for
// 100.00 over 3 units). With a fractional quantity, price × quantity rounded half up to the kopeck
// must give the sum.
std::vector<ReceiptLine> lines_for(const ReceiptLine& base, Quantity quantity, Kopecks sum) {
  ReceiptLine line = base;
  line.quantity = quantity;
  line.sum = sum;
  if (quantity.milli % 1000 == 0) {
    const std::int64_t units = quantity.milli / 1000;
    const Kopecks low = sum / units;
    const std::int64_t high_units = sum % units;
    if (high_units == 0) {
      line.price = low;
      return {line};
    }
    ReceiptLine first = line, second = line;
    first.quantity = {(units - high_units) * 1000};
    first.price = low;
    first.sum = low * (units - high_units);
    second.quantity = {high_units * 1000};
    second.price = low + 1;
    second.sum = (low + 1) * high_units;
    return {first, second};
  }
  // Fractional quantity: a price whose product with the quantity rounds to the sum, if one exists
  // (always below one unit; above it the product moves in steps of more than a kopeck).
  auto fits = [&](Kopecks price, Quantity q, Kopecks target) {
    return price >= 0 && mul_div_half_up(price, q.milli, 1000) == target;
  };
  const Kopecks guess = mul_div_half_up(sum, 1000, quantity.milli);
  for (const Kopecks price : {guess, guess - 1, guess + 1}) {
    if (fits(price, quantity, sum)) {
      line.price = price;
      return {line};
    }
  }
  // None does: split off 0.001 of a unit, whose price can carry any remaining kopecks exactly.
  ReceiptLine most = line, rest = line;
  most.quantity = {quantity.milli - 1};
  most.price = mul_div_half_up(sum, 1000, quantity.milli);
  most.sum = mul_div_half_up(most.price, most.quantity.milli, 1000);
  rest.quantity = {1};
  rest.sum = sum - most.sum;
  rest.price = rest.sum * 1000;
  if (rest.sum <= 0) {  // cannot happen with real amounts; keep one line rather than a negative one
    line.price = guess;
    return {line};
  }
  return {most, rest};
}

}  // namespace

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
