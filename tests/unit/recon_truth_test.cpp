// The reconciliation rules against the generator's truth: run a generated stream through the
// batch function (merchants from the merchants topic, KASSA_UNKNOWN_MERCHANT=wait), record its
// payouts, load the matching Invoicebox export with its guarantee-fund operations, gather each
// order's facts the way the store does, classify, and find exactly the discrepancies the
// generator injected — kind by kind, with their amounts — and nothing else.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "contract/invoicebox_state.hpp"
#include "contract/merchant_event.hpp"
#include "contract/payout_decode.hpp"
#include "core/recon.hpp"
#include "gen/generator.hpp"
#include "gen/ingest_messages.hpp"
#include "ingest/memory_book.hpp"

namespace kassa {
namespace {

using Finding = std::tuple<std::string, std::string, core::Kopecks, core::Kopecks, core::Kopecks>;

struct Ledger {  // one order's applied payment and refunds
  std::optional<ingest::LedgerWrite> payment;
  std::vector<ingest::LedgerWrite> refunds;
};

std::set<Finding> reconcile(const gen::Output& stream) {
  // The merchants topic, read whole before any order event (as kassa reads it).
  ingest::Snapshot merchants;
  contract::MerchantDecoder merchant_decoder;
  for (const auto& m : stream.messages) {
    if (m.stream != gen::Stream::merchants) continue;
    const auto decoded = merchant_decoder.decode(m.key, m.value);
    if (!decoded.event) throw std::runtime_error("merchant event refused: " + m.value);
    merchants.merchants[decoded.event->merchant_id].push_back(
        {decoded.event->occurred_at, decoded.event->supplier});
  }
  for (auto& [id, versions] : merchants.merchants)
    std::stable_sort(versions.begin(), versions.end(),
                     [](const auto& a, const auto& b) { return a.from < b.from; });

  // kassa's side: every order event through the same code as the worker, 500 at a time.
  contract::Decoder decoder;
  ingest::MemoryBook book;
  book.seed(merchants);
  ingest::Outputs outputs;
  outputs.wait_for_merchant = true;  // KASSA_UNKNOWN_MERCHANT=wait, the configuration's default
  const auto& state = book.state();
  const auto messages = gen::as_ingest_messages(stream.messages);
  std::map<std::string, std::int64_t> owed, issued;
  std::map<std::string, Ledger> ledger;
  std::set<std::string> receipt_events;
  for (std::size_t start = 0; start < messages.size(); start += 500) {
    std::vector<ingest::Message> chunk(
        messages.begin() + static_cast<std::ptrdiff_t>(start),
        messages.begin() + static_cast<std::ptrdiff_t>(std::min(messages.size(), start + 500)));
    const auto decoded = ingest::decode_batch(decoder, std::move(chunk));
    const auto result = book.apply(decoded, core::UtcTime{}, outputs);
    for (const auto& row : result.ledger) {
      const auto& order = state.orders.at(row.order_id);
      if (order.payment && order.payment->customer.type == core::CustomerType::private_person)
        ++owed[row.order_id];
      if (row.kind == core::EventKind::payment) ledger[row.order_id].payment = row;
      if (row.kind == core::EventKind::refund) ledger[row.order_id].refunds.push_back(row);
    }
    for (const auto& r : result.receipts)
      if (receipt_events.insert(r.source_event_id).second) ++issued[r.order_id];
  }

  // The payouts topic: what kassa records (the rest is dead-lettered, as the truth says).
  std::set<std::size_t> dead_payouts;
  for (const auto& d : stream.truth.at("dead_letters"))
    if (d.at("stream") == "payouts") dead_payouts.insert(d.at("index").get<std::size_t>());
  contract::PayoutDecoder payout_decoder;
  std::vector<core::Payout> payouts;
  for (std::size_t i = 0; i < stream.messages.size(); ++i) {
    const auto& m = stream.messages[i];
    if (m.stream != gen::Stream::payouts) continue;
    const auto decoded = payout_decoder.decode(m.key, m.value);
    EXPECT_EQ(decoded.payout.has_value(), !dead_payouts.count(i)) << m.value.substr(0, 200);
    if (decoded.rejection) {
      EXPECT_EQ(core::error_code_name(decoded.rejection->code), "amount_mismatch");
    }
    if (decoded.payout) payouts.push_back(*decoded.payout);
  }

  // Invoicebox's side, parsed as `kassa state import` parses it.
  std::map<std::string, contract::InvoiceboxOrder> orders;
  std::map<std::string, core::Kopecks> refunded;
  std::vector<contract::FundOperation> fund_operations;
  std::vector<std::string> lines = stream.invoicebox_state;
  lines.insert(lines.end(), stream.fund_operations.begin(), stream.fund_operations.end());
  for (const auto& line : lines) {
    const auto parsed = contract::parse_state_line(line);
    if (const auto* op = std::get_if<contract::FundOperation>(&parsed)) {
      fund_operations.push_back(*op);
      continue;
    }
    const auto* order = std::get_if<contract::InvoiceboxOrder>(&parsed);
    if (order == nullptr) throw std::runtime_error("generator line does not parse: " + line);
    if (order->is_refund()) {
      if (order->status == "completed") refunded[*order->parent_id] += order->amount;
    } else {
      orders[order->id] = *order;
    }
  }

  std::set<std::string> ids;
  for (const auto& [id, order] : state.orders) ids.insert(id);
  for (const auto& [id, order] : orders) ids.insert(id);
  for (const auto& p : payouts)
    for (const auto& l : p.orders) ids.insert(l.order_id);
  for (const auto& op : fund_operations) ids.insert(op.order_id);
  std::set<Finding> found;
  const auto as_of = *core::parse_utc("2027-01-01T00:00:00Z");
  for (const auto& id : ids) {
    core::ReconFacts f;
    f.order_id = id;
    if (const auto it = state.orders.find(id); it != state.orders.end()) {
      const auto& o = it->second;
      if (o.payment) {
        f.kassa_paid = true;
        f.kassa_amount = o.payment->amount;
        f.kassa_refunded = o.refunded_amount();
        f.kassa_customer = o.payment->customer.type;
      }
      f.waiting_events = static_cast<std::int64_t>(o.parked.size());
      for (const auto& w : o.parked) {
        const auto t = core::header_of(w.event).occurred_at;
        if (!f.waiting_since || t < *f.waiting_since) f.waiting_since = t;
      }
      if (o.waiting_for_merchant) f.waiting_merchant_id = o.merchant_id;
      f.receipts_owed = owed[id];
      f.receipts_issued = issued[id];
    }
    const Ledger& l = ledger[id];
    if (l.payment) {
      f.paid_at = l.payment->occurred_at;
      f.payment_method = l.payment->payment_method == "card" ? "" : l.payment->payment_method;
      f.partner_id = l.payment->partner_id;
    }
    if (const auto it = orders.find(id); it != orders.end()) {
      f.invoicebox_known = true;
      f.invoicebox_status = it->second.status;
      f.invoicebox_amount = it->second.amount;
      f.invoicebox_refunded = refunded[id];
      if (it->second.customer_type)
        f.invoicebox_customer = *it->second.customer_type == "legal"
                                    ? core::CustomerType::legal
                                    : core::CustomerType::private_person;
    }
    // Payouts, and the ledger as of the latest one naming the order.
    f.payouts_recorded = !payouts.empty();
    for (const auto& p : payouts) {
      for (const auto& line : p.orders) {
        if (line.order_id != id) continue;
        ++f.payout_lines;
        f.payout_lines_paid += line.paid > 0 ? 1 : 0;
        f.payout_paid += line.paid;
        f.payout_refunded += line.refunded;
        if (!f.last_payout_at || *f.last_payout_at < p.occurred_at) {
          f.last_payout_at = p.occurred_at;
          f.last_payout_id = p.payout_id;
        }
      }
    }
    if (f.last_payout_at) {
      if (l.payment && !(*f.last_payout_at < l.payment->occurred_at))
        f.paid_as_of_payout = l.payment->amount;
      for (const auto& r : l.refunds)
        if (!(*f.last_payout_at < r.occurred_at)) f.refunded_as_of_payout += r.amount;
    }
    f.funds_imported = !fund_operations.empty();
    for (const auto& op : fund_operations) {
      if (op.order_id != id) continue;
      ++f.fund_operations;
      (op.type == "debit" ? f.fund_debits : f.fund_credits) += op.amount;
      f.fund_partner_id = op.partner_id;
    }
    for (const auto& e : core::classify(f, as_of, std::chrono::hours(24), std::chrono::hours(72)))
      found.insert({id, std::string(core::recon_kind_name(e.kind)), e.kassa_amount,
                    e.invoicebox_amount, e.delta});
  }
  return found;
}

TEST(ReconTruth, FindsExactlyTheInjectedDiscrepancies) {
  for (const std::uint64_t seed : {3ULL, 2026ULL}) {
    gen::Options options;
    options.seed = seed;
    options.orders = 1500;
    options.unknown_merchant_rate = 0.002;  // the demo's: every kind of finding appears
    const auto stream = gen::generate(options);
    std::set<Finding> expected;
    std::map<std::string, int> kinds;
    for (const auto& r : stream.truth.at("recon")) {
      expected.insert({r.at("order_id").get<std::string>(), r.at("kind").get<std::string>(),
                       r.at("kassa_amount").get<core::Kopecks>(),
                       r.at("invoicebox_amount").get<core::Kopecks>(),
                       r.at("delta").get<core::Kopecks>()});
      ++kinds[r.at("kind").get<std::string>()];
    }
    // The six of section 4 it can inject and the six of section 6.
    EXPECT_EQ(kinds.size(), 12u) << "the generator injects every kind it can";
    const auto found = reconcile(stream);
    for (const auto& f : found)
      EXPECT_TRUE(expected.count(f))
          << "seed " << seed << ": unexpected " << std::get<1>(f) << " for " << std::get<0>(f)
          << " (kassa " << std::get<2>(f) << ", invoicebox " << std::get<3>(f) << ")";
    for (const auto& e : expected)
      EXPECT_TRUE(found.count(e)) << "seed " << seed << ": missed " << std::get<1>(e) << " for "
                                  << std::get<0>(e) << " (kassa " << std::get<2>(e)
                                  << ", invoicebox " << std::get<3>(e) << ")";
  }
}

}  // namespace
}  // namespace kassa
