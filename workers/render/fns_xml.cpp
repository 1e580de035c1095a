#include "render/fns_xml.hpp"

#include <iconv.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "contract/encoding.hpp"
#include "core/money.hpp"
#include "core/quantity.hpp"
#include "core/utc_time.hpp"

namespace kassa::render {
namespace {

constexpr std::string_view kFormatVersion = "5.03";
constexpr std::string_view kProgram = "kassa";
constexpr std::string_view kProlog = "<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n";

// ---------------------------------------------------------------------------------------------
// Text.

// Escapes for an attribute value or element text (both quoted with "). Tab, LF and CR are kept as
// character references (attribute normalisation would turn them into spaces); other C0 controls
// are not XML characters at all and become '?'.
std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    }
  }
  return out;
}

// The code point of the (valid) UTF-8 sequence at `p` and its length.
std::pair<std::uint32_t, std::size_t> decode_utf8(const unsigned char* p) {
  if (p[0] < 0x80) return {p[0], 1};
  if (p[0] < 0xE0) return {(p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu), 2};
  if (p[0] < 0xF0) return {(p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu), 3};
  return {(p[0] & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu), 4};
}

// What goes into windows-1251 for a character it lacks. ASCII only, and nothing XML would have to
// escape, since this runs on text that is already escaped.
std::string_view stand_in(std::uint32_t code_point) {
  switch (code_point) {
    case 0x00D7:  // × multiplication sign ("3×2,5")
      return "x";
    case 0x2010:  // hyphen
    case 0x2011:  // non-breaking hyphen
    case 0x2012:  // figure dash
    case 0x2212:  // minus sign
      return "-";
    case 0x00B2:
      return "2";
    case 0x00B3:
      return "3";
    case 0x00BD:
      return "1/2";
    case 0x00BC:
      return "1/4";
    case 0x00BE:
      return "3/4";
    case 0x2007:  // figure space
    case 0x2009:  // thin space
    case 0x202F:  // narrow no-break space (thousands in "1 999,99")
      return " ";
    default:
      return "?";
  }
}

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};

// ---------------------------------------------------------------------------------------------
// A small XML writer: elements with attributes, indented by two spaces, no mixed content.

struct Attr {
  std::string_view name;
  std::string value;
};
using Attrs = std::vector<Attr>;

// Adds an optional attribute: absent when empty.
void optional(Attrs& attrs, std::string_view name, std::string value) {
  if (!value.empty()) attrs.push_back({name, std::move(value)});
}

class XmlWriter {
 public:
  void open(std::string_view name, const Attrs& attrs = {}) {
    start(name, attrs);
    out_ += ">\n";
    ++depth_;
  }
  void empty(std::string_view name, const Attrs& attrs = {}) {
    start(name, attrs);
    out_ += "/>\n";
  }
  void text(std::string_view name, std::string_view text) {
    indent();
    out_.append("<").append(name).append(">").append(escape(text));
    out_.append("</").append(name).append(">\n");
  }
  void close(std::string_view name) {
    --depth_;
    indent();
    out_.append("</").append(name).append(">\n");
  }
  std::string take() { return std::move(out_); }

 private:
  void indent() { out_.append(static_cast<std::size_t>(depth_) * 2, ' '); }
  void start(std::string_view name, const Attrs& attrs) {
    indent();
    out_.append("<").append(name);
    for (const auto& attr : attrs)
      out_.append(" ").append(attr.name).append("=\"").append(escape(attr.value)).append("\"");
  }
  std::string out_;
  int depth_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Requisites.

std::string two_digits(int value) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%02d", value);
  return buffer;
}

std::string fns_date(core::CivilDate date) {  // ДД.ММ.ГГГГ
  return two_digits(date.day) + "." + two_digits(date.month) + "." + std::to_string(date.year);
}

std::string compact_date(core::CivilDate date) {  // YYYYMMDD, for the file name
  return std::to_string(date.year) + two_digits(date.month) + two_digits(date.day);
}

// ЧЧ.ММ.СС: the Moscow time of day of the package's event when it falls on the document's date.
std::string fns_time(core::UtcTime issued_at, core::CivilDate date) {
  if (core::moscow_date(issued_at) != date) return "00.00.00";
  const std::int64_t micros = issued_at.unix_micros + core::kMoscowOffsetMicros;
  std::int64_t seconds = micros / 1'000'000;
  if (micros % 1'000'000 < 0) --seconds;
  std::int64_t of_day = seconds % 86'400;
  if (of_day < 0) of_day += 86'400;
  return two_digits(static_cast<int>(of_day / 3600)) + "." +
         two_digits(static_cast<int>(of_day / 60 % 60)) + "." +
         two_digits(static_cast<int>(of_day % 60));
}

std::string placeholder_id(const core::Party& party) {
  return party.kpp.empty() ? party.inn : party.inn + "-" + party.kpp;
}

struct FullName {
  std::string surname, given, patronymic;
};

// A sole trader's name as the buyer or merchant gave it ("ИП Соколова Анна Викторовна") -> ФИО:
// the first word is the surname, the second the given name, the rest the patronymic. A single
// word leaves the given name "-" (the format requires one); an empty name stays empty and fails
// validation (the decoder refuses a legal buyer without a name).
FullName split_name(std::string_view name) {
  for (const std::string_view prefix : {"Индивидуальный предприниматель ", "ИП "}) {
    if (name.substr(0, prefix.size()) == prefix) {
      name.remove_prefix(prefix.size());
      break;
    }
  }
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < name.size()) {
    while (i < name.size() && name[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < name.size() && name[i] != ' ') ++i;
    if (i > start) words.emplace_back(name.substr(start, i - start));
  }
  FullName full;
  if (words.empty()) return full;
  full.surname = words[0];
  full.given = words.size() > 1 ? words[1] : "-";
  for (std::size_t w = 2; w < words.size(); ++w) full.patronymic += (w > 2 ? " " : "") + words[w];
  return full;
}

// Whether `text` fits in `limit` characters as the file carries it: windows-1251 has one byte a
// character, and its stand-ins ("1/2" for ½) take more than one.
bool fits(const std::string& text, std::size_t limit) {
  return utf8_to_windows1251(text).size() <= limit;
}

// The longest prefix of `text` (whole characters) that fits in `limit`.
std::string cut_to_fit(const std::string& text, std::size_t limit) {
  std::string cut = core::cut_characters(text, limit);
  for (std::size_t n = limit; n > 0 && !fits(cut, limit); --n)
    cut = core::cut_characters(text, n - 1);
  return cut;
}

// The XSD allows 60 characters for each part of ФИО; a longer part (a sole trader's name of 256
// characters splits into a long patronymic) is cut, since the format can carry no more.
constexpr std::size_t kFioPartMax = 60;

void write_fio(XmlWriter& xml, std::string_view surname, std::string_view given,
               std::string_view patronymic) {
  Attrs fio{{"Фамилия", cut_to_fit(std::string(surname), kFioPartMax)},
            {"Имя", cut_to_fit(std::string(given), kFioPartMax)}};
  optional(fio, "Отчество", cut_to_fit(std::string(patronymic), kFioPartMax));
  xml.empty("ФИО", fio);
}

// УчастникТип: ИдСв/СвЮЛУч (10-digit INN) or ИдСв/СвИП (12-digit INN: a sole trader), then
// Контакт. No Адрес: the format wants it for an invoice (СЧФ, СЧФДОП), not for ДОП.
void write_party(XmlWriter& xml, std::string_view element, const core::Party& party) {
  xml.open(element);
  xml.open("ИдСв");
  if (party.inn.size() == 12) {
    xml.open("СвИП", {{"ИННФЛ", party.inn}});
    const FullName full = split_name(party.name);
    write_fio(xml, full.surname, full.given, full.patronymic);
    xml.close("СвИП");
  } else {
    Attrs attrs{{"НаимОрг", party.name}, {"ИННЮЛ", party.inn}};
    optional(attrs, "КПП", party.kpp);
    xml.empty("СвЮЛУч", attrs);
  }
  xml.close("ИдСв");
  if (!party.phone.empty() || !party.email.empty()) {
    xml.open("Контакт");
    if (!party.phone.empty()) xml.text("Тлф", party.phone);
    if (!party.email.empty()) xml.text("ЭлПочта", party.email);
    xml.close("Контакт");
  }
  xml.close(element);
}

// The compiler of the file: the agent, under the principal's power of attorney.
std::string compiler_name(const core::Party& agent) {
  std::string name = agent.name + ", ИНН " + agent.inn;
  if (!agent.kpp.empty()) name += ", КПП " + agent.kpp;
  return name + ", по доверенности продавца (агентский договор)";
}

bool is_okei(std::string_view code) {
  return (code.size() == 3 || code.size() == 4) &&
         code.find_first_not_of("0123456789") == std::string_view::npos;
}

// A VAT amount (СумНДСТип): СумНал, or БезНДС "без НДС" when there is no VAT at all.
void write_vat(XmlWriter& xml, std::string_view element, bool without_vat, core::Kopecks amount) {
  xml.open(element);
  if (without_vat)
    xml.text("БезНДС", "без НДС");
  else
    xml.text("СумНал", core::format_rubles(amount));
  xml.close(element);
}

constexpr std::size_t kSkuMax = 100;

// Unit price without VAT: the line's sum without VAT / quantity, half up.
core::Kopecks price_without_vat(const core::DocumentLine& line) {
  if (line.quantity.milli <= 0) return 0;
  return core::mul_div_half_up(line.sum_without_vat(), 1000, line.quantity.milli);
}

// ТаблСчФакт: one СведТов per line, then ВсегоОпл.
void write_table(XmlWriter& xml, const core::Document& document) {
  xml.open("ТаблСчФакт");
  bool all_without_vat = true;
  for (std::size_t i = 0; i < document.lines.size(); ++i) {
    const core::DocumentLine& line = document.lines[i];
    const bool without_vat = line.vat == core::VatType::none;
    all_without_vat = all_without_vat && without_vat;
    Attrs attrs{{"НомСтр", std::to_string(i + 1)}, {"НаимТов", line.name}};
    if (is_okei(line.measure_code) && !line.measure.empty()) {
      attrs.push_back({"ОКЕИ_Тов", line.measure_code});
      attrs.push_back({"НаимЕдИзм", line.measure});
    }
    if (line.quantity.milli > 0) {  // the format wants a quantity above zero, or none
      attrs.push_back({"КолТов", core::format_quantity(line.quantity)});
      attrs.push_back({"ЦенаТов", core::format_rubles(price_without_vat(line))});
    }
    attrs.push_back({"СтТовБезНДС", core::format_rubles(line.sum_without_vat())});
    attrs.push_back({"НалСт", core::vat_rate_label(line.vat)});
    attrs.push_back({"СтТовУчНал", core::format_rubles(line.sum)});
    xml.open("СведТов", attrs);
    Attrs extra{{"ПрТовРаб", line.type == core::LineType::service ? "3" : "1"}};
    // КодТов takes at most 100 characters (a sku up to 128): a longer one is left out, since a
    // cut code would name another article.
    if (fits(line.sku, kSkuMax)) optional(extra, "КодТов", line.sku);
    xml.empty("ДопСведТов", extra);
    write_vat(xml, "СумНал", without_vat, line.vat_sum);
    xml.close("СведТов");
  }
  xml.open("ВсегоОпл", {{"СтТовБезНДСВсего", core::format_rubles(document.total - document.vat)},
                        {"СтТовУчНалВсего", core::format_rubles(document.total)}});
  write_vat(xml, "СумНалВсего", all_without_vat, document.vat);
  xml.close("ВсегоОпл");
  xml.close("ТаблСчФакт");
}

// СвПродПер: what was handed over, when, and on what basis: the shop's shipping document when
// the package names one with its date, otherwise БезДокОснПер (the format's "no basis document").
void write_transfer(XmlWriter& xml, const core::Package& package, const core::Document& document,
                    bool act) {
  xml.open("СвПродПер");
  xml.open("СвПер", {{"СодОпер", act ? "Услуги оказаны в полном объеме" : "Товары переданы"},
                     {"ДатаПер", fns_date(document.date)}});
  if (!package.basis_number.empty() && package.basis_date)
    xml.empty("ОснПер", {{"РеквНаимДок", "Документ об отгрузке"},
                         {"РеквНомерДок", package.basis_number},
                         {"РеквДатаДок", fns_date(*package.basis_date)}});
  else
    xml.text("БезДокОснПер", "1");
  xml.close("СвПер");
  xml.close("СвПродПер");
}

void write_signer(XmlWriter& xml, const core::Signer& signer) {
  Attrs attrs;
  optional(attrs, "Должн", signer.position);
  attrs.push_back({"СпосПодтПолном", std::to_string(signer.authority_method)});
  xml.open("Подписант", attrs);
  write_fio(xml, signer.surname, signer.given_name, signer.patronymic);
  if (signer.authority_method == 3) {
    Attrs poa{{"НомДовер", signer.poa_number}};
    if (signer.poa_date) poa.push_back({"ДатаВыдДовер", fns_date(*signer.poa_date)});
    poa.push_back({"ИдСистХран", signer.poa_system});
    xml.empty("СвДоверЭл", poa);
  } else if (signer.authority_method == 5) {
    Attrs poa;
    if (signer.poa_date) poa.push_back({"ДатаВыдДовер", fns_date(*signer.poa_date)});
    poa.push_back({"ВнНомДовер", signer.poa_number});
    xml.empty("СвДоверБум", poa);
  }
  xml.close("Подписант");
}

// ---------------------------------------------------------------------------------------------
// Validation.

struct ProblemSink {
  std::vector<std::string> problems;
};

void collect(void* user_data, xmlErrorPtr error) {
  auto* sink = static_cast<ProblemSink*>(user_data);
  if (error == nullptr || error->level == XML_ERR_WARNING) return;
  std::string message = error->message != nullptr ? error->message : "unknown error";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  sink->problems.push_back("line " + std::to_string(error->line) + ": " + message);
}

// Routes this thread's libxml2 errors without a context of their own (the parser's) to a sink
// for the scope, then puts back what was there.
class ScopedErrorHandler {
 public:
  explicit ScopedErrorHandler(ProblemSink* sink)
      : previous_(xmlStructuredError), previous_context_(xmlStructuredErrorContext) {
    xmlSetStructuredErrorFunc(sink, collect);
  }
  ~ScopedErrorHandler() { xmlSetStructuredErrorFunc(previous_context_, previous_); }
  ScopedErrorHandler(const ScopedErrorHandler&) = delete;
  ScopedErrorHandler& operator=(const ScopedErrorHandler&) = delete;

 private:
  xmlStructuredErrorFunc previous_;
  void* previous_context_;
};

}  // namespace

std::string utf8_to_windows1251(const std::string& utf8) {
  if (!contract::is_valid_utf8(utf8))
    throw std::runtime_error("FNS XML: the text is not valid UTF-8");
  const iconv_t raw = iconv_open("WINDOWS-1251", "UTF-8");
  if (raw == reinterpret_cast<iconv_t>(-1))
    throw std::runtime_error("FNS XML: iconv cannot convert UTF-8 to windows-1251");
  const std::unique_ptr<void, IconvCloser> cd(raw);

  std::string input = utf8;  // iconv wants char**
  char* in = input.data();
  std::size_t in_left = input.size();
  std::string out(input.size() + 16, '\0');  // one byte per character, plus stand-ins
  std::size_t used = 0;
  while (true) {
    char* out_ptr = out.data() + used;
    std::size_t out_left = out.size() - used;
    const std::size_t result = iconv(raw, &in, &in_left, &out_ptr, &out_left);
    used = out.size() - out_left;
    if (result != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
    } else if (errno == EILSEQ) {
      // The input is valid UTF-8, so this is a character windows-1251 lacks.
      const auto [code_point, length] = decode_utf8(reinterpret_cast<unsigned char*>(in));
      const std::string_view replacement = stand_in(code_point);
      if (out.size() - used < replacement.size()) out.resize(out.size() * 2 + replacement.size());
      out.replace(used, replacement.size(), replacement);
      used += replacement.size();
      in += length;
      in_left -= length;
    } else {
      throw std::runtime_error("FNS XML: iconv failed on incomplete input");
    }
  }
  out.resize(used);
  return out;
}

std::string fns_sender_id(const core::Package& package) {
  if (!package.principal_edo_id.empty()) return package.principal_edo_id;
  if (!package.agent_edo_id.empty()) return package.agent_edo_id;
  return placeholder_id(package.principal);
}

std::string fns_recipient_id(const core::Package& package) {
  return placeholder_id(package.buyer);
}

FnsFile render_fns_xml(const core::Package& package, const core::Document& document) {
  const bool act = document.type == core::DocumentType::act;
  if (!act && document.type != core::DocumentType::torg12)
    throw std::invalid_argument("FNS XML exists for the act and TORG-12 only, not " +
                                std::string(core::document_type_name(document.type)));
  if (!package.signer.configured())
    throw std::invalid_argument(
        "FNS XML needs a signer: set KASSA_SIGNER_SURNAME, KASSA_SIGNER_NAME and "
        "KASSA_SIGNER_AUTHORITY_METHOD");

  const std::string guid = contract::uuid_v5(
      contract::kOutputNamespace,
      package.id_name + ":" + std::string(core::document_type_name(document.type)));
  const std::string file_id = "ON_NSCHFDOPPR_" + fns_recipient_id(package) + "_" +
                              fns_sender_id(package) + "_" + compact_date(document.date) + "_" +
                              guid;
  const std::string date = fns_date(document.date);

  XmlWriter xml;
  xml.open("Файл", {{"ИдФайл", file_id},
                    {"ВерсФорм", std::string(kFormatVersion)},
                    {"ВерсПрог", std::string(kProgram)}});
  xml.open("Документ", {{"КНД", "1115131"},
                        {"Функция", "ДОП"},
                        {"ПоФактХЖ",
                         "Документ об отгрузке товаров (выполнении работ), передаче имущественных "
                         "прав (документ об оказании услуг)"},
                        {"НаимДокОпр", act ? "Акт об оказании услуг" : "Товарная накладная"},
                        {"ДатаИнфПр", date},
                        {"ВремИнфПр", fns_time(package.issued_at, document.date)},
                        {"НаимЭконСубСост", compiler_name(package.agent)}});
  xml.open("СвСчФакт", {{"НомерДок", std::to_string(document.number)}, {"ДатаДок", date}});
  write_party(xml, "СвПрод", package.principal);
  write_party(xml, "СвПокуп", package.buyer);
  xml.empty("ДенИзм", {{"КодОКВ", "643"}, {"НаимОКВ", "Российский рубль"}});
  if (!package.merchant_order_id.empty()) {
    xml.open("ИнфПолФХЖ1");
    xml.empty("ТекстИнф", {{"Идентиф", "НомерЗаказа"}, {"Значен", package.merchant_order_id}});
    xml.close("ИнфПолФХЖ1");
  }
  xml.close("СвСчФакт");
  write_table(xml, document);
  write_transfer(xml, package, document, act);
  write_signer(xml, package.signer);
  xml.close("Документ");
  xml.close("Файл");

  return {file_id + ".xml", std::string(kProlog) + utf8_to_windows1251(xml.take())};
}

std::vector<std::string> validate_xml(const std::string& xml_bytes, const std::string& xsd_path) {
  xmlInitParser();
  ProblemSink sink;
  const ScopedErrorHandler handler(&sink);

  const std::unique_ptr<xmlSchemaParserCtxt, decltype(&xmlSchemaFreeParserCtxt)> parser(
      xmlSchemaNewParserCtxt(xsd_path.c_str()), xmlSchemaFreeParserCtxt);
  if (!parser) return {"schema " + xsd_path + ": cannot create a parser"};
  xmlSchemaSetParserStructuredErrors(parser.get(), collect, &sink);
  const std::unique_ptr<xmlSchema, decltype(&xmlSchemaFree)> schema(xmlSchemaParse(parser.get()),
                                                                    xmlSchemaFree);
  if (!schema) {
    sink.problems.insert(sink.problems.begin(), "schema " + xsd_path + " does not load");
    return sink.problems;
  }

  // No network, no entity substitution: the input is data, not instructions.
  const std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlReadMemory(xml_bytes.data(), static_cast<int>(xml_bytes.size()), "document.xml", nullptr,
                    XML_PARSE_NONET),
      xmlFreeDoc);
  if (!doc) {
    if (sink.problems.empty()) sink.problems.push_back("the document is not well-formed XML");
    return sink.problems;
  }

  const std::unique_ptr<xmlSchemaValidCtxt, decltype(&xmlSchemaFreeValidCtxt)> validator(
      xmlSchemaNewValidCtxt(schema.get()), xmlSchemaFreeValidCtxt);
  if (!validator) return {"cannot create a schema validator"};
  xmlSchemaSetValidStructuredErrors(validator.get(), collect, &sink);
  const int result = xmlSchemaValidateDoc(validator.get(), doc.get());
  if (result != 0 && sink.problems.empty())
    sink.problems.push_back("schema validation failed (" + std::to_string(result) + ")");
  return sink.problems;
}

std::string fns_schema_path(core::DocumentType type) {
  switch (type) {
    case core::DocumentType::act:
    case core::DocumentType::torg12:
      return std::string(KASSA_FNS_SCHEMAS_DIR "/") + kFnsSchemaFile;
    default:
      throw std::invalid_argument("no FNS XML schema for " +
                                  std::string(core::document_type_name(type)));
  }
}

}  // namespace kassa::render
