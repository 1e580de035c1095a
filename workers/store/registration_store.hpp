// kassa.registrations, the cash-register gateway's side (db/V012__registrations.sql).
//
// Due rows are leased, not held: lease_due() moves their next_attempt_at a lease ahead in a short
// transaction and returns them; the gateway then talks to the API without holding a database
// transaction open, and records the outcome. A gateway that dies meanwhile leaves the rows due
// again when the lease runs out. Two gateways never work one row at once while a lease holds; if
// one outlives its lease, both may send the same external_id, and the API answers the second
// with code 33 (already accepted), so nothing is registered twice.
// Every record_* changes a row only while it is `wait`: an outcome that comes twice (a late
// answer after a lease ran out) is recorded once.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "contract/atol_answer.hpp"
#include "contract/atol_correction.hpp"

namespace kassa::store {

struct DueRegistration {
  std::string external_id, receipt_id, operation;
  std::string uuid;  // empty: not yet accepted, send it; else follow it by report
  int attempts = 0;  // counting this one
  int retries = 0;   // errors in a row before this one
  int polls = 0;     // report requests before this one
  std::string body;  // the request body (only when uuid is empty)
};

std::vector<DueRegistration> lease_due(pqxx::connection& connection, std::size_t limit,
                                       std::chrono::seconds lease);

// Accepted (status wait with a uuid): follow it by report after `next`.
void record_accepted(pqxx::connection& connection, const std::string& external_id,
                     const std::string& uuid, std::chrono::milliseconds next);
// Registered: the fiscal attributes. False if the row was no longer `wait`.
bool record_done(pqxx::connection& connection, const std::string& external_id,
                 const std::string& uuid, const contract::FiscalAttributes& fiscal);
// Failed for good: nothing registered. False if the row was no longer `wait`.
bool record_failed(pqxx::connection& connection, const std::string& external_id,
                   const std::string& uuid, const contract::AtolAnswer& answer);
// Try again after `next`; the error is kept for `kassa receipts show`.
void record_retry(pqxx::connection& connection, const std::string& external_id,
                  std::chrono::milliseconds next, const contract::AtolAnswer& answer);

// When the next row falls due (nullopt: nothing waits), and how many wait.
struct WaitingSummary {
  std::int64_t waiting = 0;
  std::optional<std::chrono::milliseconds> next_due_in;
};
WaitingSummary waiting_summary(pqxx::connection& connection);

// A receipt with its own registration, for `kassa receipts correct`.
struct ReceiptRegistration {
  std::string receipt_id, status, operation;
  std::string issued_at;       // RFC 3339 UTC, the settlement's time
  std::string receipt_object;  // JSON text of the published `atol.receipt`
  std::string service_object;  // JSON text of `atol.service`, or empty
  std::string error_text;
};
std::optional<ReceiptRegistration> load_receipt_registration(pqxx::connection& connection,
                                                             const std::string& receipt_id);

// Queues `requests` for the gateway, each after the one before it is done, in one transaction;
// a request already queued (same external_id) is left as it is. Returns, per request, its status
// now and whether this call queued it.
struct QueuedCorrection {
  std::string status;
  bool queued_now = false;
};
std::vector<QueuedCorrection> queue_corrections(
    pqxx::connection& connection, const std::string& receipt_id,
    const std::vector<contract::CorrectionRequest>& requests);

}  // namespace kassa::store
