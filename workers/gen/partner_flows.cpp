#include "gen/partner_flows.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "contract/encoding.hpp"

namespace kassa::gen::detail {
namespace {

// PRNG purposes of their own (generator.cpp uses 1..7), so nothing here moves an order's bytes.
constexpr std::uint64_t kMerchantPurpose = 20;
constexpr std::uint64_t kPayoutPurpose = 21;
constexpr std::uint64_t kInjectPurpose = 22;
constexpr std::uint64_t kFundPurpose = 23;

constexpr std::int64_t kPayoutPeriod = 3 * kDay;  // a shop is paid out every three days
constexpr std::size_t kPayoutLines = 1000;        // orders per payout message at most

constexpr const char* kShopNames[] = {
    "ООО «Чайный двор»",         "ООО «Электромир»",
    "ООО «Книжная лавка»",       "ООО «Сад и огород»",
    "ООО «Курьер-Экспресс»",     "ООО «Кофемания»",
    "ООО «Детский мир игрушек»", "ООО «Спорттовары»",
    "АО «Городские гостиницы»",  "АНО «Школа программирования»",
};
constexpr const char* kTraders[] = {
    "ИП Соколова Ирина Андреевна",
    "ИП Гусев Олег Викторович",
    "ИП Белова Дарья Сергеевна",
    "ИП Тихонов Роман Ильич",
};

// How many cases of a kind: the rate's share of the orders, and from 500 orders on at least
// `floor`, so that a demo-sized stream shows every kind.
std::size_t injected(double rate, int orders, std::size_t floor) {
  std::size_t n = share(rate, orders);
  if (orders >= 500 && rate > 0) n = std::max(n, floor);
  return n;
}

std::string phone(Rng& r) {
  return std::string(r.chance(0.5) ? "+79" : "+74") + digits(r, 9);
}

struct Merchant {
  std::string id, partner_id, name, inn, kpp, email, site_url, edo;
  std::vector<std::string> phones;
};

json merchant_json(const Merchant& m, const std::string& event_id, const char* type,
                   std::int64_t at) {
  json ev = {{"event_id", event_id}, {"event_type", type},
             {"schema_version", 1},  {"occurred_at", format_utc(at)},
             {"merchant_id", m.id},  {"name", m.name},
             {"inn", m.inn},         {"phones", m.phones},
             {"email", m.email},     {"site_url", m.site_url}};
  if (!m.partner_id.empty()) ev["partner_id"] = m.partner_id;
  if (!m.kpp.empty()) ev["kpp"] = m.kpp;
  if (!m.edo.empty()) ev["edo_participant_id"] = m.edo;
  return ev;
}

Merchant make_merchant(Rng& r, const std::string& id, std::size_t number) {
  Merchant m;
  m.id = id;
  if (r.chance(0.4)) m.partner_id = partner_uuid(static_cast<int>(r.below(kPartners)));
  if (r.chance(0.25)) {
    m.name = kTraders[r.index(std::size(kTraders))];
    m.inn = make_inn(r, 12);  // a sole trader: no KPP
  } else {
    m.name = kShopNames[number % std::size(kShopNames)];
    m.inn = make_inn(r, 10);
    m.kpp = m.inn.substr(0, 4) + "01" + digits(r, 3);
  }
  const std::string shop = "shop" + pad(static_cast<std::int64_t>(number) + 1, 2);
  m.email = shop + "@merchant.example.ru";
  m.site_url = "https://" + shop + ".example.ru";
  if (r.chance(0.5)) m.edo = "2BM-" + m.inn + "-" + digits(r, 8);
  const auto phones = 1 + r.index(5);
  for (std::size_t k = 0; k < phones; ++k) m.phones.push_back(phone(r));
  return m;
}

struct PayoutLine {
  std::string order_id;
  std::int64_t paid = 0, refunded = 0, commission = 0;
  std::int64_t net() const { return paid - refunded - commission; }
};

struct Payout {
  std::size_t merchant = 0;
  std::int64_t at = 0;
  std::string id, event_id;
  std::vector<PayoutLine> lines;
  std::int64_t amount() const {
    std::int64_t sum = 0;
    for (const auto& l : lines) sum += l.net();
    return sum;
  }
};

// Invoicebox's fee: 2.5 % of what is left of the payment, half up, never more than that.
std::int64_t commission_of(std::int64_t base) {
  return base <= 0 ? 0 : mul_div_round(base, 25, 1000);
}

std::int64_t refunded_by(const OrderFacts& o, std::int64_t t) {
  std::int64_t sum = 0;
  for (const auto& [at, amount] : o.refunds) sum += at <= t ? amount : 0;
  return sum;
}

std::int64_t refunded_total(const OrderFacts& o) {
  return refunded_by(o, std::numeric_limits<std::int64_t>::max());
}

json payout_json(const Payout& p, const std::string& merchant_id, const std::string& partner_id,
                 const std::string& event_id, const std::string& payout_id, std::int64_t at,
                 std::int64_t amount) {
  json orders = json::array();
  for (const auto& l : p.lines)
    orders.push_back({{"order_id", l.order_id},
                      {"paid", l.paid},
                      {"refunded", l.refunded},
                      {"commission", l.commission},
                      {"net", l.net()}});
  json ev = {{"event_id", event_id},       {"event_type", "payout.completed"},
             {"schema_version", 1},        {"occurred_at", format_utc(at)},
             {"merchant_id", merchant_id}, {"payout_id", payout_id},
             {"amount", amount},           {"orders", std::move(orders)}};
  if (!partner_id.empty()) ev["partner_id"] = partner_id;
  return ev;
}

std::string fund_line(const std::string& id, const std::string& partner_id,
                      const std::string& operation_id, const std::string& order_id,
                      const char* type, std::int64_t amount, std::int64_t at) {
  RawObject line;
  line.str("objectType", "guaranteeFundOperation")
      .str("id", id)
      .str("partnerId", partner_id)
      .str("partnerOperationId", operation_id)
      .str("orderId", order_id)
      .str("type", type)
      .money("amount", amount)
      .str("createdAt", format_offset(at));
  return line.close();
}

class Flows {
 public:
  Flows(const Options& options, std::int64_t from, const std::vector<std::string>& merchant_ids,
        std::size_t known, const std::vector<OrderFacts>& orders)
      : options_(options),
        from_(from),
        ids_(merchant_ids),
        known_(known),
        orders_(orders),
        inject_(options.seed, kInjectPurpose) {}

  PartnerFlows run() {
    merchants();
    payouts();
    funds();
    out_.summary["injected"] = injected_;
    return std::move(out_);
  }

 private:
  void merchants();
  void payouts();
  void payout_truth(const std::vector<Payout>& recorded);
  void funds();

  // Orders picked from a shuffled pool, each at most once over all kinds.
  std::vector<std::size_t> pick(std::vector<std::size_t> pool, std::size_t n,
                                const auto& eligible) {
    inject_.shuffle(pool);
    std::vector<std::size_t> out;
    for (const std::size_t i : pool) {
      if (out.size() == n) break;
      if (taken_.count(i) || !eligible(i)) continue;
      taken_.insert(i);
      out.push_back(i);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  const Options& options_;
  std::int64_t from_;
  const std::vector<std::string>& ids_;
  std::size_t known_;
  const std::vector<OrderFacts>& orders_;
  Rng inject_;
  std::vector<Merchant> merchants_;
  std::set<std::size_t> taken_;
  json injected_ = json::object();
  PartnerFlows out_;
};

void Flows::merchants() {
  // A merchant is activated before its first order event; some change their name and phones
  // between two of their payments, so receipts before and after name different requisites.
  // The generated world's shops are those with orders: no orders, no merchant events.
  std::vector<std::int64_t> first(known_, std::numeric_limits<std::int64_t>::max());
  std::vector<std::vector<std::int64_t>> payments(known_);
  for (const auto& o : orders_) {
    if (o.merchant >= known_) continue;
    first[o.merchant] = std::min(first[o.merchant], o.paid_at);
    if (o.applied) payments[o.merchant].push_back(o.paid_at);
  }
  struct Timed {
    std::int64_t at;
    std::size_t merchant;
    PartnerMessage message;
  };
  std::vector<Timed> events;
  std::size_t updates = 0, activated_merchants = 0;
  for (std::size_t m = 0; m < known_; ++m) {
    Rng r(options_.seed, kMerchantPurpose, m);
    merchants_.push_back(make_merchant(r, ids_[m], m));
    const Merchant& merchant = merchants_.back();
    if (first[m] == std::numeric_limits<std::int64_t>::max()) continue;
    ++activated_merchants;
    const std::int64_t before = std::min(first[m], from_);
    const std::int64_t activated = before - r.between(kDay, 30 * kDay);
    events.push_back(
        {activated,
         m,
         {Stream::merchants, merchant.id,
          merchant_json(merchant, make_uuid(r), "merchant.activated", activated).dump(), "", ""}});

    auto& times = payments[m];
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    std::vector<std::size_t> gaps;  // k: a second fits strictly between times[k] and times[k+1]
    for (std::size_t k = 0; k + 1 < times.size(); ++k)
      if (times[k + 1] - times[k] >= 2) gaps.push_back(k);
    if (gaps.empty() || !r.chance(0.4)) continue;
    const std::size_t k = gaps[r.index(gaps.size())];
    const std::int64_t at = times[k] + r.between(1, times[k + 1] - times[k] - 1);
    Merchant changed = merchant;
    changed.name = merchant.name + " (новое наименование)";
    changed.phones.clear();
    const auto phones = 1 + r.index(5);
    for (std::size_t p = 0; p < phones; ++p) changed.phones.push_back(phone(r));
    events.push_back(
        {at,
         m,
         {Stream::merchants, merchant.id,
          merchant_json(changed, make_uuid(r), "merchant.updated", at).dump(), "", ""}});
    ++updates;
  }
  // Producers publish merchant events in occurred_at order.
  std::stable_sort(events.begin(), events.end(), [](const Timed& a, const Timed& b) {
    return a.at != b.at ? a.at < b.at : a.merchant < b.merchant;
  });
  for (auto& e : events) out_.merchants.push_back(std::move(e.message));
  out_.summary["merchants"] = activated_merchants;
  out_.summary["merchant_events"] = events.size();
  out_.summary["merchant_updates"] = updates;
}

void Flows::payouts() {
  std::vector<std::size_t> applied;
  for (std::size_t i = 0; i < orders_.size(); ++i)
    if (orders_[i].applied && orders_[i].merchant < known_) applied.push_back(i);
  auto window = [&](const OrderFacts& o) { return (o.paid_at - from_) / kPayoutPeriod; };

  // Left out of every payout: reported only when not wholly refunded.
  const auto left_out =
      pick(applied, injected(options_.not_paid_out_rate, options_.orders, 2),
           [&](std::size_t i) { return refunded_total(orders_[i]) < orders_[i].amount; });
  injected_["not_paid_out"] = left_out.size();
  std::vector<std::map<std::int64_t, std::vector<std::size_t>>> windows(known_);
  for (const std::size_t i : applied)
    if (!std::binary_search(left_out.begin(), left_out.end(), i))
      windows[orders_[i].merchant][window(orders_[i])].push_back(i);

  // taken_ keeps the left-out orders out of the other kinds.
  const auto mismatched = pick(applied, injected(options_.payout_mismatch_rate, options_.orders, 2),
                               [](std::size_t) { return true; });
  injected_["payout_mismatch"] = mismatched.size();
  // Paid out twice: needs a later payout of its merchant.
  const auto twice =
      pick(applied, injected(options_.paid_out_twice_rate, options_.orders, 2), [&](std::size_t i) {
        const auto& w = windows[orders_[i].merchant];
        return !w.empty() && w.rbegin()->first > window(orders_[i]);
      });
  injected_["paid_out_twice"] = twice.size();

  std::vector<Payout> payouts;
  std::size_t mismatch_variant = 0;
  for (std::size_t m = 0; m < known_; ++m) {
    Rng r(options_.seed, kPayoutPurpose, m);
    struct Open {
      std::size_t order;
      std::int64_t settled;  // refunds the payouts so far took off
    };
    std::vector<Open> open;
    std::vector<std::size_t> twice_due;
    for (auto& [w, all] : windows[m]) {
      std::sort(all.begin(), all.end(), [&](std::size_t a, std::size_t b) {
        return orders_[a].paid_at != orders_[b].paid_at ? orders_[a].paid_at < orders_[b].paid_at
                                                        : a < b;
      });
      const std::int64_t at = from_ + (w + 1) * kPayoutPeriod + r.between(6 * kHour, 30 * kHour);
      // A big shop's window is paid in several payouts, each well below Kafka's message limit.
      for (std::size_t chunk = 0; chunk * kPayoutLines < all.size(); ++chunk) {
        const std::vector<std::size_t> list(
            all.begin() + static_cast<std::ptrdiff_t>(chunk * kPayoutLines),
            all.begin() +
                static_cast<std::ptrdiff_t>(std::min(all.size(), (chunk + 1) * kPayoutLines)));
        Payout p;
        p.merchant = m;
        p.at = at + static_cast<std::int64_t>(chunk);
        p.id = "PO-" + pad(static_cast<std::int64_t>(m) + 1, 2) + "-" + pad(w + 1, 4) +
               (chunk == 0 ? "" : "-" + std::to_string(chunk + 1));
        p.event_id = make_uuid(r);
        std::set<std::string> named;
        for (const std::size_t i : list) {
          const OrderFacts& o = orders_[i];
          const std::int64_t refunded = refunded_by(o, p.at);
          PayoutLine l{o.id, o.amount, refunded, commission_of(o.amount - refunded)};
          if (std::binary_search(mismatched.begin(), mismatched.end(), i)) {
            // Invoicebox's figure is off: 1 rouble more paid, or a kopeck less (refunded or paid).
            if (mismatch_variant++ % 2 == 0 || (l.refunded == 0 && l.paid < 2))
              l.paid += 100;
            else if (l.refunded > 0)
              l.refunded -= 1;
            else
              l.paid -= 1;
            l.commission = std::min(l.commission, std::max<std::int64_t>(0, l.paid - l.refunded));
          }
          p.lines.push_back(l);
          named.insert(o.id);
          open.push_back({i, refunded});
        }
        // A payment paid out again in this payout.
        for (const std::size_t i : twice_due) {
          const OrderFacts& o = orders_[i];
          p.lines.push_back({o.id, o.amount, 0, commission_of(o.amount)});
          named.insert(o.id);
        }
        twice_due.clear();
        for (const std::size_t i : list)
          if (std::binary_search(twice.begin(), twice.end(), i)) twice_due.push_back(i);
        // Refunds after an order's payout come off a later one (paid 0, negative net), unless the
        // payout would go below zero: then they wait for the next.
        std::vector<PayoutLine> adjustments;
        std::vector<std::pair<std::size_t, std::int64_t>> settles;
        for (std::size_t k = 0; k < open.size(); ++k) {
          const OrderFacts& o = orders_[open[k].order];
          if (named.count(o.id)) continue;
          const std::int64_t due = refunded_by(o, p.at) - open[k].settled;
          if (due <= 0) continue;
          adjustments.push_back({o.id, 0, due, 0});
          settles.emplace_back(k, open[k].settled + due);
        }
        std::int64_t adjusted = p.amount();
        for (const auto& a : adjustments) adjusted += a.net();
        if (adjusted >= 0) {
          p.lines.insert(p.lines.end(), adjustments.begin(), adjustments.end());
          for (const auto& [k, settled] : settles) open[k].settled = settled;
        }
        payouts.push_back(std::move(p));
      }
    }
  }

  // Lines for orders kassa never saw, in random payouts.
  const std::size_t strangers =
      payouts.empty() ? 0 : injected(options_.payout_unknown_order_rate, options_.orders, 2);
  for (std::size_t k = 0; k < strangers; ++k) {
    Payout& p = payouts[inject_.index(payouts.size())];
    const std::int64_t paid = inject_.between(5000, 500000);
    p.lines.push_back({make_uuid(inject_), paid, 0, commission_of(paid)});
  }
  injected_["payout_unknown_order"] = strangers;

  // Payouts sent once more beforehand, under a payout_id of their own, with an amount that is
  // not the sum of the nets: kassa dead-letters them (amount_mismatch) and records the right one.
  std::vector<std::size_t> bad_of;
  {
    std::vector<std::size_t> idx(payouts.size());
    for (std::size_t k = 0; k < idx.size(); ++k) idx[k] = k;
    inject_.shuffle(idx);
    idx.resize(std::min(idx.size(), injected(options_.bad_payout_rate, options_.orders, 2)));
    bad_of = idx;
  }
  injected_["bad_payouts"] = bad_of.size();

  struct Timed {
    std::int64_t at;
    std::size_t merchant;
    int rank;  // a bad copy before its payout
    PartnerMessage message;
  };
  std::vector<Timed> messages;
  std::int64_t lines = 0, amount = 0;
  for (std::size_t k = 0; k < payouts.size(); ++k) {
    const Payout& p = payouts[k];
    const Merchant& merchant = merchants_[p.merchant];
    messages.push_back(
        {p.at,
         p.merchant,
         1,
         {Stream::payouts, merchant.id,
          payout_json(p, merchant.id, merchant.partner_id, p.event_id, p.id, p.at, p.amount())
              .dump(),
          "", p.id}});
    lines += static_cast<std::int64_t>(p.lines.size());
    amount += p.amount();
  }
  for (std::size_t n = 0; n < bad_of.size(); ++n) {
    const Payout& p = payouts[bad_of[n]];
    const Merchant& merchant = merchants_[p.merchant];
    const std::int64_t sum = p.amount();
    const std::int64_t wrong = n % 2 == 0 || sum < 1 ? sum + 100 : sum - 1;
    const std::string id = p.id + "-X";
    messages.push_back({p.at - kHour,
                        p.merchant,
                        0,
                        {Stream::payouts, merchant.id,
                         payout_json(p, merchant.id, merchant.partner_id, make_uuid(inject_), id,
                                     p.at - kHour, wrong)
                             .dump(),
                         "amount_mismatch", id}});
  }
  std::stable_sort(messages.begin(), messages.end(), [](const Timed& a, const Timed& b) {
    if (a.at != b.at) return a.at < b.at;
    if (a.merchant != b.merchant) return a.merchant < b.merchant;
    return a.rank < b.rank;
  });
  for (auto& m : messages) out_.payouts.push_back(std::move(m.message));
  out_.summary["payouts"] = payouts.size();
  out_.summary["payout_lines"] = lines;
  out_.summary["payouts_amount"] = amount;
  out_.summary["payouts_rejected"] = bad_of.size();
  payout_truth(payouts);
}

// What kassa reports for the recorded payouts: per order, the sums over all its lines against
// its ledger as of its latest payout; then the paid orders in no payout at all.
void Flows::payout_truth(const std::vector<Payout>& recorded) {
  struct Sum {
    std::int64_t paid = 0, refunded = 0, paid_lines = 0;
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
  };
  std::map<std::string, Sum> sums;
  for (const Payout& p : recorded) {
    for (const PayoutLine& l : p.lines) {
      Sum& s = sums[l.order_id];
      s.paid += l.paid;
      s.refunded += l.refunded;
      s.paid_lines += l.paid > 0 ? 1 : 0;
      s.last = std::max(s.last, p.at);
    }
  }
  std::map<std::string, const OrderFacts*> applied;
  for (const auto& o : orders_)
    if (o.applied) applied[o.id] = &o;
  for (const auto& [id, s] : sums) {
    const auto it = applied.find(id);
    if (it == applied.end()) {
      out_.recon.push_back(recon_entry(id, "payout_unknown_order", 0, s.paid - s.refunded));
      continue;
    }
    const OrderFacts& o = *it->second;
    if (s.paid_lines >= 2) {
      out_.recon.push_back(recon_entry(id, "paid_out_twice", o.amount, s.paid));
      continue;
    }
    const std::int64_t paid = o.paid_at <= s.last ? o.amount : 0;
    const std::int64_t refunded = refunded_by(o, s.last);
    if (paid != s.paid || refunded != s.refunded)
      out_.recon.push_back(
          recon_entry(id, "payout_mismatch", paid - refunded, s.paid - s.refunded));
  }
  if (recorded.empty()) return;  // kassa says nothing of unpaid orders before any payout
  const std::int64_t due = parse_utc(kReconAsOf) - kPayoutGrace;
  for (const auto& [id, o] : applied) {
    if (sums.count(id) || o->paid_at >= due) continue;
    const std::int64_t left = o->amount - refunded_total(*o);
    if (left > 0) out_.recon.push_back(recon_entry(id, "not_paid_out", left, 0));
  }
}

void Flows::funds() {
  // A guarantee-fund payment is a debit of its partner's fund, each of its refunds a credit.
  std::vector<std::size_t> fund, plain;
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    if (!orders_[i].applied) continue;
    (orders_[i].payment_method == "guarantee_fund" ? fund : plain).push_back(i);
  }
  const std::size_t n = injected(options_.fund_mismatch_rate, options_.orders, 4);
  std::map<std::size_t, int> variant;  // order -> 0 no debit, 1 other amount, 2 no credit, 3 stray
  inject_.shuffle(fund);
  inject_.shuffle(plain);
  std::size_t next_fund = 0, next_plain = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const int want = static_cast<int>(k % 4);
    if (want == 3) {
      if (next_plain < plain.size()) variant[plain[next_plain++]] = 3;
      continue;
    }
    if (next_fund >= fund.size()) continue;
    if (want == 2) {  // a refunded one, if any is left
      const auto it =
          std::find_if(fund.begin() + static_cast<std::ptrdiff_t>(next_fund), fund.end(),
                       [&](std::size_t i) { return !orders_[i].refunds.empty(); });
      if (it != fund.end())
        std::iter_swap(fund.begin() + static_cast<std::ptrdiff_t>(next_fund), it);
    }
    const std::size_t i = fund[next_fund++];
    variant[i] = want == 2 && orders_[i].refunds.empty() ? 1 : want;
  }
  std::sort(fund.begin(), fund.end());
  injected_["fund_mismatch"] = variant.size();

  Rng r(options_.seed, kFundPurpose);
  std::size_t other_amounts = 0;
  struct Sums {
    std::int64_t debits = 0, credits = 0;
  };
  std::map<std::size_t, Sums> sums;
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    const OrderFacts& o = orders_[i];
    if (!o.applied) continue;
    const auto v = variant.find(i);
    const int kind = v == variant.end() ? -1 : v->second;
    if (o.payment_method == "guarantee_fund") {
      Sums& s = sums[i];
      if (kind != 0) {
        std::int64_t debit = o.amount;
        if (kind == 1)
          debit = other_amounts++ % 2 == 0 || o.amount < 2 ? o.amount + 100 : o.amount - 1;
        out_.fund_operations.push_back(fund_line(make_uuid(r), o.partner_id, o.partner_operation_id,
                                                 o.id, "debit", debit, o.paid_at));
        s.debits += debit;
      }
      for (std::size_t k = 0; k < o.refunds.size(); ++k) {
        if (kind == 2 && k + 1 == o.refunds.size()) continue;
        out_.fund_operations.push_back(fund_line(make_uuid(r), o.partner_id, o.partner_operation_id,
                                                 o.id, "credit", o.refunds[k].second,
                                                 o.refunds[k].first));
        s.credits += o.refunds[k].second;
      }
    } else if (kind == 3) {
      // A debit for an order that was not paid from a fund.
      const std::string partner = o.partner_id.empty() ? partner_uuid(0) : o.partner_id;
      out_.fund_operations.push_back(
          fund_line(make_uuid(r), partner, make_uuid(r), o.id, "debit", o.amount, o.paid_at));
      sums[i].debits += o.amount;
    }
  }
  out_.summary["fund_operations"] = out_.fund_operations.size();
  if (out_.fund_operations.empty()) return;  // kassa judges funds only once any are imported
  for (const auto& [i, s] : sums) {
    const OrderFacts& o = orders_[i];
    const std::int64_t refunded = refunded_total(o);
    if (o.payment_method != "guarantee_fund")
      out_.recon.push_back(recon_entry(o.id, "fund_mismatch", 0, s.debits - s.credits));
    else if (s.debits != o.amount || s.credits != refunded)
      out_.recon.push_back(
          recon_entry(o.id, "fund_mismatch", o.amount - refunded, s.debits - s.credits));
  }
}

}  // namespace

std::string partner_uuid(int n) {
  return contract::uuid_v5(contract::kOutputNamespace, "gen:partner:" + std::to_string(n));
}

PartnerFlows make_partner_flows(const Options& options, std::int64_t from,
                                const std::vector<std::string>& merchant_ids, std::size_t known,
                                const std::vector<OrderFacts>& orders) {
  return Flows(options, from, merchant_ids, known, orders).run();
}

}  // namespace kassa::gen::detail
