// FNS XML of the act (services) and the TORG-12 waybill (goods): the files EDO operators accept
// (fiscal-54fz.md section 8). Both are the universal transfer document (УПД) of order
// ЕД-7-26/970@, format 5.03, КНД 1115131, function ДОП (a transfer document, no invoice), checked
// against the tax service's own XSD, schemas/fns/ON_NSCHFDOPPR_1_997_01_05_03_05.xsd:
//
//   act, torg12 -> ON_NSCHFDOPPR_{A}_{O}_{YYYYMMDD}_{GUID}.xml, windows-1251
//
// A = recipient's EDO id (the buyer), O = sender's (the seller, i.e. the principal), date = the
// document's date, GUID = uuid_v5(kOutputNamespace, "<package id_name>:<document type name>").
// The XSD gives ИдФайл no pattern (1 to 255 characters) and no tail after the GUID, so none is
// written. @НаимДокОпр says which document it is ("Акт об оказании услуг", "Товарная накладная").
//
// The seller (СвПрод) is the principal (the merchant); the file is compiled by the agent
// (Invoicebox) under the principal's power of attorney: Документ/@НаимЭконСубСост names the agent
// with its INN and the basis. The signer (Подписант) comes from configuration via the package.
//
// The rules the XSD's annotations set for ДОП, which libxml2 does not check, are kept here:
// @НаимДокОпр present; СвПродПер/СвПер with @ДатаПер and ОснПер or БезДокОснПер; each СведТов
// with @НаимТов and both @СтТовБезНДС and @СтТовУчНал; @НаимЕдИзм whenever @ОКЕИ_Тов; ВсегоОпл
// with both totals; Подписант/СвДоверЭл exactly when @СпосПодтПолном is 3 and СвДоверБум exactly
// when it is 5; ИдФайл = the file name without ".xml". The sums agree: per line with VAT = without
// VAT + VAT, and the totals are the sums of the lines.
//
// Deterministic: the bytes are a function of the package and the document. The "date and time
// the file was made" (ДатаИнфПр/ВремИнфПр) are the document's date and the Moscow time of day of
// package.issued_at (the source event), or 00.00.00 when issued_at falls on another Moscow date.
//
// Money: rubles with two decimals. ЦенаТов is the unit price WITHOUT VAT (sum without VAT /
// quantity, half up to a kopeck); the line sums are exact and are what counts. Quantities: up to
// three decimals.
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

// EDO participant ids (assigned by the EDO operator) in the file name. The sender (O) is the
// principal's package.principal_edo_id, else the agent's package.agent_edo_id (Invoicebox sends
// on the principal's behalf), else a placeholder from the principal's requisites. The recipient
// (A), the buyer, is not in the payment event: always a placeholder, "<INN>-<KPP>" or "<INN>"
// without a KPP. A placeholder is not a real EDO id (those start with the operator's code, e.g.
// "2BM-"); the operator routes by its own records of the parties.
std::string fns_sender_id(const core::Package& package);
std::string fns_recipient_id(const core::Package& package);

// act and torg12 -> ON_NSCHFDOPPR (УПД, ДОП); other document types throw std::invalid_argument,
// and so does a package without a configured signer (package.signer). Throws std::runtime_error
// when the text cannot be converted to windows-1251 (invalid UTF-8).
FnsFile render_fns_xml(const core::Package& package, const core::Document& document);

// Validates XML bytes (any encoding declared in the prolog) against an XSD file with libxml2.
// Returns the problems, "line N: message" (empty = valid). Nothing is printed; no network access.
std::vector<std::string> validate_xml(const std::string& xml_bytes, const std::string& xsd_path);

// KASSA_FNS_SCHEMAS_DIR "/ON_NSCHFDOPPR_1_997_01_05_03_05.xsd", the official XSD, for the act and
// the TORG-12; other types throw std::invalid_argument.
inline constexpr const char* kFnsSchemaFile = "ON_NSCHFDOPPR_1_997_01_05_03_05.xsd";
std::string fns_schema_path(core::DocumentType type);

// UTF-8 -> windows-1251 with the stand-ins above. Throws std::runtime_error on invalid UTF-8 or
// when iconv is unavailable.
std::string utf8_to_windows1251(const std::string& utf8);

}  // namespace kassa::render
