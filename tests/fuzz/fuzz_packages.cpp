// Fuzzes the document package builder: a sequence of events (NDJSON as in fuzz_receipts, the
// seeds' buyers organizations) decoded and applied as in event_stream.hpp, then, for every
// applied step, what the batch and the renderer do with it: core::build_package, numbering
// (core::assign_numbers), the stored body (contract::package_json) read back by the renderer
// (contract::package_from_json), and the FNS XML of the act and the TORG-12
// (render::render_fns_xml), checked against the tax service's XSD (schemas/fns/).
//
// Failures: an exception escaping; a package for a private buyer, a payment or a step not
// applied, none for an organization's applied shipment or refund; documents whose lines do not
// add up to their totals or to the event's money, a line VAT that is not sum × r / (100 + r), an
// act with goods or a TORG-12 with services; a number that is not the next of its sequence; a
// body that breaks schemas/package.v1.json or does not read back to the same bytes; FNS XML that
// the XSD refuses; and everything event_stream.hpp checks.
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "contract/encoding.hpp"
#include "contract/package_json.hpp"
#include "contract/schema.hpp"
#include "core/package.hpp"
#include "event_stream.hpp"
#include "fuzz_support.hpp"
#include "render/fns_xml.hpp"

namespace {

using namespace kassa;
using fuzz::check;

// render::validate_xml parses the XSD on every call (milliseconds); here it is parsed once.
class FnsSchema {
 public:
  FnsSchema() {
    xmlInitParser();
    const std::string path = render::fns_schema_path(core::DocumentType::act);
    xmlSchemaParserCtxtPtr parser = xmlSchemaNewParserCtxt(path.c_str());
    schema_ = parser ? xmlSchemaParse(parser) : nullptr;
    if (parser) xmlSchemaFreeParserCtxt(parser);
    if (!schema_) fuzz::fail("cannot load " + path);
  }

  // Empty when valid; otherwise the first problem.
  std::string problem(const std::string& xml) {
    problems_.clear();
    xmlSetStructuredErrorFunc(this, collect);
    xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "document.xml", nullptr,
                                  XML_PARSE_NONET);
    if (!doc) {
      xmlSetStructuredErrorFunc(nullptr, nullptr);
      return problems_.empty() ? "not well-formed XML" : problems_;
    }
    xmlSchemaValidCtxtPtr validator = xmlSchemaNewValidCtxt(schema_);
    xmlSchemaSetValidStructuredErrors(validator, collect, this);
    const int result = xmlSchemaValidateDoc(validator, doc);
    xmlSchemaFreeValidCtxt(validator);
    xmlFreeDoc(doc);
    xmlSetStructuredErrorFunc(nullptr, nullptr);
    if (result != 0 && problems_.empty()) return "invalid (" + std::to_string(result) + ")";
    return problems_;
  }

 private:
  static void collect(void* self, xmlErrorPtr error) {
    auto& problems = static_cast<FnsSchema*>(self)->problems_;
    if (error && error->level != XML_ERR_WARNING && problems.empty())
      problems = "line " + std::to_string(error->line) + ": " +
                 (error->message ? error->message : "unknown error");
  }
  xmlSchemaPtr schema_ = nullptr;
  std::string problems_;
};

// Who signs the XML, from configuration; each way of confirming authority, by merchant.
core::Signer signer_for(const std::string& merchant_id) {
  core::Signer s{"Иванова", "Мария", "Петровна", "Главный бухгалтер", 1, "", {}, ""};
  s.authority_method = merchant_id.empty() ? 1 : 1 + static_cast<unsigned char>(merchant_id[0]) % 6;
  if (s.authority_method == 3) {
    s.poa_number = "0b7c1f2e-4a5d-4e6f-8a9b-1c2d3e4f5a6b";
    s.poa_date = core::CivilDate{2025, 12, 1};
    s.poa_system = "https://m4d.nalog.gov.ru/emchd/check-status";
  } else if (s.authority_method == 5) {
    s.poa_number = "Д-17/2025";
    s.poa_date = core::CivilDate{2025, 12, 1};
  }
  return s;
}

void check_document(const core::Document& document) {
  const std::string type(core::document_type_name(document.type));
  check(!document.lines.empty(), "an empty " + type);
  core::Kopecks total = 0, vat = 0;
  for (const core::DocumentLine& line : document.lines) {
    check(line.quantity.milli > 0 && line.sum >= 0, type + ": a line without quantity or < 0");
    check(line.price == core::mul_div_half_up(line.sum, 1000, line.quantity.milli),
          type + ": a line's price is not sum / quantity");
    check(line.vat_sum == core::vat_amount(line.vat, line.sum), type + ": a line's VAT is wrong");
    if (document.type == core::DocumentType::act)
      check(line.type == core::LineType::service, "goods on an act");
    if (document.type == core::DocumentType::torg12)
      check(line.type == core::LineType::commodity, "services on a TORG-12");
    total += line.sum;
    vat += line.vat_sum;
  }
  check(total == document.total && vat == document.vat,
        type + ": lines do not add up to the totals");
}

void check_package(const core::Package& package, const core::Step& step) {
  check(package.total == step.amount, "the package's total is not the event's money");
  check(package.source_event_id == step.event_id && package.issued_at == step.occurred_at,
        "the package is not the event's");
  for (const core::Document& document : package.documents) check_document(document);
  if (package.kind == core::PackageKind::refund_package) {
    check(step.kind == core::EventKind::refund && package.documents.size() == 1 &&
              package.documents[0].type == core::DocumentType::refund_report,
          "a refund package is not one refund report");
    check(package.documents[0].total == package.total, "the refund report is not the refund");
    return;
  }
  check(step.kind == core::EventKind::shipment && !package.documents.empty() &&
            package.documents[0].type == core::DocumentType::agent_report,
        "a shipment package without the agent's report first");
  check(package.documents[0].total == package.total, "the agent's report is not the shipment");
  core::Kopecks parts = 0;
  for (std::size_t d = 1; d < package.documents.size(); ++d) parts += package.documents[d].total;
  check(parts == package.total, "the act and the TORG-12 do not add up to the agent's report");
}

// The files the renderer would record: a PDF per document, an XML for the act and TORG-12.
std::vector<contract::DocumentFiles> files_of(const core::Package& package) {
  std::vector<contract::DocumentFiles> files;
  for (const core::Document& d : package.documents) {
    const std::string type(core::document_type_name(d.type));
    contract::DocumentFiles f{type + "_" + std::to_string(d.number) + ".pdf",
                              contract::sha256_hex(type), "", ""};
    if (d.type == core::DocumentType::act || d.type == core::DocumentType::torg12) {
      f.xml_name = render::render_fns_xml(package, d).file_name;
      f.xml_sha256 = contract::sha256_hex(f.xml_name);
    }
    files.push_back(std::move(f));
  }
  return files;
}

struct Run {
  core::Counters counters;  // the numbering sequences over this input
};

void on_step(Run& run, const core::OrderState& order, const core::Step& step) {
  const auto supplier = fuzz::supplier_for(order.merchant_id);
  auto built = core::build_package(order, step, fuzz::seller(), supplier);
  const bool legal = order.payment && order.payment->customer.type == core::CustomerType::legal;
  if (step.outcome != core::Outcome::applied || !legal || step.kind == core::EventKind::payment) {
    check(!built, "a package for a private buyer, a payment or a step not applied");
    return;
  }
  check(built.has_value(), "no package for an organization's applied " +
                               std::string(core::event_kind_name(step.kind)));
  check_package(*built, step);

  // Numbered in the batch's transaction: each document takes the next number of its sequence.
  std::vector<core::Package> batch{*built};
  const core::Counters before = run.counters;
  run.counters = core::assign_numbers(batch, run.counters);
  core::Package package = std::move(batch.front());
  for (const core::Document& d : package.documents) {
    const core::CounterKey key{package.merchant_id, d.type, d.date.year};
    const auto last = before.find(key);
    check(d.number == (last == before.end() ? 0 : last->second) + 1 &&
              run.counters.at(key) == d.number,
          "document number " + std::to_string(d.number) + " is not the next of its sequence");
  }

  // The batch stores the body without files; the renderer reads it back and adds its settings.
  const std::string stored = contract::package_json(
      package, std::vector<contract::DocumentFiles>(package.documents.size()));
  core::Package rendered = contract::package_from_json(stored);
  check(contract::package_json(
            rendered, std::vector<contract::DocumentFiles>(rendered.documents.size())) == stored,
        "the stored package does not read back the same");
  rendered.signer = signer_for(package.merchant_id);
  rendered.agent_edo_id = "2BM-7725416908-2012052808301120662";

  static FnsSchema xsd;
  for (const core::Document& d : rendered.documents) {
    if (d.type != core::DocumentType::act && d.type != core::DocumentType::torg12) continue;
    const render::FnsFile xml = render::render_fns_xml(rendered, d);
    check(xml.file_name.starts_with("ON_NSCHFDOPPR_") && xml.file_name.ends_with(".xml"),
          "FNS XML file name " + xml.file_name);
    if (const std::string problem = xsd.problem(xml.bytes); !problem.empty())
      fuzz::fail("FNS XML of the " + std::string(core::document_type_name(d.type)) +
                 " breaks the XSD: " + problem);
  }

  // The message as published, with its files.
  static contract::SchemaValidator schema("package.v1.json");
  const auto files = files_of(rendered);
  const std::string body = contract::package_json(rendered, files);
  const auto j = nlohmann::json::parse(body, nullptr, false);
  check(!j.is_discarded(), "the package message is not JSON");
  if (const auto problems = schema.problems(j))
    fuzz::fail("the package message breaks package.v1.json: " + *problems);
  check(contract::package_json(contract::package_from_json(body),
                               contract::files_from_json(body)) == body,
        "the package message does not read back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz::run_input([&] {
    Run run;
    fuzz::apply_stream(
        std::string_view(reinterpret_cast<const char*>(data), size),
        [&](const core::OrderState& order, const core::Step& step) { on_step(run, order, step); });
  });
}
