#include "core/payout.hpp"

#include <algorithm>
#include <set>

namespace kassa::core {

std::optional<Rejection> check_payout(const Payout& payout) {
  std::set<std::string> seen;
  Kopecks sum = 0;  // |net| <= 8.6e11 and at most 10,000 orders (schema): no overflow
  for (std::size_t i = 0; i < payout.orders.size(); ++i) {
    const PayoutOrder& o = payout.orders[i];
    const std::string where = "orders[" + std::to_string(i) + "]";
    if (!seen.insert(o.order_id).second)
      return Rejection{ErrorCode::schema_violation,
                       where + ".order_id " + o.order_id + " appears more than once in the payout"};
    if (o.net != o.paid - o.refunded - o.commission)
      return Rejection{ErrorCode::amount_mismatch,
                       where + ".net " + std::to_string(o.net) + " is not paid - refunded - " +
                           "commission = " + std::to_string(o.paid - o.refunded - o.commission)};
    sum += o.net;
  }
  if (payout.amount != sum)
    return Rejection{ErrorCode::amount_mismatch, "amount " + std::to_string(payout.amount) +
                                                     " is not the sum of the orders' net " +
                                                     std::to_string(sum)};
  return std::nullopt;
}

bool same_payout(const Payout& a, const Payout& b) {
  if (a.event_id != b.event_id || a.merchant_id != b.merchant_id || a.payout_id != b.payout_id ||
      a.partner_id != b.partner_id || a.amount != b.amount || a.occurred_at != b.occurred_at ||
      a.orders.size() != b.orders.size())
    return false;
  auto sorted = [](std::vector<PayoutOrder> orders) {
    std::sort(orders.begin(), orders.end(),
              [](const auto& x, const auto& y) { return x.order_id < y.order_id; });
    return orders;
  };
  return sorted(a.orders) == sorted(b.orders);
}

PayoutVerdict judge_payout(const Payout& payout, const Payout* same_event, bool payout_taken) {
  if (same_event != nullptr)
    return same_payout(payout, *same_event) ? PayoutVerdict::duplicate_event
                                            : PayoutVerdict::event_id_conflict;
  return payout_taken ? PayoutVerdict::duplicate_payout : PayoutVerdict::record;
}

}  // namespace kassa::core
