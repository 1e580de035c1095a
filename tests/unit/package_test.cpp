// The document package builder (core::build_package) and numbering (core::assign_numbers), as
// tables an accountant can check line by line (contract sections 2-3, fiscal-54fz.md section 8).
//
// Money is in kopecks: 599997 is 5 999.97 RUB. Every expected figure is worked out in the row's
// `why` from these rules:
//  - an organization buyer gets no receipts; each shipment gives the agent's report (every shipped
//    line) plus an act (the service lines) and a TORG-12 (the commodity lines), each only when it
//    has lines; each refund gives the agent's report on the refund;
//  - a line's sum is what the order state machine settled or refunded: a partial shipment
//    total × shipped / ordered half up, the completing shipment the remainder;
//  - the unit price printed is sum / quantity, half up;
//  - VAT of a line = sum × r / (100 + r), half up; a shipment's lines take the plain rate of the
//    shipment's Moscow date (20% before 2026, 22% from then); a refund line keeps the rate of what
//    it reverses (unshipped units the prepayment's calculated rate, shipped ones the settlement's);
//  - every document is dated by the Moscow date of the event;
//  - numbers run per merchant, document type and calendar year, from 1, without gaps.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/order.hpp"
#include "core/package.hpp"
#include "event_builders.hpp"

namespace kassa::core {
namespace {

using builders::at;
using builders::item;
using builders::kOrder;
using builders::kShop;
using builders::private_buyer;
using builders::q;
using builders::refund;
using builders::Returned;
using builders::ship;
using builders::Shipped;

// The worked example of fiscal-54fz.md: A kettles 3 × 1 999.99 (RUS_VAT22), B delivery 350.00.
OrderItem kettles() {
  return item("A", "Электрочайник Polaris PWK 1725", "3", 199999, 599997, "RUS_VAT22");
}
OrderItem delivery() {
  return item("B", "Курьерская доставка", "1", 35000, 35000, "VATNONE", LineType::service);
}
OrderItem setup_service() {
  return item("S", "Настройка оборудования", "2", 150000, 300000, "RUS_VAT22", LineType::service);
}
// 100.00 RUB for 3 sets: a third does not divide into kopecks.
OrderItem pens() {
  return item("C", "Набор фломастеров", "3", 3333, 10000, "RUS_VAT22");
}
OrderItem books() {
  return item("D", "Книга «Налоговый кодекс»", "4", 50000, 200000, "RUS_VAT10");
}

Customer organization() {
  Customer c;
  c.type = CustomerType::legal;
  c.name = "ООО «Ромашка»";
  c.inn = "7707083893";
  c.kpp = "770701001";
  c.email = "buh@romashka.example.ru";
  return c;
}

Event pay(const char* when, std::vector<OrderItem> items) {
  return builders::pay(when, std::move(items), organization());
}

// ---------------------------------------------------------------------------------------------
// Expected packages.

struct Line {
  const char* sku;
  const char* quantity;
  Kopecks price, sum;
  VatType vat;
  Kopecks vat_sum;
};

struct Doc {
  DocumentType type;
  CivilDate date;
  std::vector<Line> lines;
  Kopecks total, vat;
};

struct Expected {
  std::string id_name;
  PackageKind kind;
  Kopecks total;
  std::vector<Doc> documents;
};

struct Case {
  const char* why;
  std::vector<Event> history;
  Event event;
  std::vector<Expected> packages;  // of the event and of any waiting events its payment released
};

std::vector<Package> packages_of(const std::vector<Event>& history, const Event& event) {
  OrderState state;
  state.order_id = kOrder;
  std::int64_t offset = 0;
  auto source = [&] { return Source{"topic", 0, offset++, kOrder, "{}"}; };
  for (const auto& e : history)
    for (const auto& step : apply_event(state, e, source()))
      if (step.outcome != Outcome::applied && step.outcome != Outcome::parked)
        ADD_FAILURE() << "history event " << step.event_id << " " << outcome_name(step.outcome);
  std::vector<Package> out;
  Seller seller;
  seller.inn = "7709123456";
  for (const auto& step : apply_event(state, event, source())) {
    if (step.outcome != Outcome::applied && step.outcome != Outcome::parked)
      ADD_FAILURE() << "event " << step.event_id << " " << outcome_name(step.outcome);
    if (auto package = build_package(state, step, seller, std::nullopt))
      out.push_back(std::move(*package));
  }
  return out;
}

const CivilDate kFeb14{2026, 2, 14};
const CivilDate kFeb20{2026, 2, 20};

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"Worked example, organization buyer: shipment of A × 2 and B. The agent's report lists both "
       "(A 2 × 1 999.99 = 3 999.98 at 22%: 399 998 × 22/122 = 72 130.79 -> 72 131; B 350.00 "
       "without VAT), the act the service B, the TORG-12 the goods A; all dated 14.02.2026",
       {pay("2026-02-10T09:00:00Z", {kettles(), delivery()})},
       ship("s1", "2026-02-14T12:00:00Z", {{"A", "2"}, {"B", "1"}}),
       {{"evt-s1:shipment_package",
         PackageKind::shipment_package,
         434998,
         {{DocumentType::agent_report,
           kFeb14,
           {{"A", "2", 199999, 399998, VatType::vat22, 72131},
            {"B", "1", 35000, 35000, VatType::none, 0}},
           434998,
           72131},
          {DocumentType::act, kFeb14, {{"B", "1", 35000, 35000, VatType::none, 0}}, 35000, 0},
          {DocumentType::torg12,
           kFeb14,
           {{"A", "2", 199999, 399998, VatType::vat22, 72131}},
           399998,
           72131}}}}},

      {"Services only: no TORG-12. Setup 2 × 1 500.00 = 3 000.00 at 22%: 300 000 × 22/122 = "
       "54 098.36 -> 54 098",
       {pay("2026-02-10T09:00:00Z", {setup_service()})},
       ship("s1", "2026-02-14T12:00:00Z", {{"S", "2"}}),
       {{"evt-s1:shipment_package",
         PackageKind::shipment_package,
         300000,
         {{DocumentType::agent_report,
           kFeb14,
           {{"S", "2", 150000, 300000, VatType::vat22, 54098}},
           300000,
           54098},
          {DocumentType::act,
           kFeb14,
           {{"S", "2", 150000, 300000, VatType::vat22, 54098}},
           300000,
           54098}}}}},

      {"Goods only, first of three pens: 10 000 × 1/3 = 3 333.33 -> 3 333; VAT 3 333 × 22/122 = "
       "601.02 -> 601; no act",
       {pay("2026-02-10T09:00:00Z", {pens()})},
       ship("s1", "2026-02-14T12:00:00Z", {{"C", "1"}}),
       {{"evt-s1:shipment_package",
         PackageKind::shipment_package,
         3333,
         {{DocumentType::agent_report,
           kFeb14,
           {{"C", "1", 3333, 3333, VatType::vat22, 601}},
           3333,
           601},
          {DocumentType::torg12,
           kFeb14,
           {{"C", "1", 3333, 3333, VatType::vat22, 601}},
           3333,
           601}}}}},

      {"Goods only, the completing shipment of the pens takes the remainder 10 000 − 3 333 = "
       "6 667; price 6 667 / 2 = 3 333.5 -> 3 334 (half up); VAT 6 667 × 22/122 = 1 202.24 -> "
       "1 202",
       {pay("2026-02-10T09:00:00Z", {pens()}), ship("s1", "2026-02-12T12:00:00Z", {{"C", "1"}})},
       ship("s2", "2026-02-14T12:00:00Z", {{"C", "2"}}),
       {{"evt-s2:shipment_package",
         PackageKind::shipment_package,
         6667,
         {{DocumentType::agent_report,
           kFeb14,
           {{"C", "2", 3334, 6667, VatType::vat22, 1202}},
           6667,
           1202},
          {DocumentType::torg12,
           kFeb14,
           {{"C", "2", 3334, 6667, VatType::vat22, 1202}},
           6667,
           1202}}}}},

      {"Mixed rates in one shipment: books at 10% (4 × 500.00 = 2 000.00: 200 000 × 10/110 = "
       "18 181.82 -> 18 182) and kettles at 22% (1 × 1 999.99: 199 999 × 22/122 = 36 065.39 -> "
       "36 065); the documents total the VAT of their lines: 54 247",
       {pay("2026-02-10T09:00:00Z", {kettles(), books()})},
       ship("s1", "2026-02-14T12:00:00Z", {{"D", "4"}, {"A", "1"}}),
       {{"evt-s1:shipment_package",
         PackageKind::shipment_package,
         399999,
         {{DocumentType::agent_report,
           kFeb14,
           {{"D", "4", 50000, 200000, VatType::vat10, 18182},
            {"A", "1", 199999, 199999, VatType::vat22, 36065}},
           399999,
           54247},
          {DocumentType::torg12,
           kFeb14,
           {{"D", "4", 50000, 200000, VatType::vat10, 18182},
            {"A", "1", 199999, 199999, VatType::vat22, 36065}},
           399999,
           54247}}}}},

      {"Refund of the worked example: one unshipped kettle reverses the prepayment (22/122: "
       "36 065) and one shipped kettle the settlement of 14.02 (22%: 36 065); two lines, total "
       "3 999.98, VAT 72 130; dated 20.02.2026",
       {pay("2026-02-10T09:00:00Z", {kettles(), delivery()}),
        ship("s1", "2026-02-14T12:00:00Z", {{"A", "2"}, {"B", "1"}})},
       refund("r1", "2026-02-20T15:30:00Z", {{"A", "2", 399998}}),
       {{"evt-r1:refund_package",
         PackageKind::refund_package,
         399998,
         {{DocumentType::refund_report,
           kFeb20,
           {{"A", "1", 199999, 199999, VatType::vat122, 36065},
            {"A", "1", 199999, 199999, VatType::vat22, 36065}},
           399998,
           72130}}}}},

      {"Across the new year: shipped 15.12.2025 at 20% (199 999 × 20/120 = 33 333.17 -> 33 333)",
       {pay("2025-12-10T09:00:00Z", {kettles()})},
       ship("s1", "2025-12-15T12:00:00Z", {{"A", "1"}}),
       {{"evt-s1:shipment_package",
         PackageKind::shipment_package,
         199999,
         {{DocumentType::agent_report,
           {2025, 12, 15},
           {{"A", "1", 199999, 199999, VatType::vat20, 33333}},
           199999,
           33333},
          {DocumentType::torg12,
           {2025, 12, 15},
           {{"A", "1", 199999, 199999, VatType::vat20, 33333}},
           199999,
           33333}}}}},

      {"Shipped at 21:00 UTC on 31.12.2025, which is already 01.01.2026 in Moscow: 22% and "
       "dated 2026 (so numbered in the 2026 sequence)",
       {pay("2025-12-10T09:00:00Z", {kettles()})},
       ship("s1", "2025-12-31T21:00:00Z", {{"A", "1"}}),
       {{"evt-s1:shipment_package",
         PackageKind::shipment_package,
         199999,
         {{DocumentType::agent_report,
           {2026, 1, 1},
           {{"A", "1", 199999, 199999, VatType::vat22, 36065}},
           199999,
           36065},
          {DocumentType::torg12,
           {2026, 1, 1},
           {{"A", "1", 199999, 199999, VatType::vat22, 36065}},
           199999,
           36065}}}}},

      {"A January 2026 refund of goods shipped in December 2025 keeps 20% (33 333)",
       {pay("2025-12-10T09:00:00Z", {kettles()}), ship("s1", "2025-12-15T12:00:00Z", {{"A", "3"}})},
       refund("r1", "2026-01-20T07:15:00Z", {{"A", "1", 199999}}),
       {{"evt-r1:refund_package",
         PackageKind::refund_package,
         199999,
         {{DocumentType::refund_report,
           {2026, 1, 20},
           {{"A", "1", 199999, 199999, VatType::vat20, 33333}},
           199999,
           33333}}}}},

      {"A shipment that waited for its payment gets its package when the payment releases it, "
       "dated by the shipment, not by the payment",
       {ship("s1", "2026-02-14T12:00:00Z", {{"B", "1"}})},
       pay("2026-02-16T09:00:00Z", {kettles(), delivery()}),
       {{"evt-s1:shipment_package",
         PackageKind::shipment_package,
         35000,
         {{DocumentType::agent_report,
           kFeb14,
           {{"B", "1", 35000, 35000, VatType::none, 0}},
           35000,
           0},
          {DocumentType::act, kFeb14, {{"B", "1", 35000, 35000, VatType::none, 0}}, 35000, 0}}}}},

      {"The payment itself gives no package: documents follow the goods",
       {},
       pay("2026-02-10T09:00:00Z", {kettles()}),
       {}},

      {"A private buyer gets receipts, never a package",
       {builders::pay("2026-02-10T09:00:00Z", {kettles()}, private_buyer())},
       ship("s1", "2026-02-14T12:00:00Z", {{"A", "1"}}),
       {}},
  };
  return kCases;
}

TEST(Package, BuildsTheDocumentsOfEachRow) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.why);
    const auto packages = packages_of(c.history, c.event);
    ASSERT_EQ(packages.size(), c.packages.size());
    for (std::size_t p = 0; p < packages.size(); ++p) {
      const Package& got = packages[p];
      const Expected& want = c.packages[p];
      EXPECT_EQ(got.id_name, want.id_name);
      EXPECT_EQ(got.kind, want.kind);
      EXPECT_EQ(got.total, want.total);
      EXPECT_EQ(got.order_id, kOrder);
      EXPECT_EQ(got.merchant_id, kShop);
      EXPECT_EQ(got.merchant_order_id, "SHOP-1001");
      EXPECT_EQ(got.buyer.inn, "7707083893");
      EXPECT_EQ(got.buyer.kpp, "770701001");
      EXPECT_EQ(got.buyer.name, "ООО «Ромашка»");
      EXPECT_TRUE(got.default_principal);  // no merchant row given
      ASSERT_EQ(got.documents.size(), want.documents.size());
      for (std::size_t d = 0; d < got.documents.size(); ++d) {
        const Document& doc = got.documents[d];
        const Doc& w = want.documents[d];
        SCOPED_TRACE(std::string(document_type_name(w.type)));
        EXPECT_EQ(doc.type, w.type);
        EXPECT_EQ(format_date(doc.date), format_date(w.date));
        EXPECT_EQ(doc.number, 0) << "numbers come from assign_numbers";
        EXPECT_EQ(doc.total, w.total);
        EXPECT_EQ(doc.vat, w.vat);
        ASSERT_EQ(doc.lines.size(), w.lines.size());
        for (std::size_t i = 0; i < w.lines.size(); ++i) {
          const DocumentLine& line = doc.lines[i];
          const Line& l = w.lines[i];
          EXPECT_EQ(line.sku, l.sku);
          EXPECT_EQ(format_quantity(line.quantity), l.quantity);
          EXPECT_EQ(line.price, l.price) << l.sku;
          EXPECT_EQ(line.sum, l.sum) << l.sku;
          EXPECT_EQ(line.vat, l.vat) << l.sku;
          EXPECT_EQ(line.vat_sum, l.vat_sum) << l.sku;
          EXPECT_EQ(line.sum_without_vat(), l.sum - l.vat_sum);
        }
      }
    }
  }
}

TEST(Package, CitesTheShippingDocumentAndTheRefundReason) {
  const auto shipped = packages_of({pay("2026-02-10T09:00:00Z", {kettles()})},
                                   ship("s1", "2026-02-14T12:00:00Z", {{"A", "1"}}));
  ASSERT_EQ(shipped.size(), 1u);
  EXPECT_EQ(shipped[0].basis_number, "DOC-s1");
  ASSERT_TRUE(shipped[0].basis_date);
  EXPECT_EQ(format_date(*shipped[0].basis_date), "2026-02-14");
  const auto refunded =
      packages_of({pay("2026-02-10T09:00:00Z", {kettles()})},
                  refund("r1", "2026-02-20T15:30:00Z", {{"A", "1", 199999}}, "Отказ покупателя"));
  ASSERT_EQ(refunded.size(), 1u);
  EXPECT_EQ(refunded[0].reason, "Отказ покупателя");
}

TEST(Package, TheMerchantsRowNamesThePrincipal) {
  OrderState state;
  state.order_id = kOrder;
  apply_event(state, pay("2026-02-10T09:00:00Z", {kettles()}), {});
  const auto steps = apply_event(state, ship("s1", "2026-02-14T12:00:00Z", {{"A", "1"}}), {});
  ASSERT_EQ(steps.size(), 1u);
  const Supplier shop{"7707083893", "ООО «Чайный двор»", {"+74951234567"}, "770701001"};
  const auto package = build_package(state, steps[0], Seller{}, shop);
  ASSERT_TRUE(package);
  EXPECT_FALSE(package->default_principal);
  EXPECT_EQ(package->principal.name, "ООО «Чайный двор»");
  EXPECT_EQ(package->principal.inn, "7707083893");
  EXPECT_EQ(package->principal.kpp, "770701001");
  EXPECT_EQ(package->agent.name, Seller{}.name);
}

// ---------------------------------------------------------------------------------------------
// Numbering.

Package package_with(std::string merchant, std::vector<std::pair<DocumentType, CivilDate>> docs) {
  Package p;
  p.merchant_id = std::move(merchant);
  for (const auto& [type, date] : docs) {
    Document d;
    d.type = type;
    d.date = date;
    p.documents.push_back(d);
  }
  return p;
}

TEST(Numbering, EachMerchantTypeAndYearCountsOnFromItsLastNumber) {
  constexpr auto kAr = DocumentType::agent_report;
  constexpr auto kAct = DocumentType::act;
  constexpr auto kTorg = DocumentType::torg12;
  constexpr auto kRefund = DocumentType::refund_report;
  const CivilDate feb{2026, 2, 14}, dec{2025, 12, 30};
  std::vector<Package> packages = {
      package_with("m1", {{kAr, feb}, {kAct, feb}, {kTorg, feb}}),
      package_with("m1", {{kAr, feb}, {kTorg, feb}}),
      package_with("m2", {{kAr, feb}, {kTorg, feb}}),
      package_with("m1", {{kAr, dec}, {kTorg, dec}}),  // a late 2025 shipment: the 2025 sequence
      package_with("m1", {{kRefund, feb}}),
  };
  const Counters before = {{{"m1", kAr, 2026}, 41}, {{"m1", kTorg, 2025}, 7}};
  const Counters after = assign_numbers(packages, before);
  struct Row {
    std::size_t package, document;
    std::int64_t number;
    const char* why;
  };
  const Row rows[] = {
      {0, 0, 42, "m1's 2026 agent reports go on from 41"},
      {0, 1, 1, "m1's first act of 2026"},
      {0, 2, 1, "m1's first TORG-12 of 2026"},
      {1, 0, 43, "the next agent report of m1"},
      {1, 1, 2, "the next TORG-12 of m1"},
      {2, 0, 1, "m2 has its own sequences"},
      {2, 1, 1, "m2 has its own sequences"},
      {3, 0, 1, "m1's 2025 agent reports start at 1: no counter yet"},
      {3, 1, 8, "m1's 2025 TORG-12s go on from 7"},
      {4, 0, 1, "refund reports have their own sequence"},
  };
  for (const Row& row : rows)
    EXPECT_EQ(packages[row.package].documents[row.document].number, row.number) << row.why;
  const Counters expected = {
      {{"m1", kAr, 2026}, 43},  {{"m1", kAct, 2026}, 1},    {{"m1", kTorg, 2026}, 2},
      {{"m2", kAr, 2026}, 1},   {{"m2", kTorg, 2026}, 1},   {{"m1", kAr, 2025}, 1},
      {{"m1", kTorg, 2025}, 8}, {{"m1", kRefund, 2026}, 1},
  };
  EXPECT_EQ(after, expected);
  const auto keys = counter_keys(packages);
  EXPECT_EQ(keys.size(), expected.size());
  for (const auto& [key, last] : expected) EXPECT_TRUE(keys.count(key)) << key.merchant_id;
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

// However the packages are cut into batches, carrying the counters from one batch to the next
// gives every sequence the numbers 1..n, in order, exactly once.
TEST(Numbering, BatchesCarryingTheirCountersNumberWithoutGaps) {
  std::vector<Package> all;
  for (int i = 0; i < 60; ++i) {
    const std::string merchant = "m" + std::to_string(i % 3);
    const CivilDate date{i % 7 == 0 ? 2025 : 2026, 1 + i % 12, 1};
    std::vector<std::pair<DocumentType, CivilDate>> docs = {{DocumentType::agent_report, date}};
    if (i % 2) docs.push_back({DocumentType::act, date});
    if (i % 5) docs.push_back({DocumentType::torg12, date});
    all.push_back(package_with(merchant, docs));
  }
  for (const std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{60}}) {
    SCOPED_TRACE("batches of " + std::to_string(batch));
    std::vector<Package> numbered;
    Counters counters;
    for (std::size_t from = 0; from < all.size(); from += batch) {
      std::vector<Package> part(
          all.begin() + static_cast<std::ptrdiff_t>(from),
          all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), from + batch)));
      counters = assign_numbers(part, counters);
      numbered.insert(numbered.end(), part.begin(), part.end());
    }
    std::map<CounterKey, std::int64_t> seen;
    for (const auto& p : numbered)
      for (const auto& d : p.documents) {
        auto& last = seen[{p.merchant_id, d.type, d.date.year}];
        EXPECT_EQ(d.number, last + 1);
        last = d.number;
      }
    EXPECT_EQ(Counters(seen.begin(), seen.end()), counters);
  }
}

TEST(Package, NamesOfTypesAndRates) {
  for (const DocumentType type : kDocumentTypes)
    EXPECT_EQ(parse_document_type(document_type_name(type)), type);
  EXPECT_FALSE(parse_document_type("invoice"));
  const std::pair<VatType, const char*> labels[] = {
      {VatType::vat22, "22%"},     {VatType::vat122, "22/122"}, {VatType::vat20, "20%"},
      {VatType::vat120, "20/120"}, {VatType::vat10, "10%"},     {VatType::vat110, "10/110"},
      {VatType::vat0, "0%"},       {VatType::none, "без НДС"},  {VatType::vat105, "5/105"},
  };
  for (const auto& [type, label] : labels) EXPECT_EQ(vat_rate_label(type), label);
}

}  // namespace
}  // namespace kassa::core
