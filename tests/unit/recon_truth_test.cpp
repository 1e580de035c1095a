// The reconciliation rules against the generator's truth: run a generated stream through the
// batch function, load the matching Invoicebox export, gather each order's facts the way the
// store does, classify, and find exactly the discrepancies the generator injected — kind by kind,
// with their amounts — and nothing else.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "contract/invoicebox_state.hpp"
#include "core/recon.hpp"
#include "gen/generator.hpp"
#include "gen/ingest_messages.hpp"
#include "ingest/memory_book.hpp"

namespace kassa {
namespace {

using Finding = std::tuple<std::string, std::string, core::Kopecks, core::Kopecks, core::Kopecks>;

std::set<Finding> reconcile(const gen::Output& stream) {
  // kassa's side: every message through the same code as the worker, 500 at a time.
  contract::Decoder decoder;
  ingest::MemoryBook book;
  const auto& state = book.state();
  const auto messages = gen::as_ingest_messages(stream.messages);
  std::map<std::string, std::int64_t> owed, issued;
  std::set<std::string> receipt_events;
  for (std::size_t start = 0; start < messages.size(); start += 500) {
    std::vector<ingest::Message> chunk(
        messages.begin() + static_cast<std::ptrdiff_t>(start),
        messages.begin() + static_cast<std::ptrdiff_t>(std::min(messages.size(), start + 500)));
    const auto decoded = ingest::decode_batch(decoder, std::move(chunk));
    const auto result = book.apply(decoded, core::UtcTime{}, ingest::Outputs{});
    for (const auto& row : result.ledger) {
      const auto& order = state.orders.at(row.order_id);
      if (order.payment && order.payment->customer.type == core::CustomerType::private_person)
        ++owed[row.order_id];
    }
    for (const auto& r : result.receipts)
      if (receipt_events.insert(r.source_event_id).second) ++issued[r.order_id];
  }

  // Invoicebox's side, parsed as `kassa state import` parses it.
  std::map<std::string, contract::InvoiceboxOrder> orders;
  std::map<std::string, core::Kopecks> refunded;
  for (const auto& line : stream.invoicebox_state) {
    const auto parsed = contract::parse_invoicebox_line(line);
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
      f.receipts_owed = owed[id];
      f.receipts_issued = issued[id];
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
    for (const auto& e : core::classify(f, as_of, std::chrono::hours(24)))
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
    EXPECT_GE(kinds.size(), 6u) << "the generator injects every kind it can";
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
