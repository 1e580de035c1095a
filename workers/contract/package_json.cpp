#include "contract/package_json.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"

namespace kassa::contract {
namespace {

using ordered_json = nlohmann::ordered_json;
using nlohmann::json;

ordered_json text_or_null(const std::string& text) {
  return text.empty() ? ordered_json(nullptr) : ordered_json(text);
}

std::string text_of(const json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}

ordered_json party_json(const core::Party& party, bool with_email, bool with_phone) {
  ordered_json j = {{"name", party.name}, {"inn", party.inn}, {"kpp", text_or_null(party.kpp)}};
  if (with_email) j["email"] = text_or_null(party.email);
  if (with_phone) j["phone"] = text_or_null(party.phone);
  return j;
}

core::Party party_of(const json& j) {
  return {text_of(j, "name"), text_of(j, "inn"), text_of(j, "kpp"), text_of(j, "email"),
          text_of(j, "phone")};
}

std::optional<core::VatType> vat_type_of(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(core::VatType::vat122); ++i) {
    const auto type = static_cast<core::VatType>(i);
    if (core::vat_type_name(type) == name) return type;
  }
  return std::nullopt;
}

ordered_json signer_json(const core::Signer& s) {
  if (!s.configured()) return nullptr;
  return {{"surname", s.surname},
          {"given_name", s.given_name},
          {"patronymic", text_or_null(s.patronymic)},
          {"position", text_or_null(s.position)},
          {"authority_method", s.authority_method},
          {"poa_number", text_or_null(s.poa_number)},
          {"poa_date", s.poa_date ? ordered_json(core::format_date(*s.poa_date)) : nullptr},
          {"poa_system", text_or_null(s.poa_system)}};
}

template <typename T>
T required(const std::optional<T>& value, const std::string& what) {
  if (!value) throw std::runtime_error("package message: bad " + what);
  return *value;
}

}  // namespace

std::string package_id(const core::Package& package) {
  return uuid_v5(kOutputNamespace, package.id_name);
}

std::string package_json(const core::Package& p, const std::vector<DocumentFiles>& files) {
  if (files.size() != p.documents.size())
    throw std::logic_error("package_json: one file entry per document expected");
  ordered_json documents = ordered_json::array();
  for (std::size_t d = 0; d < p.documents.size(); ++d) {
    const core::Document& doc = p.documents[d];
    ordered_json lines = ordered_json::array();
    for (const auto& l : doc.lines)
      lines.push_back({{"sku", l.sku},
                       {"name", l.name},
                       {"type", l.type == core::LineType::service ? "service" : "commodity"},
                       {"measure", l.measure},
                       {"measure_code", l.measure_code},
                       {"quantity", core::format_quantity(l.quantity)},
                       {"price", l.price},
                       {"sum", l.sum},
                       {"vat_type", core::vat_type_name(l.vat)},
                       {"vat_rate", core::vat_rate_label(l.vat)},
                       {"vat_sum", l.vat_sum}});
    ordered_json j = {{"type", core::document_type_name(doc.type)},
                      {"number", std::to_string(doc.number)},
                      {"date", core::format_date(doc.date)},
                      {"total", doc.total},
                      {"vat", doc.vat},
                      {"lines", std::move(lines)},
                      {"pdf_sha256", files[d].pdf_sha256},
                      {"pdf_file", files[d].pdf_name}};
    if (!files[d].xml_name.empty()) {
      j["xml_file"] = files[d].xml_name;
      j["xml_sha256"] = files[d].xml_sha256;
    }
    documents.push_back(std::move(j));
  }
  ordered_json basis = {
      {"document_number", text_or_null(p.basis_number)},
      {"document_date",
       p.basis_date ? ordered_json(core::format_date(*p.basis_date)) : ordered_json(nullptr)},
      {"reason", text_or_null(p.reason)}};
  const ordered_json message = {
      {"package_id", package_id(p)},
      {"kind", core::package_kind_name(p.kind)},
      {"order_id", p.order_id},
      {"merchant_id", p.merchant_id},
      {"source_event_id", p.source_event_id},
      {"issued_at", core::format_utc(p.issued_at)},
      {"merchant_order_id", p.merchant_order_id},
      {"buyer", party_json(p.buyer, true, false)},
      {"principal", party_json(p.principal, false, true)},
      {"agent", party_json(p.agent, true, false)},
      {"default_principal", p.default_principal},
      {"basis", std::move(basis)},
      {"edo",
       {{"principal_participant_id", text_or_null(p.principal_edo_id)},
        {"agent_participant_id", text_or_null(p.agent_edo_id)}}},
      {"signer", signer_json(p.signer)},
      {"total", p.total},
      {"documents", std::move(documents)},
  };
  return message.dump();
}

core::Package package_from_json(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("package message: not JSON");
  try {
    core::Package p;
    const std::string kind = j.at("kind");
    if (kind != "shipment_package" && kind != "refund_package")
      throw std::runtime_error("package message: bad kind " + kind);
    p.kind = kind == "shipment_package" ? core::PackageKind::shipment_package
                                        : core::PackageKind::refund_package;
    p.source_event_id = j.at("source_event_id");
    p.id_name = p.source_event_id + ":" + kind;
    p.order_id = j.at("order_id");
    p.merchant_id = j.at("merchant_id");
    p.merchant_order_id = j.at("merchant_order_id");
    p.issued_at = required(core::parse_utc(j.at("issued_at").get<std::string>()), "issued_at");
    p.buyer = party_of(j.at("buyer"));
    p.principal = party_of(j.at("principal"));
    p.agent = party_of(j.at("agent"));
    p.default_principal = j.value("default_principal", false);
    const json& basis = j.at("basis");
    p.basis_number = text_of(basis, "document_number");
    if (const std::string date = text_of(basis, "document_date"); !date.empty())
      p.basis_date = required(core::parse_date(date), "basis.document_date");
    p.reason = text_of(basis, "reason");
    if (const auto edo = j.find("edo"); edo != j.end() && edo->is_object()) {
      p.principal_edo_id = text_of(*edo, "principal_participant_id");
      p.agent_edo_id = text_of(*edo, "agent_participant_id");
    }
    if (const auto s = j.find("signer"); s != j.end() && s->is_object()) {
      p.signer.surname = text_of(*s, "surname");
      p.signer.given_name = text_of(*s, "given_name");
      p.signer.patronymic = text_of(*s, "patronymic");
      p.signer.position = text_of(*s, "position");
      p.signer.authority_method = s->at("authority_method").get<int>();
      p.signer.poa_number = text_of(*s, "poa_number");
      if (const std::string date = text_of(*s, "poa_date"); !date.empty())
        p.signer.poa_date = required(core::parse_date(date), "signer.poa_date");
      p.signer.poa_system = text_of(*s, "poa_system");
    }
    p.total = j.at("total");
    for (const json& d : j.at("documents")) {
      core::Document doc;
      doc.type = required(core::parse_document_type(d.at("type").get<std::string>()), "type");
      doc.number = std::stoll(d.at("number").get<std::string>());
      doc.date = required(core::parse_date(d.at("date").get<std::string>()), "date");
      doc.total = d.at("total");
      doc.vat = d.at("vat");
      for (const json& l : d.at("lines")) {
        core::DocumentLine line;
        line.sku = l.at("sku");
        line.name = l.at("name");
        line.type = l.at("type") == "service" ? core::LineType::service : core::LineType::commodity;
        line.measure = l.at("measure");
        line.measure_code = l.at("measure_code");
        line.quantity =
            required(core::parse_quantity(l.at("quantity").get<std::string>()), "quantity");
        line.price = l.at("price");
        line.sum = l.at("sum");
        line.vat = required(vat_type_of(l.at("vat_type").get<std::string>()), "vat_type");
        line.vat_sum = l.at("vat_sum");
        doc.lines.push_back(std::move(line));
      }
      p.documents.push_back(std::move(doc));
    }
    if (package_id(p) != j.at("package_id"))
      throw std::runtime_error("package message: package_id does not match its source event");
    return p;
  } catch (const json::exception& error) {
    throw std::runtime_error(std::string("package message: ") + error.what());
  } catch (const std::invalid_argument&) {
    throw std::runtime_error("package message: a document number is not a number");
  }
}

std::vector<DocumentFiles> files_from_json(std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("package message: not JSON");
  std::vector<DocumentFiles> out;
  for (const json& d : j.at("documents"))
    out.push_back({text_of(d, "pdf_file"), text_of(d, "pdf_sha256"), text_of(d, "xml_file"),
                   text_of(d, "xml_sha256")});
  return out;
}

}  // namespace kassa::contract
