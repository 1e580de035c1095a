// Receipts of thousands of generated orders (gen::generate), run through the batch function the way
// the worker runs them (ingest::decode_batch + ingest::apply_batch, orders and inbox carried from
// batch to batch as `kassa bench core` does). Every rendered body is read back with its money as
// text and checked against the rules of contract section 2 and fiscal-54fz.md sections 2-4, 9:
//  - per receipt: total = Σ line sums = payments[0].sum = envelope total; vats per type = Σ line
//  VAT;
//    every line's VAT = sum × r / (100 + r) half up; sum = price × quantity rounded half up;
//    1..100 lines; money with exactly two decimals; id = UUID v5 of "<event_id>:<kind>[:n]";
//    the ATOL timestamp is occurred_at in Moscow time; methods and VAT types fit the kind and the
//    date of the receipt reversed; the body passes schemas/receipt.v1.json;
//  - per private order: prepayment total = payment; Σ settlements = shipped ≤ paid; Σ refunds =
//    refunded ≤ paid; quantities on receipts = quantities in the final order state, which never
//    exceed what was ordered; every applied event has its receipts;
//  - legal orders and orders never paid have none.
// A second, independent run applies the same events with core::apply_event and builds the typed
// receipts with core::build_receipts: ids and bytes must be the batch's.
#include <gtest/gtest.h>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contract/decode.hpp"
#include "contract/encoding.hpp"
#include "contract/receipt_json.hpp"
#include "core/receipt.hpp"
#include "event_builders.hpp"
#include "gen/generator.hpp"
#include "gen/ingest_messages.hpp"
#include "ingest/memory_book.hpp"
#include "raw_json.hpp"

namespace kassa::ingest {
namespace {

using core::Kopecks;
using nlohmann::json;

constexpr int kOrdersPerSeed = 1500;
constexpr std::size_t kBatch = 500;
const char* const kCallback = "https://gateway.example/atol/callback";

// ---------------------------------------------------------------------------------------------
// Independent helpers: VAT rates, half-up rounding and Moscow time written out here.

struct VatInfo {
  int rate;
  bool calculated;  // 20/120-style rate of prepayment receipts
  bool standard;    // the standard rate (20 before 2026, 22 from 2026)
};

const std::map<std::string, VatInfo>& vat_table() {
  static const std::map<std::string, VatInfo> table = {
      {"none", {0, false, false}},   {"vat0", {0, false, false}},   {"vat5", {5, false, false}},
      {"vat7", {7, false, false}},   {"vat10", {10, false, false}}, {"vat20", {20, false, true}},
      {"vat22", {22, false, true}},  {"vat105", {5, true, false}},  {"vat107", {7, true, false}},
      {"vat110", {10, true, false}}, {"vat120", {20, true, true}},  {"vat122", {22, true, true}},
  };
  return table;
}

Kopecks vat_half_up(Kopecks sum, int rate) {
  if (rate == 0) return 0;
  return (2 * sum * rate + (100 + rate)) / (2 * (100 + rate));
}

struct Moscow {
  std::string atol;  // "dd.mm.yyyy HH:MM:SS"
  int year = 0;
};

// "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (UTC) -> Moscow (UTC+3).
Moscow moscow(const std::string& rfc3339) {
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(rfc3339.c_str(), "%d-%u-%uT%u:%u:%u", &y, &mo, &d, &h, &mi, &s) != 6) return {};
  using namespace std::chrono;
  const sys_seconds t =
      sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s} + hours{3};
  const auto date = floor<days>(t);
  const year_month_day ymd{date};
  const hh_mm_ss hms{t - date};
  char text[32];
  std::snprintf(text, sizeof text, "%02u.%02u.%04d %02d:%02d:%02d",
                static_cast<unsigned>(ymd.day()), static_cast<unsigned>(ymd.month()),
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return {text, static_cast<int>(ymd.year())};
}

std::size_t characters(const std::string& utf8) {
  std::size_t n = 0;
  for (const char c : utf8)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

class SchemaChecker {
 public:
  SchemaChecker() : document_(json::parse(contract::schema_text("receipt.v1.json"))) {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(document_);
    parser.populateSchema(adapter, schema_);
  }
  std::string problems(const json& body) {
    valijson::adapters::NlohmannJsonAdapter target(body);
    valijson::ValidationResults results;
    if (validator_.validate(schema_, target, &results)) return "";
    std::string out;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
      for (const auto& part : error.context) out += part;
      out += ": " + error.description + "; ";
    }
    return out.empty() ? "invalid" : out;
  }

 private:
  json document_;
  valijson::Schema schema_;
  valijson::Validator validator_;
};

// ---------------------------------------------------------------------------------------------
// Running the generated stream.

struct Run {
  std::map<std::string, core::OrderState> orders;  // final state of every order
  std::vector<ReceiptWrite> receipts;              // as issued, in order
  std::vector<LedgerWrite> ledger;                 // applied events
  std::vector<core::Receipt> typed;                // the independent run's receipts
};

Run run(std::uint64_t seed, const Outputs& outputs) {
  gen::Options options;
  options.seed = seed;
  options.orders = kOrdersPerSeed;
  const auto messages = gen::as_ingest_messages(gen::generate(options).messages);

  Run out;
  contract::Decoder decoder;
  MemoryBook book;
  // The independent run: the state machine and the builder, with an inbox of event ids.
  std::map<std::string, core::OrderState> mirror;
  std::set<std::string> seen;
  for (std::size_t start = 0; start < messages.size(); start += kBatch) {
    std::vector<Message> chunk(
        messages.begin() + static_cast<std::ptrdiff_t>(start),
        messages.begin() + static_cast<std::ptrdiff_t>(std::min(messages.size(), start + kBatch)));
    const auto decoded = decode_batch(decoder, std::move(chunk));
    auto result = book.apply(decoded, core::UtcTime{}, outputs);
    for (auto& r : result.receipts) out.receipts.push_back(std::move(r));
    for (auto& l : result.ledger) out.ledger.push_back(std::move(l));

    for (const auto& m : decoded) {
      if (!m.decoded.event) continue;
      const auto& header = core::header_of(*m.decoded.event);
      if (seen.contains(header.event_id)) continue;
      auto [it, created] = mirror.try_emplace(header.order_id);
      if (created) it->second.order_id = header.order_id;
      for (const auto& step : core::apply_event(it->second, *m.decoded.event, m.message.source)) {
        seen.insert(step.event_id);
        if (step.outcome != core::Outcome::applied) continue;
        for (auto& receipt : core::build_receipts(it->second, step, outputs.seller, std::nullopt))
          out.typed.push_back(std::move(receipt));
      }
    }
  }
  out.orders = book.state().orders;
  return out;
}

// ---------------------------------------------------------------------------------------------
// What the checks saw, so that a run that checks nothing does not pass.

struct Seen {
  std::int64_t receipts = 0, lines = 0, private_orders = 0, legal_orders = 0, split_refunds = 0,
               continuation = 0, fractional = 0, vat120 = 0, vat122 = 0, vat20 = 0, vat22 = 0,
               refunds_of_2025_in_2026 = 0, over_six_vats = 0, schema_checked = 0;
  std::map<std::string, std::int64_t> by_kind;
};

// Per order, from its receipts.
struct OrderReceipts {
  Kopecks prepaid = 0, settled = 0, refunded = 0;
  std::int64_t settled_milli = 0, refunded_prepaid_milli = 0, refunded_settled_milli = 0;
  std::set<std::string> events;  // source_event_ids with receipts
  std::vector<std::size_t> indexes;
};

void check_body(const ReceiptWrite& w, const json& j, std::size_t number,
                const core::OrderState* order, OrderReceipts& per_order, Seen& seen) {
  const json& atol = j.at("atol");
  const json& receipt = atol.at("receipt");
  const std::string kind = j.at("kind").get<std::string>();
  seen.by_kind[kind]++;

  // Envelope and ids.
  EXPECT_EQ(j.at("receipt_id"), w.receipt_id);
  EXPECT_EQ(atol.at("external_id"), w.receipt_id);
  const std::string name =
      w.source_event_id + ":" + kind + (number == 1 ? "" : ":" + std::to_string(number));
  EXPECT_EQ(w.receipt_id, contract::uuid_v5("6f1c5a0e-7d4b-5e8a-9c3f-2b1d0e4a8c71", name)) << name;
  if (number > 1) ++seen.continuation;
  EXPECT_EQ(j.at("order_id"), w.order_id);
  EXPECT_EQ(j.at("source_event_id"), w.source_event_id);
  EXPECT_EQ(j.at("total"), w.total);
  EXPECT_EQ(j.at("operation"), kind == "refund" ? "sell_refund" : "sell");
  const std::string issued_at = j.at("issued_at").get<std::string>();
  const Moscow when = moscow(issued_at);
  EXPECT_EQ(atol.at("timestamp"), when.atol) << issued_at;
  EXPECT_EQ(atol.at("service").at("callback_url"), kCallback);
  EXPECT_EQ(receipt.at("internet"), true);

  // Money of the receipt.
  const Kopecks total = testing::rubles(receipt.at("total"));
  EXPECT_EQ(total, j.at("total").get<Kopecks>());
  ASSERT_EQ(receipt.at("payments").size(), 1u);
  EXPECT_EQ(receipt.at("payments")[0].at("type"), kind == "settlement" ? 2 : 1);
  EXPECT_EQ(testing::rubles(receipt.at("payments")[0].at("sum")), total);

  const json& items = receipt.at("items");
  EXPECT_GE(items.size(), 1u);
  EXPECT_LE(items.size(), 100u);
  Kopecks sum_of_lines = 0, vat_of_lines = 0;
  std::map<std::string, Kopecks> vat_by_type;
  for (const json& item : items) {
    ++seen.lines;
    const Kopecks price = testing::rubles(item.at("price"));
    const Kopecks sum = testing::rubles(item.at("sum"));
    const core::Quantity quantity = testing::quantity(item.at("quantity"));
    const std::string method = item.at("payment_method").get<std::string>();
    const std::string type = item.at("vat").at("type").get<std::string>();
    const Kopecks vat = testing::rubles(item.at("vat").at("sum"));
    const std::string item_name = item.at("name").get<std::string>();
    SCOPED_TRACE(item_name + " " + type + " " + method);

    EXPECT_GT(quantity.milli, 0);
    EXPECT_GE(characters(item_name), 1u);
    EXPECT_LE(characters(item_name), 128u);
    EXPECT_TRUE(item.at("payment_object") == 1 || item.at("payment_object") == 4);
    // ATOL's rule for every item: price × quantity rounded half up to the kopeck is the sum.
    const __int128 thousandths = static_cast<__int128>(price) * quantity.milli;
    EXPECT_EQ(sum, static_cast<Kopecks>((thousandths + 500) / 1000))
        << "sum = price × quantity, half up: " << price << " × " << quantity.milli << "/1000";
    if (quantity.milli % 1000 != 0) ++seen.fractional;

    const auto info = vat_table().find(type);
    ASSERT_NE(info, vat_table().end()) << type;
    EXPECT_EQ(vat, vat_half_up(sum, info->second.rate)) << sum << " at " << type;
    if (type == "vat120") ++seen.vat120;
    if (type == "vat122") ++seen.vat122;
    if (type == "vat20") ++seen.vat20;
    if (type == "vat22") ++seen.vat22;

    // Method and VAT type fit the kind; full_prepayment goes with calculated rates.
    if (kind == "prepayment") {
      EXPECT_EQ(method, "full_prepayment");
    }
    if (kind == "settlement") {
      EXPECT_EQ(method, "full_payment");
    }
    if (info->second.rate != 0) {
      EXPECT_EQ(info->second.calculated, method == "full_prepayment");
    }
    // The standard rate by the Moscow date of the receipt, or of the receipt reversed.
    if (info->second.standard) {
      const bool rate20 = info->second.rate == 20;
      if (kind != "refund") {
        EXPECT_EQ(rate20, when.year < 2026) << issued_at;
      } else if (order && order->payment) {
        if (rate20 && when.year >= 2026) ++seen.refunds_of_2025_in_2026;
        if (method == "full_prepayment") {
          EXPECT_EQ(rate20, moscow(core::format_utc(order->payment->occurred_at)).year < 2026);
        } else {
          bool settled_in_that_year = false;
          for (const auto& line : order->lines)
            for (const auto& s : line.settlements)
              if ((moscow(core::format_utc(s.occurred_at)).year < 2026) == rate20)
                settled_in_that_year = true;
          EXPECT_TRUE(settled_in_that_year)
              << "refund at " << type << " without a settlement of that year";
        }
      }
    }

    sum_of_lines += sum;
    vat_of_lines += vat;
    vat_by_type[type] += vat;
    if (kind == "settlement") per_order.settled_milli += quantity.milli;
    if (kind == "refund")
      (method == "full_prepayment" ? per_order.refunded_prepaid_milli
                                   : per_order.refunded_settled_milli) += quantity.milli;
  }
  EXPECT_EQ(sum_of_lines, total) << "total = Σ line sums";

  std::map<std::string, Kopecks> vats;
  Kopecks vats_total = 0;
  for (const json& v : receipt.at("vats")) {
    const std::string type = v.at("type").get<std::string>();
    EXPECT_FALSE(vats.contains(type)) << type << " twice in vats";
    vats[type] = testing::rubles(v.at("sum"));
    vats_total += vats[type];
  }
  EXPECT_EQ(vats, vat_by_type) << "vats = Σ line VAT per type";
  EXPECT_EQ(vats_total, vat_of_lines);
  if (vats.size() > 6) ++seen.over_six_vats;
  if (kind == "refund") {
    bool pre = false, full = false;
    for (const json& item : items)
      (item.at("payment_method") == "full_prepayment" ? pre : full) = true;
    if (pre && full) ++seen.split_refunds;
  }

  if (kind == "prepayment") per_order.prepaid += total;
  if (kind == "settlement") per_order.settled += total;
  if (kind == "refund") per_order.refunded += total;
  per_order.events.insert(w.source_event_id);
}

void check_run(std::uint64_t seed, Seen& seen) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  Outputs outputs;
  outputs.atol_callback_url = kCallback;
  outputs.seller = core::builders::invoicebox();
  const Run r = run(seed, outputs);

  // The independent run gives the same receipts, byte for byte.
  ASSERT_EQ(r.typed.size(), r.receipts.size());
  for (std::size_t i = 0; i < r.typed.size(); ++i) {
    ASSERT_EQ(contract::receipt_id(r.typed[i]), r.receipts[i].receipt_id) << i;
    ASSERT_EQ(contract::receipt_json(r.typed[i], outputs.seller, kCallback), r.receipts[i].body)
        << i;
    EXPECT_EQ(r.typed[i].lines.size(), r.receipts[i].line_count);
    EXPECT_LE(r.typed[i].lines.size(), core::kMaxReceiptLines);
  }

  SchemaChecker schema;
  std::map<std::string, OrderReceipts> by_order;
  std::map<std::pair<std::string, std::string>, std::size_t>
      numbers;  // (event, kind) -> receipts so far
  for (std::size_t i = 0; i < r.receipts.size(); ++i) {
    const ReceiptWrite& w = r.receipts[i];
    SCOPED_TRACE("receipt " + w.receipt_id + " of order " + w.order_id);
    ++seen.receipts;
    const auto order = r.orders.find(w.order_id);
    const core::OrderState* state = order == r.orders.end() ? nullptr : &order->second;
    ASSERT_NE(state, nullptr);
    ASSERT_TRUE(state->payment.has_value());
    EXPECT_EQ(state->payment->customer.type, core::CustomerType::private_person)
        << "a legal buyer got a receipt";
    const json j = testing::parse_raw(w.body);
    const std::size_t number = ++numbers[{w.source_event_id, j.at("kind").get<std::string>()}];
    // The schema check is the slow part (about 0.6 ms a body in Debug): every refund and
    // continuation receipt, every eighth of the others.
    if (w.kind == core::ReceiptKind::refund || number > 1 || i % 8 == 0) {
      ++seen.schema_checked;
      EXPECT_EQ(schema.problems(json::parse(w.body)), "");  // valijson reads numbers as doubles
    }
    auto& per_order = by_order[w.order_id];
    per_order.indexes.push_back(i);
    check_body(w, j, number, state, per_order, seen);
  }

  std::map<std::string, std::set<std::string>> applied;  // order -> applied event ids
  std::map<std::string, core::UtcTime> occurred;
  for (const auto& l : r.ledger) {
    applied[l.order_id].insert(l.event_id);
    occurred[l.event_id] = l.occurred_at;
  }
  for (const auto& w : r.receipts) {
    ASSERT_TRUE(occurred.contains(w.source_event_id));
    EXPECT_EQ(w.issued_at, occurred[w.source_event_id])
        << "issued_at = occurred_at of the source event";
  }

  for (const auto& [id, order] : r.orders) {
    SCOPED_TRACE("order " + id);
    const auto found = by_order.find(id);
    if (!order.payment || order.payment->customer.type == core::CustomerType::legal) {
      if (order.payment) ++seen.legal_orders;
      EXPECT_EQ(found, by_order.end()) << "no receipts for a legal buyer or an unpaid order";
      continue;
    }
    ++seen.private_orders;
    ASSERT_NE(found, by_order.end()) << "a paid private order without receipts";
    const OrderReceipts& got = found->second;
    EXPECT_EQ(got.events, applied[id]) << "every applied event has receipts, and only those";
    EXPECT_EQ(got.prepaid, order.payment->amount) << "prepayment = payment";
    EXPECT_LE(got.settled, got.prepaid);
    EXPECT_LE(got.refunded, got.prepaid);
    EXPECT_EQ(got.settled, order.shipped_amount());
    EXPECT_EQ(got.refunded, order.refunded_amount());

    std::int64_t shipped = 0, refunded_unshipped = 0, refunded_shipped = 0;
    for (const auto& line : order.lines) {
      SCOPED_TRACE("sku " + line.item.sku);
      EXPECT_LE((line.shipped + line.refunded_unshipped).milli, line.item.quantity.milli);
      EXPECT_LE(line.refunded_shipped.milli, line.shipped.milli);
      EXPECT_LE(line.shipped_amount + line.refunded_unshipped_amount, line.item.total_amount);
      EXPECT_LE(line.refunded_shipped_amount, line.shipped_amount);
      std::int64_t settled_milli = 0, reversed_milli = 0;
      for (const auto& s : line.settlements) {
        EXPECT_LE(s.reversed.milli, s.quantity.milli);
        settled_milli += s.quantity.milli;
        reversed_milli += s.reversed.milli;
      }
      EXPECT_EQ(settled_milli, line.shipped.milli);
      EXPECT_EQ(reversed_milli, line.refunded_shipped.milli);
      shipped += line.shipped.milli;
      refunded_unshipped += line.refunded_unshipped.milli;
      refunded_shipped += line.refunded_shipped.milli;
    }
    EXPECT_EQ(got.settled_milli, shipped)
        << "settlement receipts list exactly the shipped quantities";
    EXPECT_EQ(got.refunded_prepaid_milli, refunded_unshipped);
    EXPECT_EQ(got.refunded_settled_milli, refunded_shipped);
  }
}

TEST(ReceiptProperty, GeneratedOrdersGiveConsistentReceipts) {
  Seen seen;
  for (const std::uint64_t seed : {11u, 2026u, 54u}) check_run(seed, seen);
  std::printf(
      "  %lld receipts (%lld prepayment, %lld settlement, %lld refund), %lld lines, %lld private "
      "and %lld "
      "legal orders;\n  %lld refunds split over prepayment and settlement, %lld continuation "
      "receipts, %lld "
      "fractional lines,\n  lines at vat120 %lld, vat122 %lld, vat20 %lld, vat22 %lld; refund "
      "lines of 2025 "
      "receipts in 2026: %lld; receipts with more than 6 vats: %lld;\n  %lld bodies checked "
      "against "
      "schemas/receipt.v1.json\n",
      static_cast<long long>(seen.receipts), static_cast<long long>(seen.by_kind["prepayment"]),
      static_cast<long long>(seen.by_kind["settlement"]),
      static_cast<long long>(seen.by_kind["refund"]), static_cast<long long>(seen.lines),
      static_cast<long long>(seen.private_orders), static_cast<long long>(seen.legal_orders),
      static_cast<long long>(seen.split_refunds), static_cast<long long>(seen.continuation),
      static_cast<long long>(seen.fractional), static_cast<long long>(seen.vat120),
      static_cast<long long>(seen.vat122), static_cast<long long>(seen.vat20),
      static_cast<long long>(seen.vat22), static_cast<long long>(seen.refunds_of_2025_in_2026),
      static_cast<long long>(seen.over_six_vats), static_cast<long long>(seen.schema_checked));
  // The stream must have exercised what the checks are about.
  EXPECT_GT(seen.private_orders, 3000);
  EXPECT_GT(seen.legal_orders, 500);
  EXPECT_GT(seen.by_kind["settlement"], 1000);
  EXPECT_GT(seen.by_kind["refund"], 100);
  EXPECT_GT(seen.split_refunds, 0);
  EXPECT_GT(seen.fractional, 0);
  EXPECT_GT(seen.vat120, 0);
  EXPECT_GT(seen.vat122, 0);
  EXPECT_GT(seen.vat20, 0);
  EXPECT_GT(seen.vat22, 0);
  EXPECT_EQ(seen.over_six_vats, 0) << "ATOL v5 takes at most 6 vats entries";
}

}  // namespace
}  // namespace kassa::ingest
