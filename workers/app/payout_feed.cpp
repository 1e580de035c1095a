#include "app/payout_feed.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "app/clock.hpp"
#include "app/retry.hpp"
#include "bus/consumer.hpp"
#include "contract/dead_letter.hpp"
#include "contract/encoding.hpp"
#include "contract/payout_decode.hpp"
#include "store/batch_store.hpp"
#include "store/database.hpp"
#include "store/payout_store.hpp"
#include "support/log.hpp"

namespace kassa::app {

PayoutCounts& PayoutCounts::operator+=(const PayoutCounts& other) {
  messages += other.messages;
  recorded += other.recorded;
  duplicates += other.duplicates;
  rejected += other.rejected;
  recorded_amount += other.recorded_amount;
  for (const auto& [code, n] : other.rejected_by_code) rejected_by_code[code] += n;
  return *this;
}

namespace {

using Clock = std::chrono::steady_clock;

// The id ingest gives a dead letter (ingest/batch.cpp): one per source message, so a batch
// written again after a crash queues the same outbox row, which the outbox then ignores.
std::string dead_letter_id(const core::Source& source) {
  return contract::uuid_v5(contract::kOutputNamespace, "dlq:" + source.topic + ":" +
                                                           std::to_string(source.partition) + ":" +
                                                           std::to_string(source.offset));
}

// As the BatchWriter tells them apart (app/batch_writer.cpp): what one message can cause (data
// and integrity errors, kassa's own bugs) is isolated; the rest is the environment and retried.
bool is_poison(const std::exception& error) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    if (store::is_transient(error)) return false;
    const std::string state = sql->sqlstate();
    return state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0;
  }
  if (dynamic_cast<const pqxx::failure*>(&error) != nullptr) return false;
  return dynamic_cast<const std::logic_error*>(&error) != nullptr ||
         dynamic_cast<const nlohmann::json::exception*>(&error) != nullptr;
}

enum class TopicState { present, missing, unknown };

// Whether the topic exists, from the list of all topics: asking for one topic by name could make
// a broker with auto.create.topics.enable create it.
TopicState topic_state(const Config& config, const std::string& topic) {
  try {
    bus::Settings settings = {{"bootstrap.servers", config.brokers}};
    for (const auto& [key, value] : config.kafka_extra) settings[key] = value;
    bus::Handle handle = bus::make_handle(RD_KAFKA_CONSUMER, bus::make_conf(settings));
    const rd_kafka_metadata_t* metadata = nullptr;
    if (const auto err = rd_kafka_metadata(handle.get(), 1, nullptr, &metadata, 10'000)) {
      log::warn(std::string("payouts: cannot list Kafka topics: ") + rd_kafka_err2str(err));
      return TopicState::unknown;
    }
    bool found = false;
    for (int t = 0; t < metadata->topic_cnt; ++t)
      if (topic == metadata->topics[t].topic && !metadata->topics[t].err) found = true;
    rd_kafka_metadata_destroy(metadata);
    return found ? TopicState::present : TopicState::missing;
  } catch (const std::exception& e) {
    log::warn(std::string("payouts: cannot list Kafka topics: ") + e.what());
    return TopicState::unknown;
  }
}

struct Item {
  ingest::Message message;
  contract::DecodedPayout decoded;
};

}  // namespace

struct PayoutFeed::Impl {
  Impl(const Config& c, Metrics& m, std::atomic<bool>& s, bool bounded, std::function<void()> wake)
      : config(c),
        metrics(m),
        stop(s),
        until_caught_up(bounded),
        wake_relay(std::move(wake)),
        group_id(c.group_id + "-payouts"),
        database(c.pg_dsn) {}

  const Config& config;
  Metrics& metrics;
  std::atomic<bool>& stop;
  const bool until_caught_up;
  std::function<void()> wake_relay;
  const std::string group_id;
  store::Database database;
  contract::PayoutDecoder decoder;
  bus::Consumer* consumer = nullptr;
  PayoutCounts counts;
  std::atomic<bool> caught_up{false};
  std::atomic<bool> running{false};
  std::atomic<Clock::time_point> last_turn{Clock::now()};

  void heartbeat() { last_turn = Clock::now(); }

  void run() {
    running = true;
    struct Done {
      std::atomic<bool>& running;
      ~Done() { running = false; }
    } done{running};
    const auto state = wait_for_topic();
    if (state != TopicState::present) {
      if (state == TopicState::missing)
        log::warn("payouts: topic " + config.topic_payouts +
                      " does not exist; running without payouts (create it and restart to record "
                      "them)",
                  {{"topic", config.topic_payouts}});
      caught_up = state == TopicState::missing;  // nothing there to catch up with
      return;
    }
    bus::ConsumerOptions options;
    options.brokers = config.brokers;
    options.group_id = group_id;
    // One topic, so nothing to merge: the kind only tells the consumer's merge how to bound
    // releases, and `payment` never waits for the merge grace.
    options.topics = {{config.topic_payouts, core::EventKind::payment}};
    options.batch_max_messages = config.batch_max_messages;
    options.batch_max_wait = config.batch_max_wait;
    options.merge_grace = std::chrono::milliseconds(0);
    options.extra = config.kafka_extra;
    options.on_lag = [this](const std::map<ingest::PartitionKey, std::int64_t>& lags) {
      Metrics::PartitionLags out;
      for (const auto& [key, lag] : lags) out[{key.topic, key.partition}] = lag;
      metrics.report_lags("payouts", std::move(out));
    };
    bus::Consumer c(options, [this](const auto& keys) { return load_positions(keys); });
    consumer = &c;
    bus::Watermarks targets;
    if (until_caught_up) targets = c.watermarks(std::chrono::seconds(30));
    while (!stop) {
      auto messages = c.poll_batch(stop);
      heartbeat();
      if (!messages.empty()) {
        std::vector<Item> items;
        items.reserve(messages.size());
        for (auto& m : messages) {
          const std::optional<std::string> key =
              m.source.has_key ? std::optional<std::string>(m.source.key) : std::nullopt;
          auto decoded = decoder.decode(key, m.source.payload);
          items.push_back({std::move(m), std::move(decoded)});
        }
        process(items);
      } else if (until_caught_up && reached(targets)) {
        caught_up = true;
        break;
      }
    }
    log::info(stop ? "payouts: stopping on signal after the current batch" : "payouts: caught up");
    c.close();
    consumer = nullptr;
    metrics.report_lags("payouts", {});
  }

  // Kafka may not be up yet when the worker starts: ask again until it answers.
  TopicState wait_for_topic() {
    auto backoff = std::chrono::milliseconds(500);
    while (!stop) {
      const auto state = topic_state(config, config.topic_payouts);
      heartbeat();
      if (state != TopicState::unknown) return state;
      for (auto slept = std::chrono::milliseconds(0); slept < backoff && !stop;
           slept += std::chrono::milliseconds(100)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        heartbeat();
      }
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
    return TopicState::unknown;
  }

  // Runs `body` until it succeeds, retrying transient errors (app/retry.hpp).
  template <typename Body>
  bool with_retry(const char* what, Body&& body) {
    return retry_transient(
        stop, database, metrics, what, [this] { heartbeat(); }, std::forward<Body>(body));
  }

  bus::Positions load_positions(const std::vector<ingest::PartitionKey>& keys) {
    store::Offsets stored;
    // Stopped before the offsets could be read: the batch transaction checks `stop` first, and
    // the compare-and-set would fence it anyway.
    with_retry("payouts: reading stored offsets", [&] {
      stored = store::read_offsets(database.connection(), group_id, {config.topic_payouts});
    });
    bus::Positions out;
    for (const auto& key : keys) {
      const auto it = stored.find(key);
      out[key] = it == stored.end() ? std::nullopt : std::optional<std::int64_t>(it->second);
    }
    return out;
  }

  bool reached(const bus::Watermarks& targets) {
    store::Offsets stored;
    try {
      stored = store::read_offsets(database.connection(), group_id, {config.topic_payouts});
    } catch (const std::exception& e) {
      if (!store::is_transient(e)) throw;
      database.reset();
      return false;
    }
    for (const auto& [key, range] : targets) {
      // Nothing stored yet means reading from the log start; messages before it are gone.
      const auto it = stored.find(key);
      if (std::max(it == stored.end() ? range.low : it->second, range.low) < range.high)
        return false;
    }
    return true;
  }

  // What one batch comes to: computed inside the transaction, from what it found recorded.
  struct Plan {
    std::vector<store::PayoutWrite> records;
    std::vector<ingest::RejectionWrite> rejections;
    std::vector<ingest::OutboxWrite> outbox;
    PayoutCounts counts;
    std::vector<std::string> duplicate_payouts;  // warnings to log once committed
  };

  void dead_letter(Plan& plan, const ingest::Message& m, const core::Rejection& rejection,
                   const std::string& event_id, core::UtcTime now) {
    const std::string code(core::error_code_name(rejection.code));
    ++plan.counts.rejected;
    ++plan.counts.rejected_by_code[code];
    plan.outbox.push_back(
        {dead_letter_id(m.source), config.topic_dlq, m.source.key,
         contract::dead_letter_json(m.source, rejection, now, event_id, config.dlq_max_bytes)});
    plan.rejections.push_back({m.source.topic, event_id, code, rejection.message, m.source.payload,
                               m.source.partition, m.source.offset});
  }

  Plan plan_batch(const std::vector<Item>& items, const store::RecordedPayouts& recorded,
                  core::UtcTime now) {
    Plan plan;
    // What is recorded by the time each message comes: the database's, then this batch's.
    std::map<std::string, const core::Payout*> by_event;
    for (const auto& [id, payout] : recorded.by_event_id) by_event[id] = &payout;
    std::set<store::PayoutKey> taken = recorded.keys;
    for (const auto& item : items) {
      ++plan.counts.messages;
      if (item.decoded.rejection) {
        dead_letter(plan, item.message, *item.decoded.rejection, "", now);
        continue;
      }
      const core::Payout& p = *item.decoded.payout;
      const auto same = by_event.find(p.event_id);
      const store::PayoutKey key{p.merchant_id, p.payout_id};
      switch (core::judge_payout(p, same == by_event.end() ? nullptr : same->second,
                                 taken.count(key) > 0)) {
        case core::PayoutVerdict::record:
          plan.records.push_back({&p, item.message.source.topic, item.message.source.partition,
                                  item.message.source.offset});
          by_event[p.event_id] = &p;
          taken.insert(key);
          break;
        case core::PayoutVerdict::duplicate_event:
          ++plan.counts.duplicates;
          break;
        case core::PayoutVerdict::duplicate_payout:
          ++plan.counts.duplicates;
          plan.duplicate_payouts.push_back(p.event_id);
          break;
        case core::PayoutVerdict::event_id_conflict:
          dead_letter(plan, item.message,
                      {core::ErrorCode::event_id_conflict,
                       "event_id " + p.event_id + " was seen before with different content"},
                      p.event_id, now);
          break;
      }
    }
    return plan;
  }

  void process(const std::vector<Item>& items) {
    store::Offsets next;
    for (const auto& item : items) {
      auto& offset = next[{item.message.source.topic, item.message.source.partition}];
      offset = std::max(offset, item.message.source.offset + 1);
    }
    std::vector<const core::Payout*> valid;
    for (const auto& item : items)
      if (item.decoded.payout) valid.push_back(&*item.decoded.payout);
    Plan plan;
    std::set<store::PayoutKey> inserted;
    auto backoff = std::chrono::milliseconds(50);
    for (;;) {
      if (stop) return;  // not committed: read again by whoever runs next
      try {
        pqxx::work tx(database.connection());
        store::advance_offsets(tx, group_id, next, consumer->positions());
        const auto recorded = store::load_recorded_payouts(tx, valid);
        plan = plan_batch(items, recorded, utc_now());
        inserted = store::insert_payouts(tx, plan.records);
        store::write_dead_letters(tx, plan.rejections, plan.outbox);
        tx.commit();
        break;
      } catch (const store::FencedError& e) {
        metrics.fenced_batches.Increment();
        log::warn(std::string("payouts: ") + e.what() +
                  "; dropping the batch and re-reading from PostgreSQL offsets");
        consumer->resync();
        return;
      } catch (const std::exception& e) {
        if (is_poison(e)) return isolate(items, e);
        database.reset();
        metrics.db_retries.Increment();
        log::warn(std::string("payouts: transaction failed: ") + e.what() + "; retrying in " +
                  std::to_string(backoff.count()) + " ms");
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      }
      heartbeat();
    }
    // Committed: only now do the offsets go to Kafka and the relay hear of dead letters.
    consumer->committed(next);
    for (const auto& w : plan.records) {
      if (inserted.count({w.payout->merchant_id, w.payout->payout_id}) > 0) {
        ++plan.counts.recorded;
        plan.counts.recorded_amount += w.payout->amount;
      } else {
        ++plan.counts.duplicates;  // recorded meanwhile by another writer
      }
    }
    for (const auto& event_id : plan.duplicate_payouts) {
      const auto it = std::find_if(valid.begin(), valid.end(),
                                   [&](const core::Payout* p) { return p->event_id == event_id; });
      log::warn("payouts: payout " + (*it)->payout_id + " of merchant " + (*it)->merchant_id +
                    " is already recorded under another event_id; ignoring event " + event_id,
                {{"event_id", event_id}, {"merchant_id", (*it)->merchant_id}});
    }
    metrics.count_payouts(plan.counts.recorded, plan.counts.duplicates, plan.counts.rejected,
                          plan.counts.recorded_amount, plan.counts.rejected_by_code);
    counts += plan.counts;
    if (!plan.outbox.empty() && wake_relay) wake_relay();
  }

  // A batch failed for a reason that is not transient: find the message that causes it.
  void isolate(const std::vector<Item>& items, const std::exception& error) {
    if (items.size() > 1) {
      log::error(std::string("payouts: batch failed (") + error.what() + "); retrying its " +
                 std::to_string(items.size()) + " messages one by one");
      for (const auto& item : items) process({item});
      return;
    }
    const auto& source = items.front().message.source;
    log::error("payouts: message " + source.topic + "/" + std::to_string(source.partition) + "@" +
                   std::to_string(source.offset) + " cannot be processed (" + error.what() +
                   "); dead-lettering it as internal_error",
               {{"topic", source.topic},
                {"partition", std::to_string(source.partition)},
                {"offset", std::to_string(source.offset)}});
    Item poisoned = items.front();
    poisoned.decoded.payout.reset();
    poisoned.decoded.rejection = core::Rejection{core::ErrorCode::internal_error, error.what()};
    process({poisoned});
  }
};

PayoutFeed::PayoutFeed(const Config& config, Metrics& metrics, std::atomic<bool>& stop,
                       bool until_caught_up, std::function<void()> wake_relay)
    : impl_(std::make_unique<Impl>(config, metrics, stop, until_caught_up, std::move(wake_relay))) {
}

PayoutFeed::~PayoutFeed() = default;

void PayoutFeed::run() {
  impl_->run();
}

bool PayoutFeed::alive() const {
  return !impl_->running || Clock::now() - impl_->last_turn.load() < impl_->config.liveness_timeout;
}

bool PayoutFeed::caught_up() const {
  return impl_->caught_up.load();
}

const PayoutCounts& PayoutFeed::counts() const {
  return impl_->counts;
}

}  // namespace kassa::app
