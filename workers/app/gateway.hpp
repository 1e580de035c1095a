// The cash-register gateway (`kassa gateway`): registers every receipt kassa issued through an
// ATOL Online v5 compatible API and records in kassa.registrations whether the tax service has it.
//
// Where receipts come from: kassa's own tables, not the kassa.receipts.v1 topic. Every receipt
// gets its registration row in the transaction that issues it (a trigger), so the table is the
// complete to-do list without a second consumer group, a topic's retention or a dedup store, and
// the outcome lands next to the receipt, where reconciliation and `kassa receipts show` read it.
//
// Registering exactly once rests on the API's external_id (= receipt_id): a request sent again
// after a timeout, a crash or a lost answer is answered with code 33 and the uuid of the first
// one, which the gateway then follows; it never makes up a new external_id for a receipt.
// Retried with backoff: no answer, 5xx, 429, code 50. Code 10/11: a new token, then again.
// Code 32 or status fail: recorded as fail with the API's code and text (nothing registered;
// `kassa receipts correct` resolves it). Codes meaning a wrong login, group or URL are retried
// every minute and logged as errors: an operator has to fix the settings.
// Results are followed by polling report/{uuid}: the first poll KASSA_ATOL_FIRST_POLL after the
// answer, then backing off to a minute, at most KASSA_ATOL_REPORT_RATE report requests a second.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "app/config.hpp"
#include "app/metrics.hpp"

namespace kassa::app {

struct GatewayOptions {
  bool until_idle = false;  // exit once no registration waits (done or fail everywhere)
  // Rows leased per round. One: a gateway that dies strands no more than the row it was on
  // (until its lease runs out), and one lease round trip per receipt costs little beside the API's.
  std::size_t batch = 1;
  // Set to the steady clock's milliseconds at every turn of the loop (for /healthz), if given.
  std::atomic<std::int64_t>* heartbeat = nullptr;
};

// How long a leased row is the gateway's: longer than one registration's requests can take (a
// token, the request, a new token and the request again).
std::chrono::seconds gateway_lease(const Config& config);
// The longest a healthy gateway goes without a turn of its loop: a lease plus
// KASSA_LIVENESS_TIMEOUT.
std::chrono::milliseconds gateway_stall_limit(const Config& config);
std::int64_t steady_now_ms();

struct GatewaySummary {
  std::int64_t sent = 0;        // sell / sell_refund / correction requests
  std::int64_t duplicates = 0;  // answered with code 33: already accepted, followed
  std::int64_t reports = 0;     // report requests
  std::int64_t done = 0, failed = 0, retries = 0;
};

GatewaySummary run_gateway(const Config& config, const GatewayOptions& options, Metrics& metrics,
                           const std::atomic<bool>& stop);

}  // namespace kassa::app
