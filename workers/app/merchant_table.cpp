#include "app/merchant_table.hpp"

#include <thread>

#include "app/clock.hpp"
#include "app/retry.hpp"
#include "store/batch_store.hpp"
#include "store/merchant_store.hpp"
#include "support/log.hpp"

namespace kassa::app {

MerchantTable::MerchantTable(const Config& config, Metrics& metrics, const std::atomic<bool>& stop,
                             BatchWriter::Hooks hooks)
    : config_(config),
      metrics_(metrics),
      stop_(stop),
      writer_(config, metrics, stop, std::move(hooks)),
      reader_(config.brokers, config.topic_merchants, config.kafka_extra) {}

void MerchantTable::record(const std::vector<ingest::Message>& messages) {
  std::vector<store::MerchantRecord> records;
  ingest::BatchResult dead;
  const auto now = utc_now();
  for (const auto& m : messages) {
    auto key = m.source.has_key ? std::optional<std::string>(m.source.key) : std::nullopt;
    auto decoded = decoder_.decode(key, m.source.payload);
    if (decoded.rejection) {
      log::warn("merchants: " + m.source.topic + "/" + std::to_string(m.source.partition) + "@" +
                std::to_string(m.source.offset) + " dead-lettered: " + decoded.rejection->message);
      ingest::add_dead_letter(dead, m.source, *decoded.rejection, decoded.event_id, now,
                              writer_.outputs());
      continue;
    }
    records.push_back({std::move(*decoded.event), m.source.partition, m.source.offset});
  }
  try {
    retry_transient(
        stop_, writer_.database(), metrics_, "merchants: recording", [] {},
        [&] {
          pqxx::work tx(writer_.database().connection());
          auto fresh = store::record_merchant_versions(tx, records);
          store::write_result(tx, dead, {});
          tx.commit();
          arrived_.insert(fresh.begin(), fresh.end());
        });
  } catch (const std::exception& e) {
    // Not transient: a row the database refuses although the decoder let it pass (a bug). One
    // message at a time, so that only the one that fails is dead-lettered (internal_error) and
    // the table goes on.
    if (messages.size() > 1) {
      for (const auto& m : messages) record({m});
      return;
    }
    log::error(std::string("merchants: recording failed (") + e.what() +
               "); dead-lettering the event as internal_error");
    ingest::BatchResult poisoned;
    ingest::add_dead_letter(
        poisoned, messages.front().source, {core::ErrorCode::internal_error, e.what()},
        records.empty() ? "" : records.front().event.event_id, now, writer_.outputs());
    retry_transient(
        stop_, writer_.database(), metrics_, "merchants: dead-lettering", [] {},
        [&] {
          pqxx::work tx(writer_.database().connection());
          store::write_result(tx, poisoned, {});
          tx.commit();
        });
    metrics_.count_merchant_events(0, poisoned.counts.rejected_by_code);
    return;
  }
  metrics_.count_merchant_events(static_cast<std::int64_t>(records.size()),
                                 dead.counts.rejected_by_code);
}

std::size_t MerchantTable::step(std::chrono::milliseconds wait) {
  const auto messages = reader_.poll(wait, 2000);
  if (!messages.empty()) record(messages);
  if (stop_) return messages.size();
  // Only now, with the versions committed, may the order events behind them go.
  bound_.store(reader_.bound());
  const bool at_end = reader_.at_end();
  const auto now = std::chrono::steady_clock::now();
  if (now - last_sweep_ >= std::chrono::seconds(30) || (at_end && !settled_.load())) {
    last_sweep_ = now;
    try {
      pqxx::work tx(writer_.database().connection());
      auto waiting = store::arrived_merchants_with_waiting_orders(tx);
      tx.commit();
      arrived_.insert(waiting.begin(), waiting.end());
    } catch (const std::exception& e) {
      writer_.database().reset();
      log::warn(std::string("merchants: looking up waiting orders failed: ") + e.what());
      return messages.size();
    }
  }
  if (!arrived_.empty()) {
    writer_.release_waiting(arrived_);
    if (!stop_) arrived_.clear();
  }
  settled_.store(at_end && arrived_.empty());
  return messages.size();
}

void MerchantTable::run(const std::function<void()>& heartbeat) {
  while (!stop_) {
    step(std::chrono::milliseconds(500));
    if (heartbeat) heartbeat();
  }
}

void MerchantTable::read_to_end() {
  while (!stop_ && !settled()) step(std::chrono::milliseconds(500));
}

}  // namespace kassa::app
