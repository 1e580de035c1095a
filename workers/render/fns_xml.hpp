// FNS XML of the act (services) and the TORG-12 waybill (goods): the files EDO operators accept
// (fiscal-54fz.md section 8), in windows-1251, checked against kassa's own XSDs in schemas/fns/.
//
//   act    -> DP_REZRUISP_{A}_{O}_{YYYYMMDD}_{GUID}.xml,  format 5.01, КНД 1175012
//   torg12 -> DP_TOVTORGPR_{A}_{O}_{YYYYMMDD}_{GUID}.xml, format 5.01, КНД 1175010
//
// A = recipient's EDO id (the buyer), O = sender's (the seller, i.e. the principal), date = the
// document's date, GUID = uuid_v5(kOutputNamespace, "<package id_name>:<document type name>").
//
// The seller is the principal (the merchant); the file is compiled by the agent (Invoicebox) under
// the principal's power of attorney: Документ/@НаимЭконСубСост names the agent with its INN,
// @ОснДоверОргСост the basis.
//
// Deterministic: the bytes are a function of the package, the document and the ids. The "date
// and time the file was made" attributes (ДатаИнфПр/ВремИнфПр, ДатаИнфИсп/ВремИнфИсп) are the
// document's date and the Moscow time of day of package.issued_at (the source event), or 00.00.00
// when issued_at falls on another Moscow date than the document's.
//
// Money: rubles with two decimals. Цена is the unit price WITHOUT VAT, as in the FNS formats and
// the paper TORG-12 (sum without VAT / quantity, half up to a kopeck); the line sums are exact and
// are what counts. Quantities: up to three decimals.
//
// Text: characters windows-1251 lacks become a small set of ASCII stand-ins (× -> x, − ‐ ‑ ‒ ->
// -, ² -> 2, ³ -> 3, ½ -> 1/2, ¼ -> 1/4, ¾ -> 3/4, thin and narrow spaces -> space) or '?'
// otherwise (emoji, Latin letters with diacritics, CJK, ...). Control characters other than tab,
// line feed and carriage return (which are written as character references) also become '?'.
#pragma once

#include <string>
#include <vector>

#include "core/package.hpp"

namespace kassa::render {

struct FnsFile {
  std::string file_name;  // Файл/@ИдФайл + ".xml"
  std::string bytes;      // windows-1251
};

// EDO participant ids (assigned by the EDO operator). An empty id is replaced by a placeholder
// built from the party's requisites: "<INN>-<KPP>", or "<INN>" without a KPP (sender: the
// principal; recipient: the buyer). A placeholder is not a real EDO id (those start with the
// operator's code, e.g. "2BM-"); operators need the real ones.
struct FnsIds {
  std::string sender_edo_id, recipient_edo_id;
};

// act -> DP_REZRUISP, torg12 -> DP_TOVTORGPR; other document types throw std::invalid_argument.
// Throws std::runtime_error when the text cannot be converted to windows-1251 (invalid UTF-8).
FnsFile render_fns_xml(const core::Package& package, const core::Document& document,
                       const FnsIds& ids = {});

// Validates XML bytes (any encoding declared in the prolog) against an XSD file with libxml2.
// Returns the problems, "line N: message" (empty = valid). Nothing is printed; no network access.
std::vector<std::string> validate_xml(const std::string& xml_bytes, const std::string& xsd_path);

// KASSA_FNS_SCHEMAS_DIR "/DP_REZRUISP.xsd" (act) or "/DP_TOVTORGPR.xsd" (torg12); other types
// throw std::invalid_argument.
std::string fns_schema_path(core::DocumentType type);

// UTF-8 -> windows-1251 with the stand-ins above. Throws std::runtime_error on invalid UTF-8 or
// when iconv is unavailable.
std::string utf8_to_windows1251(const std::string& utf8);

}  // namespace kassa::render
