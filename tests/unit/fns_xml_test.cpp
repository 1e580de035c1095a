// FNS XML of the act and the TORG-12: the universal transfer document (УПД) of order
// ЕД-7-26/970@, format 5.03, function ДОП (ON_NSCHFDOPPR_*). Checked against the tax service's
// own XSD vendored in schemas/fns/ (render::validate_xml, libxml2), and, since libxml2 checks
// structure only, against the rules the XSD's annotations set for ДОП, which the generator keeps
// itself: each is asserted here on the generated files, read back with libxml2 and XPath.
//
// Money is in kopecks: 399998 is 3 999.98 RUB. VAT of a line = sum × r / (100 + r), half up;
// the figures below are worked out by hand:
//  - act: "Курьерская доставка" 1 × 350.00 without VAT; "Сборка мебели" 1 × 1 220.00 at 22%:
//    VAT 220.00, without VAT 1 000.00; totals 1 570.00, VAT 220.00, without VAT 1 350.00;
//  - TORG-12: "Электрочайник Polaris PWK 1725" 2 × 1 999.99 = 3 999.98 at 22%: VAT 721.31,
//    without VAT 3 278.67, unit price without VAT 3 278.67 / 2 -> 1 639.34; "Кабель ВВГнг-LS
//    3×2,5" 12.5 m, 1 062.50 at 22%: VAT 191.60, without VAT 870.90, unit price 69.67.
// The shipment happened on 14.02.2026 at 12:00 UTC, 15:00 in Moscow.
#include <gtest/gtest.h>
#include <iconv.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "contract/encoding.hpp"
#include "core/money.hpp"
#include "core/package.hpp"
#include "core/requisites.hpp"
#include "render/fns_xml.hpp"

namespace kassa::render {
namespace {

using core::Document;
using core::DocumentLine;
using core::DocumentType;
using core::Kopecks;
using core::LineType;
using core::Package;
using core::Party;
using core::VatType;

constexpr const char* kProlog = "<?xml version=\"1.0\" encoding=\"windows-1251\"?>";

const std::string kKettle = "Электрочайник Polaris PWK 1725";
const std::string kCable = "Кабель ВВГнг-LS 3×2,5";
const std::string kDelivery = "Курьерская доставка";
const std::string kAssembly = "Сборка мебели";

core::Quantity q(const char* text) {
  const auto quantity = core::parse_quantity(text);
  if (!quantity) throw std::invalid_argument(std::string("bad quantity in a test: ") + text);
  return *quantity;
}

core::UtcTime at(const char* text) {
  const auto time = core::parse_utc(text);
  if (!time) throw std::invalid_argument(std::string("bad time in a test: ") + text);
  return *time;
}

// The test's own decoder, so that the check does not rest on the code under test.
std::string from_windows1251(const std::string& bytes) {
  const iconv_t cd = iconv_open("UTF-8", "WINDOWS-1251");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("no iconv");
  std::string input = bytes, out(bytes.size() * 3 + 16, '\0');
  char* in = input.data();
  char* to = out.data();
  std::size_t in_left = input.size(), out_left = out.size();
  const std::size_t result = iconv(cd, &in, &in_left, &to, &out_left);
  iconv_close(cd);
  if (result == static_cast<std::size_t>(-1)) throw std::runtime_error("not windows-1251");
  out.resize(out.size() - out_left);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading a generated file back with libxml2.

// A small path reader (libxml2's XPath does not take Cyrillic names): "/A/B[2]/@c" from the
// root, or "//A" anywhere; steps are element names with an optional 1-based [index], the last
// may be "@attribute". str() is the first match's text or value ("" when none).
class Xml {
 public:
  explicit Xml(const std::string& bytes)
      : doc_(xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), "file.xml", nullptr,
                           XML_PARSE_NONET),
             xmlFreeDoc) {
    if (!doc_) throw std::runtime_error("not well-formed XML");
  }
  std::string str(const std::string& path) const {
    const auto found = values(path);
    return found.empty() ? "" : found.front();
  }
  int count(const std::string& path) const { return static_cast<int>(values(path).size()); }
  bool has(const std::string& path) const { return count(path) > 0; }

 private:
  static std::string text_of(const xmlNode* node) {
    xmlChar* content = xmlNodeGetContent(node);
    std::string text = content ? reinterpret_cast<const char*>(content) : "";
    xmlFree(content);
    return text;
  }
  static void descendants(xmlNode* node, const std::string& name, std::vector<xmlNode*>& out) {
    for (xmlNode* child = node->children; child; child = child->next) {
      if (child->type != XML_ELEMENT_NODE) continue;
      if (name == reinterpret_cast<const char*>(child->name)) out.push_back(child);
      descendants(child, name, out);
    }
  }
  std::vector<std::string> values(const std::string& path) const {
    std::vector<std::string> steps;
    const bool anywhere = path.rfind("//", 0) == 0;
    std::size_t from = anywhere ? 2 : 1;
    if (path.empty() || path[0] != '/') throw std::runtime_error("bad path in a test: " + path);
    while (from <= path.size()) {
      const auto slash = path.find('/', from);
      steps.push_back(
          path.substr(from, slash == std::string::npos ? std::string::npos : slash - from));
      if (slash == std::string::npos) break;
      from = slash + 1;
    }
    std::vector<std::string> out;
    std::vector<xmlNode*> nodes;
    xmlNode* root = xmlDocGetRootElement(doc_.get());
    std::size_t first = 0;
    if (anywhere) {
      xmlNode document_node{};
      document_node.children = root;
      descendants(&document_node, steps[0], nodes);
      if (root && steps[0] == reinterpret_cast<const char*>(root->name))
        nodes.insert(nodes.begin(), root);
      first = 1;
    } else {
      nodes.push_back(nullptr);  // the document: its child is the root
    }
    for (std::size_t i = first; i < steps.size(); ++i) {
      const std::string& step = steps[i];
      std::vector<xmlNode*> next;
      if (step[0] == '@') {
        if (i + 1 != steps.size()) throw std::runtime_error("bad path in a test: " + path);
        for (xmlNode* node : nodes) {
          if (node == nullptr) continue;
          for (xmlAttr* a = node->properties; a; a = a->next)
            if (step.substr(1) == reinterpret_cast<const char*>(a->name))
              out.push_back(text_of(reinterpret_cast<xmlNode*>(a)));
        }
        return out;
      }
      std::string name = step;
      std::size_t index = 0;
      if (const auto bracket = step.find('['); bracket != std::string::npos) {
        name = step.substr(0, bracket);
        index = std::stoul(step.substr(bracket + 1));
      }
      for (xmlNode* node : nodes) {
        std::size_t seen = 0;
        for (xmlNode* child = node ? node->children : root; child; child = child->next) {
          if (child->type != XML_ELEMENT_NODE || name != reinterpret_cast<const char*>(child->name))
            continue;
          if (index == 0 || ++seen == index) next.push_back(child);
          if (node == nullptr) break;
        }
      }
      nodes = std::move(next);
    }
    for (xmlNode* node : nodes)
      if (node) out.push_back(text_of(node));
    return out;
  }

  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc_;
};

// "1234.56" -> 123456; the file's money has two decimals.
Kopecks kopecks(const std::string& rubles) {
  const std::regex money("(0|[1-9][0-9]*)\\.([0-9]{2})");
  std::smatch m;
  if (!std::regex_match(rubles, m, money)) throw std::runtime_error("not money: " + rubles);
  return std::stoll(m[1]) * 100 + std::stoll(m[2]);
}

// ---------------------------------------------------------------------------------------------
// Packages.

Party romashka() {
  return {"ООО «Ромашка»", "7707083893", "770701001", "buh@romashka.ru", ""};
}
Party sole_trader_buyer() {
  return {"ИП Соколова Анна Викторовна", "500100732259", "", "", ""};
}
Party merchant() {
  return {"ООО «Чайный дом»", "7736207543", "773601001", "", "+74951234567"};
}
Party sole_trader_merchant() {
  return {"ИП Петров Иван", "773601239829", "", "", "+79161234567"};
}
Party agent() {
  return {"ООО «ОРЦ»", "7704340310", "770401001", "kassa@invoicebox.ru", ""};
}

core::Signer signer(int method = 3) {
  core::Signer s;
  s.surname = "Иванова";
  s.given_name = "Мария";
  s.patronymic = "Сергеевна";
  s.position = "Специалист по документообороту";
  s.authority_method = method;
  if (method == 3 || method == 5) {
    s.poa_number = method == 3 ? "4b1d2c3e-5f60-4718-9a2b-3c4d5e6f7081" : "ДОВ-12";
    s.poa_date = core::CivilDate{2025, 12, 1};
    s.poa_system = method == 3 ? "https://m4d.nalog.gov.ru" : "";
  }
  return s;
}

DocumentLine line(const std::string& name, const char* sku, LineType type, const char* measure,
                  const char* okei, const char* quantity, Kopecks sum, VatType vat) {
  DocumentLine l;
  l.sku = sku;
  l.name = name;
  l.measure = measure;
  l.measure_code = okei;
  l.type = type;
  l.quantity = q(quantity);
  l.sum = sum;
  l.price = l.quantity.milli > 0 ? core::mul_div_half_up(sum, 1000, l.quantity.milli) : 0;
  l.vat = vat;
  l.vat_sum = core::vat_amount(vat, sum);
  return l;
}

Document document(DocumentType type, std::int64_t number, std::vector<DocumentLine> lines,
                  core::CivilDate date = {2026, 2, 14}) {
  Document d;
  d.type = type;
  d.number = number;
  d.date = date;
  d.lines = std::move(lines);
  for (const auto& l : d.lines) {
    d.total += l.sum;
    d.vat += l.vat_sum;
  }
  return d;
}

Document act() {
  return document(
      DocumentType::act, 5,
      {line(kDelivery, "B", LineType::service, "усл", "876", "1", 35000, VatType::none),
       line(kAssembly, "S", LineType::service, "усл", "876", "1", 122000, VatType::vat22)});
}

Document torg12() {
  return document(
      DocumentType::torg12, 17,
      {line(kKettle, "A", LineType::commodity, "шт", "796", "2", 399998, VatType::vat22),
       line(kCable, "C", LineType::commodity, "м", "006", "12.5", 106250, VatType::vat22)});
}

Package package(Party buyer = romashka(), Party principal = merchant()) {
  Package p;
  p.id_name = "evt-ship-1:shipment_package";
  p.kind = core::PackageKind::shipment_package;
  p.order_id = "order-1";
  p.merchant_id = "shop-1";
  p.merchant_order_id = "A-1001";
  p.source_event_id = "evt-ship-1";
  p.issued_at = at("2026-02-14T12:00:00Z");
  p.buyer = std::move(buyer);
  p.principal = std::move(principal);
  p.agent = agent();
  p.basis_number = "ОТГ-17";
  p.basis_date = core::CivilDate{2026, 2, 14};
  p.signer = signer();
  p.documents = {document(DocumentType::agent_report, 9, {}), act(), torg12()};
  for (const auto& d : p.documents) p.total += d.total;
  return p;
}

std::string guid_of(const Package& p, DocumentType type) {
  return contract::uuid_v5(contract::kOutputNamespace,
                           p.id_name + ":" + std::string(core::document_type_name(type)));
}

// Every VAT type of the model, with the label the XSD's НалСт list spells.
struct Rate {
  VatType type;
  const char* label;
};
const std::vector<Rate> kRates = {
    {VatType::vat22, "22%"},    {VatType::vat122, "22/122"}, {VatType::vat5, "5%"},
    {VatType::vat7, "7%"},      {VatType::vat0, "0%"},       {VatType::none, "без НДС"},
    {VatType::vat20, "20%"},    {VatType::vat10, "10%"},     {VatType::vat105, "5/105"},
    {VatType::vat107, "7/107"}, {VatType::vat110, "10/110"}, {VatType::vat120, "20/120"},
};

// A file for each kind of package the renderer meets: goods and services, every VAT type, 2025
// and 2026, organizations and sole traders on both sides, with and without a basis document,
// every way of confirming the signer's authority, names with characters windows-1251 lacks and
// with XML's special characters.
struct Case {
  std::string why;
  Package package;
  Document document;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const DocumentType type : {DocumentType::act, DocumentType::torg12}) {
    const bool act_type = type == DocumentType::act;
    const LineType kind = act_type ? LineType::service : LineType::commodity;
    const std::string what = act_type ? "act" : "TORG-12";
    out.push_back({what + ": organizations", package(), act_type ? act() : torg12()});
    out.push_back(
        {what + ": to a sole trader", package(sole_trader_buyer()), act_type ? act() : torg12()});
    out.push_back({what + ": from a sole trader (12-digit INN, no KPP)",
                   package(romashka(), sole_trader_merchant()), act_type ? act() : torg12()});
    out.push_back({what + ": sole traders on both sides",
                   package(sole_trader_buyer(), sole_trader_merchant()),
                   act_type ? act() : torg12()});
    std::vector<DocumentLine> every_rate;
    for (const Rate& rate : kRates)
      every_rate.push_back(line(std::string("Позиция ") + rate.label, "R", kind, "шт", "796", "3",
                                100001, rate.type));
    out.push_back({what + ": every VAT type", package(), document(type, 7, every_rate)});
    for (const Rate& rate : kRates)
      out.push_back(
          {what + ": only " + rate.label, package(),
           document(type, 8, {line("Товар", "X", kind, "шт", "796", "1", 1234, rate.type)})});
    Package in_2025 = package();
    in_2025.issued_at = at("2025-12-31T20:59:59Z");  // 23:59:59 in Moscow
    in_2025.basis_date = core::CivilDate{2025, 12, 30};
    out.push_back(
        {what + ": 2025 at 20%", in_2025,
         document(type, 99,
                  {line("Товар 2025", "Y", kind, "кг", "166", "0.125", 99999, VatType::vat20)},
                  {2025, 12, 31})});
    Package no_basis = package();
    no_basis.basis_number.clear();
    no_basis.basis_date.reset();
    no_basis.merchant_order_id.clear();
    out.push_back({what + ": without a basis document", no_basis, act_type ? act() : torg12()});
    for (const int method : {1, 2, 4, 5, 6}) {
      Package p = package();
      p.signer = signer(method);
      out.push_back({what + ": signer's authority " + std::to_string(method), p,
                     act_type ? act() : torg12()});
    }
    Package odd =
        package(Party{"ООО \"Кавычки\" & <Угловые> 'скобки'", "7707083893", "770701001", "", ""},
                Party{"ООО «Чайный дом» — ☕ Café № 1 ½", "7736207543", "773601001", "", ""});
    odd.merchant_order_id = "A&B<1>\"2\"";
    odd.basis_number = "ОТГ<17>&\"'";
    out.push_back({what + ": odd characters", odd,
                   document(type, 3,
                            {line("Чай «Да Хун Пао» 🍵 3×50 г & <подарок> \"VIP\"", "T&<>", kind,
                                  "уп", "778", "1", 50000, VatType::vat22)})});
    Package edo = package();
    edo.principal_edo_id = "2BM-7736207543-773601001-201801010000000000000";
    edo.agent_edo_id = "2AE-ORC-0001";
    out.push_back({what + ": with the merchant's EDO id", edo, act_type ? act() : torg12()});
  }
  return out;
}

FnsFile render(const Case& c) {
  return render_fns_xml(c.package, c.document);
}

// ---------------------------------------------------------------------------------------------
// The vendored XSD.

TEST(FnsXml, VendoredXsdIsThePublishedOne) {
  const std::string path = fns_schema_path(DocumentType::act);
  EXPECT_EQ(path, std::string(KASSA_FNS_SCHEMAS_DIR) + "/ON_NSCHFDOPPR_1_997_01_05_03_05.xsd");
  EXPECT_EQ(fns_schema_path(DocumentType::torg12), path);
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find('\r'), std::string::npos) << "stored with CRLF";
  EXPECT_EQ(contract::sha256_hex(bytes),
            "f98a1ac91cb840ff341976f7636d8a98d51a43e9b1cbbf3e97386551aacdb49a");
}

// ---------------------------------------------------------------------------------------------
// Structure: the XSD.

TEST(FnsXml, EveryFileIsValidAgainstTheOfficialXsd) {
  const auto all = cases();
  ASSERT_GE(all.size(), 40u);
  for (const Case& c : all) {
    SCOPED_TRACE(c.why);
    const std::vector<std::string> problems =
        validate_xml(render(c).bytes, fns_schema_path(c.document.type));
    EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  }
}

// Proof that validation bites: broken files are rejected.
struct Mutation {
  const char* why;
  std::string find, replace;  // in the decoded text of the organizations' TORG-12
};

TEST(FnsXml, BrokenFilesAreRejected) {
  const std::vector<Mutation> table = {
      {"a VAT rate the 2026 list lacks", R"(НалСт="22%")", R"(НалСт="21%")"},
      {"without VAT spelled otherwise", R"(НалСт="22%")", R"(НалСт="Без НДС")"},
      {"the format version 5.01", R"(ВерсФорм="5.03")", R"(ВерсФорм="5.01")"},
      {"another КНД", R"(КНД="1115131")", R"(КНД="1175010")"},
      {"an unknown function", R"(Функция="ДОП")", R"(Функция="АКТ")"},
      {"НалСт removed", R"( НалСт="22%")", ""},
      {"organization's INN of 9 digits", R"(ИННЮЛ="7707083893")", R"(ИННЮЛ="770708389")"},
      {"KPP with a letter in the wrong place", R"(КПП="770701001")", R"(КПП="77070100X")"},
      {"date in ISO form", R"(ДатаДок="14.02.2026")", R"(ДатаДок="2026-02-14")"},
      {"31 February", R"(ДатаПер="14.02.2026")", R"(ДатаПер="31.02.2026")"},
      {"hour 24", R"(ВремИнфПр="15.00.00")", R"(ВремИнфПр="24.00.00")"},
      {"money with three decimals", R"(СтТовУчНал="3999.98")", R"(СтТовУчНал="3999.985")"},
      {"negative VAT", "<СумНал>721.31</СумНал>", "<СумНал>-721.31</СумНал>"},
      {"quantity zero", R"(КолТов="2")", R"(КолТов="0")"},
      {"OKEI of two digits", R"(ОКЕИ_Тов="796")", R"(ОКЕИ_Тов="79")"},
      {"currency missing", R"(<ДенИзм КодОКВ="643" НаимОКВ="Российский рубль"/>)", ""},
      {"an element the format does not have", "<ТаблСчФакт>", "<Примечание/><ТаблСчФакт>"},
      {"both a basis and no basis", "<ОснПер ", "<БезДокОснПер>1</БезДокОснПер><ОснПер "},
      {"signer without a surname", R"(Фамилия="Иванова")", ""},
      {"signer's authority 7", R"(СпосПодтПолном="3")", R"(СпосПодтПолном="7")"},
      {"not well-formed", "</Файл>", "</Фай>"},
  };
  const Package p = package();
  const std::string text = from_windows1251(render_fns_xml(p, torg12()).bytes);
  const std::string xsd = fns_schema_path(DocumentType::torg12);
  ASSERT_TRUE(validate_xml(utf8_to_windows1251(text), xsd).empty());
  for (const Mutation& m : table) {
    SCOPED_TRACE(m.why);
    const auto at_position = text.find(m.find);
    ASSERT_NE(at_position, std::string::npos) << m.find;
    std::string mutated = text;
    mutated.replace(at_position, m.find.size(), m.replace);
    EXPECT_FALSE(validate_xml(utf8_to_windows1251(mutated), xsd).empty());
  }
}

TEST(FnsXml, ValidatorReportsWithoutThrowing) {
  const std::string xsd = fns_schema_path(DocumentType::torg12);
  const auto wrong = validate_xml("<?xml version=\"1.0\"?>\n<Файл/>", xsd);
  ASSERT_FALSE(wrong.empty());
  EXPECT_EQ(wrong.front().rfind("line ", 0), 0u) << wrong.front();
  EXPECT_FALSE(validate_xml("", xsd).empty());
  EXPECT_FALSE(validate_xml("<a>", xsd).empty());
  EXPECT_FALSE(validate_xml(render_fns_xml(package(), act()).bytes, "/nonexistent.xsd").empty());
}

// ---------------------------------------------------------------------------------------------
// The rules of the XSD's annotations for Функция="ДОП" (not checked by libxml2).

TEST(FnsXml, DopRulesHoldInEveryFile) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.why);
    const FnsFile file = render(c);
    const Xml xml(file.bytes);
    const std::string doc = "/Файл/Документ";
    // The file is a ДОП of format 5.03.
    EXPECT_EQ(xml.str(doc + "/@Функция"), "ДОП");
    EXPECT_EQ(xml.str(doc + "/@КНД"), "1115131");
    EXPECT_EQ(xml.str("/Файл/@ВерсФорм"), "5.03");
    // Имя файла = ИдФайл.
    EXPECT_EQ(xml.str("/Файл/@ИдФайл") + ".xml", file.file_name);
    // ДОП: НаимДокОпр required; СвПродПер required.
    EXPECT_TRUE(xml.has(doc + "/@НаимДокОпр"));
    EXPECT_EQ(xml.str(doc + "/@НаимДокОпр"), c.document.type == DocumentType::act
                                                 ? "Акт об оказании услуг"
                                                 : "Товарная накладная");
    ASSERT_EQ(xml.count(doc + "/СвПродПер/СвПер"), 1);
    // СвПер: ДатаПер when there is no period (kassa never writes one).
    EXPECT_TRUE(xml.has(doc + "/СвПродПер/СвПер/@ДатаПер"));
    EXPECT_FALSE(xml.has(doc + "/СвПродПер/СвПер/@ДатаНачПер"));
    // Either the basis documents or "no basis document", never both.
    EXPECT_NE(xml.has(doc + "/СвПродПер/СвПер/ОснПер"),
              xml.has(doc + "/СвПродПер/СвПер/БезДокОснПер"));
    // ДОП: СпОбстФДОП is absent, so each СведТов needs a name and at least one of the two sums,
    // and ВсегоОпл at least one of the two totals; kassa writes both.
    const int lines = xml.count(doc + "/ТаблСчФакт/СведТов");
    ASSERT_EQ(lines, static_cast<int>(c.document.lines.size()));
    EXPECT_FALSE(xml.has(doc + "/СвСчФакт/ДопСвФХЖ1/@СпОбстФДОП"));
    for (int i = 1; i <= lines; ++i) {
      SCOPED_TRACE("line " + std::to_string(i));
      const std::string row = doc + "/ТаблСчФакт/СведТов[" + std::to_string(i) + "]";
      EXPECT_EQ(xml.str(row + "/@НомСтр"), std::to_string(i));
      EXPECT_FALSE(xml.str(row + "/@НаимТов").empty());
      EXPECT_TRUE(xml.has(row + "/@СтТовБезНДС"));
      EXPECT_TRUE(xml.has(row + "/@СтТовУчНал"));
      // НаимЕдИзм whenever ОКЕИ_Тов.
      if (xml.has(row + "/@ОКЕИ_Тов")) {
        EXPECT_FALSE(xml.str(row + "/@НаимЕдИзм").empty());
      }
      // A price, when given, is not negative; a quantity, when given, is above zero.
      if (xml.has(row + "/@ЦенаТов")) {
        EXPECT_GE(kopecks(xml.str(row + "/@ЦенаТов")), 0);
      }
    }
    EXPECT_TRUE(xml.has(doc + "/ТаблСчФакт/ВсегоОпл/@СтТовБезНДСВсего"));
    EXPECT_TRUE(xml.has(doc + "/ТаблСчФакт/ВсегоОпл/@СтТовУчНалВсего"));
    // Подписант: СвДоверЭл exactly when СпосПодтПолном is 3, СвДоверБум exactly when it is 5.
    const std::string method = xml.str(doc + "/Подписант/@СпосПодтПолном");
    EXPECT_EQ(method, std::to_string(c.package.signer.authority_method));
    EXPECT_EQ(xml.has(doc + "/Подписант/СвДоверЭл"), method == "3");
    EXPECT_EQ(xml.has(doc + "/Подписант/СвДоверБум"), method == "5");
    // Адрес is required for СЧФ and СЧФДОП only; kassa has no addresses and writes none.
    EXPECT_FALSE(xml.has("//Адрес"));
  }
}

// The sums agree: per line, with VAT = without VAT + VAT (СумНал, 0 for БезНДС); the totals are
// the sums of the lines; price × quantity is the sum without VAT to within half a kopeck per
// unit; and they are the document's own figures.
TEST(FnsXml, SumsAreConsistent) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.why);
    const Xml xml(render(c).bytes);
    const std::string table = "/Файл/Документ/ТаблСчФакт";
    Kopecks without = 0, with = 0, vat = 0;
    bool all_without_vat = true;
    for (std::size_t i = 1; i <= c.document.lines.size(); ++i) {
      SCOPED_TRACE("line " + std::to_string(i));
      const DocumentLine& line = c.document.lines[i - 1];
      const std::string row = table + "/СведТов[" + std::to_string(i) + "]";
      const Kopecks line_without = kopecks(xml.str(row + "/@СтТовБезНДС"));
      const Kopecks line_with = kopecks(xml.str(row + "/@СтТовУчНал"));
      const bool no_vat = xml.has(row + "/СумНал/БезНДС");
      EXPECT_NE(no_vat, xml.has(row + "/СумНал/СумНал"));
      EXPECT_EQ(no_vat, xml.str(row + "/@НалСт") == "без НДС");
      const Kopecks line_vat = no_vat ? 0 : kopecks(xml.str(row + "/СумНал/СумНал"));
      EXPECT_EQ(line_with, line_without + line_vat);
      EXPECT_EQ(line_with, line.sum);
      EXPECT_EQ(line_vat, line.vat_sum);
      if (xml.has(row + "/@КолТов")) {
        const double quantity = std::stod(xml.str(row + "/@КолТов"));
        const double price = static_cast<double>(kopecks(xml.str(row + "/@ЦенаТов")));
        EXPECT_NEAR(price * quantity, static_cast<double>(line_without), 0.5 * quantity + 1e-6);
      }
      without += line_without;
      with += line_with;
      vat += line_vat;
      all_without_vat = all_without_vat && no_vat;
    }
    EXPECT_EQ(kopecks(xml.str(table + "/ВсегоОпл/@СтТовБезНДСВсего")), without);
    EXPECT_EQ(kopecks(xml.str(table + "/ВсегоОпл/@СтТовУчНалВсего")), with);
    EXPECT_EQ(with, c.document.total);
    EXPECT_EQ(xml.has(table + "/ВсегоОпл/СумНалВсего/БезНДС"), all_without_vat);
    if (!all_without_vat) {
      EXPECT_EQ(kopecks(xml.str(table + "/ВсегоОпл/СумНалВсего/СумНал")), vat);
    }
    EXPECT_EQ(vat, c.document.vat);
  }
}

// ---------------------------------------------------------------------------------------------
// Content: true data from the package.

TEST(FnsXml, RatesAreSpelledAsTheXsdLists) {
  for (const Rate& rate : kRates) {
    SCOPED_TRACE(rate.label);
    const Document d =
        document(DocumentType::torg12, 1,
                 {line("Товар", "X", LineType::commodity, "шт", "796", "1", 12200, rate.type)});
    const Xml xml(render_fns_xml(package(), d).bytes);
    const std::string row = "/Файл/Документ/ТаблСчФакт/СведТов[1]";
    EXPECT_EQ(xml.str(row + "/@НалСт"), rate.label);
    EXPECT_EQ(xml.has(row + "/СумНал/БезНДС"), rate.type == VatType::none);
    if (rate.type == VatType::none) {
      EXPECT_EQ(xml.str(row + "/СумНал/БезНДС"), "без НДС");
    }
  }
  // The act's figures, worked out by hand (see the header).
  const Xml xml(render_fns_xml(package(), act()).bytes);
  const std::string row2 = "/Файл/Документ/ТаблСчФакт/СведТов[2]";
  EXPECT_EQ(xml.str(row2 + "/@СтТовБезНДС"), "1000.00");
  EXPECT_EQ(xml.str(row2 + "/СумНал/СумНал"), "220.00");
  EXPECT_EQ(xml.str(row2 + "/@СтТовУчНал"), "1220.00");
  EXPECT_EQ(xml.str("/Файл/Документ/ТаблСчФакт/ВсегоОпл/@СтТовБезНДСВсего"), "1350.00");
  EXPECT_EQ(xml.str("/Файл/Документ/ТаблСчФакт/ВсегоОпл/СумНалВсего/СумНал"), "220.00");
  const Xml goods(render_fns_xml(package(), torg12()).bytes);
  const std::string kettle = "/Файл/Документ/ТаблСчФакт/СведТов[1]";
  EXPECT_EQ(goods.str(kettle + "/@ЦенаТов"), "1639.34");
  EXPECT_EQ(goods.str(kettle + "/@КолТов"), "2");
  EXPECT_EQ(goods.str(kettle + "/СумНал/СумНал"), "721.31");
  EXPECT_EQ(goods.str("/Файл/Документ/ТаблСчФакт/СведТов[2]/@ЦенаТов"), "69.67");
  EXPECT_EQ(goods.str("/Файл/Документ/ТаблСчФакт/СведТов[2]/@КолТов"), "12.5");
}

TEST(FnsXml, HeaderPartiesLinesTransferAndSigner) {
  const Package p = package();
  const Xml xml(render_fns_xml(p, torg12()).bytes);
  const std::string doc = "/Файл/Документ";
  EXPECT_EQ(xml.str(doc + "/СвСчФакт/@НомерДок"), "17");
  EXPECT_EQ(xml.str(doc + "/СвСчФакт/@ДатаДок"), "14.02.2026");
  EXPECT_EQ(xml.str(doc + "/@ДатаИнфПр"), "14.02.2026");
  EXPECT_EQ(xml.str(doc + "/@ВремИнфПр"), "15.00.00");  // 12:00 UTC, 15:00 in Moscow
  EXPECT_EQ(xml.str(doc + "/@НаимЭконСубСост"),
            "ООО «ОРЦ», ИНН 7704340310, КПП 770401001, по доверенности продавца (агентский "
            "договор)");
  const std::string seller = doc + "/СвСчФакт/СвПрод/ИдСв/СвЮЛУч";
  EXPECT_EQ(xml.str(seller + "/@НаимОрг"), "ООО «Чайный дом»");
  EXPECT_EQ(xml.str(seller + "/@ИННЮЛ"), "7736207543");
  EXPECT_EQ(xml.str(seller + "/@КПП"), "773601001");
  EXPECT_EQ(xml.str(doc + "/СвСчФакт/СвПрод/Контакт/Тлф"), "+74951234567");
  const std::string buyer = doc + "/СвСчФакт/СвПокуп/ИдСв/СвЮЛУч";
  EXPECT_EQ(xml.str(buyer + "/@НаимОрг"), "ООО «Ромашка»");
  EXPECT_EQ(xml.str(buyer + "/@ИННЮЛ"), "7707083893");
  EXPECT_EQ(xml.str(buyer + "/@КПП"), "770701001");
  EXPECT_EQ(xml.str(doc + "/СвСчФакт/ДенИзм/@КодОКВ"), "643");
  EXPECT_EQ(xml.str(doc + "/СвСчФакт/ДенИзм/@НаимОКВ"), "Российский рубль");
  EXPECT_EQ(xml.str(doc + "/СвСчФакт/ИнфПолФХЖ1/ТекстИнф/@Значен"), "A-1001");
  const std::string row = doc + "/ТаблСчФакт/СведТов[1]";
  EXPECT_EQ(xml.str(row + "/@НаимТов"), kKettle);
  EXPECT_EQ(xml.str(row + "/@ОКЕИ_Тов"), "796");
  EXPECT_EQ(xml.str(row + "/@НаимЕдИзм"), "шт");
  EXPECT_EQ(xml.str(row + "/ДопСведТов/@ПрТовРаб"), "1");  // goods
  EXPECT_EQ(xml.str(row + "/ДопСведТов/@КодТов"), "A");
  const std::string transfer = doc + "/СвПродПер/СвПер";
  EXPECT_EQ(xml.str(transfer + "/@СодОпер"), "Товары переданы");
  EXPECT_EQ(xml.str(transfer + "/@ДатаПер"), "14.02.2026");
  EXPECT_EQ(xml.str(transfer + "/ОснПер/@РеквНомерДок"), "ОТГ-17");
  EXPECT_EQ(xml.str(transfer + "/ОснПер/@РеквДатаДок"), "14.02.2026");
  const std::string sign = doc + "/Подписант";
  EXPECT_EQ(xml.str(sign + "/ФИО/@Фамилия"), "Иванова");
  EXPECT_EQ(xml.str(sign + "/ФИО/@Имя"), "Мария");
  EXPECT_EQ(xml.str(sign + "/ФИО/@Отчество"), "Сергеевна");
  EXPECT_EQ(xml.str(sign + "/@Должн"), "Специалист по документообороту");
  EXPECT_EQ(xml.str(sign + "/СвДоверЭл/@НомДовер"), "4b1d2c3e-5f60-4718-9a2b-3c4d5e6f7081");
  EXPECT_EQ(xml.str(sign + "/СвДоверЭл/@ДатаВыдДовер"), "01.12.2025");
  EXPECT_EQ(xml.str(sign + "/СвДоверЭл/@ИдСистХран"), "https://m4d.nalog.gov.ru");

  const Xml services(render_fns_xml(p, act()).bytes);
  EXPECT_EQ(services.str(doc + "/СвПродПер/СвПер/@СодОпер"), "Услуги оказаны в полном объеме");
  EXPECT_EQ(services.str(doc + "/ТаблСчФакт/СведТов[1]/ДопСведТов/@ПрТовРаб"), "3");  // service

  Package paper = package();
  paper.signer = signer(5);
  const Xml on_paper(render_fns_xml(paper, act()).bytes);
  EXPECT_EQ(on_paper.str(doc + "/Подписант/СвДоверБум/@ВнНомДовер"), "ДОВ-12");
  EXPECT_EQ(on_paper.str(doc + "/Подписант/СвДоверБум/@ДатаВыдДовер"), "01.12.2025");
}

TEST(FnsXml, SoleTradersAreSvIpWithAFullName) {
  const Xml xml(render_fns_xml(package(sole_trader_buyer(), sole_trader_merchant()), act()).bytes);
  const std::string seller = "/Файл/Документ/СвСчФакт/СвПрод/ИдСв/СвИП";
  EXPECT_EQ(xml.str(seller + "/@ИННФЛ"), "773601239829");
  EXPECT_EQ(xml.str(seller + "/ФИО/@Фамилия"), "Петров");
  EXPECT_EQ(xml.str(seller + "/ФИО/@Имя"), "Иван");
  EXPECT_FALSE(xml.has(seller + "/ФИО/@Отчество"));
  const std::string buyer = "/Файл/Документ/СвСчФакт/СвПокуп/ИдСв/СвИП";
  EXPECT_EQ(xml.str(buyer + "/@ИННФЛ"), "500100732259");
  EXPECT_EQ(xml.str(buyer + "/ФИО/@Фамилия"), "Соколова");
  EXPECT_EQ(xml.str(buyer + "/ФИО/@Имя"), "Анна");
  EXPECT_EQ(xml.str(buyer + "/ФИО/@Отчество"), "Викторовна");
  EXPECT_FALSE(xml.has("//СвЮЛУч"));
}

std::string repeated(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// Found by fuzz_packages: the XSD takes 60 characters for each part of ФИО and 100 for КодТов,
// counted in the file's windows-1251 (where ½ is "1/2"), while a buyer's name may have 256 and a
// sku 128. Longer name parts are cut; a longer sku is left out (a cut code names another article).
TEST(FnsXml, NamesAndCodesPastTheFormatsLengthsStillValidate) {
  const Party buyer{"ИП " + repeated("Ж", 70) + " Анна " + repeated("½", 30) + " оглы",
                    "500100732259", "", "", ""};
  const Document d = document(DocumentType::act, 5,
                              {line(kDelivery, repeated("S", 101).c_str(), LineType::service, "усл",
                                    "876", "1", 100, VatType::none),
                               line(kDelivery, repeated("½", 40).c_str(), LineType::service, "усл",
                                    "876", "1", 100, VatType::none),
                               line(kDelivery, repeated("S", 100).c_str(), LineType::service, "усл",
                                    "876", "1", 100, VatType::none)});
  const FnsFile file = render_fns_xml(package(buyer), d);
  const auto problems = validate_xml(file.bytes, fns_schema_path(DocumentType::act));
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  const Xml xml(file.bytes);
  const std::string fio = "/Файл/Документ/СвСчФакт/СвПокуп/ИдСв/СвИП/ФИО";
  EXPECT_EQ(xml.str(fio + "/@Фамилия"), repeated("Ж", 60));
  EXPECT_EQ(xml.str(fio + "/@Имя"), "Анна");
  EXPECT_EQ(xml.str(fio + "/@Отчество"), repeated("1/2", 20));  // 20 of the 30 "½" fit in 60
  const std::string lines = "/Файл/Документ/ТаблСчФакт/СведТов";
  EXPECT_FALSE(xml.has(lines + "[1]/ДопСведТов/@КодТов"));
  EXPECT_FALSE(xml.has(lines + "[2]/ДопСведТов/@КодТов"));
  EXPECT_EQ(xml.str(lines + "[3]/ДопСведТов/@КодТов"), repeated("S", 100));
}

TEST(FnsXml, WithoutABasisDocumentItSaysSo) {
  Package p = package();
  p.basis_number.clear();
  p.basis_date.reset();
  const Xml xml(render_fns_xml(p, torg12()).bytes);
  EXPECT_EQ(xml.str("/Файл/Документ/СвПродПер/СвПер/БезДокОснПер"), "1");
  EXPECT_FALSE(xml.has("//ОснПер"));
  // A number without a date cannot make an ОснПер (its date is required).
  p.basis_number = "ОТГ-17";
  const Xml undated(render_fns_xml(p, torg12()).bytes);
  EXPECT_TRUE(undated.has("/Файл/Документ/СвПродПер/СвПер/БезДокОснПер"));
}

TEST(FnsXml, TheTimeIsThatOfTheEventOnTheDocumentsDate) {
  Package p = package();
  p.issued_at = at("2026-02-14T20:59:59.999999Z");  // 23:59:59 in Moscow, the same date
  EXPECT_EQ(Xml(render_fns_xml(p, act()).bytes).str("/Файл/Документ/@ВремИнфПр"), "23.59.59");
  p.issued_at = at("2026-02-14T21:00:00Z");  // 00:00 on 15.02 in Moscow: another date
  EXPECT_EQ(Xml(render_fns_xml(p, act()).bytes).str("/Файл/Документ/@ВремИнфПр"), "00.00.00");
}

// ---------------------------------------------------------------------------------------------
// File name, encoding, determinism.

TEST(FnsXml, FileNameFollowsTheFormatAndIsTheFileId) {
  struct Name {
    const char* why;
    Package package;
    DocumentType type;
    std::string recipient, sender;
  };
  Package with_merchant = package();
  with_merchant.principal_edo_id = "2BM-7736207543-773601001-201801010000000000000";
  with_merchant.agent_edo_id = "2AE-ORC-0001";
  Package with_agent = package();
  with_agent.agent_edo_id = "2AE-ORC-0001";
  const std::vector<Name> table = {
      {"placeholders from INN-KPP", package(), DocumentType::act, "7707083893-770701001",
       "7736207543-773601001"},
      {"a sole trader's placeholder is the INN", package(sole_trader_buyer()), DocumentType::torg12,
       "500100732259", "7736207543-773601001"},
      {"the merchant's EDO id", with_merchant, DocumentType::torg12, "7707083893-770701001",
       "2BM-7736207543-773601001-201801010000000000000"},
      {"the agent's EDO id when the merchant has none", with_agent, DocumentType::act,
       "7707083893-770701001", "2AE-ORC-0001"},
  };
  for (const Name& n : table) {
    SCOPED_TRACE(n.why);
    const Document d = n.type == DocumentType::act ? act() : torg12();
    const FnsFile file = render_fns_xml(n.package, d);
    const std::string id =
        "ON_NSCHFDOPPR_" + n.recipient + "_" + n.sender + "_20260214_" + guid_of(n.package, n.type);
    EXPECT_EQ(file.file_name, id + ".xml");
    EXPECT_EQ(Xml(file.bytes).str("/Файл/@ИдФайл"), id);
    EXPECT_LE(id.size(), 255u);
    EXPECT_TRUE(std::regex_match(
        file.file_name,
        std::regex("ON_NSCHFDOPPR_[0-9A-Za-z-]+_[0-9A-Za-z-]+_20260214_"
                   "[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.xml")));
  }
  // The act and the TORG-12 of one package are two files.
  EXPECT_NE(render_fns_xml(package(), act()).file_name,
            render_fns_xml(package(), torg12()).file_name);
}

TEST(FnsXml, BytesAreWindows1251) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.why);
    const FnsFile file = render(c);
    ASSERT_EQ(file.bytes.rfind(kProlog, 0), 0u);
    // Not UTF-8: Cyrillic takes one byte; "Ф" of <Файл is 0xD4 in windows-1251.
    EXPECT_FALSE(contract::is_valid_utf8(file.bytes));
    EXPECT_NE(file.bytes.find("<\xD4\xE0\xE9\xEB "), std::string::npos);
    EXPECT_NO_THROW(from_windows1251(file.bytes));
  }
}

TEST(FnsXml, CharactersOutsideWindows1251AndXmlSpecials) {
  const Case odd = [] {
    for (Case& c : cases())
      if (c.why == "TORG-12: odd characters") return c;
    throw std::logic_error("no odd case");
  }();
  const Xml xml(render(odd).bytes);
  const std::string doc = "/Файл/Документ";
  // XML's specials survive as text; emoji become '?', × becomes x, ½ becomes 1/2.
  EXPECT_EQ(xml.str(doc + "/ТаблСчФакт/СведТов[1]/@НаимТов"),
            "Чай «Да Хун Пао» ? 3x50 г & <подарок> \"VIP\"");
  EXPECT_EQ(xml.str(doc + "/ТаблСчФакт/СведТов[1]/ДопСведТов/@КодТов"), "T&<>");
  EXPECT_EQ(xml.str(doc + "/СвСчФакт/СвПокуп/ИдСв/СвЮЛУч/@НаимОрг"),
            "ООО \"Кавычки\" & <Угловые> 'скобки'");
  EXPECT_EQ(xml.str(doc + "/СвСчФакт/СвПрод/ИдСв/СвЮЛУч/@НаимОрг"),
            "ООО «Чайный дом» — ? Caf? № 1 1/2");
  EXPECT_EQ(xml.str(doc + "/СвСчФакт/ИнфПолФХЖ1/ТекстИнф/@Значен"), "A&B<1>\"2\"");
  EXPECT_EQ(xml.str(doc + "/СвПродПер/СвПер/ОснПер/@РеквНомерДок"), "ОТГ<17>&\"'");
}

TEST(FnsXml, RenderingTwiceGivesTheSameBytes) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.why);
    const FnsFile first = render(c), second = render(c);
    EXPECT_EQ(first.file_name, second.file_name);
    EXPECT_EQ(first.bytes, second.bytes);
  }
  Package other = package();
  other.id_name = "evt-ship-2:shipment_package";
  EXPECT_NE(render_fns_xml(other, torg12()).file_name,
            render_fns_xml(package(), torg12()).file_name);
}

TEST(FnsXml, OnlyTheActAndTorg12HaveXmlAndASignerIsNeeded) {
  const Package p = package();
  for (const DocumentType type : {DocumentType::agent_report, DocumentType::refund_report}) {
    SCOPED_TRACE(std::string(core::document_type_name(type)));
    EXPECT_THROW(render_fns_xml(p, document(type, 1, act().lines)), std::invalid_argument);
    EXPECT_THROW(fns_schema_path(type), std::invalid_argument);
  }
  Package unsigned_package = package();
  unsigned_package.signer = {};
  EXPECT_THROW(render_fns_xml(unsigned_package, act()), std::invalid_argument);
}

TEST(FnsXml, TestRequisitesAreValid) {
  for (const Party& party :
       {romashka(), sole_trader_buyer(), merchant(), sole_trader_merchant(), agent()}) {
    SCOPED_TRACE(party.name);
    EXPECT_TRUE(core::valid_inn(party.inn));
    if (!party.kpp.empty()) {
      EXPECT_TRUE(core::valid_kpp(party.kpp));
    }
  }
}

// xmllint, which scripts/demo uses, agrees with libxml2 as linked here.
TEST(FnsXml, XmllintAgrees) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "no xmllint";
  const std::string dir = ::testing::TempDir();
  const std::string xsd = fns_schema_path(DocumentType::act);
  const FnsFile good = render_fns_xml(package(), act());
  const std::string from = utf8_to_windows1251("НалСт=\"22%\""),
                    to = utf8_to_windows1251("НалСт=\"21%\"");
  std::string bad = good.bytes;
  bad.replace(bad.find(from), from.size(), to);
  for (const auto& [name, bytes, valid] : {std::tuple{std::string("good.xml"), good.bytes, true},
                                           std::tuple{std::string("bad.xml"), bad, false}}) {
    SCOPED_TRACE(name);
    const std::string path = dir + "/kassa_fns_" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    const int status = std::system(
        ("xmllint --noout --schema '" + xsd + "' '" + path + "' >/dev/null 2>&1").c_str());
    EXPECT_EQ(status == 0, valid);
    std::remove(path.c_str());
  }
}

}  // namespace
}  // namespace kassa::render
