#include "app/batch_writer.hpp"

#include <thread>

#include "app/clock.hpp"
#include "app/packages.hpp"
#include "store/merchant_store.hpp"
#include "support/log.hpp"

namespace kassa::app {
namespace {

// Non-transient failures that one message can cause: data and integrity errors from PostgreSQL,
// and errors from kassa's own code (a bug). Everything else is the environment: retry.
bool is_poison(const std::exception& error) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    if (store::is_transient(error)) return false;
    const std::string state = sql->sqlstate();
    return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0;
  }
  if (dynamic_cast<const pqxx::failure*>(&error) != nullptr)
    return false;  // connection-level trouble
  return dynamic_cast<const std::logic_error*>(&error) != nullptr ||
         dynamic_cast<const nlohmann::json::exception*>(&error) != nullptr;
}

}  // namespace

void PhaseClock::done(const char* phase) {
  const auto now = std::chrono::steady_clock::now();
  metrics_.count_phase(phase, std::chrono::duration<double>(now - last_).count());
  last_ = now;
}

std::vector<ingest::DecodedMessage> decode_counted(contract::Decoder& decoder,
                                                   std::vector<ingest::Message> messages,
                                                   Metrics& metrics) {
  PhaseClock phase(metrics);
  auto decoded = ingest::decode_batch(decoder, std::move(messages));
  phase.done("decode");
  return decoded;
}

ingest::Outputs outputs_of(const Config& config) {
  ingest::Outputs outputs;
  outputs.dlq = config.topic_dlq;
  outputs.receipts = config.topic_receipts;
  outputs.seller = config.seller;
  outputs.atol_callback_url = config.atol_callback_url;
  outputs.documents = config.topic_documents;
  outputs.dlq_max_bytes = config.dlq_max_bytes;
  outputs.wait_for_merchant = config.unknown_merchant == Config::UnknownMerchant::wait;
  return outputs;
}

BatchWriter::BatchWriter(const Config& config, Metrics& metrics, const std::atomic<bool>& stop,
                         Hooks hooks)
    : metrics_(metrics),
      stop_(stop),
      hooks_(std::move(hooks)),
      database_(config.pg_dsn),
      outputs_(outputs_of(config)),
      release_chunk_(std::max<std::size_t>(config.batch_max_messages, 1)) {}

store::Offsets BatchWriter::next_offsets(const std::vector<ingest::DecodedMessage>& batch) {
  store::Offsets next;
  for (const auto& m : batch) {
    auto& offset = next[{m.message.source.topic, m.message.source.partition}];
    offset = std::max(offset, m.message.source.offset + 1);
  }
  return next;
}

void BatchWriter::write(std::vector<ingest::Message> messages) {
  const auto started = Clock::now();
  process(decode_counted(decoder_, std::move(messages), metrics_), started);
}

void BatchWriter::write_decoded(const std::vector<ingest::DecodedMessage>& batch) {
  process(batch, Clock::now());
}

void BatchWriter::process(const std::vector<ingest::DecodedMessage>& batch,
                          Clock::time_point started) {
  const auto next = next_offsets(batch);
  const auto needs = ingest::needs_of(batch);
  ingest::BatchResult result;
  auto backoff = std::chrono::milliseconds(50);
  for (;;) {
    if (stop_) return;  // not committed: the batch is read again by whoever runs next
    try {
      PhaseClock phase(metrics_);
      pqxx::work tx(database_.connection());
      if (hooks_.advance) hooks_.advance(tx, next);
      auto loaded = store::load_snapshot(tx, needs);
      phase.done("load");
      result = ingest::apply_batch(batch, std::move(loaded.snapshot), utc_now(), outputs_);
      phase.done("apply");
      issue_packages(tx, result);
      phase.done("number");
      store::write_result(tx, result, loaded.versions);
      phase.done("write");
      fault_point("batch_before_commit");
      tx.commit();
      phase.done("commit");
      break;
    } catch (const store::FencedError& e) {
      metrics_.fenced_batches.Increment();
      log::warn(std::string("batch: ") + e.what() +
                "; dropping the batch and re-reading from PostgreSQL offsets");
      if (hooks_.fenced) hooks_.fenced();
      return;
    } catch (const store::ConflictError& e) {
      metrics_.db_retries.Increment();
      log::info(std::string("batch: ") + e.what());
    } catch (const std::exception& e) {
      if (is_poison(e)) return isolate(batch, e, started);
      database_.reset();
      metrics_.db_retries.Increment();
      log::warn(std::string("batch: transaction failed: ") + e.what() + "; retrying in " +
                std::to_string(backoff.count()) + " ms");
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
    if (hooks_.heartbeat) hooks_.heartbeat();
  }
  fault_point("batch_after_commit");
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  metrics_.count_batch(result.counts, seconds);
  if (hooks_.committed) hooks_.committed(result, next, seconds);
}

void BatchWriter::release_waiting(const std::set<std::string>& merchants) {
  if (merchants.empty()) return;
  auto backoff = std::chrono::milliseconds(50);
  while (!stop_) {
    const auto started = Clock::now();
    ingest::BatchResult result;
    try {
      pqxx::work tx(database_.connection());
      ingest::Needs needs;
      needs.order_ids = store::orders_waiting_for(tx, merchants, release_chunk_);
      if (needs.order_ids.empty()) return;
      needs.merchant_ids = merchants;
      auto loaded = store::load_snapshot(tx, needs);
      result = ingest::release_waiting(std::move(loaded.snapshot), utc_now(), outputs_);
      if (result.orders.empty()) return;  // released meanwhile by another worker
      issue_packages(tx, result);
      store::write_result(tx, result, loaded.versions);
      tx.commit();
    } catch (const store::ConflictError& e) {
      metrics_.db_retries.Increment();
      continue;
    } catch (const std::exception& e) {
      if (is_poison(e)) {
        log::error(std::string("merchants: releasing waiting orders failed (") + e.what() +
                   "); they keep waiting until the next try");
        return;
      }
      database_.reset();
      metrics_.db_retries.Increment();
      log::warn(std::string("merchants: release failed: ") + e.what() + "; retrying");
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    metrics_.count_batch(result.counts, seconds);
    log::info("merchants: released the waiting events of " + std::to_string(result.orders.size()) +
              " orders");
    if (hooks_.committed) hooks_.committed(result, {}, seconds);
  }
}

// A batch failed for a reason that is not transient: find the message that causes it.
void BatchWriter::isolate(const std::vector<ingest::DecodedMessage>& batch,
                          const std::exception& error, Clock::time_point started) {
  if (batch.size() > 1) {
    log::error(std::string("batch: failed (") + error.what() + "); retrying its " +
               std::to_string(batch.size()) + " messages one by one");
    for (const auto& message : batch) process({message}, started);
    return;
  }
  const auto& source = batch.front().message.source;
  const auto& event = batch.front().decoded.event;
  log::error("batch: message " + source.topic + "/" + std::to_string(source.partition) + "@" +
                 std::to_string(source.offset) + " cannot be processed (" + error.what() +
                 "); dead-lettering it as internal_error",
             {{"topic", source.topic},
              {"partition", std::to_string(source.partition)},
              {"offset", std::to_string(source.offset)},
              {"event_id", event ? core::header_of(*event).event_id : ""},
              {"order_id", event ? core::header_of(*event).order_id : ""}});
  ingest::DecodedMessage poisoned = batch.front();
  poisoned.decoded.event.reset();
  poisoned.decoded.rejection = core::Rejection{core::ErrorCode::internal_error, error.what()};
  process({poisoned}, started);
}

}  // namespace kassa::app
