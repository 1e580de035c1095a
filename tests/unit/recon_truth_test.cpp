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
#include "ingest/batch.hpp"

namespace kassa {
namespace {

using Finding = std::tuple<std::string, std::string, core::Kopecks, core::Kopecks, core::Kopecks>;

std::set<Finding> reconcile(const gen::Output& stream) {
  // kassa's side: every message through the same code as the worker, 500 at a time.
  contract::Decoder decoder;
  ingest::Snapshot state;
  std::map<std::string, std::int64_t> owed, issued;
  std::set<std::string> receipt_events;
  for (std::size_t start = 0; start < stream.messages.size(); start += 500) {
    std::vector<ingest::Message> chunk;
    for (std::size_t i = start; i < std::min(stream.messages.size(), start + 500); ++i) {
      const auto& m = stream.messages[i];
      ingest::Message message;
      message.topic_kind = m.stream == gen::Stream::payments    ? core::EventKind::payment
                           : m.stream == gen::Stream::shipments ? core::EventKind::shipment
                                                                : core::EventKind::refund;
      message.source = {std::string(gen::stream_name(m.stream)),
                        0,
                        static_cast<std::int64_t>(i),
                        m.key,
                        m.value,
                        true};
      chunk.push_back(std::move(message));
    }
    const auto decoded = ingest::decode_batch(decoder, std::move(chunk));
    ingest::Snapshot snapshot;
    const auto needs = ingest::needs_of(decoded);
    for (const auto& id : needs.order_ids)
      if (auto it = state.orders.find(id); it != state.orders.end()) snapshot.orders.insert(*it);
    for (const auto& id : needs.event_ids)
      if (auto it = state.inbox.find(id); it != state.inbox.end()) snapshot.inbox.insert(*it);
    auto result =
        ingest::apply_batch(decoded, std::move(snapshot), core::UtcTime{}, ingest::Outputs{});
    for (auto& [id, order] : result.orders) state.orders[id] = std::move(order);
    for (const auto& row : result.inbox) state.inbox[row.event_id] = {row.fingerprint, row.status};
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
