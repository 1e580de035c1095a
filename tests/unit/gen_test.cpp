// Tests of the synthetic stream generator. Besides determinism they re-derive the truth on their
// own: a small reference consumer replays the messages with the contract's rules, and a reference
// reconciliation compares its ledger with the Invoicebox export.
#include "gen/generator.hpp"

#include "contract/encoding.hpp"
#include "contract/schema.hpp"
#include "core/requisites.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace kassa::gen {
namespace {

using nlohmann::json;

const char* const kBadKinds[] = {
    "invalid_json", "invalid_encoding", "schema_violation",  "amount_mismatch",   "over_shipment",
    "over_refund",  "unknown_sku",      "duplicate_payment", "event_id_conflict", "missing_contact",
    "key_mismatch", "invalid_inn",      "invalid_kpp",
};
const char* const kReconKinds[] = {
    "missing_in_kassa", "missing_in_invoicebox", "amount_mismatch",
    "refund_mismatch",  "customer_mismatch",     "orphan_event",
};
// The partner flows' kinds (contract section 6) and the truth's count of injected cases.
const char* const kPartnerKinds[] = {
    "payout_mismatch", "paid_out_twice", "payout_unknown_order",
    "not_paid_out",    "fund_mismatch",  "unknown_merchant",
};

bool order_stream(Stream s) {
  return s == Stream::payments || s == Stream::shipments || s == Stream::refunds;
}

const Output& big() {
  static const Output out = [] {
    Options o;
    o.orders = 2000;
    o.unknown_merchant_rate = 0.002;  // the demo's: every kind of finding appears
    return generate(o);
  }();
  return out;
}

// Lead and continuation bytes only; enough to tell the generator's bad bytes from Cyrillic.
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80         ? 0
                          : (c >> 5) == 6  ? 1
                          : (c >> 4) == 14 ? 2
                          : (c >> 3) == 30 ? 3
                                           : 4;
    if (n == 4) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n + 1;
  }
  return true;
}

// "2", "0.750": at most 5 integer and 3 fractional digits; nullopt when not a contract quantity.
std::optional<std::int64_t> thousandths(const std::string& s) {
  const auto dot = s.find('.');
  const std::string whole = s.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 5 || frac.size() > 3) return std::nullopt;
  if (dot != std::string::npos && frac.empty()) return std::nullopt;
  for (const char c : whole + frac) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t v = std::stoll(whole) * 1000;
  if (!frac.empty()) v += std::stoll((frac + "00").substr(0, 3));
  return v;
}

std::int64_t half_up(std::int64_t a, std::int64_t b, std::int64_t c) {
  return (a * b * 2 + c) / (2 * c);
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The literal money tokens of an export line, e.g. {"amount", "371.88"}.
std::vector<std::pair<std::string, std::string>> money_tokens(const std::string& line) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string key : {"amount", "vatAmount", "totalAmount", "totalVatAmount"}) {
    const std::string needle = "\"" + key + "\":";
    for (auto pos = line.find(needle); pos != std::string::npos; pos = line.find(needle, pos + 1)) {
      const auto start = pos + needle.size();
      const auto end = line.find_first_of(",}", start);
      out.emplace_back(key, line.substr(start, end - start));
    }
  }
  return out;
}

bool two_decimals(const std::string& token) {
  const auto dot = token.find('.');
  if (dot == std::string::npos || token.size() - dot != 3) return false;
  const std::string whole = token.substr(token[0] == '-' ? 1 : 0, dot - (token[0] == '-' ? 1 : 0));
  return all_digits(whole) && all_digits(token.substr(dot + 1));
}

std::int64_t kopecks(const json& rubles) {
  return std::llround(rubles.get<double>() * 100);
}

// ---------------------------------------------------------------------------------------------
// Reference consumer: the contract's rules, applied in delivery order.

struct LineState {
  struct Lot {  // one settlement of the line
    std::int64_t quantity = 0, amount = 0, reversed = 0, reversed_amount = 0;
  };
  std::int64_t quantity = 0;
  std::int64_t total = 0;
  std::int64_t shipped = 0;
  std::int64_t shipped_amount = 0;
  std::int64_t refunded_unshipped = 0;
  std::int64_t refunded_unshipped_amount = 0;
  std::int64_t refunded_shipped = 0;
  std::vector<Lot> lots;
  bool split = false;  // a refund spread over several receipts

  std::int64_t open_quantity() const { return quantity - shipped - refunded_unshipped; }
  std::int64_t open_amount() const { return total - shipped_amount - refunded_unshipped_amount; }
};

struct OrderState {
  bool paid = false;
  json payment;
  std::size_t payment_index = 0;
  std::int64_t refunded = 0;
  std::map<std::string, LineState> lines;
  std::set<std::string> shipment_ids;
  std::set<std::string> refund_ids;
  std::vector<std::pair<json, std::size_t>> parked;
  std::vector<std::size_t> later_events;  // first deliveries of applied shipments and refunds
  std::string last_occurred;
  std::vector<std::pair<std::string, std::int64_t>> refund_log;  // applied: occurred_at, kopecks
  bool waits_for_merchant = false;  // its merchant never sent a merchant event
};

struct Replay {
  std::map<std::string, OrderState> orders;
  std::size_t exact = 0, business = 0, applied = 0, shipments = 0, refunds = 0;
  std::int64_t refunds_amount = 0;
  std::size_t spanning_refunds = 0, repeated_refunds = 0, shipped_refunds = 0;  // coverage
  std::size_t capped_refunds = 0;  // held by the receipts was less than the proportional value
  std::map<std::pair<Stream, std::string>, std::string> last_by_stream_key;
};

void apply_later(OrderState& o, const json& ev, std::size_t index, Replay& rp) {
  const std::string occurred = ev.at("occurred_at");
  // Business order within the order, and nothing before the payment.
  EXPECT_GE(occurred, o.last_occurred) << ev.dump();
  o.last_occurred = occurred;
  o.later_events.push_back(index);
  ++rp.applied;
  if (ev.at("event_type") == "shipment.confirmed") {
    ++rp.shipments;
    EXPECT_EQ(ev.at("document_date").get<std::string>(), occurred.substr(0, 10));
    // Settlement values by the contract: proportional, half up, the completing lot takes the rest.
    auto ship = [](LineState& l, std::int64_t y) {
      const std::int64_t amount = y == l.open_quantity()
                                      ? l.open_amount()
                                      : std::min(l.open_amount(), half_up(l.total, y, l.quantity));
      l.shipped += y;
      l.shipped_amount += amount;
      l.lots.push_back({y, amount});
    };
    if (!ev.contains("items")) {
      std::int64_t moved = 0;
      for (auto& [sku, l] : o.lines) {
        const std::int64_t left = l.open_quantity();
        if (left > 0) ship(l, left);
        moved += left;
      }
      EXPECT_GT(moved, 0) << "a shipment without items must ship something";
      return;
    }
    ASSERT_FALSE(ev.at("items").empty());
    for (const auto& item : ev.at("items")) {
      ASSERT_TRUE(o.lines.count(item.at("sku"))) << ev.dump();
      LineState& l = o.lines[item.at("sku")];
      const auto q = thousandths(item.at("quantity"));
      ASSERT_TRUE(q && *q > 0) << ev.dump();
      ASSERT_LE(*q, l.open_quantity()) << ev.dump();
      ship(l, *q);
    }
    return;
  }
  ++rp.refunds;
  const std::int64_t amount = ev.at("amount");
  std::int64_t sum = 0;
  ASSERT_FALSE(ev.at("items").empty());
  for (const auto& item : ev.at("items")) {
    ASSERT_TRUE(o.lines.count(item.at("sku"))) << ev.dump();
    LineState& l = o.lines[item.at("sku")];
    const auto x = thousandths(item.at("quantity"));
    ASSERT_TRUE(x && *x > 0) << ev.dump();
    const std::int64_t a = item.at("amount");
    const std::int64_t refunded = l.refunded_unshipped + l.refunded_shipped;
    ASSERT_LE(*x, l.quantity - refunded) << ev.dump();
    // How kassa splits money over several receipts is its own business: such a line is never
    // refunded twice, so the truth does not depend on it.
    EXPECT_FALSE(l.split) << ev.dump();
    // Unshipped units first (the prepayment), then settlements from the latest back; the money
    // those receipts still hold caps the refund, and the last units take all of it.
    const std::int64_t from_open = std::min(*x, l.open_quantity());
    std::int64_t held = from_open > 0 ? l.open_amount() : 0;
    std::vector<std::pair<std::size_t, std::int64_t>> taken;
    std::int64_t rest = *x - from_open;
    for (std::size_t j = l.lots.size(); j-- > 0 && rest > 0;) {
      const std::int64_t take = std::min(l.lots[j].quantity - l.lots[j].reversed, rest);
      if (take <= 0) continue;
      taken.emplace_back(j, take);
      held += l.lots[j].amount - l.lots[j].reversed_amount;
      rest -= take;
    }
    EXPECT_EQ(rest, 0);
    rp.capped_refunds += refunded + *x < l.quantity && held < half_up(l.total, *x, l.quantity);
    EXPECT_GT(a, 0);
    EXPECT_EQ(a,
              refunded + *x == l.quantity ? held : std::min(held, half_up(l.total, *x, l.quantity)))
        << ev.dump();
    rp.repeated_refunds += refunded > 0 ? 1 : 0;
    rp.shipped_refunds += from_open < *x ? 1 : 0;
    l.refunded_unshipped += from_open;
    l.refunded_shipped += *x - from_open;
    EXPECT_LE(l.refunded_shipped, l.shipped);
    if ((from_open > 0 ? 1u : 0u) + taken.size() > 1) {
      l.split = true;
      ++rp.spanning_refunds;
    } else if (from_open > 0) {
      l.refunded_unshipped_amount += a;
    } else {
      l.lots[taken.front().first].reversed += *x;
      l.lots[taken.front().first].reversed_amount += a;
    }
    sum += a;
  }
  EXPECT_EQ(amount, sum) << ev.dump();
  o.refunded += amount;
  o.refund_log.emplace_back(occurred, amount);
  EXPECT_LE(o.refunded, o.payment.at("amount").get<std::int64_t>());
  rp.refunds_amount += amount;
}

void check_payment(const json& ev) {
  const auto& items = ev.at("items");
  ASSERT_GE(items.size(), 1u);
  ASSERT_LE(items.size(), 100u);
  std::int64_t sum = 0;
  std::set<std::string> skus;
  for (const auto& item : items) {
    EXPECT_TRUE(skus.insert(item.at("sku")).second) << "sku repeats";
    const auto q = thousandths(item.at("quantity"));
    EXPECT_TRUE(q && *q > 0) << item.dump();
    const std::string name = item.at("name");
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(item.at("type") == "commodity" || item.at("type") == "service");
    EXPECT_GT(item.at("total_amount").get<std::int64_t>(), 0);
    sum += item.at("total_amount").get<std::int64_t>();
  }
  EXPECT_EQ(ev.at("amount").get<std::int64_t>(), sum);
  EXPECT_EQ(ev.at("currency"), "RUB");
  const auto& c = ev.at("customer");
  if (c.at("type") == "private") {
    EXPECT_TRUE(c.contains("email") || c.contains("phone")) << c.dump();
    if (c.contains("phone")) {
      const std::string phone = c.at("phone");
      EXPECT_TRUE(phone.size() == 12 && phone.substr(0, 2) == "+7" && all_digits(phone.substr(2)))
          << phone;
    }
  } else {
    ASSERT_EQ(c.at("type"), "legal");
    const std::string inn = c.at("inn");
    EXPECT_TRUE((inn.size() == 10 || inn.size() == 12) && all_digits(inn)) << inn;
    if (c.contains("kpp")) {
      EXPECT_EQ(c.at("kpp").get<std::string>().size(), 9u);
    }
  }
}

// merchant_id -> occurred_at of its merchant.activated (the earliest, if ever twice).
std::map<std::string, std::string> activations(const Output& out) {
  std::map<std::string, std::string> at;
  for (const Message& m : out.messages) {
    if (m.stream != Stream::merchants) continue;
    const json ev = json::parse(m.value);
    if (ev.at("event_type") != "merchant.activated") continue;
    auto [it, fresh] = at.emplace(ev.at("merchant_id"), ev.at("occurred_at"));
    if (!fresh) it->second = std::min(it->second, ev.at("occurred_at").get<std::string>());
  }
  return at;
}

Replay replay(const Output& out) {
  std::set<std::size_t> dead;
  for (const auto& d : out.truth.at("dead_letters")) dead.insert(d.at("index").get<std::size_t>());
  const auto activated = activations(out);
  Replay rp;
  std::map<std::string, std::string> seen;  // event_id -> bytes
  for (std::size_t i = 0; i < out.messages.size(); ++i) {
    if (dead.count(i)) continue;
    const Message& m = out.messages[i];
    if (!order_stream(m.stream)) continue;  // checked by the merchant and payout tests
    EXPECT_TRUE(valid_utf8(m.value));
    const json ev = json::parse(m.value);
    const std::string event_id = ev.at("event_id");
    EXPECT_EQ(m.key, ev.at("order_id").get<std::string>());
    EXPECT_EQ(ev.at("schema_version"), 1);
    const std::string type = ev.at("event_type");
    EXPECT_EQ(type, m.stream == Stream::payments    ? "payment.succeeded"
                    : m.stream == Stream::shipments ? "shipment.confirmed"
                                                    : "refund.succeeded");
    if (auto it = seen.find(event_id); it != seen.end()) {
      EXPECT_EQ(it->second, m.value) << "a reused event_id must carry the same bytes";
      ++rp.exact;
      continue;
    }
    seen[event_id] = m.value;
    OrderState& o = rp.orders[m.key];
    // KASSA_UNKNOWN_MERCHANT=wait: no merchant event dated before it, the event waits.
    const auto merchant = activated.find(ev.at("merchant_id"));
    if (merchant == activated.end() || merchant->second > ev.at("occurred_at")) {
      o.waits_for_merchant = true;
      o.parked.emplace_back(ev, i);
      continue;
    }
    EXPECT_FALSE(o.waits_for_merchant) << "an order waits for its merchant only as a whole";
    if (m.stream == Stream::payments) {
      EXPECT_FALSE(o.paid) << "a valid second payment";
      check_payment(ev);
      o.paid = true;
      o.payment = ev;
      o.payment_index = i;
      o.last_occurred = ev.at("occurred_at");
      ++rp.applied;
      for (const auto& item : ev.at("items")) {
        LineState& l = o.lines[item.at("sku")];
        l.quantity = *thousandths(item.at("quantity"));
        l.total = item.at("total_amount").get<std::int64_t>();
      }
      for (const auto& [parked, index] : o.parked) apply_later(o, parked, index, rp);
      o.parked.clear();
      continue;
    }
    // Business duplicates: a new event_id for a known shipment or refund.
    auto& ids = m.stream == Stream::shipments ? o.shipment_ids : o.refund_ids;
    if (!ids.insert(ev.at(m.stream == Stream::shipments ? "shipment_id" : "refund_id")).second) {
      ++rp.business;
      continue;
    }
    // Per stream and key, applied events arrive in business order.
    auto& last = rp.last_by_stream_key[{m.stream, m.key}];
    EXPECT_GE(ev.at("occurred_at").get<std::string>(), last);
    last = ev.at("occurred_at");
    if (o.paid) {
      apply_later(o, ev, i, rp);
    } else {
      o.parked.emplace_back(ev, i);
    }
  }
  return rp;
}

// ---------------------------------------------------------------------------------------------
// Reference reconciliation of the partner flows (contract section 6), from the replayed ledger,
// the recorded payouts and the fund operations, as of 2027-01-01 with the default grace.

using Add = std::function<void(const std::string&, const char*, std::int64_t, std::int64_t)>;

std::int64_t refunded_by(const OrderState& o, const std::string& at) {
  std::int64_t sum = 0;
  for (const auto& [t, amount] : o.refund_log) sum += t <= at ? amount : 0;
  return sum;
}

void payout_findings(const Output& out, const Replay& rp, const Add& add) {
  std::set<std::size_t> dead;
  for (const auto& d : out.truth.at("dead_letters")) dead.insert(d.at("index").get<std::size_t>());
  struct Sum {
    std::int64_t paid = 0, refunded = 0, paid_lines = 0;
    std::string last;
  };
  std::map<std::string, Sum> sums;
  bool recorded = false;
  for (std::size_t i = 0; i < out.messages.size(); ++i) {
    if (out.messages[i].stream != Stream::payouts || dead.count(i)) continue;
    recorded = true;
    const json ev = json::parse(out.messages[i].value);
    for (const auto& l : ev.at("orders")) {
      Sum& s = sums[l.at("order_id")];
      s.paid += l.at("paid").get<std::int64_t>();
      s.refunded += l.at("refunded").get<std::int64_t>();
      s.paid_lines += l.at("paid").get<std::int64_t>() > 0 ? 1 : 0;
      s.last = std::max(s.last, ev.at("occurred_at").get<std::string>());
    }
  }
  for (const auto& [id, s] : sums) {
    const auto it = rp.orders.find(id);
    if (it == rp.orders.end() || !it->second.paid) {
      add(id, "payout_unknown_order", 0, s.paid - s.refunded);
      continue;
    }
    const OrderState& o = it->second;
    const std::int64_t amount = o.payment.at("amount");
    if (s.paid_lines >= 2) {
      add(id, "paid_out_twice", amount, s.paid);
      continue;
    }
    const std::int64_t paid = o.payment.at("occurred_at").get<std::string>() <= s.last ? amount : 0;
    const std::int64_t refunded = refunded_by(o, s.last);
    if (paid != s.paid || refunded != s.refunded)
      add(id, "payout_mismatch", paid - refunded, s.paid - s.refunded);
  }
  if (!recorded) return;
  for (const auto& [id, o] : rp.orders) {
    if (!o.paid || sums.count(id)) continue;
    const std::int64_t amount = o.payment.at("amount");
    // 72 h before 2027-01-01T00:00:00Z.
    if (o.payment.at("occurred_at").get<std::string>() < "2026-12-29T00:00:00Z" &&
        o.refunded < amount)
      add(id, "not_paid_out", amount - o.refunded, 0);
  }
}

void fund_findings(const Output& out, const Replay& rp, const Add& add) {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> ops;  // debits, credits
  std::set<std::string> ids;
  for (const std::string& line : out.fund_operations) {
    EXPECT_TRUE(valid_utf8(line));
    for (const auto& [key, token] : money_tokens(line)) EXPECT_TRUE(two_decimals(token)) << token;
    const json op = json::parse(line);
    EXPECT_TRUE(ids.insert(op.at("id")).second) << "ids are unique";
    EXPECT_EQ(op.at("objectType"), "guaranteeFundOperation");
    for (const char* field : {"id", "partnerId", "partnerOperationId", "orderId"})
      EXPECT_EQ(op.at(field).get<std::string>().size(), 36u) << field;
    const std::string created = op.at("createdAt");
    EXPECT_EQ(created.substr(19), "+00:00") << created;
    const std::string type = op.at("type");
    ASSERT_TRUE(type == "debit" || type == "credit") << type;
    auto& [debits, credits] = ops[op.at("orderId")];
    (type == "debit" ? debits : credits) += kopecks(op.at("amount"));
    // A guarantee-fund payment's operations name its partner and operation.
    const auto it = rp.orders.find(op.at("orderId"));
    ASSERT_TRUE(it != rp.orders.end() && it->second.paid) << "operations of paid orders only";
    const json& payment = it->second.payment;
    if (payment.value("payment_method", "card") == "guarantee_fund") {
      EXPECT_EQ(op.at("partnerId"), payment.at("partner_id"));
      EXPECT_EQ(op.at("partnerOperationId"), payment.at("partner_operation_id"));
    }
  }
  if (out.fund_operations.empty()) return;
  for (const auto& [id, o] : rp.orders) {
    if (!o.paid) continue;
    const auto it = ops.find(id);
    const auto [debits, credits] =
        it == ops.end() ? std::pair<std::int64_t, std::int64_t>{} : it->second;
    const std::int64_t amount = o.payment.at("amount");
    if (o.payment.value("payment_method", "card") == "guarantee_fund") {
      if (debits != amount || credits != o.refunded)
        add(id, "fund_mismatch", amount - o.refunded, debits - credits);
    } else if (it != ops.end()) {
      add(id, "fund_mismatch", 0, debits - credits);
    }
  }
}

TEST(Gen, SameSeedSameBytesOtherSeedOtherBytes) {
  Options o;
  o.orders = 400;
  const Output a = generate(o);
  const Output b = generate(o);
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    ASSERT_EQ(a.messages[i].stream, b.messages[i].stream);
    ASSERT_EQ(a.messages[i].key, b.messages[i].key);
    ASSERT_EQ(a.messages[i].value, b.messages[i].value);
  }
  EXPECT_EQ(a.invoicebox_state, b.invoicebox_state);
  EXPECT_EQ(a.fund_operations, b.fund_operations);
  EXPECT_EQ(a.truth.dump(), b.truth.dump());
  std::set<Stream> streams;
  for (const auto& m : a.messages) streams.insert(m.stream);
  EXPECT_EQ(streams.size(), 5u) << "the same bytes include merchants and payouts";
  EXPECT_FALSE(a.fund_operations.empty());

  o.seed = 43;
  const Output c = generate(o);
  EXPECT_NE(a.messages.front().value, c.messages.front().value);
  EXPECT_NE(a.invoicebox_state, c.invoicebox_state);
  EXPECT_NE(a.truth.at("ledger"), c.truth.at("ledger"));
}

TEST(Gen, StreamNames) {
  EXPECT_EQ(stream_name(Stream::payments), "payments");
  EXPECT_EQ(stream_name(Stream::shipments), "shipments");
  EXPECT_EQ(stream_name(Stream::refunds), "refunds");
  EXPECT_EQ(stream_name(Stream::merchants), "merchants");
  EXPECT_EQ(stream_name(Stream::payouts), "payouts");
}

// Adding the partner flows left the order events of a seed as they were: without unknown
// merchants, the same bytes as the generator gave before them (the digest of seed 42, 300 orders,
// taken from that version), whatever the payout and fund rates.
TEST(Gen, PartnerFlowsLeaveTheOrderEventsAlone) {
  Options o;
  o.orders = 300;
  o.unknown_merchant_rate = 0;
  const Output plain = generate(o);
  std::string text;
  for (const auto& m : plain.messages)
    if (order_stream(m.stream))
      text += std::to_string(static_cast<int>(m.stream)) + " " + m.key + " " + m.value + "\n";
  EXPECT_EQ(contract::sha256_hex(text),
            "228b5ac14265262caaeb183240325981f59b8496d2b8287742351a9447249bd7");
  Options all = o;
  all.payout_mismatch_rate = all.paid_out_twice_rate = all.payout_unknown_order_rate = 0.05;
  all.not_paid_out_rate = all.bad_payout_rate = all.fund_mismatch_rate = 0.05;
  const Output busy = generate(all);
  std::vector<std::string> a, b;
  for (const auto& m : plain.messages)
    if (order_stream(m.stream)) a.push_back(m.value);
  for (const auto& m : busy.messages)
    if (order_stream(m.stream)) b.push_back(m.value);
  EXPECT_EQ(a, b);
  EXPECT_EQ(plain.invoicebox_state, busy.invoicebox_state);
  EXPECT_NE(plain.fund_operations, busy.fund_operations);

  // Unknown merchants change only their own orders' events.
  all.unknown_merchant_rate = 0.02;
  const Output waiting = generate(all);
  std::set<std::string> unknown;
  for (const auto& r : waiting.truth.at("recon"))
    if (r.at("kind") == "unknown_merchant") unknown.insert(r.at("order_id"));
  EXPECT_EQ(unknown.size(), 6u);
  std::vector<std::string> c, d;
  for (const auto& m : busy.messages)
    if (order_stream(m.stream) && !unknown.count(m.key)) c.push_back(m.value);
  for (const auto& m : waiting.messages)
    if (order_stream(m.stream) && !unknown.count(m.key)) d.push_back(m.value);
  EXPECT_EQ(c, d);
}

TEST(Gen, ReplayMatchesTruth) {
  const Output& out = big();
  const Replay rp = replay(out);
  const json& stream = out.truth.at("stream");
  const json& ledger = out.truth.at("ledger");

  std::size_t parked = 0, payments = 0;
  std::int64_t payments_amount = 0;
  json orders = json::array();
  for (const auto& [id, o] : rp.orders) {
    parked += o.parked.size();
    if (!o.paid) continue;
    ++payments;
    payments_amount += o.payment.at("amount").get<std::int64_t>();
    orders.push_back({{"order_id", id},
                      {"paid", o.payment.at("amount")},
                      {"refunded", o.refunded},
                      {"customer_type", o.payment.at("customer").at("type")}});
  }
  EXPECT_EQ(stream.at("events_applied"), rp.applied);
  EXPECT_EQ(stream.at("exact_duplicates"), rp.exact);
  EXPECT_EQ(stream.at("business_duplicates"), rp.business);
  EXPECT_EQ(stream.at("parked_forever"), parked);
  EXPECT_EQ(ledger.at("payments"), payments);
  EXPECT_EQ(ledger.at("payments_amount"), payments_amount);
  EXPECT_EQ(ledger.at("shipments"), rp.shipments);
  EXPECT_EQ(ledger.at("refunds"), rp.refunds);
  EXPECT_EQ(ledger.at("refunds_amount"), rp.refunds_amount);
  EXPECT_EQ(out.truth.at("orders"), orders);

  std::size_t rejected = 0, merchant_events = 0, payouts = 0, waiting = 0;
  for (const auto& [code, n] : stream.at("rejected").items()) rejected += n.get<std::size_t>();
  for (const auto& m : out.messages) {
    merchant_events += m.stream == Stream::merchants ? 1 : 0;
    payouts += m.stream == Stream::payouts ? 1 : 0;
  }
  for (const auto& [id, o] : rp.orders) waiting += o.waits_for_merchant ? o.parked.size() : 0;
  EXPECT_EQ(stream.at("merchant_events"), merchant_events);
  EXPECT_EQ(stream.at("waiting_for_merchant"), waiting);
  EXPECT_GT(waiting, 0u);
  std::size_t payouts_rejected = 0;
  for (const auto& d : out.truth.at("dead_letters"))
    payouts_rejected += d.at("stream") == "payouts";
  EXPECT_EQ(stream.at("payouts_recorded"), payouts - payouts_rejected);
  EXPECT_EQ(stream.at("messages"), out.messages.size());
  EXPECT_EQ(out.messages.size(), rp.applied + rp.exact + rp.business + parked + rejected +
                                     merchant_events +
                                     stream.at("payouts_recorded").get<std::size_t>());

  // Refund lines that span receipts, lines refunded twice, refunds of shipped units.
  EXPECT_GT(rp.spanning_refunds, 5u);
  EXPECT_GT(rp.repeated_refunds, 5u);
  EXPECT_GT(rp.shipped_refunds, 50u);

  // Roughly the asked shares.
  EXPECT_NEAR(static_cast<double>(rp.exact) / static_cast<double>(rp.applied), 0.05, 0.005);
  EXPECT_EQ(rp.business, 20u);
  EXPECT_EQ(parked, 4u + waiting);  // four orphans, and the unknown merchants' orders
}

TEST(Gen, ReplayMatchesTruthOverSeeds) {
  std::size_t capped = 0;
  for (const std::uint64_t seed : {1, 5, 7, 8, 12, 99}) {
    Options o;
    o.seed = seed;
    o.orders = 1000;
    const Output out = generate(o);
    const Replay rp = replay(out);
    std::size_t parked = 0;
    std::int64_t paid = 0;
    for (const auto& [id, order] : rp.orders) {
      parked += order.parked.size();
      if (order.paid) paid += order.payment.at("amount").get<std::int64_t>();
    }
    const json& t = out.truth;
    EXPECT_EQ(t.at("stream").at("events_applied"), rp.applied) << seed;
    EXPECT_EQ(t.at("stream").at("exact_duplicates"), rp.exact) << seed;
    EXPECT_EQ(t.at("stream").at("business_duplicates"), rp.business) << seed;
    EXPECT_EQ(t.at("stream").at("parked_forever"), parked) << seed;
    EXPECT_EQ(t.at("ledger").at("payments_amount"), paid) << seed;
    EXPECT_EQ(t.at("ledger").at("refunds_amount"), rp.refunds_amount) << seed;
    capped += rp.capped_refunds;
  }
  // Refunds where a rounded-up settlement left the prepayment a kopeck short do occur.
  EXPECT_GT(capped, 0u);
}

TEST(Gen, DeliveryOrder) {
  const Output& out = big();
  const Replay rp = replay(out);
  std::size_t reordered = 0;
  for (const auto& [id, o] : rp.orders) {
    if (!o.paid || o.later_events.empty()) continue;
    const auto [lo, hi] = std::minmax_element(o.later_events.begin(), o.later_events.end());
    if (o.payment_index > *lo) {
      // Reordered: the payment after every shipment and refund, never in between.
      EXPECT_GT(o.payment_index, *hi) << id;
      ++reordered;
    }
  }
  EXPECT_EQ(out.truth.at("stream").at("reordered_orders"), reordered);
  EXPECT_EQ(reordered, 200u);
  // Bad extras come after the payment they are judged against.
  for (const auto& d : out.truth.at("dead_letters")) {
    const std::string code = d.at("error_code");
    if (d.at("stream") == "payouts") continue;
    if (code == "missing_contact" || code == "invalid_inn" || code == "invalid_kpp") continue;
    const auto& o = rp.orders.at(d.at("order_id"));
    EXPECT_GT(d.at("index").get<std::size_t>(), o.payment_index) << d.dump();
  }
  // Merchant events first, payouts last, order events between.
  std::size_t first_order = out.messages.size(), last_order = 0;
  for (std::size_t i = 0; i < out.messages.size(); ++i) {
    if (!order_stream(out.messages[i].stream)) continue;
    first_order = std::min(first_order, i);
    last_order = i;
  }
  for (std::size_t i = 0; i < out.messages.size(); ++i) {
    if (out.messages[i].stream == Stream::merchants) {
      EXPECT_LT(i, first_order);
    } else if (out.messages[i].stream == Stream::payouts) {
      EXPECT_GT(i, last_order);
    }
  }
  // Deliveries interleave orders: consecutive messages rarely share a key.
  std::size_t same = 0;
  for (std::size_t i = 1; i < out.messages.size(); ++i) {
    same += out.messages[i].key == out.messages[i - 1].key ? 1 : 0;
  }
  EXPECT_LT(same, out.messages.size() / 10);
}

TEST(Gen, EveryBadKindIsMadeAndCounted) {
  const Output& out = big();
  const Replay rp = replay(out);
  const json& truth = out.truth;
  std::map<std::string, std::size_t> counted;
  for (const auto& d : truth.at("dead_letters")) {
    const std::string code = d.at("error_code");
    ++counted[code];
    const Message& m = out.messages.at(d.at("index").get<std::size_t>());
    EXPECT_EQ(stream_name(m.stream), d.at("stream").get<std::string>());
    EXPECT_EQ(m.key, d.at("key").get<std::string>());
    if (m.stream == Stream::payouts) continue;  // Gen.Payouts
    const std::string order_id = d.at("order_id");
    SCOPED_TRACE(code + ": " + m.value);
    if (code == "invalid_encoding") {
      EXPECT_FALSE(valid_utf8(m.value));
      continue;
    }
    EXPECT_TRUE(valid_utf8(m.value));
    if (code == "invalid_json") {
      EXPECT_EQ(m.stream, Stream::payments);
      EXPECT_EQ(m.key, order_id);
      EXPECT_FALSE(json::accept(m.value));
      continue;
    }
    const json ev = json::parse(m.value);
    EXPECT_EQ(ev.at("order_id").get<std::string>(), order_id);
    if (code == "key_mismatch") {
      EXPECT_NE(m.key, order_id);
      EXPECT_FALSE(rp.orders.count(m.key)) << "the key must not be another order's id";
      continue;
    }
    EXPECT_EQ(m.key, order_id);
    if (code == "missing_contact") {
      const auto& c = ev.at("customer");
      EXPECT_EQ(c.at("type"), "private");
      EXPECT_FALSE(c.contains("email") || c.contains("phone"));
      EXPECT_FALSE(rp.orders.count(order_id)) << "the order must have no other events";
      continue;
    }
    if (code == "invalid_inn" || code == "invalid_kpp") {
      // An organization's payment whose requisites break exactly the one rule named.
      const auto& c = ev.at("customer");
      EXPECT_EQ(c.at("type"), "legal");
      const std::string inn = c.at("inn");
      EXPECT_EQ(code == "invalid_inn", !core::valid_inn(inn)) << inn;
      EXPECT_TRUE(inn.size() == 10 || inn.size() == 12) << inn;
      const bool bad_kpp = c.contains("kpp") && !core::valid_kpp(c.at("kpp").get<std::string>());
      EXPECT_EQ(code == "invalid_kpp", bad_kpp);
      EXPECT_FALSE(rp.orders.count(order_id)) << "the order must have no other events";
      continue;
    }
    const OrderState& o = rp.orders.at(order_id);
    ASSERT_TRUE(o.paid);
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> lines;  // sku -> quantity, total
    for (const auto& item : o.payment.at("items")) {
      lines[item.at("sku")] = {*thousandths(item.at("quantity")), item.at("total_amount")};
    }
    if (code == "schema_violation") {
      const bool missing_merchant = !ev.contains("merchant_id");
      const bool string_amount = ev.contains("amount") && ev.at("amount").is_string();
      const bool usd = ev.contains("currency") && ev.at("currency") != "RUB";
      bool long_quantity = false;
      if (ev.contains("items")) {
        for (const auto& item : ev.at("items")) {
          long_quantity |= !thousandths(item.at("quantity")).has_value();
        }
      }
      EXPECT_EQ(1, missing_merchant + string_amount + usd + long_quantity);
    } else if (code == "amount_mismatch") {
      std::int64_t sum = 0;
      for (const auto& item : ev.at("items")) sum += item.at("amount").get<std::int64_t>();
      EXPECT_NE(ev.at("amount").get<std::int64_t>(), sum);
      EXPECT_LE(ev.at("amount").get<std::int64_t>(), o.payment.at("amount").get<std::int64_t>());
    } else if (code == "over_shipment") {
      const auto& item = ev.at("items").at(0);
      EXPECT_GT(*thousandths(item.at("quantity")), lines.at(item.at("sku")).first);
    } else if (code == "over_refund") {
      std::int64_t sum = 0;
      for (const auto& item : ev.at("items")) {
        sum += item.at("amount").get<std::int64_t>();
        EXPECT_GT(item.at("amount").get<std::int64_t>(), lines.at(item.at("sku")).second);
      }
      EXPECT_EQ(ev.at("amount").get<std::int64_t>(), sum);
    } else if (code == "unknown_sku") {
      EXPECT_FALSE(lines.count(ev.at("items").at(0).at("sku")));
    } else if (code == "duplicate_payment") {
      EXPECT_EQ(m.stream, Stream::payments);
      EXPECT_NE(ev.at("event_id"), o.payment.at("event_id"));
      EXPECT_NE(ev.at("payment_id"), o.payment.at("payment_id"));
      check_payment(ev);
    } else if (code == "event_id_conflict") {
      EXPECT_EQ(m.stream, Stream::payments);
      EXPECT_EQ(ev.at("event_id"), o.payment.at("event_id"));
      EXPECT_NE(ev.at("amount"), o.payment.at("amount"));
      check_payment(ev);  // consistent in itself
    } else {
      ADD_FAILURE() << "unexpected error code";
    }
  }
  for (const char* kind : kBadKinds) {
    EXPECT_GE(counted[kind], 1u) << kind;
    EXPECT_EQ(truth.at("stream").at("rejected").at(kind), counted[kind]) << kind;
  }
  EXPECT_EQ(truth.at("stream").at("rejected").size(), std::size(kBadKinds));
}

TEST(Gen, InvoiceboxStateAndRecon) {
  const Output& out = big();
  const Replay rp = replay(out);
  struct Ib {
    std::string status, type;
    std::int64_t amount = 0;
  };
  std::map<std::string, Ib> ib;
  std::map<std::string, std::int64_t> ib_refunded;
  std::set<std::string> ids;
  for (const std::string& line : out.invoicebox_state) {
    ASSERT_TRUE(valid_utf8(line));
    ASSERT_EQ(line.find('\n'), std::string::npos);
    const json j = json::parse(line);
    EXPECT_TRUE(ids.insert(j.at("id")).second) << "ids are unique";
    const auto tokens = money_tokens(line);
    EXPECT_FALSE(tokens.empty());
    for (const auto& [key, token] : tokens) EXPECT_TRUE(two_decimals(token)) << key << "=" << token;
    EXPECT_EQ(j.at("currencyId"), "RUB");
    if (j.contains("parentId")) {
      EXPECT_EQ(j.at("status"), "completed");
      ib_refunded[j.at("parentId")] += kopecks(j.at("amount"));
      continue;
    }
    for (const char* field : {"id", "merchantId", "merchantOrderId", "description", "createdAt"}) {
      EXPECT_TRUE(j.at(field).is_string()) << field;
    }
    EXPECT_EQ(j.contains("paidAt"), j.at("status") == "completed");
    ASSERT_FALSE(j.at("basketItems").empty());
    for (const auto& item : j.at("basketItems")) {
      EXPECT_TRUE(item.at("quantity").is_number());
      EXPECT_EQ(item.at("paymentType"), "full_prepayment");
    }
    ib[j.at("id")] = {j.at("status"), j.at("customer").at("type"), kopecks(j.at("amount"))};
  }

  // Reference reconciliation.
  std::map<std::string, json> kassa;
  for (const auto& o : out.truth.at("orders")) kassa[o.at("order_id")] = o;
  std::set<std::string> all;
  for (const auto& [id, o] : kassa) all.insert(id);
  for (const auto& [id, o] : ib) all.insert(id);
  json recon = json::array();
  auto add = [&](const std::string& id, const char* kind, std::int64_t k, std::int64_t i) {
    recon.push_back({{"order_id", id},
                     {"kind", kind},
                     {"kassa_amount", k},
                     {"invoicebox_amount", i},
                     {"delta", k - i}});
  };
  for (const std::string& id : all) {
    const auto k = kassa.find(id);
    const auto i = ib.find(id);
    const bool ib_paid = i != ib.end() && i->second.status == "completed";
    if (k == kassa.end()) {
      if (ib_paid) add(id, "missing_in_kassa", 0, i->second.amount);
      continue;
    }
    const std::int64_t paid = k->second.at("paid");
    const std::int64_t refunded = k->second.at("refunded");
    if (!ib_paid) {
      add(id, "missing_in_invoicebox", paid, 0);
      continue;
    }
    if (paid != i->second.amount) add(id, "amount_mismatch", paid, i->second.amount);
    if (refunded != ib_refunded[id]) add(id, "refund_mismatch", refunded, ib_refunded[id]);
    if (k->second.at("customer_type") != i->second.type) add(id, "customer_mismatch", paid, paid);
  }
  for (const auto& [id, o] : rp.orders) {
    if (!o.parked.empty()) add(id, "orphan_event", 0, 0);
    if (o.waits_for_merchant) add(id, "unknown_merchant", 0, 0);
  }
  payout_findings(out, rp, add);
  fund_findings(out, rp, add);
  std::sort(recon.begin(), recon.end(), [](const json& a, const json& b) {
    return std::make_pair(a.at("order_id").get<std::string>(), a.at("kind").get<std::string>()) <
           std::make_pair(b.at("order_id").get<std::string>(), b.at("kind").get<std::string>());
  });
  EXPECT_EQ(out.truth.at("recon"), recon);

  std::map<std::string, std::size_t> kinds;
  for (const auto& r : recon) ++kinds[r.at("kind")];
  for (const char* kind : kReconKinds) EXPECT_GE(kinds[kind], 2u) << kind;
  for (const char* kind : kPartnerKinds) EXPECT_GE(kinds[kind], 2u) << kind;
  std::set<std::string> statuses;
  for (const auto& [id, o] : ib) statuses.insert(o.status);
  EXPECT_EQ(statuses, (std::set<std::string>{"completed", "created", "expired"}));
}

TEST(Gen, ContentCoversTheContract) {
  const Output& out = big();
  std::set<std::string> vat_codes, measures, times, inn_lengths, types;
  std::size_t max_items = 0, one_kopeck = 0, discounted = 0, kpp = 0, tiny = 0, three_quarters = 0;
  std::size_t without_items = 0, cyrillic = 0, legal = 0, private_ = 0;
  std::set<std::string> merchants;
  for (const Message& m : out.messages) {
    if (!valid_utf8(m.value) || !json::accept(m.value)) continue;
    const json ev = json::parse(m.value);
    if (ev.contains("merchant_id")) merchants.insert(ev.at("merchant_id"));
    if (m.stream == Stream::shipments && !ev.contains("items")) ++without_items;
    if (m.stream != Stream::payments || !ev.at("amount").is_number()) continue;
    const std::string at = ev.at("occurred_at");
    times.insert(at);
    EXPECT_GE(at, "2025-12-24T00:00:00Z");
    EXPECT_LT(at, "2026-01-08T00:00:00Z");
    const auto& c = ev.at("customer");
    (c.at("type") == "legal" ? legal : private_) += 1;
    if (c.contains("inn"))
      inn_lengths.insert(std::to_string(c.at("inn").get<std::string>().size()));
    kpp += c.contains("kpp") ? 1 : 0;
    max_items = std::max(max_items, ev.at("items").size());
    for (const auto& item : ev.at("items")) {
      vat_codes.insert(item.at("vat_code"));
      measures.insert(item.at("measure_code"));
      types.insert(item.at("type"));
      const std::string q = item.at("quantity");
      tiny += q == "0.001" ? 1 : 0;
      three_quarters += q == "0.750" ? 1 : 0;
      const std::int64_t price = item.at("price"), total = item.at("total_amount");
      one_kopeck += total == 1 ? 1 : 0;
      discounted += total != half_up(price, *thousandths(q), 1000) ? 1 : 0;
      const std::string name = item.at("name");
      cyrillic += static_cast<unsigned char>(name[0]) >= 0x80 ? 1 : 0;
    }
  }
  EXPECT_EQ(vat_codes,
            (std::set<std::string>{"VATNONE", "RUS_VAT0", "RUS_VAT5", "RUS_VAT7", "RUS_VAT10",
                                   "RUS_VAT20", "RUS_VAT22", "RUS_VAT5_ADDED", "RUS_VAT7_ADDED",
                                   "RUS_VAT10_ADDED", "RUS_VAT20_ADDED", "RUS_VAT22_ADDED"}));
  EXPECT_EQ(max_items, 100u);
  EXPECT_TRUE(measures.count("166") && measures.count("796"));
  EXPECT_EQ(types, (std::set<std::string>{"commodity", "service"}));
  EXPECT_GT(tiny, 0u);
  EXPECT_GT(three_quarters, 0u);
  EXPECT_GT(one_kopeck, 0u);
  EXPECT_GT(discounted, 100u);
  EXPECT_GT(cyrillic, 1000u);
  EXPECT_GT(without_items, 0u);
  EXPECT_TRUE(times.count("2025-12-31T21:00:00Z"));
  EXPECT_TRUE(times.count("2025-12-31T20:59:59Z"));
  EXPECT_EQ(inn_lengths, (std::set<std::string>{"10", "12"}));
  EXPECT_GT(kpp, 0u);
  EXPECT_NEAR(static_cast<double>(legal) / static_cast<double>(legal + private_), 0.2, 0.04);
  // Twenty shops with merchant events, and one each for the orders of unknown merchants.
  EXPECT_EQ(merchants.size(),
            20u + out.truth.at("partner_flows").at("unknown_merchants").get<std::size_t>());
}

// Every merchant event by the contract's rules (schemas/merchant.v1.json and the checksum), in
// occurred_at order; each order's merchant activated no later than the order's first event,
// except the unknown merchants'; each merchant.updated strictly between two of its payments.
TEST(Gen, MerchantEvents) {
  const Output& out = big();
  const Replay rp = replay(out);
  contract::SchemaValidator schema("merchant.v1.json");
  std::map<std::string, std::string> activated;              // merchant -> occurred_at
  std::vector<std::pair<std::string, std::string>> updates;  // merchant, occurred_at
  std::set<std::string> event_ids;
  std::string last;
  std::size_t sole_traders = 0, with_partner = 0, with_edo = 0, five_phones = 0;
  for (const Message& m : out.messages) {
    if (m.stream != Stream::merchants) continue;
    const json ev = json::parse(m.value);
    SCOPED_TRACE(m.value);
    EXPECT_EQ(schema.problems(ev), std::nullopt);
    EXPECT_EQ(m.key, ev.at("merchant_id").get<std::string>());
    EXPECT_EQ(ev.at("schema_version"), 1);
    EXPECT_TRUE(event_ids.insert(ev.at("event_id")).second);
    const std::string at = ev.at("occurred_at");
    EXPECT_GE(at, last) << "published in occurred_at order";
    last = at;
    const std::string inn = ev.at("inn");
    EXPECT_TRUE(core::valid_inn(inn)) << inn;
    if (inn.size() == 10) {
      ASSERT_TRUE(ev.contains("kpp"));
      EXPECT_TRUE(core::valid_kpp(ev.at("kpp").get<std::string>()));
    } else {
      EXPECT_EQ(inn.size(), 12u);
      EXPECT_FALSE(ev.contains("kpp")) << "a sole trader has no KPP";
      ++sole_traders;
    }
    const auto& phones = ev.at("phones");
    ASSERT_TRUE(phones.size() >= 1 && phones.size() <= 5);
    five_phones += phones.size() == 5;
    for (const auto& p : phones) {
      const std::string phone = p;
      EXPECT_TRUE(phone.size() == 12 && phone.substr(0, 2) == "+7" && all_digits(phone.substr(2)));
    }
    EXPECT_FALSE(ev.at("name").get<std::string>().empty());
    EXPECT_NE(ev.at("email").get<std::string>().find('@'), std::string::npos);
    EXPECT_FALSE(ev.at("site_url").get<std::string>().empty());
    with_partner += ev.contains("partner_id");
    with_edo += ev.contains("edo_participant_id");
    if (ev.at("event_type") == "merchant.activated") {
      EXPECT_TRUE(activated.emplace(ev.at("merchant_id"), at).second) << "activated once";
    } else {
      EXPECT_EQ(ev.at("event_type"), "merchant.updated");
      EXPECT_TRUE(activated.count(ev.at("merchant_id"))) << "updated after its activation";
      updates.emplace_back(ev.at("merchant_id"), at);
    }
  }
  EXPECT_EQ(activated.size(), 20u);
  EXPECT_GT(sole_traders, 0u);
  EXPECT_GT(with_partner, 0u);
  EXPECT_LT(with_partner, activated.size());
  EXPECT_GT(with_edo, 0u);
  EXPECT_GT(five_phones, 0u);
  EXPECT_GE(updates.size(), 2u);
  EXPECT_EQ(out.truth.at("partner_flows").at("merchant_updates"), updates.size());

  // Each order's first event against its merchant's activation.
  std::map<std::string, std::pair<std::string, std::string>> first;  // order -> merchant, time
  for (const Message& m : out.messages) {
    if (!order_stream(m.stream) || !valid_utf8(m.value) || !json::accept(m.value)) continue;
    const json ev = json::parse(m.value);
    if (!ev.contains("merchant_id") || !ev.contains("order_id")) continue;
    auto [it, fresh] = first.emplace(ev.at("order_id"),
                                     std::make_pair(ev.at("merchant_id"), ev.at("occurred_at")));
    if (!fresh)
      it->second.second = std::min(it->second.second, ev.at("occurred_at").get<std::string>());
  }
  std::set<std::string> unknown;
  for (const auto& r : out.truth.at("recon"))
    if (r.at("kind") == "unknown_merchant") unknown.insert(r.at("order_id"));
  EXPECT_GE(unknown.size(), 2u);
  for (const auto& [order, mt] : first) {
    const auto it = activated.find(mt.first);
    if (unknown.count(order)) {
      EXPECT_TRUE(it == activated.end()) << order << ": its merchant never comes";
      EXPECT_TRUE(rp.orders.at(order).waits_for_merchant);
    } else {
      ASSERT_TRUE(it != activated.end()) << order;
      EXPECT_LE(it->second, mt.second) << order;
    }
  }
  // merchant.updated strictly between two applied payments of its merchant.
  std::map<std::string, std::vector<std::string>> payments;
  for (const auto& [id, o] : rp.orders)
    if (o.paid) payments[o.payment.at("merchant_id")].push_back(o.payment.at("occurred_at"));
  for (const auto& [merchant, at] : updates) {
    const auto& times = payments[merchant];
    EXPECT_TRUE(std::any_of(times.begin(), times.end(), [&](const auto& t) { return t < at; }) &&
                std::any_of(times.begin(), times.end(), [&](const auto& t) { return t > at; }))
        << merchant << " " << at;
  }
}

// Every payout by the contract's rules; amount = the sum of net except the ones kassa must
// dead-letter; each order kassa applied is paid out, bar the injected cases.
TEST(Gen, Payouts) {
  const Output& out = big();
  const Replay rp = replay(out);
  contract::SchemaValidator schema("payout.completed.v1.json");
  std::map<std::size_t, std::string> dead;
  for (const auto& d : out.truth.at("dead_letters"))
    if (d.at("stream") == "payouts") dead[d.at("index")] = d.at("error_code");
  std::map<std::string, std::string> partner;  // merchant -> partner_id of its activation
  for (const Message& m : out.messages) {
    if (m.stream != Stream::merchants) continue;
    const json ev = json::parse(m.value);
    if (ev.at("event_type") == "merchant.activated")
      partner[ev.at("merchant_id")] = ev.value("partner_id", "");
  }
  std::set<std::pair<std::string, std::string>> payout_ids;
  std::set<std::string> event_ids;
  std::string last;
  std::size_t recorded = 0, rejected = 0, adjustments = 0;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < out.messages.size(); ++i) {
    const Message& m = out.messages[i];
    if (m.stream != Stream::payouts) continue;
    const json ev = json::parse(m.value);
    SCOPED_TRACE(m.value.substr(0, 300));
    EXPECT_EQ(schema.problems(ev), std::nullopt);
    EXPECT_EQ(m.key, ev.at("merchant_id").get<std::string>());
    EXPECT_EQ(ev.value("partner_id", ""), partner.at(m.key));
    EXPECT_TRUE(event_ids.insert(ev.at("event_id")).second);
    EXPECT_GE(ev.at("occurred_at").get<std::string>(), last) << "in occurred_at order";
    last = ev.at("occurred_at");
    std::int64_t sum = 0;
    std::set<std::string> orders;
    for (const auto& l : ev.at("orders")) {
      const std::int64_t paid = l.at("paid"), refunded = l.at("refunded"),
                         commission = l.at("commission"), net = l.at("net");
      EXPECT_EQ(net, paid - refunded - commission);
      EXPECT_TRUE(orders.insert(l.at("order_id")).second) << "an order once per payout";
      EXPECT_GE(commission, 0);
      EXPECT_LE(commission, std::max<std::int64_t>(0, paid - refunded));
      adjustments += paid == 0 && net < 0;
      const auto it = rp.orders.find(l.at("order_id"));
      if (it != rp.orders.end() && it->second.paid && paid > 0) {
        EXPECT_GE(ev.at("occurred_at").get<std::string>(),
                  it->second.payment.at("occurred_at").get<std::string>())
            << "paid out after it was paid";
      }
      sum += net;
    }
    const std::int64_t amount = ev.at("amount");
    EXPECT_GE(amount, 0);
    if (dead.count(i)) {
      EXPECT_EQ(dead[i], "amount_mismatch");
      EXPECT_NE(amount, sum);
      ++rejected;
      continue;
    }
    EXPECT_EQ(amount, sum);
    EXPECT_TRUE(payout_ids.emplace(m.key, ev.at("payout_id")).second) << "payout_id per merchant";
    ++recorded;
    total += amount;
  }
  EXPECT_GE(rejected, 2u);
  EXPECT_EQ(dead.size(), rejected);
  EXPECT_GT(adjustments, 0u) << "refunds after a payout come off a later one";
  EXPECT_GT(recorded, 50u);
  const json& summary = out.truth.at("partner_flows");
  EXPECT_EQ(summary.at("payouts"), recorded);
  EXPECT_EQ(summary.at("payouts_rejected"), rejected);
  EXPECT_EQ(summary.at("payouts_amount"), total);
}

// The truth names every injected case once, kind by kind, over several seeds and sizes.
TEST(Gen, InjectedPartnerCasesAreInTheTruth) {
  for (const auto& [seed, orders] :
       {std::pair<std::uint64_t, int>{42, 2000}, {7, 600}, {2026, 4000}, {5, 120}}) {
    Options o;
    o.seed = seed;
    o.orders = orders;
    o.unknown_merchant_rate = 0.002;
    const Output out = generate(o);
    std::map<std::string, std::size_t> kinds;
    for (const auto& r : out.truth.at("recon")) ++kinds[r.at("kind")];
    const json& injected = out.truth.at("partner_flows").at("injected");
    for (const char* kind : kPartnerKinds) {
      EXPECT_EQ(kinds[kind], injected.at(kind).get<std::size_t>()) << seed << " " << kind;
      if (orders >= 500) {
        EXPECT_GE(kinds[kind], 2u) << seed << " " << kind;
      }
    }
    std::size_t bad = 0;
    for (const auto& d : out.truth.at("dead_letters")) bad += d.at("stream") == "payouts";
    EXPECT_EQ(bad, injected.at("bad_payouts").get<std::size_t>()) << seed;
    // An unknown merchant's order is also waiting (orphan_event) and unpaid in kassa.
    std::map<std::string, std::set<std::string>> by_order;
    for (const auto& r : out.truth.at("recon")) by_order[r.at("order_id")].insert(r.at("kind"));
    for (const auto& [id, k] : by_order) {
      if (!k.count("unknown_merchant")) continue;
      EXPECT_EQ(k, (std::set<std::string>{"missing_in_kassa", "orphan_event", "unknown_merchant"}))
          << id;
    }
  }
  // Rates of zero inject nothing.
  Options none;
  none.orders = 1000;
  none.unknown_merchant_rate = none.payout_mismatch_rate = none.paid_out_twice_rate = 0;
  none.payout_unknown_order_rate = none.not_paid_out_rate = none.bad_payout_rate = 0;
  none.fund_mismatch_rate = 0;
  const Output out = generate(none);
  for (const auto& r : out.truth.at("recon"))
    for (const char* kind : kPartnerKinds) EXPECT_NE(r.at("kind"), kind) << r.dump();
  for (const auto& d : out.truth.at("dead_letters")) EXPECT_NE(d.at("stream"), "payouts");
}

TEST(Gen, SmallAndExtremeOptions) {
  Options o;
  o.orders = 0;
  const Output empty = generate(o);
  EXPECT_TRUE(empty.messages.empty());
  EXPECT_TRUE(empty.invoicebox_state.empty());
  EXPECT_TRUE(empty.fund_operations.empty());
  EXPECT_EQ(empty.truth.at("stream").at("messages"), 0);

  for (const int orders : {1, 7, 60}) {
    o = Options{};
    o.orders = orders;
    o.malformed_rate = 1;
    o.duplicate_rate = 1;
    o.reorder_rate = 1;
    o.discrepancy_rate = 1;
    o.orphan_rate = 0;
    const Output out = generate(o);
    const Replay rp = replay(out);
    EXPECT_EQ(out.truth.at("stream").at("events_applied"), rp.applied) << orders;
    EXPECT_EQ(out.truth.at("stream").at("exact_duplicates"), rp.applied) << orders;
  }

  o = Options{};
  o.orders = 100;
  o.orphan_rate = 1;
  const Output orphans = generate(o);
  EXPECT_EQ(orphans.truth.at("stream").at("parked_forever"), 100);
  EXPECT_EQ(orphans.truth.at("ledger").at("payments"), 0);
}

TEST(Gen, RejectsBadOptions) {
  Options o;
  o.orders = -1;
  EXPECT_THROW(generate(o), std::invalid_argument);
  o = Options{};
  o.duplicate_rate = 1.5;
  EXPECT_THROW(generate(o), std::invalid_argument);
  o = Options{};
  o.legal_share = std::nan("");
  EXPECT_THROW(generate(o), std::invalid_argument);
  o = Options{};
  o.fund_mismatch_rate = -0.1;
  EXPECT_THROW(generate(o), std::invalid_argument);
  o = Options{};
  o.bad_payout_rate = 2;
  EXPECT_THROW(generate(o), std::invalid_argument);
  o = Options{};
  o.from = "2025-12-24";
  EXPECT_THROW(generate(o), std::invalid_argument);
  o = Options{};
  o.to = o.from;
  EXPECT_THROW(generate(o), std::invalid_argument);
}

}  // namespace
}  // namespace kassa::gen
