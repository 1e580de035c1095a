// The partner flows of a generated stream (contract section 6): the merchants topic, payouts to
// the shops and Invoicebox's guarantee-fund operations, with the reconciliation findings they
// must give. Built from the order stories' outcome (what kassa applies), with randomness of its
// own, so the order events of a seed stay the same bytes whatever is asked here. Internal to
// workers/gen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gen/generator.hpp"
#include "gen/support.hpp"

namespace kassa::gen::detail {

// One order as the truth has it.
struct OrderFacts {
  std::string id;
  std::size_t merchant = 0;  // index into the merchant ids
  std::int64_t paid_at = 0;  // its payment's occurred_at; no event of the order is earlier
  std::int64_t amount = 0;
  bool applied = false;  // kassa applies its payment (the truth's ledger)
  std::vector<std::pair<std::int64_t, std::int64_t>> refunds;  // applied: occurred_at, kopecks
  std::string payment_method;        // as on the payment event ("card" when absent)
  std::string partner_id;            // the payment's, if any
  std::string partner_operation_id;  // guarantee_fund payments only
};

struct PartnerMessage {
  Stream stream = Stream::merchants;
  std::string key;
  std::string value;
  std::string error_code;  // set for a message kassa must dead-letter
  std::string payout_id;   // payouts only
};

struct PartnerFlows {
  std::vector<PartnerMessage> merchants;  // in occurred_at order
  std::vector<PartnerMessage> payouts;    // in occurred_at order
  std::vector<std::string> fund_operations;
  std::vector<json> recon;  // recon_entry()s of the partner kinds, except unknown_merchant
  json summary;             // counts, for truth.partner_flows
};

// `merchant_ids`: the first `known` get merchant events; the rest never do (their orders wait).
PartnerFlows make_partner_flows(const Options& options, std::int64_t from,
                                const std::vector<std::string>& merchant_ids, std::size_t known,
                                const std::vector<OrderFacts>& orders);

// The partner (a bank, a payment provider) number n of the generated world: its UUID.
std::string partner_uuid(int n);
inline constexpr int kPartners = 3;

// As of the time the truth's reconciliation is for, and kassa's default KASSA_PAYOUT_GRACE.
inline constexpr const char* kReconAsOf = "2027-01-01T00:00:00Z";
inline constexpr std::int64_t kPayoutGrace = 72 * kHour;

}  // namespace kassa::gen::detail
