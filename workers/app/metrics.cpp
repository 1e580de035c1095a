#include "app/metrics.hpp"

#include <librdkafka/rdkafka.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "core/errors.hpp"
#include "core/recon.hpp"

namespace kassa::app {
namespace {

prometheus::Counter& counter(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}
prometheus::Gauge& gauge(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      db_retries(counter(*registry_, "kassa_db_retries_total",
                         "Batch transactions retried after a transient error")),
      fenced_batches(
          counter(*registry_, "kassa_fenced_batches_total",
                  "Batches dropped because another consumer had moved the stored offsets")),
      outbox_published(counter(*registry_, "kassa_outbox_published_total",
                               "Outbox messages published to Kafka")),
      outbox_failures(counter(*registry_, "kassa_outbox_failures_total",
                              "Outbox messages Kafka did not acknowledge")),
      outbox_pending(
          gauge(*registry_, "kassa_outbox_pending",
                "Outbox rows not yet published, waiting or parked (see kassa_outbox_rows_*)")),
      mail_sent(
          counter(*registry_, "kassa_mail_sent_total", "Package e-mails the SMTP server accepted")),
      mail_retries(
          counter(*registry_, "kassa_mail_retries_total",
                  "Package e-mails put back for a later attempt (server unreachable, 4xx)")),
      mail_failed(
          counter(*registry_, "kassa_mail_failed_total",
                  "Package e-mails the SMTP server refused for good (5xx); see kassa.mail_outbox")),
      last_poll(gauge(*registry_, "kassa_last_poll_timestamp_seconds",
                      "When the consumer loop last polled")),
      assigned_partitions(gauge(*registry_, "kassa_assigned_partitions",
                                "Input partitions assigned to this worker")),
      consumer_lag(
          gauge(*registry_, "kassa_consumer_lag_messages",
                "Messages between the stored offsets and the end of the input partitions")),
      outbox_rows_waiting(gauge(*registry_, "kassa_outbox_rows_waiting",
                                "Outbox rows not yet published and not parked")),
      outbox_oldest_waiting_age(
          gauge(*registry_, "kassa_outbox_oldest_waiting_age_seconds",
                "Seconds since the oldest waiting outbox row was written (0: none waiting)")),
      outbox_rows_parked(
          gauge(*registry_, "kassa_outbox_rows_parked",
                "Outbox rows Kafka refused for good, parked until `kassa outbox retry`")) {
  events_ = &prometheus::BuildCounter()
                 .Name("kassa_events_total")
                 .Help(
                     "Input messages by topic and outcome (applied, parked, duplicate, "
                     "rejected; released: a parked event applied once its payment came)")
                 .Register(*registry_);
  auto& dead = prometheus::BuildCounter()
                   .Name("kassa_dead_letters_total")
                   .Help("Messages sent to the dead-letter topic, by error code")
                   .Register(*registry_);
  for (int code = 0; code <= static_cast<int>(core::ErrorCode::internal_error); ++code) {
    const std::string name(core::error_code_name(static_cast<core::ErrorCode>(code)));
    dead_letters_[name] = &dead.Add({{"error_code", name}});
  }
  auto& receipts = prometheus::BuildCounter()
                       .Name("kassa_receipts_total")
                       .Help("Fiscal receipts issued (written to the outbox), by kind")
                       .Register(*registry_);
  for (const char* kind : {"prepayment", "settlement", "refund"})
    receipts_[kind] = &receipts.Add({{"kind", kind}});
  auto& packages = prometheus::BuildCounter()
                       .Name("kassa_packages_total")
                       .Help("Document packages issued to organization buyers, by kind")
                       .Register(*registry_);
  for (const char* kind : {"shipment_package", "refund_package"})
    packages_[kind] = &packages.Add({{"kind", kind}});
  default_supplier_ =
      &counter(*registry_, "kassa_receipts_default_supplier_total",
               "Receipts whose merchant is missing from kassa.merchants (default supplier data)");
  default_supplier_phone_ = &counter(
      *registry_, "kassa_receipts_default_supplier_phone_total",
      "Receipts whose merchant kassa.merchants lists without phones (KASSA_DEFAULT_SUPPLIER_PHONE "
      "stands in)");
  batches_ = &counter(*registry_, "kassa_batches_total", "Committed batch transactions");
  auto& atol_requests =
      prometheus::BuildCounter()
          .Name("kassa_atol_requests_total")
          .Help(
              "Requests of the cash-register gateway to the ATOL API, by request and by what the "
              "answer meant (registered, waiting, failed, retry, new_token, misconfigured)")
          .Register(*registry_);
  for (const char* request :
       {"getToken", "sell", "sell_refund", "sell_correction", "sell_refund_correction", "report"})
    for (const char* verdict :
         {"granted", "registered", "waiting", "failed", "retry", "new_token", "misconfigured"})
      atol_requests_[{request, verdict}] =
          &atol_requests.Add({{"request", request}, {"verdict", verdict}});
  auto& registrations = prometheus::BuildCounter()
                            .Name("kassa_registrations_total")
                            .Help(
                                "Receipt registrations the gateway saw end, by status: done "
                                "(the tax service has it) or fail (nothing registered)")
                            .Register(*registry_);
  for (const char* status : {"done", "fail"})
    registrations_[status] = &registrations.Add({{"status", status}});
  auto& payments = prometheus::BuildCounter()
                       .Name("kassa_payments_total")
                       .Help("Applied payments by channel and payment method (contract section 6)")
                       .Register(*registry_);
  for (const char* channel : {"merchant_api", "partner_api", "business_api", "marketplace"})
    for (const char* method :
         {"card", "sbp", "bank_transfer", "guarantee_fund", "promised_payment", "other"})
      payments_[{channel, method}] =
          &payments.Add({{"channel", channel}, {"payment_method", method}});
  auto& payouts = prometheus::BuildCounter()
                      .Name("kassa_payouts_total")
                      .Help(
                          "Payout messages (contract section 6) by outcome: recorded, duplicate "
                          "(redelivered, or a payout_id recorded under another event_id), "
                          "rejected (dead-lettered)")
                      .Register(*registry_);
  for (const char* outcome : {"recorded", "duplicate", "rejected"})
    payouts_[outcome] = &payouts.Add({{"outcome", outcome}});
  payout_kopecks_ = &counter(*registry_, "kassa_payout_amount_kopecks_total",
                             "Kopecks of the payouts recorded (their amount, the sum of net)");
  auto& merchant_events = prometheus::BuildCounter()
                              .Name("kassa_merchant_events_total")
                              .Help("Merchant events read from the merchants table by outcome: "
                                    "recorded (as a version; every worker reads every event, and "
                                    "again after a restart), rejected (dead-lettered)")
                              .Register(*registry_);
  for (const char* outcome : {"recorded", "rejected"})
    merchant_events_[outcome] = &merchant_events.Add({{"outcome", outcome}});
  auto& parked = prometheus::BuildCounter()
                     .Name("kassa_outbox_parked_total")
                     .Help("Outbox rows parked because Kafka refused them for good, by reason")
                     .Register(*registry_);
  for (const char* reason :
       {"message_too_large", "unknown_topic", "authorization", "invalid_record", "other"})
    outbox_parked_[reason] = &parked.Add({{"reason", reason}});
  batch_seconds_ =
      &prometheus::BuildHistogram()
           .Name("kassa_batch_duration_seconds")
           .Help("Time to process and commit one batch")
           .Register(*registry_)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                            0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  auto& phases = prometheus::BuildCounter()
                     .Name("kassa_batch_phase_seconds_total")
                     .Help(
                         "Seconds the consumer spent in each phase of its batches: decode "
                         "(bytes to events), load (offsets and the orders and inbox rows "
                         "needed), apply (state machine and builders), number (document "
                         "counters), write (the batch's rows), commit")
                     .Register(*registry_);
  for (const char* phase : kBatchPhases) phases_[phase] = &phases.Add({{"phase", phase}});

  prometheus::BuildGauge()
      .Name("kassa_build_info")
      .Help("Always 1; the labels say which kassa and librdkafka this is")
      .Register(*registry_)
      .Add({{"version", KASSA_VERSION}, {"librdkafka", rd_kafka_version_str()}})
      .Set(1);
  auto& renders = prometheus::BuildCounter()
                      .Name("kassa_document_renders_total")
                      .Help(
                          "Packages rendered (PDF + XML placed in the database), and renderer "
                          "rounds that failed and were retried (outcome=\"failed\")")
                      .Register(*registry_);
  for (const char* outcome : {"rendered", "failed"})
    renders_[outcome] = &renders.Add({{"outcome", outcome}});
  parked_events_ = &gauge(*registry_, "kassa_parked_events",
                          "Shipments and refunds waiting for their order's payment (database)");
  parked_oldest_age_ = &gauge(*registry_, "kassa_parked_oldest_age_seconds",
                              "Age of the oldest event waiting for its payment (0: none)");
  last_reconciliation_ =
      &gauge(*registry_, "kassa_reconciliation_last_success_timestamp_seconds",
             "When the last completed, recorded (not dry) reconciliation finished (0: never)");
  auto& open = prometheus::BuildGauge()
                   .Name("kassa_reconciliation_open_exceptions")
                   .Help("Reconciliation exceptions open now, by kind")
                   .Register(*registry_);
  auto& open_age = prometheus::BuildGauge()
                       .Name("kassa_reconciliation_oldest_open_exception_age_seconds")
                       .Help("Age of the oldest open exception since first seen, by kind (0: none)")
                       .Register(*registry_);
  for (int k = 0; k < core::kReconKinds; ++k) {
    const std::string kind(core::recon_kind_name(static_cast<core::ReconKind>(k)));
    open_exceptions_[kind] = &open.Add({{"kind", kind}});
    open_exception_age_[kind] = &open_age.Add({{"kind", kind}});
  }
  partition_lag_ = &prometheus::BuildGauge()
                        .Name("kassa_consumer_partition_lag_messages")
                        .Help(
                            "Messages between the offset stored in PostgreSQL and the end of "
                            "the log, per input partition held by this worker")
                        .Register(*registry_);
}

void Metrics::count_renders(const char* outcome, std::size_t n) {
  renders_.at(outcome)->Increment(static_cast<double>(n));
}

void Metrics::set_operations(const store::OperationsSnapshot& snapshot) {
  parked_events_->Set(static_cast<double>(snapshot.parked_events));
  parked_oldest_age_->Set(snapshot.oldest_parked_age_seconds);
  last_reconciliation_->Set(snapshot.last_reconciliation_unix.value_or(0));
  for (const auto& [kind, gauge] : open_exceptions_) {
    const auto it = snapshot.open_exceptions.find(kind);
    gauge->Set(it == snapshot.open_exceptions.end() ? 0 : static_cast<double>(it->second.count));
    open_exception_age_[kind]->Set(
        it == snapshot.open_exceptions.end() ? 0 : it->second.oldest_age_seconds);
  }
}

void Metrics::report_lags(const std::string& owner, PartitionLags lags) {
  std::lock_guard lock(lags_mutex_);
  lags_by_owner_[owner] = std::move(lags);
  PartitionLags all;
  for (const auto& [_, owned] : lags_by_owner_) all.insert(owned.begin(), owned.end());
  for (auto it = lag_gauges_.begin(); it != lag_gauges_.end();) {
    if (all.count(it->first) == 0) {
      partition_lag_->Remove(it->second);
      it = lag_gauges_.erase(it);
    } else {
      ++it;
    }
  }
  std::int64_t total = 0;
  for (const auto& [key, lag] : all) {
    auto& gauge = lag_gauges_[key];
    if (gauge == nullptr)
      gauge =
          &partition_lag_->Add({{"topic", key.first}, {"partition", std::to_string(key.second)}});
    gauge->Set(static_cast<double>(lag));
    total += lag;
  }
  consumer_lag.Set(static_cast<double>(total));
}

void Metrics::count_phase(const char* phase, double seconds) {
  phases_.at(phase)->Increment(seconds);
}

double Metrics::phase_seconds(const char* phase) const {
  return phases_.at(phase)->Value();
}

std::string Metrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

void Metrics::count_outbox_parked(const std::string& reason) {
  const auto it = outbox_parked_.find(reason);
  (it != outbox_parked_.end() ? it : outbox_parked_.find("other"))->second->Increment();
}

void Metrics::count_atol_request(const std::string& request, const std::string& verdict) {
  if (auto it = atol_requests_.find({request, verdict}); it != atol_requests_.end())
    it->second->Increment();
}

void Metrics::count_registration(const std::string& status) {
  if (auto it = registrations_.find(status); it != registrations_.end()) it->second->Increment();
}

void Metrics::count_payouts(std::int64_t recorded, std::int64_t duplicates, std::int64_t rejected,
                            std::int64_t recorded_kopecks,
                            const std::map<std::string, std::int64_t>& rejected_by_code) {
  payouts_.at("recorded")->Increment(static_cast<double>(recorded));
  payouts_.at("duplicate")->Increment(static_cast<double>(duplicates));
  payouts_.at("rejected")->Increment(static_cast<double>(rejected));
  payout_kopecks_->Increment(static_cast<double>(recorded_kopecks));
  for (const auto& [code, n] : rejected_by_code)
    if (auto it = dead_letters_.find(code); it != dead_letters_.end())
      it->second->Increment(static_cast<double>(n));
}

void Metrics::count_merchant_events(std::int64_t recorded,
                                    const std::map<std::string, std::int64_t>& rejected_by_code) {
  merchant_events_.at("recorded")->Increment(static_cast<double>(recorded));
  for (const auto& [code, n] : rejected_by_code) {
    merchant_events_.at("rejected")->Increment(static_cast<double>(n));
    if (auto it = dead_letters_.find(code); it != dead_letters_.end())
      it->second->Increment(static_cast<double>(n));
  }
}

void Metrics::count_batch(const ingest::Counts& counts, double seconds) {
  for (const auto& [key, n] : counts.by_topic_outcome)
    events_->Add({{"topic", key.first}, {"outcome", key.second}}).Increment(static_cast<double>(n));
  for (const auto& [code, n] : counts.rejected_by_code)
    if (auto it = dead_letters_.find(code); it != dead_letters_.end())
      it->second->Increment(static_cast<double>(n));
  for (const auto& [key, n] : counts.payments_by_channel_method)
    if (auto it = payments_.find(key); it != payments_.end())
      it->second->Increment(static_cast<double>(n));
  for (const auto& [kind, n] : counts.receipts_by_kind)
    if (auto it = receipts_.find(kind); it != receipts_.end())
      it->second->Increment(static_cast<double>(n));
  for (const auto& [kind, n] : counts.packages_by_kind)
    if (auto it = packages_.find(kind); it != packages_.end())
      it->second->Increment(static_cast<double>(n));
  default_supplier_->Increment(static_cast<double>(counts.receipts_default_supplier));
  default_supplier_phone_->Increment(static_cast<double>(counts.receipts_default_supplier_phone));
  batches_->Increment();
  batch_seconds_->Observe(seconds);
}

}  // namespace kassa::app
