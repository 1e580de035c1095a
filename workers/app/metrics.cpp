#include "app/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "core/errors.hpp"

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
  auto& events =
      prometheus::BuildCounter()
          .Name("kassa_events_total")
          .Help(
              "Input messages by outcome (released: parked events applied once their payment came)")
          .Register(*registry_);
  for (const char* outcome : {"applied", "parked", "released", "duplicate", "rejected"})
    events_[outcome] = &events.Add({{"outcome", outcome}});
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

void Metrics::count_batch(const ingest::Counts& counts, double seconds) {
  events_["applied"]->Increment(static_cast<double>(counts.applied));
  events_["parked"]->Increment(static_cast<double>(counts.parked));
  events_["released"]->Increment(static_cast<double>(counts.released));
  events_["duplicate"]->Increment(static_cast<double>(counts.duplicates));
  events_["rejected"]->Increment(static_cast<double>(counts.rejected));
  for (const auto& [code, n] : counts.rejected_by_code)
    if (auto it = dead_letters_.find(code); it != dead_letters_.end())
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
