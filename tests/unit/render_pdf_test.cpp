// The PDF of each document of a package (render::render_pdf), read back with poppler's
// `pdftotext -layout` the way a person would read it: the title with number and date, the parties
// with INN/KPP, the basis, every line, the totals in figures and in words. Plus what the package
// message relies on: the same document gives the same bytes, long documents break into pages with
// the table header repeated, and a missing font is an error that names the file.
//
// The packages are built by hand (not by core::build_package) so that every figure on the page is
// visible here: kettles 2 × 1 999.99 = 3 999.98 at 22% (VAT 3 999.98 × 22 / 122 = 721.31), courier
// delivery 350.00 without VAT, together 4 349.98.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/amount_words.hpp"
#include "core/package.hpp"
#include "render/pdf.hpp"

namespace kassa::render {
namespace {

using core::Document;
using core::DocumentLine;
using core::DocumentType;
using core::Package;

const std::string kKettle = "Электрочайник Polaris PWK 1725";
const std::string kDelivery = "Курьерская доставка";

DocumentLine line(std::string name, core::LineType type, std::int64_t milli, core::Kopecks price,
                  core::Kopecks sum, core::VatType vat, core::Kopecks vat_sum) {
  DocumentLine l;
  l.sku = "sku";
  l.name = std::move(name);
  l.measure = type == core::LineType::service ? "усл" : "шт";
  l.measure_code = type == core::LineType::service ? "876" : "796";
  l.type = type;
  l.quantity = {milli};
  l.price = price;
  l.sum = sum;
  l.vat = vat;
  l.vat_sum = vat_sum;
  return l;
}

DocumentLine kettles() {
  return line(kKettle, core::LineType::commodity, 2000, 199999, 399998, core::VatType::vat22,
              72131);
}
DocumentLine delivery() {
  return line(kDelivery, core::LineType::service, 1000, 35000, 35000, core::VatType::none, 0);
}

Document document(DocumentType type, std::int64_t number, core::CivilDate date,
                  std::vector<DocumentLine> lines) {
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

Package base_package() {
  Package p;
  p.order_id = "order-1";
  p.merchant_id = "shop-1";
  p.merchant_order_id = "SHOP-1001";
  p.buyer = {"ООО «Ромашка»", "7707083893", "770701001", "buh@romashka.example.ru", ""};
  p.principal = {"ООО «Чайники»", "5001007329", "500101001", "", "+7 495 000-00-00"};
  p.agent = {"ООО «ОРЦ»", "7842012345", "784201001", "kassa@invoicebox.ru", ""};
  return p;
}

// A shipment of both lines on 14 February 2026: the agent's report on both, the act on the
// delivery, the TORG-12 on the kettles.
Package shipment() {
  Package p = base_package();
  p.id_name = "evt-ship:shipment_package";
  p.kind = core::PackageKind::shipment_package;
  p.source_event_id = "evt-ship";
  p.basis_number = "ОТГ-77";
  p.basis_date = core::CivilDate{2026, 2, 13};
  const core::CivilDate date{2026, 2, 14};
  p.documents = {document(DocumentType::agent_report, 17, date, {kettles(), delivery()}),
                 document(DocumentType::act, 5, date, {delivery()}),
                 document(DocumentType::torg12, 9, date, {kettles()})};
  p.total = 434998;
  return p;
}

// One kettle back on 20 February 2026: 1 999.99, VAT 1 999.99 × 22 / 122 = 360.65.
Package refund() {
  Package p = base_package();
  p.id_name = "evt-refund:refund_package";
  p.kind = core::PackageKind::refund_package;
  p.source_event_id = "evt-refund";
  p.reason = "брак";
  p.documents = {document(DocumentType::refund_report, 3, {2026, 2, 20},
                          {line(kKettle, core::LineType::commodity, 1000, 199999, 199999,
                                core::VatType::vat22, 36065)})};
  p.total = 199999;
  return p;
}

const Document& find(const Package& package, DocumentType type) {
  for (const auto& d : package.documents)
    if (d.type == type) return d;
  throw std::logic_error("no such document in the test package");
}

// Runs a command and returns its standard output; fails the test when it does not exit with 0.
std::string run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status != 0)
    throw std::runtime_error(command + " failed with status " + std::to_string(status));
  return output;
}

// A temporary file holding the bytes, removed when the holder goes.
class TempFile {
 public:
  explicit TempFile(const std::string& bytes) {
    std::string pattern = testing::TempDir() + "kassa-pdf-XXXXXX";
    const int fd = mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    path_ = pattern;
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The text of the PDF as pdftotext lays it out; pages end with a form feed.
std::string pdf_text(const std::string& bytes) {
  TempFile file(bytes);
  return run("pdftotext -layout '" + file.path() + "' -");
}

int pages(const std::string& text) {
  int count = 0;
  for (char c : text) count += c == '\f';
  return count;
}

int occurrences(const std::string& text, const std::string& piece) {
  int count = 0;
  for (auto at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) ++count;
  return count;
}

// For a look at the pages: KASSA_PDF_SAMPLE_DIR=dir writes each rendered type there.
void keep_sample(const std::string& bytes, DocumentType type) {
  if (const char* dir = std::getenv("KASSA_PDF_SAMPLE_DIR"))
    std::ofstream(
        std::string(dir) + "/sample-" + std::string(core::document_type_name(type)) + ".pdf",
        std::ios::binary)
        << bytes;
}

struct ContentCase {
  Package package;
  DocumentType type;
  std::vector<std::string> expected;  // each must appear in the text
  const char* why;
};

TEST(RenderPdf, EachDocumentShowsItsTitlePartiesLinesAndTotals) {
  const std::string buyer = "ООО «Ромашка», ИНН 7707083893, КПП 770701001";
  const std::string principal = "ООО «Чайники», ИНН 5001007329, КПП 500101001";
  const std::string agent = "ООО «ОРЦ», ИНН 7842012345, КПП 784201001";
  const ContentCase cases[] = {
      {shipment(),
       DocumentType::agent_report,
       {"Отчёт агента о перечислении денежных средств № 17 от 14.02.2026", "Агент:", agent,
        "Принципал:", principal, "Покупатель:", buyer,
        "заказ № SHOP-1001, документ отгрузки № ОТГ-77 от 13.02.2026", kKettle, kDelivery,
        // kettles: 2 × 1 999.99, 3 278.67 + 721.31 = 3 999.98; delivery 350.00 without VAT
        "1 999,99", "3 278,67", "22%", "721,31", "3 999,98", "350,00", "без НДС",
        // totals: 4 349.98 of which VAT 721.31, sum without VAT 3 628.67
        "Итого:", "3 628,67", "4 349,98",
        "Всего на сумму: Четыре тысячи триста сорок девять рублей 98 копеек",
        "в т.ч. НДС: Семьсот двадцать один рубль 31 копейка", "От агента", "От принципала",
        "(подпись)", "(расшифровка подписи)"},
       "both lines, with the agent, the principal and the buyer"},
      {shipment(),
       DocumentType::act,
       {"Акт об оказании услуг № 5 от 14.02.2026", "Исполнитель:", principal,
        "в лице агента " + agent, "Заказчик:", buyer, "заказ № SHOP-1001", kDelivery, "350,00",
        "Итого:", "Всего на сумму: Триста пятьдесят рублей 00 копеек", "Без НДС", "От исполнителя",
        "От заказчика"},
       "the service line only; no VAT at all, so 'Без НДС'"},
      {shipment(),
       DocumentType::torg12,
       {"Товарная накладная (ТОРГ-12) № 9 от 14.02.2026",
        "Грузоотправитель:", "Поставщик:", principal, "Грузополучатель:", "Плательщик:", buyer,
        "документ отгрузки № ОТГ-77", kKettle, "796", "шт", "3 999,98", "721,31",
        "Всего на сумму: Три тысячи девятьсот девяносто девять рублей 98 копеек",
        "в т.ч. НДС: Семьсот двадцать один рубль 31 копейка", "Отпуск груза разрешил",
        "Груз получил грузополучатель"},
       "the commodity line only"},
      {refund(),
       DocumentType::refund_report,
       {"Отчёт агента о возврате денежных средств № 3 от 20.02.2026", agent, principal, buyer,
        "заказ № SHOP-1001, причина возврата: брак", kKettle, "1 999,99", "360,65",
        "Всего на сумму: Одна тысяча девятьсот девяносто девять рублей 99 копеек",
        "в т.ч. НДС: Триста шестьдесят рублей 65 копеек"},
       "a refund: the reason is the basis"},
  };
  for (const auto& c : cases) {
    const Document& d = find(c.package, c.type);
    const std::string bytes = render_pdf(c.package, d);
    keep_sample(bytes, c.type);
    const std::string text = pdf_text(bytes);
    EXPECT_EQ(pages(text), 1) << c.why;
    // One page with two font subsets is about 28 KB (libharu 2.3.0 left to subset on its own
    // wrote about 190 KB).
    EXPECT_LT(bytes.size(), 50u * 1024) << c.why;
    // The total in words is exactly what core::amount_in_words says, and in figures as printed.
    EXPECT_NE(text.find("Всего на сумму: " + core::amount_in_words(d.total)), std::string::npos)
        << c.why;
    EXPECT_NE(text.find(pdf_money(d.total)), std::string::npos) << c.why;
    for (const auto& piece : d.lines) EXPECT_NE(text.find(piece.name), std::string::npos) << c.why;
    for (const auto& piece : c.expected)
      EXPECT_NE(text.find(piece), std::string::npos) << c.why << ": no «" << piece << "» in\n"
                                                     << text;
  }
}

TEST(RenderPdf, SameDocumentGivesSameBytes) {
  // The package message carries each file's sha256: rendering again (after a crash, on another
  // replica) must give the same bytes, so no dates and no random /ID may be written.
  const Package p = shipment();
  for (const auto& d : p.documents) {
    const std::string first = render_pdf(p, d);
    EXPECT_EQ(first.rfind("%PDF-1.", 0), 0u);
    EXPECT_EQ(render_pdf(p, d), first) << core::document_type_name(d.type);
    EXPECT_EQ(first.find("/CreationDate"), std::string::npos);
    EXPECT_EQ(first.find("/ModDate"), std::string::npos);
    // /ID would sit in the trailer (elsewhere the bytes are mostly compressed streams).
    const auto trailer = first.rfind("trailer");
    ASSERT_NE(trailer, std::string::npos);
    EXPECT_EQ(first.find("/ID", trailer), std::string::npos);
  }
  // A different document gives different bytes (the comparison above is not vacuous).
  EXPECT_NE(render_pdf(p, p.documents[0]), render_pdf(p, p.documents[2]));
}

TEST(RenderPdf, HundredLinesBreakIntoPagesWithTheHeaderRepeated) {
  Package p = shipment();
  std::vector<DocumentLine> lines;
  for (int i = 1; i <= 100; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "Термокружка модель %03d", i);
    lines.push_back(line(name, core::LineType::commodity, 1000, 10000 + i, 10000 + i,
                         core::VatType::vat22, core::vat_amount(core::VatType::vat22, 10000 + i)));
  }
  p.documents = {document(DocumentType::torg12, 10, {2026, 2, 14}, std::move(lines))};
  const Document& d = p.documents.front();
  const std::string text = pdf_text(render_pdf(p, d));
  const int n = pages(text);
  EXPECT_GT(n, 1);
  for (const auto& l : d.lines) EXPECT_NE(text.find(l.name), std::string::npos) << l.name;
  // The table header (its "Ставка НДС" column) on every page, "(продолжение)" from page two on.
  EXPECT_EQ(occurrences(text, "Ставка"), n);
  EXPECT_EQ(occurrences(text, "(продолжение)"), n - 1);
  EXPECT_NE(text.find("Страница " + std::to_string(n) + " из " + std::to_string(n)),
            std::string::npos);
  EXPECT_NE(text.find("Всего на сумму: " + core::amount_in_words(d.total)), std::string::npos);
}

TEST(RenderPdf, LongAndOddNamesStayOnThePage) {
  // Names are cut to 128 characters upstream, which is three lines of the name column; a name may
  // also carry what cannot be drawn (a tab, an emoji, broken UTF-8, characters DejaVu Sans lacks):
  // those become ' ' or '?'.
  Package p = shipment();
  std::string long_name;
  for (int i = 0; long_name.size() < 200; ++i) long_name += "Комплект" + std::to_string(i) + " ";
  DocumentLine odd = delivery();
  odd.name = "Подарок\t🎁 \xff 漢字 конец";
  p.documents = {document(
      DocumentType::agent_report, 1, {2026, 2, 14},
      {line(long_name, core::LineType::commodity, 1000, 100, 100, core::VatType::none, 0), odd})};
  const std::string text = pdf_text(render_pdf(p, p.documents.front()));
  EXPECT_EQ(pages(text), 1);
  EXPECT_NE(text.find("Комплект0 "), std::string::npos);
  EXPECT_NE(text.find("Комплект11"), std::string::npos);  // the last word, on a wrapped line
  EXPECT_NE(text.find("Подарок ? ? ?? конец"), std::string::npos) << text;
}

TEST(RenderPdf, BareDocumentStillRenders) {
  // Nothing but the type: no lines, no number yet, parties without INN/KPP. Not a document anyone
  // should send, but rendering must not be what fails.
  Package p;
  p.documents = {document(DocumentType::act, 0, {2026, 1, 1}, {})};
  const std::string text = pdf_text(render_pdf(p, p.documents.front()));
  EXPECT_EQ(pages(text), 1);
  EXPECT_NE(text.find("Акт об оказании услуг № 0 от 01.01.2026"), std::string::npos) << text;
  EXPECT_NE(text.find("Всего на сумму: Ноль рублей 00 копеек"), std::string::npos) << text;
  EXPECT_NE(text.find("Без НДС"), std::string::npos) << text;
}

TEST(RenderPdf, MissingFontIsAnErrorNamingTheFile) {
  const Package p = shipment();
  PdfOptions options;
  options.font_dir = "/nonexistent/kassa-fonts";
  try {
    render_pdf(p, p.documents.front(), options);
    FAIL() << "rendered without a font";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/kassa-fonts/DejaVuSans.ttf"),
              std::string::npos)
        << e.what();
  }
}

TEST(RenderPdf, FormatsMoneyAndDatesTheRussianWay) {
  const std::pair<core::Kopecks, const char*> money[] = {{0, "0,00"},
                                                         {1, "0,01"},
                                                         {99999, "999,99"},
                                                         {100000, "1 000,00"},
                                                         {434998, "4 349,98"},
                                                         {63499700, "634 997,00"},
                                                         {100000000, "1 000 000,00"},
                                                         {-5, "-0,05"},
                                                         {-123456789, "-1 234 567,89"}};
  for (const auto& [kopecks, text] : money) EXPECT_EQ(pdf_money(kopecks), text) << kopecks;
  EXPECT_EQ(pdf_date({2026, 2, 14}), "14.02.2026");
  EXPECT_EQ(pdf_date({2025, 12, 31}), "31.12.2025");
}

}  // namespace
}  // namespace kassa::render
