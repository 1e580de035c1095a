#include "gen/generator.hpp"

#include "contract/encoding.hpp"
#include "gen/partner_flows.hpp"
#include "gen/support.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kassa::gen {
namespace {

using namespace detail;

constexpr std::size_t kKnownMerchants = 20;  // the shops that have merchant events

// ---------------------------------------------------------------------------------------------
// Catalogue.

struct Product {
  const char* sku_prefix;
  const char* name;
  const char* measure;
  const char* measure_code;
  bool service;
  bool fractional;
  std::int64_t min_price;  // kopecks per unit
  std::int64_t max_price;
};

constexpr Product kProducts[] = {
    {"COF", "Кофе в зёрнах «Арабика», 1 кг", "шт", "796", false, false, 89000, 250000},
    {"CHS", "Сыр «Российский» весовой", "кг", "166", false, true, 45000, 120000},
    {"APL", "Яблоки «Антоновка»", "кг", "166", false, true, 8000, 25000},
    {"CBL", "Кабель ВВГнг-LS 3×2,5", "м", "006", false, true, 9000, 18000},
    {"FUEL", "Бензин АИ-95", "л", "112", false, true, 5500, 7000},
    {"TSH", "Футболка хлопковая, размер M", "шт", "796", false, false, 49900, 199000},
    {"BOOK", "Книга «Мастер и Маргарита»", "шт", "796", false, false, 39000, 120000},
    {"MILK", "Молоко 3,2 %, 1 л", "шт", "796", false, false, 7900, 14900},
    {"HPH", "Наушники беспроводные «Тишина»", "шт", "796", false, false, 199000, 1599000},
    {"BAG", "Пакет фасовочный", "шт", "796", false, false, 1, 1},
    {"DLV", "Доставка курьером по Москве", "усл. ед", "876", true, false, 29000, 99000},
    {"HTL", "Проживание в гостинице «Ромашка», 1–14 июня", "сут", "359", true, false, 350000,
     1200000},
    {"SUB", "Подписка на онлайн-кинотеатр, 1 месяц", "шт", "796", true, false, 29900, 79900},
    {"LAW", "Консультация юриста", "ч", "356", true, true, 300000, 900000},
    {"CUT", "Стрижка мужская", "усл. ед", "876", true, false, 120000, 250000},
    {"EDU", "Курс «Python для начинающих»", "шт", "796", true, false, 990000, 4990000},
};
constexpr std::size_t kProductCount = sizeof(kProducts) / sizeof(kProducts[0]);

struct VatWeight {
  const char* code;
  int weight;
};
// Every code of the contract, the standard rates most often.
constexpr VatWeight kVatCodes[] = {
    {"VATNONE", 8},        {"RUS_VAT0", 4},        {"RUS_VAT5", 4},        {"RUS_VAT7", 4},
    {"RUS_VAT10", 10},     {"RUS_VAT20", 20},      {"RUS_VAT22", 25},      {"RUS_VAT5_ADDED", 2},
    {"RUS_VAT7_ADDED", 2}, {"RUS_VAT10_ADDED", 2}, {"RUS_VAT20_ADDED", 3}, {"RUS_VAT22_ADDED", 3},
};
constexpr std::size_t kVatCount = sizeof(kVatCodes) / sizeof(kVatCodes[0]);

struct Person {
  const char* name;
  const char* handle;
};
constexpr Person kPeople[] = {
    {"Иванова Мария Сергеевна", "m.ivanova"},    {"Петров Пётр Петрович", "petrov.pp"},
    {"Смирнов Алексей Викторович", "a.smirnov"}, {"Кузнецова Ольга Игоревна", "olga.k"},
    {"Соколов Дмитрий Андреевич", "sokolov.d"},  {"Попова Анна Юрьевна", "anna.popova"},
    {"Лебедев Игорь Николаевич", "lebedev"},     {"Новикова Екатерина Павловна", "e.novikova"},
    {"Морозов Сергей Олегович", "morozov.so"},   {"Волкова Наталья Ивановна", "n.volkova"},
    {"Фёдоров Артём Максимович", "fedorov.am"},  {"Ёлкина Софья Дмитриевна", "sofia.y"},
};
constexpr std::size_t kPeopleCount = sizeof(kPeople) / sizeof(kPeople[0]);

constexpr const char* kCompanies[] = {
    "ООО «Ромашка»",   "АО «Северный ветер»",     "ООО «Тройка-Трейд»",   "ООО «Вектор Плюс»",
    "ПАО «Уралсталь»", "ООО «Кофейня на Арбате»", "АНО «Центр развития»", "ООО «Бумажный кит»",
};
constexpr std::size_t kCompanyCount = sizeof(kCompanies) / sizeof(kCompanies[0]);

constexpr const char* kRefundReasons[] = {
    "Возврат по заявке покупателя",
    "Товар ненадлежащего качества",
    "Отмена услуги",
    "Недовложение",
};

// ---------------------------------------------------------------------------------------------
// The plan of one order.

struct Line {
  std::string sku;
  std::string name;
  std::string measure;
  std::string measure_code;
  std::string vat_code;
  std::string type;
  std::int64_t quantity = 0;  // thousandths
  std::int64_t price = 0;     // kopecks per unit
  std::int64_t total = 0;     // kopecks, after discount
  bool whole_units = false;   // quantities move in whole units
};

struct Customer {
  bool legal = false;
  std::string name;
  std::string email;
  std::string phone;  // "+7" and 10 digits
  std::string inn;
  std::string kpp;
};

struct Part {
  std::size_t line = 0;
  std::int64_t quantity = 0;  // thousandths
  std::int64_t amount = 0;    // refunded money, or a settlement's value (kopecks)
};

struct Shipment {
  std::string event_id;
  std::string shipment_id;
  std::string document_number;
  std::int64_t at = 0;
  bool items_absent = false;  // ships everything not yet shipped or refunded
  std::vector<Part> items;
};

struct Refund {
  std::string event_id;
  std::string refund_id;
  std::string invoicebox_id;
  std::string reason;
  std::int64_t at = 0;
  std::int64_t amount = 0;
  std::vector<Part> items;
};

// Bad kinds in the order they are cycled through; the name is the expected error code.
enum class Bad {
  invalid_json,
  invalid_encoding,
  schema_violation,
  amount_mismatch,
  over_shipment,
  over_refund,
  unknown_sku,
  duplicate_payment,
  event_id_conflict,
  missing_contact,
  key_mismatch,
  invalid_inn,
  invalid_kpp,
  none,
};
constexpr std::size_t kBadKinds = static_cast<std::size_t>(Bad::none);
constexpr const char* kBadNames[] = {
    "invalid_json", "invalid_encoding", "schema_violation",  "amount_mismatch",   "over_shipment",
    "over_refund",  "unknown_sku",      "duplicate_payment", "event_id_conflict", "missing_contact",
    "key_mismatch", "invalid_inn",      "invalid_kpp",
};

// Kinds where the order's own payment is the bad event: nothing of the order applies.
bool payment_is_bad(Bad bad) {
  return bad == Bad::missing_contact || bad == Bad::invalid_inn || bad == Bad::invalid_kpp;
}

enum class Discrepancy {
  missing_in_kassa,
  missing_in_invoicebox,
  amount_mismatch,
  refund_mismatch,
  customer_mismatch,
  none,
};
constexpr std::size_t kDiscrepancyKinds = static_cast<std::size_t>(Discrepancy::none);

struct Order {
  std::size_t number = 0;
  std::string id;
  std::size_t merchant = 0;
  std::string merchant_order_id;
  std::string payment_event_id;
  std::string payment_id;
  Customer customer;
  std::vector<Line> lines;
  std::int64_t created_at = 0;
  std::int64_t paid_at = 0;
  std::int64_t amount = 0;

  bool orphan = false;
  bool reordered = false;
  bool hundred = false;
  Bad bad = Bad::none;
  int bad_variant = 0;
  Discrepancy discrepancy = Discrepancy::none;
  int discrepancy_variant = 0;
  std::size_t business_duplicate = 0;  // 1 + index of the shipment sent twice, 0 if none
  bool unknown_merchant = false;       // its merchant never gets a merchant event: all waits

  std::vector<Shipment> shipments;
  std::vector<Refund> refunds;

  // Whether the payment event is valid; kassa applies it unless the merchant never comes.
  bool payment_applied() const { return !orphan && !payment_is_bad(bad); }
  std::int64_t refunded() const {
    std::int64_t sum = 0;
    for (const auto& r : refunds) sum += r.amount;
    return sum;
  }
  std::int64_t max_line_total() const {
    std::int64_t m = 0;
    for (const auto& l : lines) m = std::max(m, l.total);
    return m;
  }
};

// What kassa does with one delivered message.
enum class Fate { applied, exact_duplicate, business_duplicate, parked, rejected };

struct Pending {
  Stream stream = Stream::payments;
  std::string key;
  std::string value;
  std::int64_t time = 0;  // roughly when it is delivered; ordered per order afterwards
  Fate fate = Fate::applied;
  std::string error_code;
  bool send_twice = false;
};

// The basketItems of an exported order or refund order, and the VAT they add up to. Only an
// order's items state the unit price ("amount").
class Basket {
 public:
  void add(const Line& l, std::int64_t quantity, std::int64_t total,
           std::optional<std::int64_t> unit_price) {
    const std::int64_t line_vat = vat_of(total, l.vat_code);
    vat_ += line_vat;
    RawObject item;
    item.str("sku", l.sku)
        .str("name", l.name)
        .str("measure", l.measure)
        .str("measureCode", l.measure_code)
        .raw("quantity", quantity_number(quantity));
    if (unit_price) item.money("amount", *unit_price);
    item.money("totalAmount", total)
        .money("totalVatAmount", line_vat)
        .str("vatCode", l.vat_code)
        .str("type", l.type)
        .str("paymentType", "full_prepayment");
    text_ += text_.size() > 1 ? "," : "";
    text_ += item.close();
  }
  std::string close() const { return text_ + "]"; }
  std::int64_t vat() const { return vat_; }

 private:
  std::string text_ = "[";
  std::int64_t vat_ = 0;
};

// ---------------------------------------------------------------------------------------------

class Generator {
 public:
  Generator(const Options& options, std::int64_t from, std::int64_t to)
      : options_(options), from_(from), to_(to) {}

  Output run();

 private:
  std::uint64_t seed() const { return options_.seed; }

  Order make_order(Rng& r, std::size_t number, bool hundred) const;
  Customer make_customer(Rng& r, bool legal, std::size_t number) const;
  Line make_line(Rng& r, const Product& p, std::string vat_code, std::set<std::string>& skus) const;
  void place_boundary_payments(Rng& r);
  void assign_bad(Rng& r);
  void plan_shipments(Rng& r, Order& o) const;
  void plan_refunds(Rng& r, Order& o) const;
  void assign_reorder(Rng& r);
  void assign_business_duplicates(Rng& r);
  void assign_discrepancies(Rng& r);
  void assign_unknown_merchants(Rng& r);

  json payment_json(const Order& o) const;
  json shipment_json(const Order& o, const Shipment& s) const;
  json refund_json(const Order& o, const Refund& f) const;
  Pending bad_message(Rng& r, const Order& o) const;
  std::vector<Pending> order_messages(Rng& r, const Order& o) const;

  std::string invoicebox_order(const Order& o, const std::string& status, std::int64_t amount,
                               bool legal) const;
  std::string invoicebox_refund(const Order& o, const Refund& f, std::size_t n,
                                std::int64_t amount) const;

  const Options& options_;
  std::int64_t from_;
  std::int64_t to_;
  std::vector<std::string> merchants_;
  std::vector<Order> orders_;
};

Customer Generator::make_customer(Rng& r, bool legal, std::size_t number) const {
  Customer c;
  c.legal = legal;
  const Person& person = kPeople[r.index(kPeopleCount)];
  if (!legal) {
    c.name = person.name;
    const auto mode = r.below(100);
    if (mode < 80) c.email = std::string(person.handle) + std::to_string(number) + "@example.ru";
    if (mode < 55 || mode >= 80) c.phone = "+79" + digits(r, 9);
    return c;
  }
  if (r.chance(0.25)) {
    // A sole trader is legal too: 12-digit INN, no KPP.
    c.name = std::string("ИП ") + person.name;
    c.inn = make_inn(r, 12);
  } else {
    c.name = kCompanies[r.index(kCompanyCount)];
    c.inn = make_inn(r, 10);
    c.kpp = c.inn.substr(0, 4) + "01" + digits(r, 3);  // every organization has one
  }
  c.email = "buh" + std::to_string(number) + "@company.example.ru";
  return c;
}

Line Generator::make_line(Rng& r, const Product& p, std::string vat_code,
                          std::set<std::string>& skus) const {
  Line l;
  do {
    l.sku = std::string(p.sku_prefix) + "-" + pad(r.between(1, 999), 3);
  } while (!skus.insert(l.sku).second);
  l.name = p.name;
  l.measure = p.measure;
  l.measure_code = p.measure_code;
  l.vat_code = std::move(vat_code);
  l.type = p.service ? "service" : "commodity";
  l.whole_units = !p.fractional;
  l.price = r.between(p.min_price, p.max_price);
  if (p.fractional) {
    const auto pick = r.below(10);
    static constexpr std::int64_t kSpecial[] = {750, 1, 500, 1500};
    l.quantity = pick < 4 ? kSpecial[pick] : r.between(1, 5000);
  } else {
    l.quantity = 1000 * (r.chance(0.9) ? r.between(1, 3) : r.between(4, 20));
  }
  const std::int64_t gross = std::max<std::int64_t>(1, mul_div_round(l.price, l.quantity, 1000));
  l.total = gross;
  if (gross >= 20 && r.chance(0.2)) l.total = gross - r.between(1, gross / 10);  // a discount
  return l;
}

Order Generator::make_order(Rng& r, std::size_t number, bool hundred) const {
  Order o;
  o.number = number;
  o.hundred = hundred;
  o.id = make_uuid(r);
  o.merchant = r.index(merchants_.size());
  o.merchant_order_id = "M" + pad(static_cast<std::int64_t>(o.merchant) + 1, 2) + "-" +
                        pad(static_cast<std::int64_t>(number) + 1, 7);
  o.payment_event_id = make_uuid(r);
  o.payment_id = make_uuid(r);
  o.customer = make_customer(r, r.chance(options_.legal_share), number + 1);
  o.paid_at = from_ + r.between(0, to_ - from_ - 1);
  o.created_at = o.paid_at - r.between(kMinute, 2 * kHour);

  std::size_t count = 0;
  if (hundred) {
    count = 100;
  } else {
    const auto roll = r.below(100);
    count = roll < 35   ? 1
            : roll < 60 ? 2
            : roll < 78 ? 3
            : roll < 90 ? 4
            : roll < 97 ? 5
                        : 6 + r.index(15);
  }
  std::set<std::string> skus;
  for (std::size_t i = 0; i < count; ++i) {
    std::string vat;
    if (hundred) {
      vat = kVatCodes[i % kVatCount].code;  // the big order shows every code
    } else {
      int total_weight = 0;
      for (const auto& v : kVatCodes) total_weight += v.weight;
      auto roll = static_cast<int>(r.below(static_cast<std::uint64_t>(total_weight)));
      for (const auto& v : kVatCodes) {
        if (roll < v.weight) {
          vat = v.code;
          break;
        }
        roll -= v.weight;
      }
    }
    const Product& p = kProducts[hundred ? i % kProductCount : r.index(kProductCount)];
    o.lines.push_back(make_line(r, p, vat, skus));
    o.amount += o.lines.back().total;
  }
  return o;
}

void Generator::place_boundary_payments(Rng& r) {
  // Payments exactly at the Moscow new year and one second before it.
  const std::int64_t boundary = parse_utc("2025-12-31T21:00:00Z");
  const std::size_t n = orders_.size();
  const std::size_t each = n >= 16 ? 3 : n >= 2 ? 1 : 0;
  std::vector<std::size_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  r.shuffle(idx);
  for (std::size_t j = 0; j < 2 * each; ++j) {
    const std::int64_t t = j < each ? boundary : boundary - 1;
    if (t < from_ || t >= to_) continue;
    Order& o = orders_[idx[j]];
    o.paid_at = t;
    o.created_at = t - r.between(kMinute, 2 * kHour);
  }
}

void Generator::assign_bad(Rng& r) {
  const std::size_t n = orders_.size();
  std::vector<std::size_t> pool;
  for (std::size_t i = 0; i < n; ++i) {
    if (!orders_[i].hundred) pool.push_back(i);  // the 100-line payment stays valid
  }
  r.shuffle(pool);
  std::size_t next = 0;
  const std::size_t orphans = std::min(share(options_.orphan_rate, options_.orders), pool.size());
  for (; next < orphans; ++next) orders_[pool[next]].orphan = true;
  pool.erase(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(orphans));

  std::size_t bad = share(options_.malformed_rate, options_.orders);
  if (options_.orders >= 500 && options_.malformed_rate > 0) bad = std::max(bad, kBadKinds);
  std::array<int, kBadKinds> variants{};
  for (std::size_t k = 0; k < bad && !pool.empty(); ++k) {
    const auto kind = static_cast<Bad>(k % kBadKinds);
    auto it = std::find_if(pool.begin(), pool.end(), [&](std::size_t i) {
      // The mismatching refund copies a whole line, and T - 1 must stay a positive amount.
      return kind != Bad::amount_mismatch || orders_[i].max_line_total() >= 2;
    });
    if (it == pool.end()) continue;
    Order& o = orders_[*it];
    pool.erase(it);
    o.bad = kind;
    o.bad_variant = variants[static_cast<std::size_t>(kind)]++;
    if (kind == Bad::missing_contact) {
      o.customer.legal = false;
      o.customer.name = kPeople[r.index(kPeopleCount)].name;
      o.customer.email.clear();
      o.customer.phone.clear();
      o.customer.inn.clear();
      o.customer.kpp.clear();
    } else if (kind == Bad::invalid_inn || kind == Bad::invalid_kpp) {
      // An organization whose requisites break the rules: a wrong check digit, an 8-digit KPP.
      o.customer = make_customer(r, true, static_cast<std::size_t>(&o - orders_.data()) + 1);
      if (o.customer.inn.size() != 10) {
        o.customer.inn = make_inn(r, 10);
        o.customer.kpp = o.customer.inn.substr(0, 4) + "01001";
      }
      if (kind == Bad::invalid_inn) {
        char& check = o.customer.inn.back();
        check = static_cast<char>('0' + (check - '0' + 1 + static_cast<int>(r.below(9))) % 10);
      } else {
        o.customer.kpp = o.customer.inn.substr(0, 4) + "0100";
      }
    }
  }
}

void Generator::plan_shipments(Rng& r, Order& o) const {
  std::size_t count = 0;
  if (o.orphan) {
    count = 1;
  } else if (!payment_is_bad(o.bad)) {
    const auto roll = r.below(100);
    count = roll < 20 ? 0 : roll < 65 ? 1 : roll < 90 ? 2 : 3;
  }
  std::vector<std::int64_t> times;
  for (std::size_t k = 0; k < count; ++k) times.push_back(o.paid_at + r.between(kMinute, 5 * kDay));
  std::sort(times.begin(), times.end());
  for (std::size_t k = 1; k < times.size(); ++k) times[k] = std::max(times[k], times[k - 1] + 1);

  std::vector<std::int64_t> shipped(o.lines.size(), 0), shipped_amount(o.lines.size(), 0);
  // The contract's settlement value: proportional, half up, the completing lot takes the rest
  // (and never more than is left, as earlier lots may have rounded up).
  auto ship = [&](Shipment& s, std::size_t i, std::int64_t q) {
    const Line& l = o.lines[i];
    const std::int64_t open_amount = l.total - shipped_amount[i];
    const std::int64_t amount = shipped[i] + q == l.quantity
                                    ? open_amount
                                    : std::min(open_amount, mul_div_round(l.total, q, l.quantity));
    shipped[i] += q;
    shipped_amount[i] += amount;
    s.items.push_back({i, q, amount});
  };
  for (std::size_t k = 0; k < count; ++k) {
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < o.lines.size(); ++i) {
      if (shipped[i] < o.lines[i].quantity) open.push_back(i);
    }
    if (open.empty()) break;
    Shipment s;
    s.event_id = make_uuid(r);
    s.shipment_id = make_uuid(r);
    s.document_number = (o.merchant % 2 == 0 ? "УПД-" : "SHP-") + o.merchant_order_id.substr(4) +
                        "/" + std::to_string(k + 1);
    s.at = times[k];
    const auto mode = r.below(100);
    if (mode < 15 && !o.orphan) {
      s.items_absent = true;  // items still records what it ships, for the refunds below
      for (const std::size_t i : open) ship(s, i, o.lines[i].quantity - shipped[i]);
    } else {
      for (const std::size_t i : open) {
        if (!r.chance(0.7) && !(i == open.back() && s.items.empty())) continue;
        const Line& l = o.lines[i];
        const std::int64_t left = l.quantity - shipped[i];
        const std::int64_t unit = l.whole_units ? 1000 : 1;
        std::int64_t q = left;
        if (mode >= 50 && left > unit && r.chance(0.6)) q = unit * r.between(1, left / unit - 1);
        ship(s, i, q);
      }
    }
    o.shipments.push_back(std::move(s));
  }
}

// What the receipts of one line still hold, in the contract's terms: the prepayment for the
// unshipped units, each settlement for its shipped units. A refund reverses unshipped units first,
// then settlements from the latest back, and may not take more money than those receipts hold.
struct LineBook {
  struct Lot {
    std::int64_t quantity = 0, amount = 0, reversed = 0, reversed_amount = 0;
  };
  std::int64_t open_quantity = 0;
  std::int64_t open_amount = 0;
  std::vector<Lot> lots;
  std::int64_t refunded = 0;
  // How a refund spanning several receipts splits its money between them is kassa's choice, not
  // the contract's; such a line is not refunded again, so the truth never depends on that split.
  bool split = false;
};

void Generator::plan_refunds(Rng& r, Order& o) const {
  if (!o.payment_applied()) return;
  if (o.bad == Bad::amount_mismatch) return;  // its bad refund relies on an untouched line
  if (!r.chance(0.15)) return;
  std::vector<LineBook> books(o.lines.size());
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    books[i].open_quantity = o.lines[i].quantity;
    books[i].open_amount = o.lines[i].total;
  }
  for (const Shipment& s : o.shipments) {
    for (const Part& p : s.items) {
      books[p.line].open_quantity -= p.quantity;
      books[p.line].open_amount -= p.amount;
      books[p.line].lots.push_back({p.quantity, p.amount, 0, 0});
    }
  }
  const std::size_t count = r.chance(0.8) ? 1 : 2;
  std::int64_t t = o.shipments.empty() ? o.paid_at : o.shipments.back().at;
  for (std::size_t k = 0; k < count; ++k) {
    std::vector<std::size_t> open;
    for (std::size_t i = 0; i < o.lines.size(); ++i) {
      if (!books[i].split && books[i].refunded < o.lines[i].quantity) open.push_back(i);
    }
    if (open.empty()) break;
    r.shuffle(open);
    open.resize(std::min<std::size_t>(open.size(), 1 + r.index(3)));
    std::sort(open.begin(), open.end());
    Refund f;
    f.event_id = make_uuid(r);
    f.refund_id = make_uuid(r);
    f.invoicebox_id = make_uuid(r);
    t += r.between(kHour, 3 * kDay);
    f.at = t;
    if (r.chance(0.6)) f.reason = kRefundReasons[r.index(4)];
    for (const std::size_t i : open) {
      const Line& l = o.lines[i];
      LineBook& b = books[i];
      const std::int64_t left = l.quantity - b.refunded;
      const std::int64_t unit = l.whole_units ? 1000 : 1;
      const std::int64_t q = r.chance(0.4) ? left : unit * r.between(1, left / unit);
      // The receipts these units reverse, and the money they still hold.
      const std::int64_t from_open = std::min(q, b.open_quantity);
      std::int64_t held = from_open > 0 ? b.open_amount : 0;
      std::vector<std::pair<std::size_t, std::int64_t>> lots;  // lot, quantity taken
      std::int64_t rest = q - from_open;
      for (std::size_t j = b.lots.size(); j-- > 0 && rest > 0;) {
        const LineBook::Lot& lot = b.lots[j];
        const std::int64_t take = std::min(lot.quantity - lot.reversed, rest);
        if (take <= 0) continue;
        lots.emplace_back(j, take);
        held += lot.amount - lot.reversed_amount;
        rest -= take;
      }
      // Proportional and half up; the last units of the line take all that is held.
      const std::int64_t amount = b.refunded + q == l.quantity
                                      ? held
                                      : std::min(held, mul_div_round(l.total, q, l.quantity));
      if (amount <= 0) continue;
      b.refunded += q;
      if ((from_open > 0 ? 1 : 0) + lots.size() > 1) {
        b.split = true;
      } else if (from_open > 0) {
        b.open_quantity -= q;
        b.open_amount -= amount;
      } else {
        b.lots[lots.front().first].reversed += q;
        b.lots[lots.front().first].reversed_amount += amount;
      }
      f.items.push_back({i, q, amount});
      f.amount += amount;
    }
    if (!f.items.empty()) o.refunds.push_back(std::move(f));
  }
}

void Generator::assign_reorder(Rng& r) {
  std::vector<std::size_t> pool;
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    const Order& o = orders_[i];
    if (o.payment_applied() && !(o.shipments.empty() && o.refunds.empty())) pool.push_back(i);
  }
  r.shuffle(pool);
  const std::size_t n = std::min(share(options_.reorder_rate, options_.orders), pool.size());
  for (std::size_t k = 0; k < n; ++k) orders_[pool[k]].reordered = true;
}

void Generator::assign_business_duplicates(Rng& r) {
  std::vector<std::size_t> pool;
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    if (orders_[i].payment_applied() && !orders_[i].shipments.empty()) pool.push_back(i);
  }
  r.shuffle(pool);
  const std::size_t n = std::min(share(0.01, options_.orders), pool.size());
  for (std::size_t k = 0; k < n; ++k) {
    Order& o = orders_[pool[k]];
    o.business_duplicate = 1 + r.index(o.shipments.size());
  }
}

void Generator::assign_discrepancies(Rng& r) {
  std::vector<std::size_t> pool;
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    const Order& o = orders_[i];
    if (o.payment_applied() && o.bad == Bad::none && !o.reordered && o.business_duplicate == 0) {
      pool.push_back(i);
    }
  }
  r.shuffle(pool);
  std::size_t n = share(options_.discrepancy_rate, options_.orders);
  if (options_.orders >= 500 && options_.discrepancy_rate > 0) n = std::max(n, kDiscrepancyKinds);
  std::array<int, kDiscrepancyKinds> variants{};
  for (std::size_t k = 0; k < n && !pool.empty(); ++k) {
    const auto kind = static_cast<Discrepancy>(k % kDiscrepancyKinds);
    auto it = std::find_if(pool.begin(), pool.end(), [&](std::size_t i) {
      const Order& o = orders_[i];
      // One finding per order: a missing order with refunds would also be a refund difference.
      if (kind == Discrepancy::missing_in_invoicebox) return o.refunds.empty();
      if (kind == Discrepancy::refund_mismatch) return !o.refunds.empty();
      return true;
    });
    if (it == pool.end()) continue;
    Order& o = orders_[*it];
    pool.erase(it);
    o.discrepancy = kind;
    o.discrepancy_variant = variants[static_cast<std::size_t>(kind)]++;
  }
}

// Orders of merchants that never get a merchant event: with KASSA_UNKNOWN_MERCHANT=wait every
// event of theirs waits. Plain orders only (valid, in order, no other role), so that nothing of
// theirs depends on state kassa never builds. Chosen last, from a stream of its own, so every
// other order keeps its bytes.
void Generator::assign_unknown_merchants(Rng& r) {
  std::vector<std::size_t> pool;
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    const Order& o = orders_[i];
    if (o.payment_applied() && o.bad == Bad::none && !o.reordered && !o.hundred &&
        o.business_duplicate == 0 && o.discrepancy == Discrepancy::none)
      pool.push_back(i);
  }
  r.shuffle(pool);
  std::size_t n = share(options_.unknown_merchant_rate, options_.orders);
  if (options_.orders >= 500 && options_.unknown_merchant_rate > 0) n = std::max<std::size_t>(n, 2);
  n = std::min(n, pool.size());
  std::sort(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n));
  for (std::size_t k = 0; k < n; ++k) {
    Order& o = orders_[pool[k]];
    o.unknown_merchant = true;
    o.merchant = merchants_.size();
    merchants_.push_back(make_uuid(r));
  }
}

// ---------------------------------------------------------------------------------------------
// Events.

namespace {

// How an order came and was paid (contract section 6), drawn from a hash of its id rather than
// the random stream, so that adding it left every other byte of a seed's stream as it was:
// 60% a shop's own integration, 20% a partner bank's, 10% the Business API, 10% a marketplace;
// Business API orders half from a guarantee fund. Defaults (merchant_api, card) are left out.
struct Channel {
  std::string name = "merchant_api";
  std::string method = "card";
  std::string partner_id;            // partner_api and business_api only
  std::string partner_operation_id;  // guarantee_fund only
};

Channel channel_of(const std::string& order_id) {
  const std::string h = contract::sha256_hex(order_id + ":channel");
  const int channel = std::stoi(h.substr(0, 4), nullptr, 16) % 100;
  const int method = std::stoi(h.substr(4, 4), nullptr, 16) % 100;
  const int partner = std::stoi(h.substr(8, 2), nullptr, 16) % kPartners;
  Channel c;
  if (channel >= 90)
    c.name = "marketplace";
  else if (channel >= 80)
    c.name = "business_api";
  else if (channel >= 60)
    c.name = "partner_api";
  if (c.name == "partner_api" || c.name == "business_api") c.partner_id = partner_uuid(partner);
  c.method = method < 60 ? "card" : method < 85 ? "sbp" : method < 95 ? "bank_transfer" : "other";
  if (c.name == "business_api" && method % 2 == 0) c.method = "guarantee_fund";
  if (c.method == "guarantee_fund")
    c.partner_operation_id =
        contract::uuid_v5(contract::kOutputNamespace, order_id + ":fund-operation");
  return c;
}

void add_channel(json& payment, const std::string& order_id) {
  const Channel c = channel_of(order_id);
  if (c.name != "merchant_api") payment["channel"] = c.name;
  if (!c.partner_id.empty()) payment["partner_id"] = c.partner_id;
  if (c.method != "card") payment["payment_method"] = c.method;
  if (!c.partner_operation_id.empty()) payment["partner_operation_id"] = c.partner_operation_id;
}

}  // namespace

json Generator::payment_json(const Order& o) const {
  json customer = {{"type", o.customer.legal ? "legal" : "private"}, {"name", o.customer.name}};
  if (!o.customer.email.empty()) customer["email"] = o.customer.email;
  if (!o.customer.phone.empty()) customer["phone"] = o.customer.phone;
  if (!o.customer.inn.empty()) customer["inn"] = o.customer.inn;
  if (!o.customer.kpp.empty()) customer["kpp"] = o.customer.kpp;
  json items = json::array();
  for (const Line& l : o.lines) {
    items.push_back({{"sku", l.sku},
                     {"name", l.name},
                     {"quantity", quantity_text(l.quantity)},
                     {"measure", l.measure},
                     {"measure_code", l.measure_code},
                     {"price", l.price},
                     {"total_amount", l.total},
                     {"vat_code", l.vat_code},
                     {"type", l.type}});
  }
  json payment = {{"event_id", o.payment_event_id},
                  {"event_type", "payment.succeeded"},
                  {"schema_version", 1},
                  {"occurred_at", format_utc(o.paid_at)},
                  {"order_id", o.id},
                  {"merchant_id", merchants_[o.merchant]},
                  {"payment_id", o.payment_id},
                  {"merchant_order_id", o.merchant_order_id},
                  {"amount", o.amount},
                  {"currency", "RUB"},
                  {"customer", std::move(customer)},
                  {"items", std::move(items)}};
  add_channel(payment, o.id);
  return payment;
}

json Generator::shipment_json(const Order& o, const Shipment& s) const {
  json ev = {{"event_id", s.event_id},
             {"event_type", "shipment.confirmed"},
             {"schema_version", 1},
             {"occurred_at", format_utc(s.at)},
             {"order_id", o.id},
             {"merchant_id", merchants_[o.merchant]},
             {"shipment_id", s.shipment_id},
             {"document_number", s.document_number},
             {"document_date", format_date(s.at)}};
  if (!s.items_absent) {
    json items = json::array();
    for (const Part& p : s.items) {
      items.push_back({{"sku", o.lines[p.line].sku}, {"quantity", quantity_text(p.quantity)}});
    }
    ev["items"] = std::move(items);
  }
  return ev;
}

json Generator::refund_json(const Order& o, const Refund& f) const {
  json items = json::array();
  for (const Part& p : f.items) {
    items.push_back({{"sku", o.lines[p.line].sku},
                     {"quantity", quantity_text(p.quantity)},
                     {"amount", p.amount}});
  }
  json ev = {{"event_id", f.event_id},   {"event_type", "refund.succeeded"},
             {"schema_version", 1},      {"occurred_at", format_utc(f.at)},
             {"order_id", o.id},         {"merchant_id", merchants_[o.merchant]},
             {"refund_id", f.refund_id}, {"amount", f.amount},
             {"items", std::move(items)}};
  if (!f.reason.empty()) ev["reason"] = f.reason;
  return ev;
}

// The one extra bad message of an order. Every kind is wrong whatever the order's state, so the
// expected error does not depend on how kassa batches.
Pending Generator::bad_message(Rng& r, const Order& o) const {
  Pending m;
  m.stream = Stream::payments;
  m.key = o.id;
  m.time = o.paid_at + r.between(kMinute, 2 * kDay);
  m.fate = Fate::rejected;
  m.error_code = kBadNames[static_cast<std::size_t>(o.bad)];

  // A second payment of the order with fresh ids, the base of several kinds.
  auto other_payment = [&] {
    Order copy = o;
    copy.payment_event_id = make_uuid(r);
    copy.payment_id = make_uuid(r);
    copy.paid_at = std::min(m.time, to_ - 1);  // payments stay within [from, to)
    return payment_json(copy);
  };
  auto extra_shipment = [&](std::vector<Part> items) {
    Shipment s;
    s.event_id = make_uuid(r);
    s.shipment_id = make_uuid(r);
    s.document_number = "SHP-X-" + o.merchant_order_id.substr(4);
    s.at = m.time;
    s.items = std::move(items);
    m.stream = Stream::shipments;
    return shipment_json(o, s);
  };
  auto extra_refund = [&](Part part, std::int64_t amount) {
    Refund f;
    f.event_id = make_uuid(r);
    f.refund_id = make_uuid(r);
    f.at = m.time;
    f.items = {part};
    f.amount = amount;
    m.stream = Stream::refunds;
    return refund_json(o, f);
  };
  auto unit = [&](std::size_t i) { return o.lines[i].whole_units ? std::int64_t{1000} : 1; };
  std::size_t biggest = 0;
  for (std::size_t i = 0; i < o.lines.size(); ++i) {
    if (o.lines[i].total > o.lines[biggest].total) biggest = i;
  }

  switch (o.bad) {
    case Bad::invalid_json: {
      const std::string text = other_payment().dump();
      // Cut on an ASCII byte so that the rest is still valid UTF-8: only the JSON is broken.
      std::size_t cut = text.size() / 3 + r.index(text.size() / 3 + 1);
      while (cut > 1 && static_cast<unsigned char>(text[cut]) >= 0x80) --cut;
      m.value = text.substr(0, cut);
      return m;
    }
    case Bad::invalid_encoding: {
      json ev = other_payment();
      static constexpr std::string_view kMarker = "@@BAD_BYTES@@";
      ev["customer"]["name"] = o.customer.name + " " + std::string(kMarker);
      m.value = ev.dump();
      m.value.replace(m.value.find(kMarker), kMarker.size(), "\xff\xfe");
      return m;
    }
    case Bad::schema_violation: {
      json ev;
      switch (o.bad_variant % 4) {
        case 0:
          ev = extra_shipment({{0, unit(0), 0}});
          ev.erase("merchant_id");
          break;
        case 1:
          ev = other_payment();
          ev["amount"] = std::to_string(o.amount);
          break;
        case 2:
          ev = extra_shipment({{0, unit(0), 0}});
          ev["items"][0]["quantity"] = "1.2345";
          break;
        default:
          ev = other_payment();
          ev["currency"] = "USD";
          break;
      }
      m.value = ev.dump();
      return m;
    }
    case Bad::amount_mismatch: {
      // The whole biggest line (its total is >= 2, the order has no other refund), declared one
      // kopeck short: valid in any state except for the sum.
      const Line& l = o.lines[biggest];
      m.value = extra_refund({biggest, l.quantity, l.total}, l.total - 1).dump();
      return m;
    }
    case Bad::over_shipment: {
      m.value = extra_shipment({{0, o.lines[0].quantity + unit(0), 0}}).dump();
      return m;
    }
    case Bad::over_refund: {
      // More than the line and more than the whole payment, so any over-refund check catches it.
      m.value = extra_refund({biggest, unit(biggest), o.amount + 1}, o.amount + 1).dump();
      return m;
    }
    case Bad::unknown_sku: {
      json ev = extra_shipment({{0, unit(0), 0}});
      ev["items"][0]["sku"] = "NOSUCH-" + hex(r.next(), 8);
      m.value = ev.dump();
      return m;
    }
    case Bad::duplicate_payment: {
      m.value = other_payment().dump();
      return m;
    }
    case Bad::event_id_conflict: {
      // Same event_id and payment, one line 100 kopecks dearer: consistent, but not the same event.
      Order copy = o;
      copy.lines[0].total += 100;
      copy.amount += 100;
      m.value = payment_json(copy).dump();
      return m;
    }
    case Bad::key_mismatch: {
      m.value = extra_shipment({{0, unit(0), 0}}).dump();
      m.key = make_uuid(r);
      return m;
    }
    case Bad::missing_contact:
    case Bad::invalid_inn:
    case Bad::invalid_kpp:
    case Bad::none:
      break;
  }
  throw std::logic_error("gen: no extra message for this kind");
}

// One order's messages in the order they must be delivered (exact duplicates come later).
std::vector<Pending> Generator::order_messages(Rng& r, const Order& o) const {
  std::vector<Pending> seq;
  auto add = [&](Stream stream, const json& ev, std::int64_t t, Fate fate) {
    Pending m;
    m.stream = stream;
    m.key = o.id;
    m.value = ev.dump();
    m.time = t;
    m.fate = fate;
    seq.push_back(std::move(m));
  };
  if (o.orphan) {
    add(Stream::shipments, shipment_json(o, o.shipments.front()), o.shipments.front().at,
        Fate::parked);
    return seq;
  }
  if (payment_is_bad(o.bad)) {
    add(Stream::payments, payment_json(o), o.paid_at, Fate::rejected);
    seq.back().error_code = kBadNames[static_cast<std::size_t>(o.bad)];
    return seq;
  }
  if (!o.reordered) add(Stream::payments, payment_json(o), o.paid_at, Fate::applied);
  for (const Shipment& s : o.shipments)
    add(Stream::shipments, shipment_json(o, s), s.at, Fate::applied);
  for (const Refund& f : o.refunds) add(Stream::refunds, refund_json(o, f), f.at, Fate::applied);
  if (o.reordered) add(Stream::payments, payment_json(o), o.paid_at, Fate::applied);

  if (o.business_duplicate > 0) {
    // Same shipment_id and payload under a new event_id, somewhere after the original.
    const std::size_t k = o.business_duplicate - 1;
    const std::size_t original = (o.reordered ? 0 : 1) + k;
    Shipment copy = o.shipments[k];
    copy.event_id = make_uuid(r);
    Pending m;
    m.stream = Stream::shipments;
    m.key = o.id;
    m.value = shipment_json(o, copy).dump();
    m.time = copy.at + r.between(0, kDay);
    m.fate = Fate::business_duplicate;
    const std::size_t at = original + 1 + r.index(seq.size() - original);
    seq.insert(seq.begin() + static_cast<std::ptrdiff_t>(at), std::move(m));
  }
  if (o.bad != Bad::none) {
    // After the payment, so that kassa can judge it against the order.
    std::size_t payment_pos = 0;
    while (seq[payment_pos].stream != Stream::payments) ++payment_pos;
    const std::size_t at = payment_pos + 1 + r.index(seq.size() - payment_pos);
    seq.insert(seq.begin() + static_cast<std::ptrdiff_t>(at), bad_message(r, o));
  }
  return seq;
}

// ---------------------------------------------------------------------------------------------
// Invoicebox export.

std::string Generator::invoicebox_order(const Order& o, const std::string& status,
                                        std::int64_t amount, bool legal) const {
  RawObject customer;
  customer.str("type", legal ? "legal" : "private").str("name", o.customer.name);
  if (!o.customer.email.empty()) customer.str("email", o.customer.email);
  if (!o.customer.phone.empty()) customer.str("phone", o.customer.phone.substr(1));
  if (!o.customer.inn.empty()) customer.str("vatNumber", o.customer.inn);
  if (!o.customer.kpp.empty()) customer.str("taxRegistrationReasonCode", o.customer.kpp);

  Basket basket;
  for (const Line& l : o.lines) basket.add(l, l.quantity, l.total, l.price);

  RawObject line;
  line.str("id", o.id)
      .str("merchantId", merchants_[o.merchant])
      .str("merchantOrderId", o.merchant_order_id)
      .str("description", "Оплата заказа № " + o.merchant_order_id)
      .money("amount", amount)
      .money("vatAmount", basket.vat())
      .str("currencyId", "RUB")
      .str("status", status)
      .str("createdAt", format_offset(o.created_at))
      .str("expirationDate", format_offset(o.created_at + 3 * kDay));
  if (status == "completed") line.str("paidAt", format_offset(o.paid_at));
  line.raw("customer", customer.close()).raw("basketItems", basket.close());
  return line.close();
}

std::string Generator::invoicebox_refund(const Order& o, const Refund& f, std::size_t n,
                                         std::int64_t amount) const {
  Basket basket;
  for (const Part& p : f.items) basket.add(o.lines[p.line], p.quantity, p.amount, std::nullopt);
  RawObject line;
  line.str("id", f.invoicebox_id)
      .str("parentId", o.id)
      .str("merchantId", merchants_[o.merchant])
      .str("merchantOrderId", o.merchant_order_id + "-R" + std::to_string(n))
      .str("description", "Возврат по заказу № " + o.merchant_order_id)
      .money("amount", amount)
      .money("vatAmount", basket.vat())
      .str("currencyId", "RUB")
      .str("status", "completed")
      .str("createdAt", format_offset(f.at))
      .raw("basketItems", basket.close());
  return line.close();
}

// ---------------------------------------------------------------------------------------------

Output Generator::run() {
  Rng master(seed(), 1);
  for (std::size_t i = 0; i < kKnownMerchants; ++i) merchants_.push_back(make_uuid(master));

  const auto n = static_cast<std::size_t>(options_.orders);
  const std::size_t hundred = n >= 200 ? master.index(n) : n;
  for (std::size_t i = 0; i < n; ++i) {
    Rng r(seed(), 2, i);
    orders_.push_back(make_order(r, i, i == hundred));
  }

  Rng roles(seed(), 3);
  place_boundary_payments(roles);
  assign_bad(roles);
  for (std::size_t i = 0; i < n; ++i) {
    Rng r(seed(), 4, i);
    plan_shipments(r, orders_[i]);
    plan_refunds(r, orders_[i]);
  }
  assign_reorder(roles);
  assign_business_duplicates(roles);
  assign_discrepancies(roles);
  Rng unknown(seed(), 7);
  assign_unknown_merchants(unknown);

  // Messages per order, then exact duplicates of a share of the applied events.
  std::vector<std::vector<Pending>> per_order(n);
  std::vector<Rng> delivery;
  std::vector<std::pair<std::size_t, std::size_t>> applied;
  for (std::size_t i = 0; i < n; ++i) {
    delivery.emplace_back(seed(), 5, i);
    per_order[i] = order_messages(delivery[i], orders_[i]);
    for (std::size_t j = 0; j < per_order[i].size(); ++j) {
      if (per_order[i][j].fate == Fate::applied) applied.emplace_back(i, j);
    }
  }
  const std::size_t twice =
      std::min(share(options_.duplicate_rate, static_cast<int>(applied.size())), applied.size());
  for (std::size_t k = 0; k < twice; ++k) {
    std::swap(applied[k], applied[k + roles.index(applied.size() - k)]);
    per_order[applied[k].first][applied[k].second].send_twice = true;
  }
  // Drawn as if applied, so that the other orders' duplicates stay where they were; but every
  // event of an unknown merchant's order waits, and is sent once.
  for (std::size_t i = 0; i < n; ++i) {
    if (!orders_[i].unknown_merchant) continue;
    for (auto& m : per_order[i]) {
      m.fate = Fate::parked;
      m.send_twice = false;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto& seq = per_order[i];
    Rng& r = delivery[i];
    for (std::size_t j = 0; j < seq.size(); ++j) {
      if (!seq[j].send_twice) continue;
      Pending copy = seq[j];
      copy.send_twice = false;
      copy.fate = Fate::exact_duplicate;
      copy.time += r.between(1, 12 * kHour);
      // Anywhere after the original; copies land after j, so the scan still meets every original.
      const std::size_t at = j + 1 + r.index(seq.size() - j);
      seq.insert(seq.begin() + static_cast<std::ptrdiff_t>(at), std::move(copy));
    }
    // Delivery keys: business time plus jitter, never earlier than the order's previous message.
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    for (auto& m : seq) {
      m.time = std::max(last, m.time + r.between(0, 3 * kHour));
      last = m.time;
    }
  }

  struct Slot {
    std::int64_t time;
    std::size_t order;
    std::size_t pos;
  };
  std::vector<Slot> slots;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < per_order[i].size(); ++j)
      slots.push_back({per_order[i][j].time, i, j});
  }
  std::sort(slots.begin(), slots.end(), [](const Slot& a, const Slot& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.order != b.order) return a.order < b.order;
    return a.pos < b.pos;
  });

  // The partner flows, from what kassa makes of the orders.
  std::vector<OrderFacts> facts;
  for (const Order& o : orders_) {
    OrderFacts f;
    f.id = o.id;
    f.merchant = o.merchant;
    f.paid_at = o.paid_at;
    f.amount = o.amount;
    f.applied = o.payment_applied() && !o.unknown_merchant;
    if (f.applied)
      for (const Refund& r : o.refunds) f.refunds.emplace_back(r.at, r.amount);
    const Channel channel = channel_of(o.id);
    f.payment_method = channel.method;
    f.partner_id = channel.partner_id;
    f.partner_operation_id = channel.partner_operation_id;
    facts.push_back(std::move(f));
  }
  PartnerFlows partner = make_partner_flows(options_, from_, merchants_, kKnownMerchants, facts);

  Output out;
  // Merchant events first: every order event finds its merchant's activation already read.
  for (auto& m : partner.merchants)
    out.messages.push_back({m.stream, std::move(m.key), std::move(m.value)});
  std::map<std::string, std::size_t> rejected;
  for (const char* code : kBadNames) rejected[code] = 0;
  std::size_t counts[5] = {};
  json dead_letters = json::array();
  std::size_t waiting_for_merchant = 0;
  for (const Slot& s : slots) {
    Pending& m = per_order[s.order][s.pos];
    ++counts[static_cast<std::size_t>(m.fate)];
    waiting_for_merchant += orders_[s.order].unknown_merchant ? 1 : 0;
    if (m.fate == Fate::rejected) {
      ++rejected[m.error_code];
      dead_letters.push_back({{"index", out.messages.size()},
                              {"stream", stream_name(m.stream)},
                              {"key", m.key},
                              {"order_id", orders_[s.order].id},
                              {"error_code", m.error_code}});
    }
    out.messages.push_back({m.stream, std::move(m.key), std::move(m.value)});
  }
  std::size_t payouts_rejected = 0;
  for (auto& m : partner.payouts) {
    if (!m.error_code.empty()) {
      ++rejected[m.error_code];
      ++payouts_rejected;
      dead_letters.push_back({{"index", out.messages.size()},
                              {"stream", stream_name(m.stream)},
                              {"key", m.key},
                              {"merchant_id", m.key},
                              {"payout_id", m.payout_id},
                              {"error_code", m.error_code}});
    }
    out.messages.push_back({m.stream, std::move(m.key), std::move(m.value)});
  }
  out.fund_operations = std::move(partner.fund_operations);

  // Invoicebox state and the expected reconciliation.
  json recon = json::array();
  for (auto& r : partner.recon) recon.push_back(std::move(r));
  json orders = json::array();
  std::int64_t payments = 0, payments_amount = 0, shipments = 0, refunds = 0, refunds_amount = 0;
  std::size_t reordered = 0, unknown_orders = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Order& o = orders_[i];
    reordered += o.reordered ? 1 : 0;
    if (o.unknown_merchant) {
      // Invoicebox took the money; kassa still waits for the merchant.
      ++unknown_orders;
      out.invoicebox_state.push_back(invoicebox_order(o, "completed", o.amount, o.customer.legal));
      for (std::size_t k = 0; k < o.refunds.size(); ++k)
        out.invoicebox_state.push_back(
            invoicebox_refund(o, o.refunds[k], k + 1, o.refunds[k].amount));
      recon.push_back(recon_entry(o.id, "missing_in_kassa", 0, o.amount));
      recon.push_back(recon_entry(o.id, "orphan_event", 0, 0));
      recon.push_back(recon_entry(o.id, "unknown_merchant", 0, 0));
      continue;
    }
    if (o.orphan) {
      out.invoicebox_state.push_back(invoicebox_order(o, "created", o.amount, o.customer.legal));
      recon.push_back(recon_entry(o.id, "orphan_event", 0, 0));
      continue;
    }
    if (payment_is_bad(o.bad)) {
      out.invoicebox_state.push_back(invoicebox_order(o, "completed", o.amount, o.customer.legal));
      recon.push_back(recon_entry(o.id, "missing_in_kassa", 0, o.amount));
      continue;
    }
    const std::int64_t refunded = o.refunded();
    ++payments;
    payments_amount += o.amount;
    shipments += static_cast<std::int64_t>(o.shipments.size());
    refunds += static_cast<std::int64_t>(o.refunds.size());
    refunds_amount += refunded;
    orders.push_back({{"order_id", o.id},
                      {"paid", o.amount},
                      {"refunded", refunded},
                      {"customer_type", o.customer.legal ? "legal" : "private"}});

    const int variant = o.discrepancy_variant;
    std::string status = "completed";
    std::int64_t amount = o.amount;
    bool legal = o.customer.legal;
    bool exported = true;
    switch (o.discrepancy) {
      case Discrepancy::missing_in_invoicebox:
        if (variant % 2 == 0) {
          exported = false;
        } else {
          status = "expired";
        }
        recon.push_back(recon_entry(o.id, "missing_in_invoicebox", o.amount, 0));
        break;
      case Discrepancy::amount_mismatch:
        amount = variant % 2 == 0 || o.amount < 2 ? o.amount + 100 : o.amount - 1;
        recon.push_back(recon_entry(o.id, "amount_mismatch", o.amount, amount));
        break;
      case Discrepancy::customer_mismatch:
        legal = !legal;
        recon.push_back(recon_entry(o.id, "customer_mismatch", o.amount, o.amount));
        break;
      default:
        break;
    }
    if (exported) out.invoicebox_state.push_back(invoicebox_order(o, status, amount, legal));

    std::int64_t invoicebox_refunded = 0;
    for (std::size_t k = 0; k < o.refunds.size(); ++k) {
      const Refund& f = o.refunds[k];
      std::int64_t refund_amount = f.amount;
      if (o.discrepancy == Discrepancy::refund_mismatch && k + 1 == o.refunds.size()) {
        if (variant % 2 == 1) continue;  // the refund order is missing
        refund_amount = f.amount >= 2 ? f.amount - 1 : f.amount + 100;
      }
      invoicebox_refunded += refund_amount;
      out.invoicebox_state.push_back(invoicebox_refund(o, f, k + 1, refund_amount));
    }
    if (o.discrepancy == Discrepancy::refund_mismatch) {
      recon.push_back(recon_entry(o.id, "refund_mismatch", refunded, invoicebox_refunded));
    }
    if (o.discrepancy == Discrepancy::missing_in_kassa) {
      // A paid Invoicebox order that never reaches the stream.
      Rng r(seed(), 6, i);
      const Order ghost = make_order(r, n + i, false);
      out.invoicebox_state.push_back(
          invoicebox_order(ghost, "completed", ghost.amount, ghost.customer.legal));
      recon.push_back(recon_entry(ghost.id, "missing_in_kassa", 0, ghost.amount));
    }
  }

  auto by_order = [](const json& a, const json& b) {
    const auto& x = a.at("order_id").get_ref<const std::string&>();
    const auto& y = b.at("order_id").get_ref<const std::string&>();
    if (x != y) return x < y;
    return a.at("kind").get_ref<const std::string&>() < b.at("kind").get_ref<const std::string&>();
  };
  std::sort(recon.begin(), recon.end(), by_order);
  std::sort(orders.begin(), orders.end(), [](const json& a, const json& b) {
    return a.at("order_id").get_ref<const std::string&>() <
           b.at("order_id").get_ref<const std::string&>();
  });

  partner.summary["unknown_merchants"] = merchants_.size() - kKnownMerchants;
  partner.summary["injected"]["unknown_merchant"] = unknown_orders;
  json rejected_json = json::object();
  for (const auto& [code, count] : rejected) rejected_json[code] = count;
  out.truth = {
      {"options",
       {{"seed", options_.seed},
        {"orders", options_.orders},
        {"legal_share", options_.legal_share},
        {"malformed_rate", options_.malformed_rate},
        {"duplicate_rate", options_.duplicate_rate},
        {"reorder_rate", options_.reorder_rate},
        {"discrepancy_rate", options_.discrepancy_rate},
        {"orphan_rate", options_.orphan_rate},
        {"unknown_merchant_rate", options_.unknown_merchant_rate},
        {"payout_mismatch_rate", options_.payout_mismatch_rate},
        {"paid_out_twice_rate", options_.paid_out_twice_rate},
        {"payout_unknown_order_rate", options_.payout_unknown_order_rate},
        {"not_paid_out_rate", options_.not_paid_out_rate},
        {"bad_payout_rate", options_.bad_payout_rate},
        {"fund_mismatch_rate", options_.fund_mismatch_rate},
        {"from", options_.from},
        {"to", options_.to}}},
      {"stream",
       {{"messages", out.messages.size()},
        {"events_applied", counts[static_cast<std::size_t>(Fate::applied)]},
        {"exact_duplicates", counts[static_cast<std::size_t>(Fate::exact_duplicate)]},
        {"business_duplicates", counts[static_cast<std::size_t>(Fate::business_duplicate)]},
        {"parked_forever", counts[static_cast<std::size_t>(Fate::parked)]},
        {"waiting_for_merchant", waiting_for_merchant},
        {"reordered_orders", reordered},
        {"merchant_events", partner.merchants.size()},
        {"payouts_recorded", partner.payouts.size() - payouts_rejected},
        {"rejected", std::move(rejected_json)}}},
      {"ledger",
       {{"payments", payments},
        {"payments_amount", payments_amount},
        {"shipments", shipments},
        {"refunds", refunds},
        {"refunds_amount", refunds_amount}}},
      {"orders", std::move(orders)},
      {"recon", std::move(recon)},
      {"dead_letters", std::move(dead_letters)},
      {"partner_flows", std::move(partner.summary)}};
  return out;
}

void validate(const Options& o) {
  if (o.orders < 0) throw std::invalid_argument("gen: orders must be >= 0");
  const std::pair<const char*, double> rates[] = {
      {"legal_share", o.legal_share},
      {"malformed_rate", o.malformed_rate},
      {"duplicate_rate", o.duplicate_rate},
      {"reorder_rate", o.reorder_rate},
      {"discrepancy_rate", o.discrepancy_rate},
      {"orphan_rate", o.orphan_rate},
      {"unknown_merchant_rate", o.unknown_merchant_rate},
      {"payout_mismatch_rate", o.payout_mismatch_rate},
      {"paid_out_twice_rate", o.paid_out_twice_rate},
      {"payout_unknown_order_rate", o.payout_unknown_order_rate},
      {"not_paid_out_rate", o.not_paid_out_rate},
      {"bad_payout_rate", o.bad_payout_rate},
      {"fund_mismatch_rate", o.fund_mismatch_rate},
  };
  for (const auto& [name, rate] : rates) {
    if (!(rate >= 0.0 && rate <= 1.0)) {
      throw std::invalid_argument(std::string("gen: ") + name + " must be within [0, 1]");
    }
  }
}

}  // namespace

Output generate(const Options& options) {
  validate(options);
  const std::int64_t from = parse_utc(options.from);
  const std::int64_t to = parse_utc(options.to);
  if (from >= to) throw std::invalid_argument("gen: from must be before to");
  return Generator(options, from, to).run();
}

std::size_t count_order_messages(const std::vector<Message>& messages) {
  std::size_t n = 0;
  for (const auto& m : messages)
    n += m.stream == Stream::payments || m.stream == Stream::shipments ||
         m.stream == Stream::refunds;
  return n;
}

std::string_view stream_name(Stream stream) {
  switch (stream) {
    case Stream::payments:
      return "payments";
    case Stream::shipments:
      return "shipments";
    case Stream::refunds:
      return "refunds";
    case Stream::merchants:
      return "merchants";
    case Stream::payouts:
      return "payouts";
  }
  return "payments";
}

}  // namespace kassa::gen
