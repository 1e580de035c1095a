#include "core/package.hpp"

#include <algorithm>

namespace kassa::core {

std::string_view package_kind_name(PackageKind kind) {
  return kind == PackageKind::shipment_package ? "shipment_package" : "refund_package";
}

std::string_view document_type_name(DocumentType type) {
  switch (type) {
    case DocumentType::agent_report:
      return "agent_report";
    case DocumentType::act:
      return "act";
    case DocumentType::torg12:
      return "torg12";
    case DocumentType::refund_report:
      return "refund_report";
  }
  return "";
}

std::optional<DocumentType> parse_document_type(std::string_view name) {
  for (const DocumentType type : kDocumentTypes)
    if (document_type_name(type) == name) return type;
  return std::nullopt;
}

std::string_view document_title(DocumentType type) {
  switch (type) {
    case DocumentType::agent_report:
      return "Отчёт агента о перечислении денежных средств";
    case DocumentType::act:
      return "Акт об оказании услуг";
    case DocumentType::torg12:
      return "Товарная накладная (ТОРГ-12)";
    case DocumentType::refund_report:
      return "Отчёт агента о возврате денежных средств";
  }
  return "";
}

std::string vat_rate_label(VatType type) {
  switch (type) {
    case VatType::none:
      return "без НДС";
    case VatType::vat0:
      return "0%";
    case VatType::vat5:
    case VatType::vat7:
    case VatType::vat10:
    case VatType::vat20:
    case VatType::vat22:
      return std::to_string(vat_percent(type)) + "%";
    case VatType::vat105:
    case VatType::vat107:
    case VatType::vat110:
    case VatType::vat120:
    case VatType::vat122: {
      const int r = vat_percent(type);
      return std::to_string(r) + "/" + std::to_string(100 + r);
    }
  }
  return "без НДС";
}

namespace {

Document document_of(DocumentType type, CivilDate date, std::vector<DocumentLine> lines) {
  Document document;
  document.type = type;
  document.date = date;
  document.lines = std::move(lines);
  for (const auto& line : document.lines) {
    document.total += line.sum;
    document.vat += line.vat_sum;
  }
  return document;
}

}  // namespace

std::optional<Package> build_package(const OrderState& order, const Step& step,
                                     const Seller& seller,
                                     const std::optional<Supplier>& supplier) {
  if (step.outcome != Outcome::applied || !order.payment) return std::nullopt;
  if (order.payment->customer.type != CustomerType::legal) return std::nullopt;  // receipts
  if (step.kind == EventKind::payment) return std::nullopt;  // documents follow the goods

  // The same lines as the receipts of a private buyer: one per part, each at the rate of the
  // document it belongs to or reverses (a shipment: the plain rate of its date; a refund of
  // unshipped units: the prepayment's calculated rate; of shipped units: that settlement's rate).
  std::vector<DocumentLine> lines;
  for (const LinePart& part : step.parts) {
    if (part.quantity.milli <= 0 && part.amount == 0) continue;
    const OrderItem& item = order.lines.at(part.line).item;
    DocumentLine line;
    line.sku = item.sku;
    line.name = item.name;
    line.measure = item.measure;
    line.measure_code = item.measure_code;
    line.type = item.type;
    line.quantity = part.quantity;
    line.sum = part.amount;
    line.price =
        part.quantity.milli > 0 ? mul_div_half_up(part.amount, 1000, part.quantity.milli) : 0;
    line.vat = vat_type_for(item.vat, part.basis == LinePart::Basis::prepayment, part.basis_time);
    line.vat_sum = vat_amount(line.vat, line.sum);
    lines.push_back(std::move(line));
  }
  if (lines.empty()) return std::nullopt;

  Package package;
  const bool shipment = step.kind == EventKind::shipment;
  package.kind = shipment ? PackageKind::shipment_package : PackageKind::refund_package;
  package.id_name = step.event_id + ":" + std::string(package_kind_name(package.kind));
  package.order_id = order.order_id;
  package.merchant_id = order.merchant_id;
  package.merchant_order_id = order.payment->merchant_order_id;
  package.source_event_id = step.event_id;
  package.issued_at = step.occurred_at;
  const Customer& customer = order.payment->customer;
  package.buyer = {customer.name, customer.inn, customer.kpp, customer.email, customer.phone};
  package.agent = {seller.name, seller.inn, seller.kpp, seller.email, ""};
  if (supplier) {
    package.principal = {supplier->name, supplier->inn, supplier->kpp, "",
                         supplier->phones.empty() ? "" : supplier->phones.front()};
  } else {
    package.principal = {seller.default_supplier_name, seller.default_supplier_inn, "", "",
                         seller.default_supplier_phone};
    package.default_principal = true;
  }
  package.basis_number = step.document_number;
  package.basis_date = step.document_date;
  package.reason = step.reason;
  for (const auto& line : lines) package.total += line.sum;

  const CivilDate date = moscow_date(step.occurred_at);
  if (!shipment) {
    package.documents.push_back(document_of(DocumentType::refund_report, date, std::move(lines)));
    return package;
  }
  std::vector<DocumentLine> services, goods;
  for (const auto& line : lines)
    (line.type == LineType::service ? services : goods).push_back(line);
  package.documents.push_back(document_of(DocumentType::agent_report, date, std::move(lines)));
  if (!services.empty())
    package.documents.push_back(document_of(DocumentType::act, date, std::move(services)));
  if (!goods.empty())
    package.documents.push_back(document_of(DocumentType::torg12, date, std::move(goods)));
  return package;
}

std::set<CounterKey> counter_keys(const std::vector<Package>& packages) {
  std::set<CounterKey> keys;
  for (const auto& package : packages)
    for (const auto& document : package.documents)
      keys.insert({package.merchant_id, document.type, document.date.year});
  return keys;
}

Counters assign_numbers(std::vector<Package>& packages, Counters last) {
  for (auto& package : packages)
    for (auto& document : package.documents)
      document.number = ++last[{package.merchant_id, document.type, document.date.year}];
  return last;
}

}  // namespace kassa::core
