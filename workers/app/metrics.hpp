// Prometheus metrics of the worker. One prefix (kassa_), base units, _total on counters, labels
// of low cardinality only (outcome, error code), each labelled series registered once up front.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "ingest/batch.hpp"
#include "store/recon_store.hpp"

namespace kassa::app {

class Metrics {
 public:
  Metrics();
  // Text exposition format of everything registered.
  std::string render() const;
  void count_batch(const ingest::Counts& counts, double seconds);
  // Seconds a batch spent in one phase (kBatchPhases), summed: rate() of each shows where the
  // consumer's time goes.
  void count_phase(const char* phase, double seconds);
  double phase_seconds(const char* phase) const;
  static constexpr const char* kBatchPhases[] = {"decode", "load",  "apply",
                                                 "number", "write", "commit"};
  // An outbox row parked for good, by reason (bus::produce_error_reason).
  void count_outbox_parked(const std::string& reason);
  // Packages rendered (outcome "rendered", by package) and renderer rounds that failed ("failed").
  void count_renders(const char* outcome, std::size_t n);
  // The database's side (app/db_gauges.hpp).
  void set_operations(const store::OperationsSnapshot& snapshot);
  // Messages behind the log end per input partition, as one consumer loop (`owner`) sees its
  // partitions now; partitions no loop holds any more disappear from the exposition.
  using PartitionLags = std::map<std::pair<std::string, std::int32_t>, std::int64_t>;
  void report_lags(const std::string& owner, PartitionLags lags);
  // The cash-register gateway: one request to the ATOL API (getToken, sell, sell_refund,
  // sell_correction, sell_refund_correction, report) and what its answer meant
  // (contract::atol_verdict_name); and registrations that ended, by status (done, fail).
  void count_atol_request(const std::string& request, const std::string& verdict);
  void count_registration(const std::string& status);
  // A committed payouts batch (app/payout_feed.hpp): payouts by outcome, the kopecks recorded,
  // and its dead letters by error code (into kassa_dead_letters_total with the order topics').
  void count_payouts(std::int64_t recorded, std::int64_t duplicates, std::int64_t rejected,
                     std::int64_t recorded_kopecks,
                     const std::map<std::string, std::int64_t>& rejected_by_code);
  // Merchant events read from the merchants table (app/merchant_table.hpp): written as versions
  // (a second read of the same event included: the write is a no-op), or dead-lettered by code.
  void count_merchant_events(std::int64_t recorded,
                             const std::map<std::string, std::int64_t>& rejected_by_code);

 private:
  std::shared_ptr<prometheus::Registry> registry_;  // first: the members below live in it

 public:
  prometheus::Counter& db_retries;
  prometheus::Counter& fenced_batches;
  prometheus::Counter& outbox_published;
  prometheus::Counter& outbox_failures;
  prometheus::Gauge& outbox_pending;
  prometheus::Counter& mail_sent;
  prometheus::Counter& mail_retries;
  prometheus::Counter& mail_failed;
  prometheus::Gauge& last_poll;  // unix seconds of the poll loop's last turn (liveness)
  prometheus::Gauge& assigned_partitions;
  prometheus::Gauge& consumer_lag;  // messages behind the end offsets, over all input partitions
  // The outbox as the database has it, refreshed by the relay every round or two seconds.
  prometheus::Gauge& outbox_rows_waiting;        // unpublished and not parked
  prometheus::Gauge& outbox_oldest_waiting_age;  // seconds since the oldest waiting row was written
  prometheus::Gauge& outbox_rows_parked;         // refused by Kafka for good, until retried

 private:
  prometheus::Family<prometheus::Counter>* events_;
  std::map<std::string, prometheus::Counter*> dead_letters_;
  std::map<std::string, prometheus::Counter*> receipts_;
  std::map<std::string, prometheus::Counter*> packages_;
  prometheus::Counter* default_supplier_;
  prometheus::Counter* default_supplier_phone_;
  prometheus::Counter* batches_;
  prometheus::Histogram* batch_seconds_;
  std::map<std::string, prometheus::Counter*> phases_;
  std::map<std::string, prometheus::Counter*> outbox_parked_;
  std::map<std::string, prometheus::Counter*> renders_;
  prometheus::Gauge* parked_events_;
  prometheus::Gauge* parked_oldest_age_;
  prometheus::Gauge* last_reconciliation_;
  std::map<std::string, prometheus::Gauge*> open_exceptions_;
  std::map<std::string, prometheus::Gauge*> open_exception_age_;
  prometheus::Family<prometheus::Gauge>* partition_lag_;
  std::map<std::pair<std::string, std::string>, prometheus::Counter*> atol_requests_;
  std::map<std::string, prometheus::Counter*> registrations_;
  std::map<std::pair<std::string, std::string>, prometheus::Counter*> payments_;
  std::map<std::string, prometheus::Counter*> payouts_;
  prometheus::Counter* payout_kopecks_;
  std::map<std::string, prometheus::Counter*> merchant_events_;
  std::mutex lags_mutex_;
  std::map<std::string, PartitionLags> lags_by_owner_;
  std::map<std::pair<std::string, std::int32_t>, prometheus::Gauge*> lag_gauges_;
};

}  // namespace kassa::app
