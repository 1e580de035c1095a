// FNS XML of the act (DP_REZRUISP, КНД 1175012) and the TORG-12 (DP_TOVTORGPR, КНД 1175010):
// file names, windows-1251 bytes, kassa's XSDs in schemas/fns/ and the validator that applies
// them (render::validate_xml, libxml2), fiscal-54fz.md section 8.
//
// Money is in kopecks: 399998 is 3 999.98 RUB. The packages are built by hand, with the figures
// the package builder would give (VAT of a line = sum × r / (100 + r), half up), worked out here:
//  - act: "Курьерская доставка" 1 × 350.00 without VAT; "Сборка мебели" 1 × 1 220.00 at 22%:
//    VAT 1 220.00 × 22 / 122 = 220.00, without VAT 1 000.00; totals 1 570.00, VAT 220.00,
//    without VAT 1 350.00;
//  - TORG-12: "Электрочайник Polaris PWK 1725" 2 × 1 999.99 = 3 999.98 at 22%: VAT
//    3 999.98 × 22 / 122 = 721.308... -> 721.31, without VAT 3 278.67, unit price without VAT
//    3 278.67 / 2 = 1 639.335 -> 1 639.34; "Кабель ВВГнг-LS 3×2,5" 12.5 m × 85.00 = 1 062.50 at
//    22%: VAT 191.598... -> 191.60, without VAT 870.90, unit price 870.90 / 12.5 = 69.672 ->
//    69.67; totals 5 062.48, VAT 912.91, without VAT 4 149.57.
// The shipment happened on 14.02.2026 at 12:00 UTC, 15:00 in Moscow.
#include <gtest/gtest.h>
#include <iconv.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "contract/encoding.hpp"
#include "core/package.hpp"
#include "core/requisites.hpp"
#include "render/fns_xml.hpp"

namespace kassa::render {
namespace {

using core::Document;
using core::DocumentLine;
using core::DocumentType;
using core::Kopecks;
using core::Package;
using core::Party;
using core::VatType;

constexpr const char* kProlog = "<?xml version=\"1.0\" encoding=\"windows-1251\"?>";
constexpr const char* kShipped = "2026-02-14T12:00:00Z";  // 14.02.2026 15:00:00 in Moscow

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

// The value of the first `name="..."` in the text.
std::string attribute(const std::string& text, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const auto start = text.find(key);
  if (start == std::string::npos) return "<absent>";
  const auto from = start + key.size();
  return text.substr(from, text.find('"', from) - from);
}

// The text without the indentation between tags, to match nested elements in one fragment.
std::string compact(const std::string& text) {
  return std::regex_replace(text, std::regex(">\n *<"), "><");
}

// ---------------------------------------------------------------------------------------------
// Packages.

Party romashka() {
  return {"ООО «Ромашка»", "7707083893", "770701001", "buh@romashka.ru", ""};
}
Party sole_trader() {
  return {"ИП Соколова Анна Викторовна", "500100732259", "", "", ""};
}
Party merchant() {
  return {"ООО «Чайный дом»", "7736207543", "773601001", "", "+74951234567"};
}
Party agent() {
  return {"ООО «ОРЦ»", "7704340310", "770401001", "kassa@invoicebox.ru", ""};
}

DocumentLine line(const std::string& name, const char* sku, core::LineType type,
                  const char* measure, const char* okei, const char* quantity, Kopecks price,
                  Kopecks sum, VatType vat, Kopecks vat_sum) {
  DocumentLine l;
  l.sku = sku;
  l.name = name;
  l.measure = measure;
  l.measure_code = okei;
  l.type = type;
  l.quantity = q(quantity);
  l.price = price;
  l.sum = sum;
  l.vat = vat;
  l.vat_sum = vat_sum;
  return l;
}

Document document(DocumentType type, std::int64_t number, std::vector<DocumentLine> lines) {
  Document d;
  d.type = type;
  d.number = number;
  d.date = {2026, 2, 14};
  d.lines = std::move(lines);
  for (const auto& l : d.lines) {
    d.total += l.sum;
    d.vat += l.vat_sum;
  }
  return d;
}

Document act() {
  using core::LineType;
  return document(
      DocumentType::act, 5,
      {line(kDelivery, "B", LineType::service, "усл", "876", "1", 35000, 35000, VatType::none, 0),
       line(kAssembly, "S", LineType::service, "усл", "876", "1", 122000, 122000, VatType::vat22,
            22000)});
}

Document torg12() {
  using core::LineType;
  return document(DocumentType::torg12, 17,
                  {line(kKettle, "A", LineType::commodity, "шт", "796", "2", 199999, 399998,
                        VatType::vat22, 72131),
                   line(kCable, "C", LineType::commodity, "м", "006", "12.5", 8500, 106250,
                        VatType::vat22, 19160)});
}

Package package(Party buyer = romashka()) {
  Package p;
  p.id_name = "evt-ship-1:shipment_package";
  p.kind = core::PackageKind::shipment_package;
  p.order_id = "order-1";
  p.merchant_id = "shop-1";
  p.merchant_order_id = "A-1001";
  p.source_event_id = "evt-ship-1";
  p.issued_at = at(kShipped);
  p.buyer = std::move(buyer);
  p.principal = merchant();
  p.agent = agent();
  p.basis_number = "ОТГ-17";
  p.basis_date = core::CivilDate{2026, 2, 14};
  p.documents = {document(DocumentType::agent_report, 9, {}), act(), torg12()};
  p.total = 35000 + 122000 + 399998 + 106250;
  return p;
}

std::string guid_of(const Package& p, DocumentType type) {
  return contract::uuid_v5(contract::kOutputNamespace,
                           p.id_name + ":" + std::string(core::document_type_name(type)));
}

// ---------------------------------------------------------------------------------------------
// Rendering cases.

struct Case {
  const char* why;
  DocumentType type;
  Party buyer;
  FnsIds ids;
  std::string prefix, recipient, sender;  // of the expected file name
};

std::vector<Case> cases() {
  const std::string a = "DP_REZRUISP", t = "DP_TOVTORGPR";
  const FnsIds edo{"2BM-7736207543-773601001-201801010000000000000", "2AE-ROMASHKA-0001"};
  return {
      {"act to an organization: ids from INN-KPP",
       DocumentType::act,
       romashka(),
       {},
       a,
       "7707083893-770701001",
       "7736207543-773601001"},
      {"TORG-12 to an organization",
       DocumentType::torg12,
       romashka(),
       {},
       t,
       "7707083893-770701001",
       "7736207543-773601001"},
      {"act to a sole trader: no KPP, the id is the INN",
       DocumentType::act,
       sole_trader(),
       {},
       a,
       "500100732259",
       "7736207543-773601001"},
      {"TORG-12 to a sole trader",
       DocumentType::torg12,
       sole_trader(),
       {},
       t,
       "500100732259",
       "7736207543-773601001"},
      {"act with real EDO ids", DocumentType::act, romashka(), edo, a, edo.recipient_edo_id,
       edo.sender_edo_id},
      {"TORG-12 with real EDO ids", DocumentType::torg12, romashka(), edo, t, edo.recipient_edo_id,
       edo.sender_edo_id},
  };
}

const Document& document_of(const Package& p, DocumentType type) {
  for (const auto& d : p.documents)
    if (d.type == type) return d;
  throw std::logic_error("no such document in the test package");
}

FnsFile render(const Case& c) {
  const Package p = package(c.buyer);
  return render_fns_xml(p, document_of(p, c.type), c.ids);
}

TEST(FnsXml, FileNameFollowsTheFormatAndIsTheFileId) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.why);
    const FnsFile file = render(c);
    const std::string id = c.prefix + "_" + c.recipient + "_" + c.sender + "_20260214_" +
                           guid_of(package(c.buyer), c.type);
    EXPECT_EQ(file.file_name, id + ".xml");
    EXPECT_EQ(attribute(from_windows1251(file.bytes), "ИдФайл"), id);
    EXPECT_TRUE(std::regex_match(
        file.file_name,
        std::regex("DP_(REZRUISP|TOVTORGPR)_[0-9A-Za-z-]+_[0-9A-Za-z-]+_20260214_"
                   "[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.xml")));
    // The sender and recipient of the file name are those of СвУчДокОбор.
    const std::string text = from_windows1251(file.bytes);
    EXPECT_EQ(attribute(text, "ИдОтпр"), c.sender);
    EXPECT_EQ(attribute(text, "ИдПол"), c.recipient);
  }
}

TEST(FnsXml, BytesAreWindows1251WithTheNames) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.why);
    const FnsFile file = render(c);
    ASSERT_EQ(file.bytes.rfind(kProlog, 0), 0u);
    // Not UTF-8: Cyrillic takes one byte; "Ф" of <Файл is 0xD4 in windows-1251.
    EXPECT_FALSE(contract::is_valid_utf8(file.bytes));
    EXPECT_NE(file.bytes.find("<\xD4\xE0\xE9\xEB "), std::string::npos);
    const std::string text = from_windows1251(file.bytes);
    EXPECT_NE(text.find("ООО «Чайный дом»"), std::string::npos);
    EXPECT_NE(text.find("ООО «ОРЦ», ИНН 7704340310, КПП 770401001"), std::string::npos);
    if (c.type == DocumentType::act) {
      EXPECT_NE(text.find(kDelivery), std::string::npos);
      EXPECT_NE(text.find(kAssembly), std::string::npos);
    } else {
      EXPECT_NE(text.find(kKettle), std::string::npos);
      // × is not in windows-1251: the stand-in is x.
      EXPECT_NE(text.find("Кабель ВВГнг-LS 3x2,5"), std::string::npos);
    }
    if (c.buyer.inn.size() == 10) {
      EXPECT_NE(text.find("ООО «Ромашка»"), std::string::npos);
    }
  }
}

TEST(FnsXml, EveryRenderingIsValidAgainstItsSchema) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.why);
    const std::vector<std::string> problems =
        validate_xml(render(c).bytes, fns_schema_path(c.type));
    EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  }
}

TEST(FnsXml, RenderingTwiceGivesTheSameBytes) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.why);
    const FnsFile first = render(c), second = render(c);
    EXPECT_EQ(first.file_name, second.file_name);
    EXPECT_EQ(first.bytes, second.bytes);
  }
  // Another package (another event) gets another GUID.
  Package other = package();
  other.id_name = "evt-ship-2:shipment_package";
  EXPECT_NE(render_fns_xml(other, torg12()).file_name,
            render_fns_xml(package(), torg12()).file_name);
}

TEST(FnsXml, OnlyTheActAndTorg12HaveXml) {
  const Package p = package();
  for (const DocumentType type : {DocumentType::agent_report, DocumentType::refund_report}) {
    SCOPED_TRACE(std::string(core::document_type_name(type)));
    EXPECT_THROW(render_fns_xml(p, document(type, 1, act().lines)), std::invalid_argument);
    EXPECT_THROW(fns_schema_path(type), std::invalid_argument);
  }
}

// ---------------------------------------------------------------------------------------------
// Content.

struct Expected {
  const char* why;
  DocumentType type;
  std::vector<std::string> fragments;  // each must occur in the decoded XML
};

TEST(FnsXml, AmountsRatesAndRequisites) {
  const std::vector<Expected> table = {
      {"act header: КНД, the file's date and time = document date, Moscow time of the event",
       DocumentType::act,
       {R"(ВерсФорм="5.01")", R"(КНД="1175012" ДатаИнфИсп="14.02.2026" ВремИнфИсп="15.00.00")",
        R"(<ИдентДок НомДокПРУ="5" ДатаДокПРУ="14.02.2026"/>)", R"(КодОКВ="643")",
        R"x(ОснДоверОргСост="Доверенность продавца (агентский договор)")x"}},
      {"act parties: the principal performs, the buyer orders",
       DocumentType::act,
       {R"(<Исполнитель><ИдСв><ЮЛ НаимОрг="ООО «Чайный дом»" ИННЮЛ="7736207543" )"
        R"(КПП="773601001"/></ИдСв><Контакт Тлф="+74951234567"/></Исполнитель>)",
        R"(<Заказчик><ИдСв><ЮЛ НаимОрг="ООО «Ромашка»" ИННЮЛ="7707083893" КПП="770701001"/>)"
        R"(</ИдСв><Контакт ЭлПочта="buh@romashka.ru"/></Заказчик>)"}},
      {"bases: the shop's shipping document and the order",
       DocumentType::act,
       {R"(<Основание НаимОсн="Документ об отгрузке" НомОсн="ОТГ-17" ДатаОсн="14.02.2026"/>)",
        R"(<Основание НаимОсн="Заказ" НомОсн="A-1001"/>)"}},
      {"delivery 350.00 without VAT: БезНДС instead of an amount",
       DocumentType::act,
       {R"(<Работа НомСтр="1" НаимРабот="Курьерская доставка" КодРабот="B" НаимЕдИзм="усл" )"
        R"(ОКЕИ="876" Колич="1" Цена="350.00" СтоимБезНДС="350.00" НалСт="без НДС" )"
        R"(СтоимУчНДС="350.00"><СумНДС><БезНДС>без НДС</БезНДС></СумНДС></Работа>)"}},
      {"assembly 1 220.00 at 22%: VAT 220.00, price without VAT 1 000.00",
       DocumentType::act,
       {R"(НомСтр="2" НаимРабот="Сборка мебели" КодРабот="S" НаимЕдИзм="усл" ОКЕИ="876" )"
        R"(Колич="1" Цена="1000.00" СтоимБезНДС="1000.00" НалСт="22%" СтоимУчНДС="1220.00">)"
        R"(<СумНДС><СумНал>220.00</СумНал></СумНДС></Работа>)"}},
      {"act totals: 1 350.00 + 220.00 = 1 570.00",
       DocumentType::act,
       {R"(<Всего СтоимБезНДСВс="1350.00" СтоимУчНДСВс="1570.00"><СумНДСВс>)"
        R"(<СумНал>220.00</СумНал></СумНДСВс></Всего></ОписРабот>)"}},
      {"TORG-12 header",
       DocumentType::torg12,
       {R"(КНД="1175010" ДатаИнфПр="14.02.2026" ВремИнфПр="15.00.00")",
        R"(<СвТНО НаимПервДок="Товарная накладная" ОКУДПервДок="0330212">)",
        R"(<ТН НомТН="17" ДатаТН="14.02.2026"><ДенИзм КодОКВ="643" НаимОКВ="Российский рубль"/>)"
        R"(<Поставщик><ИдСв><ЮЛ НаимОрг="ООО «Чайный дом»")",
        R"(<Плательщик><ИдСв><ЮЛ НаимОрг="ООО «Ромашка»")"}},
      {"kettle 2 × 1 999.99 = 3 999.98, VAT 721.31, price without VAT 1 639.34",
       DocumentType::torg12,
       {R"(<СвТов НомТов="1" НаимТов="Электрочайник Polaris PWK 1725" КодТов="A" )"
        R"(НаимЕдИзм="шт" ОКЕИ_Тов="796" Колич="2" Цена="1639.34" СумБезНДС="3278.67" )"
        R"(НалСт="22%" СумУчНДС="3999.98"><СумНДС><СумНал>721.31</СумНал></СумНДС></СвТов>)"}},
      {"cable 12.5 m × 85.00 = 1 062.50, VAT 191.60, price without VAT 69.67",
       DocumentType::torg12,
       {R"(ОКЕИ_Тов="006" Колич="12.5" Цена="69.67" СумБезНДС="870.90" НалСт="22%" )"
        R"(СумУчНДС="1062.50"><СумНДС><СумНал>191.60</СумНал></СумНДС></СвТов>)"}},
      {"TORG-12 totals: 4 149.57 + 912.91 = 5 062.48",
       DocumentType::torg12,
       {R"(<Всего СумБезНДСВс="4149.57" СумУчНДСВс="5062.48"><СумНДСВс><СумНал>912.91</СумНал>)"
        R"(</СумНДСВс></Всего></ТаблТов>)"}},
  };
  const Package p = package();
  for (const Expected& e : table) {
    SCOPED_TRACE(e.why);
    const std::string text =
        compact(from_windows1251(render_fns_xml(p, document_of(p, e.type)).bytes));
    for (const auto& fragment : e.fragments)
      EXPECT_NE(text.find(fragment), std::string::npos) << fragment << "\nin\n" << text;
  }
}

TEST(FnsXml, SoleTraderIsAnIpWithAFullNameAndNoKpp) {
  for (const DocumentType type : {DocumentType::act, DocumentType::torg12}) {
    SCOPED_TRACE(std::string(core::document_type_name(type)));
    const Package p = package(sole_trader());
    const std::string text =
        compact(from_windows1251(render_fns_xml(p, document_of(p, type)).bytes));
    EXPECT_NE(text.find(R"(<ИдСв><ИП ИННФЛ="500100732259"><ФИО Фамилия="Соколова" Имя="Анна" )"
                        R"(Отчество="Викторовна"/></ИП></ИдСв>)"),
              std::string::npos)
        << text;
    // The only ЮЛ is the principal.
    EXPECT_EQ(text.find("<ЮЛ"), text.rfind("<ЮЛ"));
  }
}

TEST(FnsXml, TheTimeIsThatOfTheEventOnTheDocumentsDate) {
  struct Row {
    const char* why;
    const char* issued_at;
    const char* time;
  };
  const std::vector<Row> table = {
      {"15:00 in Moscow", "2026-02-14T12:00:00Z", "15.00.00"},
      {"first second of the Moscow day (21:00 UTC the day before)", "2026-02-13T21:00:00Z",
       "00.00.00"},
      {"last second of the Moscow day", "2026-02-14T20:59:59.999999Z", "23.59.59"},
      {"another Moscow date than the document's: midnight", "2026-02-14T21:00:00Z", "00.00.00"},
  };
  for (const Row& row : table) {
    SCOPED_TRACE(row.why);
    Package p = package();
    p.issued_at = at(row.issued_at);
    const std::string text = from_windows1251(render_fns_xml(p, torg12()).bytes);
    EXPECT_EQ(attribute(text, "ВремИнфПр"), row.time);
    EXPECT_EQ(attribute(text, "ДатаИнфПр"), "14.02.2026");
  }
}

TEST(FnsXml, CharactersOutsideWindows1251) {
  struct Row {
    const char* why;
    std::string name, expected;  // as given, as decoded from the file
  };
  const std::vector<Row> table = {
      {"€ is in windows-1251 (0x88)", "Сертификат на 50 €", "Сертификат на 50 €"},
      {"an emoji has no stand-in: '?'", "Подарочная упаковка 🎁", "Подарочная упаковка ?"},
      {"Latin letters with diacritics: '?'", "Crème brûlée", "Cr?me br?l?e"},
      {"× -> x, ½ -> 1/2, ² -> 2", "Плитка 30×60, ½ упаковки, 1,44 м²",
       "Плитка 30x60, 1/2 упаковки, 1,44 м2"},
      {"minus and non-breaking hyphen -> -; № « » — stay", "№ 5 «Бизнес‑ланч» — −10%",
       "№ 5 «Бизнес-ланч» — -10%"},
      {"XML specials are escaped, then decoded", "Tom & Jerry <\"кот\">", "Tom & Jerry <\"кот\">"},
  };
  for (const Row& row : table) {
    SCOPED_TRACE(row.why);
    Document d = torg12();
    d.lines[0].name = row.name;
    const FnsFile file = render_fns_xml(package(), d);
    EXPECT_TRUE(validate_xml(file.bytes, fns_schema_path(DocumentType::torg12)).empty());
    // Decoded and unescaped: the value a parser reads.
    const std::string text = from_windows1251(file.bytes);
    const std::string raw = attribute(text, "НаимТов");
    std::string unescaped = std::regex_replace(raw, std::regex("&lt;"), "<");
    unescaped = std::regex_replace(unescaped, std::regex("&gt;"), ">");
    unescaped = std::regex_replace(unescaped, std::regex("&quot;"), "\"");
    unescaped = std::regex_replace(unescaped, std::regex("&amp;"), "&");
    EXPECT_EQ(unescaped, row.expected);
  }
  EXPECT_THROW(utf8_to_windows1251("bad \xFF byte"), std::runtime_error);
  EXPECT_EQ(utf8_to_windows1251("Ёлка"), "\xA8\xEB\xEA\xE0");
}

// ---------------------------------------------------------------------------------------------
// The validator catches what the schemas forbid.

struct Mutation {
  const char* why;
  DocumentType type;
  Party buyer;
  std::string find, replace;  // in the decoded XML; the first occurrence
};

TEST(FnsXml, MutationsAreCaught) {
  const std::vector<Mutation> table = {
      {"required attribute removed (ИННЮЛ)", DocumentType::torg12, romashka(),
       R"( ИННЮЛ="7707083893")", ""},
      {"required attribute removed (КПП of an organization)", DocumentType::act, romashka(),
       R"( КПП="770701001")", ""},
      {"organization's INN of 9 digits", DocumentType::act, romashka(), R"(ИННЮЛ="7707083893")",
       R"(ИННЮЛ="770708389")"},
      {"organization's INN of 12 digits", DocumentType::torg12, romashka(), R"(ИННЮЛ="7707083893")",
       R"(ИННЮЛ="770708389312")"},
      {"sole trader's INN of 10 digits", DocumentType::act, sole_trader(),
       R"(ИННФЛ="500100732259")", R"(ИННФЛ="5001007322")"},
      {"KPP of 8 digits", DocumentType::torg12, romashka(), R"(КПП="770701001")",
       R"(КПП="77070100")"},
      {"KPP with a letter", DocumentType::act, romashka(), R"(КПП="770701001")",
       R"(КПП="77070100X")"},
      {"date in ISO form", DocumentType::torg12, romashka(), R"(ДатаТН="14.02.2026")",
       R"(ДатаТН="2026-02-14")"},
      {"31 February", DocumentType::act, romashka(), R"(ДатаДокПРУ="14.02.2026")",
       R"(ДатаДокПРУ="31.02.2026")"},
      {"month 13", DocumentType::torg12, romashka(), R"(ДатаИнфПр="14.02.2026")",
       R"(ДатаИнфПр="14.13.2026")"},
      {"hour 24", DocumentType::act, romashka(), R"(ВремИнфИсп="15.00.00")",
       R"(ВремИнфИсп="24.00.00")"},
      {"money with one decimal", DocumentType::torg12, romashka(), R"(СумУчНДС="3999.98")",
       R"(СумУчНДС="3999.9")"},
      {"money with a decimal comma", DocumentType::act, romashka(), R"(Цена="350.00")",
       R"(Цена="350,00")"},
      {"negative money", DocumentType::torg12, romashka(), "<СумНал>721.31</СумНал>",
       "<СумНал>-721.31</СумНал>"},
      {"quantity with four decimals", DocumentType::torg12, romashka(), R"(Колич="12.5")",
       R"(Колич="12.5001")"},
      {"OKEI of two digits", DocumentType::torg12, romashka(), R"(ОКЕИ_Тов="796")",
       R"(ОКЕИ_Тов="79")"},
      {"OKEI removed", DocumentType::act, romashka(), R"( ОКЕИ="876")", ""},
      {"an unknown VAT rate", DocumentType::torg12, romashka(), R"(НалСт="22%")",
       R"(НалСт="18 %")"},
      {"КНД of the other format", DocumentType::torg12, romashka(), R"(КНД="1175010")",
       R"(КНД="1175012")"},
      {"another format version", DocumentType::act, romashka(), R"(ВерсФорм="5.01")",
       R"(ВерсФорм="5.02")"},
      {"file id of another format", DocumentType::act, romashka(), R"(ИдФайл="DP_REZRUISP_)",
       R"(ИдФайл="ON_NSCHFDOPPR_)"},
      {"empty organization name", DocumentType::torg12, romashka(), R"(НаимОрг="ООО «Ромашка»")",
       R"(НаимОрг="")"},
      {"line number 0", DocumentType::act, romashka(), R"(НомСтр="1")", R"(НомСтр="0")"},
      {"currency element missing", DocumentType::torg12, romashka(),
       R"(<ДенИзм КодОКВ="643" НаимОКВ="Российский рубль"/>)", ""},
      {"an attribute the format does not have", DocumentType::act, romashka(),
       R"(<Работа НомСтр="1")", R"(<Работа НомСтр="1" Скидка="0.00")"},
      {"an element the format does not have", DocumentType::torg12, romashka(), "<ТаблТов>",
       "<Примечание/><ТаблТов>"},
      {"both VAT amount and без НДС", DocumentType::act, romashka(), "<БезНДС>без НДС</БезНДС>",
       "<БезНДС>без НДС</БезНДС><СумНал>0.00</СумНал>"},
      {"not well-formed", DocumentType::act, romashka(), "</Файл>", "</Фай>"},
  };
  for (const Mutation& m : table) {
    SCOPED_TRACE(m.why);
    const Package p = package(m.buyer);
    const std::string text = from_windows1251(render_fns_xml(p, document_of(p, m.type)).bytes);
    const auto at_position = text.find(m.find);
    ASSERT_NE(at_position, std::string::npos) << m.find;
    std::string mutated = text;
    mutated.replace(at_position, m.find.size(), m.replace);
    // Still windows-1251 as declared in the prolog, as an EDO operator would receive it.
    const std::vector<std::string> problems =
        validate_xml(utf8_to_windows1251(mutated), fns_schema_path(m.type));
    EXPECT_FALSE(problems.empty());
  }
}

TEST(FnsXml, ValidatorReportsWithoutThrowing) {
  const std::string torg12_xsd = fns_schema_path(DocumentType::torg12);
  // The act does not pass as a TORG-12.
  const Package p = package();
  const auto wrong = validate_xml(render_fns_xml(p, act()).bytes, torg12_xsd);
  ASSERT_FALSE(wrong.empty());
  EXPECT_EQ(wrong.front().rfind("line ", 0), 0u) << wrong.front();
  EXPECT_FALSE(validate_xml("", torg12_xsd).empty());
  EXPECT_FALSE(validate_xml("<a>", torg12_xsd).empty());
  EXPECT_FALSE(validate_xml(render_fns_xml(p, act()).bytes, "/nonexistent/schema.xsd").empty());
  // The same content in UTF-8 (declared so) is as valid as in windows-1251.
  std::string utf8 = from_windows1251(render_fns_xml(p, torg12()).bytes);
  utf8.replace(0, std::string(kProlog).size(), R"(<?xml version="1.0" encoding="UTF-8"?>)");
  EXPECT_TRUE(validate_xml(utf8, torg12_xsd).empty());
}

// The schemas' own INN rules are only lengths: the test's INNs are real ones by checksum.
TEST(FnsXml, TestRequisitesAreValid) {
  for (const Party& party : {romashka(), sole_trader(), merchant(), agent()}) {
    SCOPED_TRACE(party.name);
    EXPECT_TRUE(core::valid_inn(party.inn));
    if (!party.kpp.empty()) {
      EXPECT_TRUE(core::valid_kpp(party.kpp));
    }
  }
}

// A cross-check with libxml2's command-line tool, as an operator's engineer would run it.
TEST(FnsXml, XmllintAgrees) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "no xmllint";
  for (const Case& c : {cases()[0], cases()[3]}) {
    SCOPED_TRACE(c.why);
    const FnsFile file = render(c);
    const std::string path = ::testing::TempDir() + file.file_name;
    {
      std::ofstream out(path, std::ios::binary);
      out << file.bytes;
    }
    const std::string command =
        "xmllint --noout --schema '" + fns_schema_path(c.type) + "' '" + path + "' >/dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::remove(path.c_str());
  }
}

}  // namespace
}  // namespace kassa::render
