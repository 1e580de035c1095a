#include "bus/consumer.hpp"

#include <nlohmann/json.hpp>

#include <cstring>
#include <thread>

#include "support/log.hpp"

namespace kassa::bus {

namespace {

// Message timestamps are producers' wall clocks in milliseconds since the epoch.
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Consumer::Consumer(ConsumerOptions options, OffsetsLoader load_offsets)
    : options_(std::move(options)), load_offsets_(std::move(load_offsets)) {
  Settings settings = {
      {"bootstrap.servers", options_.brokers},
      {"group.id", options_.group_id},
      {"client.id", "kassa"},
      // Offsets are stored only after the batch transaction commits (at-least-once from Kafka's
      // side, exactly-once through PostgreSQL), then committed in the background.
      {"enable.auto.offset.store", "false"},
      {"enable.auto.commit", "true"},
      {"auto.commit.interval.ms", "1000"},
      {"auto.offset.reset", "earliest"},
      // Range keeps the same partition numbers of the three co-partitioned topics on one member,
      // so an order's payment, shipments and refunds are usually handled by the same worker.
      {"partition.assignment.strategy", "range"},
      {"max.poll.interval.ms", "300000"},
      // A member that dies without leaving (SIGKILL, a lost node; and a static member never sends
      // LeaveGroup, even on SIGTERM) holds its partitions until its session times out. 30 s made
      // failover take 30 s; 8 s, with a heartbeat every 2 s, makes it 8 to 10 (measured by
      // tests/integration/failover_test.cpp, which requires under 15), while a container restarted
      // in place (same pod name, same group.instance.id) usually rejoins before it and keeps its
      // partitions without a rebalance. The broker's floor is group.min.session.timeout.ms (6 s).
      // Heartbeats come from librdkafka's own thread, so a long batch does not miss them.
      {"session.timeout.ms", "8000"},
      {"heartbeat.interval.ms", "2000"},
      // End-of-partition events tell the cross-topic merge that a quiet partition holds nothing
      // back.
      {"enable.partition.eof", "true"},
      // librdkafka prefetches up to 64 MB by default, in fetch responses of up to 50 MB that
      // stay allocated while any message in them is queued. Over a 276 000-message backlog
      // these limits took peak RSS from 173 to 97 MB at the same speed, and batches stay full.
      {"queued.max.messages.kbytes", "8192"},
      {"fetch.max.bytes", "4194304"},
      {"max.partition.fetch.bytes", "262144"},
      // A fetch answered as soon as one byte is there brings a steady stream a few messages at a
      // time: at 2 000 events/s every batch held about four, the broker and PostgreSQL spent the
      // cores on per-request work, and the consumer fell seconds behind. Waiting up to 10 ms for
      // 100 kB makes batches of a hundred and more; p99 at 5 000 events/s went from seconds to
      // about 200 ms, and an idle stream waits 10 ms more.
      {"fetch.min.bytes", "100000"},
      {"fetch.wait.max.ms", "10"},
  };
  if (options_.on_lag) settings["statistics.interval.ms"] = "5000";
  for (const auto& [key, value] : options_.extra) settings[key] = value;
  // Assigned mode never joins the group nor commits: a replay leaves every group's offsets alone.
  if (!options_.ranges.empty()) settings["enable.auto.commit"] = "false";
  rd_kafka_conf_t* conf = make_conf(settings);
  rd_kafka_conf_set_rebalance_cb(conf, &Consumer::rebalance_callback);
  if (options_.on_lag) rd_kafka_conf_set_stats_cb(conf, &Consumer::statistics_callback);
  rd_kafka_conf_set_opaque(conf, this);
  handle_ = make_handle(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(handle_.get());
  if (!options_.ranges.empty()) {
    assign_ranges();
    return;
  }

  PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(options_.topics.size())));
  for (const auto& [topic, kind] : options_.topics)
    rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (const auto err = rd_kafka_subscribe(handle_.get(), topics.get()))
    throw KafkaError(std::string("subscribe: ") + rd_kafka_err2str(err));
}

Consumer::~Consumer() {
  try {
    close();
  } catch (const std::exception& e) {
    log::warn(std::string("consumer close: ") + e.what());
  }
}

void Consumer::close() {
  if (closed_) return;
  closed_ = true;
  if (const auto err = rd_kafka_consumer_close(handle_.get()))
    log::warn(std::string("consumer close: ") + rd_kafka_err2str(err));
}

void Consumer::assign_ranges() {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(options_.ranges.size())));
  std::size_t to_read = 0;
  for (const auto& [key, range] : options_.ranges) {
    Inflow flow;
    flow.end = range.high;
    positions_[key] = range.low;
    if (range.low >= range.high) {
      flow.done = flow.at_end = true;  // nothing in the window: holds nothing back
    } else {
      rd_kafka_topic_partition_list_add(list.get(), key.topic.c_str(), key.partition)->offset =
          range.low;
      ++to_read;
    }
    inflow_[key] = std::move(flow);
  }
  if (const auto err = rd_kafka_assign(handle_.get(), list.get()))
    throw KafkaError(std::string("assign: ") + rd_kafka_err2str(err));
  log::info("consumer: reading " + std::to_string(to_read) + " of " +
            std::to_string(options_.ranges.size()) + " partitions over fixed offset ranges");
}

bool Consumer::finished() const {
  if (options_.ranges.empty()) return false;
  for (const auto& [key, flow] : inflow_)
    if (!flow.done || !flow.pending.empty()) return false;
  return true;
}

void Consumer::pause(const ingest::PartitionKey& key, bool paused) {
  PartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), key.topic.c_str(), key.partition);
  if (paused)
    rd_kafka_pause_partitions(handle_.get(), list.get());
  else
    rd_kafka_resume_partitions(handle_.get(), list.get());
}

void Consumer::rebalance_callback(rd_kafka_t*, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  // Exceptions must not unwind through librdkafka's C frames: keep the first one and rethrow it
  // from poll_batch(), on our side of the call.
  try {
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      self->on_assign(partitions);
    } else {
      self->on_revoke(partitions);
    }
  } catch (...) {
    if (!self->failure_) self->failure_ = std::current_exception();
  }
}

void Consumer::on_assign(rd_kafka_topic_partition_list_t* partitions) {
  ++generation_;
  std::vector<ingest::PartitionKey> keys;
  for (int i = 0; i < partitions->cnt; ++i)
    keys.push_back({partitions->elems[i].topic, partitions->elems[i].partition});
  const Positions stored = load_offsets_(keys);
  for (int i = 0; i < partitions->cnt; ++i) {
    const ingest::PartitionKey key{partitions->elems[i].topic, partitions->elems[i].partition};
    const auto it = stored.find(key);
    const std::optional<std::int64_t> next = it == stored.end() ? std::nullopt : it->second;
    partitions->elems[i].offset = next ? *next : RD_KAFKA_OFFSET_BEGINNING;
    positions_[key] = next;
    inflow_[key] = Inflow{};
  }
  const bool cooperative =
      std::strcmp(rd_kafka_rebalance_protocol(handle_.get()), "COOPERATIVE") == 0;
  if (cooperative) {
    if (rd_kafka_error_t* error = rd_kafka_incremental_assign(handle_.get(), partitions)) {
      const std::string message = rd_kafka_error_string(error);
      rd_kafka_error_destroy(error);
      throw KafkaError("incremental assign: " + message);
    }
  } else if (const auto err = rd_kafka_assign(handle_.get(), partitions)) {
    throw KafkaError(std::string("assign: ") + rd_kafka_err2str(err));
  }
  // Kafka's committed offsets follow PostgreSQL's (for lag monitoring and tools) even when no
  // batch comes after this assignment: a member that lost the group and rejoined would otherwise
  // leave them behind until the next message.
  PartitionList known(rd_kafka_topic_partition_list_new(partitions->cnt));
  for (int i = 0; i < partitions->cnt; ++i)
    if (partitions->elems[i].offset >= 0)
      rd_kafka_topic_partition_list_add(known.get(), partitions->elems[i].topic,
                                        partitions->elems[i].partition)
          ->offset = partitions->elems[i].offset;
  if (known->cnt > 0) rd_kafka_offsets_store(handle_.get(), known.get());
  log::info("consumer: assigned " + std::to_string(partitions->cnt) +
            " partitions, resuming from PostgreSQL offsets");
}

void Consumer::on_revoke(rd_kafka_topic_partition_list_t* partitions) {
  ++generation_;
  for (int i = 0; i < partitions->cnt; ++i) {
    const ingest::PartitionKey key{partitions->elems[i].topic, partitions->elems[i].partition};
    positions_.erase(key);
    inflow_.erase(key);
  }
  const bool cooperative =
      std::strcmp(rd_kafka_rebalance_protocol(handle_.get()), "COOPERATIVE") == 0;
  if (cooperative) {
    if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(handle_.get(), partitions))
      rd_kafka_error_destroy(error);
  } else {
    rd_kafka_assign(handle_.get(), nullptr);
  }
  log::info("consumer: revoked " + std::to_string(partitions->cnt) + " partitions");
}

int Consumer::statistics_callback(rd_kafka_t*, char* json, std::size_t length, void* opaque) {
  static_cast<Consumer*>(opaque)->on_statistics(std::string_view(json, length));
  return 0;  // librdkafka frees the JSON
}

// librdkafka's statistics (STATISTICS.md): topics.<name>.partitions.<n>.hi_offset is the log end
// the broker last reported. Lag is measured from the position kassa stored in PostgreSQL, which
// is where a restart would resume, not from Kafka's committed offset.
void Consumer::on_statistics(std::string_view json) {
  const auto stats = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!stats.is_object() || !stats.contains("topics")) return;
  std::map<ingest::PartitionKey, std::int64_t> lags;
  for (const auto& [key, position] : positions_) {
    const auto topic = stats["topics"].find(key.topic);
    if (topic == stats["topics"].end() || !topic->contains("partitions")) continue;
    const auto partition = (*topic)["partitions"].find(std::to_string(key.partition));
    if (partition == (*topic)["partitions"].end()) continue;
    const std::int64_t high = partition->value("hi_offset", std::int64_t{-1});
    const std::int64_t low = partition->value("lo_offset", std::int64_t{-1});
    if (high < 0) continue;  // not known yet
    const std::int64_t from = position ? *position : low;
    if (from < 0) continue;
    lags[key] = std::max<std::int64_t>(0, high - from);
  }
  options_.on_lag(lags);
}

std::optional<ingest::Message> Consumer::convert(const rd_kafka_message_t& message) {
  const char* topic = rd_kafka_topic_name(message.rkt);
  const auto kind = options_.topics.find(topic);
  if (kind == options_.topics.end()) return std::nullopt;
  ingest::Message out;
  out.topic_kind = kind->second;
  out.source.topic = topic;
  out.source.partition = message.partition;
  out.source.offset = message.offset;
  out.source.has_key = message.key != nullptr;
  rd_kafka_timestamp_type_t type;
  out.timestamp_ms = rd_kafka_message_timestamp(&message, &type);
  if (message.key != nullptr)
    out.source.key.assign(static_cast<const char*>(message.key), message.key_len);
  if (message.payload != nullptr)
    out.source.payload.assign(static_cast<const char*>(message.payload), message.len);
  return out;
}

std::vector<ingest::Message> Consumer::poll_batch(
    const std::atomic<bool>& stop, std::optional<std::chrono::milliseconds> max_wait) {
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  const auto deadline =
      std::chrono::steady_clock::now() + max_wait.value_or(options_.batch_max_wait);
  const bool drain = max_wait && max_wait->count() == 0;
  std::size_t buffered = 0;
  for (const auto& [key, flow] : inflow_) buffered += flow.pending.size();
  // Poll until a full batch could be released or the wait is over. A full buffer alone is not
  // enough: its messages may be waiting for a sibling topic that only more polling brings in
  // (partitions far ahead are paused meanwhile, so memory stays bounded).
  std::size_t checked_at = 0;
  while (!stop.load()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    // Everything there is has been read: waiting longer only adds latency, unless what is held
    // back waits for the merge grace; then wait just that long (or for a new message).
    if (buffered > 0 && all_at_end() && !gated()) {
      if (releasable(1, now_ms())) break;
      const auto wait = until_releasable(now_ms());
      if (!wait || wait->count() <= 0) break;
      left = std::min(left, *wait);
    }
    if (buffered >= options_.batch_max_messages &&
        buffered >= checked_at + options_.batch_max_messages / 4 + 1) {
      checked_at = buffered;
      if (releasable(options_.batch_max_messages, now_ms())) break;
      apply_backpressure();
    }
    // A zero wait takes what librdkafka has already fetched, up to the first empty poll.
    if (left.count() <= 0 && !drain) break;
    rd_kafka_message_t* message = rd_kafka_consumer_poll(
        handle_.get(), static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (message == nullptr) {
      if (drain) break;
      continue;
    }
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (message->rkt != nullptr) {
        const ingest::PartitionKey key{rd_kafka_topic_name(message->rkt), message->partition};
        const auto it = inflow_.find(key);
        if (it != inflow_.end()) it->second.at_end = true;
        // Assigned mode: a range never ends past the log end it was planned on, so the end of
        // the log is the end of the range too (its tail may have been deleted meanwhile).
        if (it != inflow_.end() && it->second.end) finish_range(key, it->second);
      }
      checked_at = 0;  // a partition at its end may release what waited for it
    } else if (message->err) {
      log::warn(std::string("consumer: ") + rd_kafka_message_errstr(message));
    } else if (auto converted = convert(*message)) {
      const ingest::PartitionKey key{converted->source.topic, converted->source.partition};
      const auto position = positions_.find(key);
      const auto flow = inflow_.find(key);
      // Only assigned partitions, and nothing behind the position we hold (a stale fetch after a
      // seek).
      if (flow != inflow_.end() && !flow->second.done &&
          !(position != positions_.end() && position->second &&
            converted->source.offset < *position->second)) {
        Inflow& in = flow->second;
        const std::int64_t offset = converted->source.offset;
        if (in.end && offset >= *in.end) {
          finish_range(key, in);  // past the window (the range's last offset was compacted away)
        } else {
          in.at_end = false;
          in.last_timestamp = std::max(in.last_timestamp, converted->timestamp_ms);
          in.pending.push_back(std::move(*converted));
          ++buffered;
          if (in.end && offset + 1 >= *in.end) finish_range(key, in);
        }
      }
    }
    rd_kafka_message_destroy(message);
  }
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  auto released = release(options_.batch_max_messages, now_ms());
  apply_backpressure();
  return released;
}

bool Consumer::gated() const {
  if (!options_.gate) return false;
  const std::int64_t bound = options_.gate();
  for (const auto& [key, flow] : inflow_)
    if (!flow.pending.empty() && flow.pending.front().timestamp_ms >= bound) return true;
  return false;
}

bool Consumer::all_at_end() const {
  for (const auto& [key, flow] : inflow_)
    if (!flow.at_end) return false;
  return !inflow_.empty();
}

// Assigned mode: the range is read; stop fetching it and never hold the merge back for it.
void Consumer::finish_range(const ingest::PartitionKey& key, Inflow& flow) {
  flow.done = flow.at_end = true;
  if (!flow.paused) pause(key, true);
  flow.paused = true;
}

// The merge described in the header: per partition index, the newest timestamp every sibling
// partition has reached bounds what may be released; then a k-way merge keeps each partition's
// own order.
std::int64_t Consumer::release_bound(const Inflow& flow, std::int64_t now_ms, bool graced) const {
  // A finished range, or one partition not assigned here (partition counts differ), cannot be
  // waited for.
  if (flow.done) return INT64_MAX;
  if (!flow.at_end) return flow.last_timestamp;
  if (!graced || options_.merge_grace.count() <= 0) return INT64_MAX;
  return std::max(flow.last_timestamp, now_ms - options_.merge_grace.count());
}

// The grace is for shipments and refunds, whose relative order changes what they do. A payment
// overtaking a late shipment or refund of its order only makes that event apply directly
// instead of parked and released, which comes to the same; so payments (and with them the
// prepayment receipts' latency) never wait for it.
Consumer::Bounds Consumer::bounds(const std::vector<const Inflow*>& flows,
                                  std::int64_t now_ms) const {
  Bounds out;
  if (options_.gate) out.graced = out.payments = options_.gate();
  for (const Inflow* flow : flows) {
    out.graced = std::min(out.graced, release_bound(*flow, now_ms, true));
    out.payments = std::min(out.payments, release_bound(*flow, now_ms, false));
  }
  return out;
}

std::optional<std::chrono::milliseconds> Consumer::until_releasable(std::int64_t now_ms) const {
  std::optional<std::int64_t> oldest;
  for (const auto& [key, flow] : inflow_)
    if (!flow.pending.empty())
      oldest = std::min(oldest.value_or(INT64_MAX), flow.pending.front().timestamp_ms);
  if (!oldest || options_.merge_grace.count() <= 0) return std::nullopt;
  // Released once now - grace has passed it (the bound is exclusive).
  return std::chrono::milliseconds(*oldest + 1 + options_.merge_grace.count() - now_ms);
}

bool Consumer::releasable(std::size_t wanted, std::int64_t now_ms) const {
  std::map<std::int32_t, std::vector<const Inflow*>> by_index;
  for (const auto& [key, flow] : inflow_) by_index[key.partition].push_back(&flow);
  std::size_t count = 0;
  for (const auto& [index, flows] : by_index) {
    const Bounds safe = bounds(flows, now_ms);
    for (const Inflow* flow : flows)
      for (const auto& m : flow->pending) {
        if (m.timestamp_ms >= safe.of(m.topic_kind)) break;
        if (++count >= wanted) return true;
      }
  }
  return false;
}

std::vector<ingest::Message> Consumer::release(std::size_t limit, std::int64_t now_ms) {
  std::map<std::int32_t, std::vector<Inflow*>> by_index;
  for (auto& [key, flow] : inflow_) by_index[key.partition].push_back(&flow);
  std::vector<ingest::Message> out;
  for (auto& [index, flows] : by_index) {
    // Release strictly below the newest timestamp every sibling reached: a sibling that reached
    // t may still hold more messages stamped t.
    const Bounds safe = bounds(std::vector<const Inflow*>(flows.begin(), flows.end()), now_ms);
    while (out.size() < limit) {
      Inflow* next = nullptr;
      for (Inflow* flow : flows) {
        if (flow->pending.empty() ||
            flow->pending.front().timestamp_ms >= safe.of(flow->pending.front().topic_kind))
          continue;
        const auto& head = flow->pending.front();
        if (next == nullptr || head.timestamp_ms < next->pending.front().timestamp_ms ||
            (head.timestamp_ms == next->pending.front().timestamp_ms &&
             head.topic_kind < next->pending.front().topic_kind))
          next = flow;
      }
      if (next == nullptr) break;
      out.push_back(std::move(next->pending.front()));
      next->pending.pop_front();
    }
  }
  return out;
}

void Consumer::apply_backpressure() {
  const std::size_t high = options_.batch_max_messages * 4 + 1000;
  for (auto& [key, flow] : inflow_) {
    const bool want_paused = flow.done || flow.pending.size() >= high;
    if (want_paused == flow.paused) continue;
    pause(key, want_paused);
    flow.paused = want_paused;
  }
}

void Consumer::committed(const Offsets& next) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
  for (const auto& [key, offset] : next) {
    if (auto it = positions_.find(key); it != positions_.end()) it->second = offset;
    rd_kafka_topic_partition_list_add(list.get(), key.topic.c_str(), key.partition)->offset =
        offset;
  }
  // Fails for partitions revoked meanwhile; harmless, PostgreSQL already has the offsets.
  rd_kafka_offsets_store(handle_.get(), list.get());
}

void Consumer::resync() {
  ++generation_;
  std::vector<ingest::PartitionKey> keys;
  for (const auto& [key, position] : positions_) keys.push_back(key);
  if (keys.empty()) return;
  const Positions stored = load_offsets_(keys);
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(keys.size())));
  for (const auto& key : keys) {
    const auto it = stored.find(key);
    const std::optional<std::int64_t> next = it == stored.end() ? std::nullopt : it->second;
    positions_[key] = next;
    rd_kafka_topic_partition_list_add(list.get(), key.topic.c_str(), key.partition)->offset =
        next ? *next : RD_KAFKA_OFFSET_BEGINNING;
  }
  for (auto& [key, flow] : inflow_) {
    if (flow.paused) pause(key, false);
    flow = Inflow{};
  }
  if (rd_kafka_error_t* error = rd_kafka_seek_partitions(handle_.get(), list.get(), 10000)) {
    const std::string message = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    throw KafkaError("seek: " + message);
  }
  log::warn("consumer: resynchronized " + std::to_string(keys.size()) +
            " partitions from PostgreSQL offsets");
}

namespace {

Watermarks query_watermarks(rd_kafka_t* handle_ptr, const std::vector<std::string>& topics,
                            std::chrono::milliseconds timeout) {
  Watermarks out;
  for (const auto& topic : topics) {
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_ptr, topic.c_str(), nullptr);
    const auto err =
        rd_kafka_metadata(handle_ptr, 0, handle, &metadata, static_cast<int>(timeout.count()));
    rd_kafka_topic_destroy(handle);
    if (err) throw KafkaError("metadata of " + topic + ": " + rd_kafka_err2str(err));
    std::vector<std::int32_t> partitions;
    for (int t = 0; t < metadata->topic_cnt; ++t) {
      if (metadata->topics[t].err) {
        const std::string reason = rd_kafka_err2str(metadata->topics[t].err);
        rd_kafka_metadata_destroy(metadata);
        throw KafkaError("topic " + topic + ": " + reason);
      }
      for (int p = 0; p < metadata->topics[t].partition_cnt; ++p)
        partitions.push_back(metadata->topics[t].partitions[p].id);
    }
    rd_kafka_metadata_destroy(metadata);
    for (const auto partition : partitions) {
      // A partition whose leader is moving (or a topic just created) answers "not leader" for a
      // moment: retry those within the timeout, fail on anything else.
      const auto deadline = std::chrono::steady_clock::now() + timeout;
      auto backoff = std::chrono::milliseconds(50);
      for (;;) {
        std::int64_t low = 0, high = 0;
        const auto werr = rd_kafka_query_watermark_offsets(
            handle_ptr, topic.c_str(), partition, &low, &high, static_cast<int>(timeout.count()));
        if (!werr) {
          out[{topic, partition}] = {low, high};
          break;
        }
        const bool transient = werr == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                               werr == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                               werr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                               werr == RD_KAFKA_RESP_ERR__TRANSPORT ||
                               werr == RD_KAFKA_RESP_ERR__TIMED_OUT;
        if (!transient || std::chrono::steady_clock::now() + backoff > deadline)
          throw KafkaError("watermarks of " + topic + ": " + rd_kafka_err2str(werr));
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
      }
    }
  }
  return out;
}

}  // namespace

Watermarks Consumer::watermarks(std::chrono::milliseconds timeout) {
  std::vector<std::string> topics;
  for (const auto& [topic, kind] : options_.topics) topics.push_back(topic);
  return query_watermarks(handle_.get(), topics, timeout);
}

Watermarks window_offsets(const std::string& brokers, const std::vector<std::string>& topics,
                          std::int64_t from_ms, std::optional<std::int64_t> to_ms,
                          const Settings& extra, std::chrono::milliseconds timeout) {
  Settings settings = {{"bootstrap.servers", brokers},
                       {"group.id", "kassa-replay-planner"},
                       {"client.id", "kassa-replay"},
                       {"enable.auto.commit", "false"}};
  for (const auto& [key, value] : extra) settings[key] = value;
  Handle handle = make_handle(RD_KAFKA_CONSUMER, make_conf(settings));
  Watermarks out = query_watermarks(handle.get(), topics, timeout);
  // offsets_for_times answers, per partition, the first offset stamped at or after the time
  // asked, or -1 (RD_KAFKA_OFFSET_END) when every message is older: then the window starts (or
  // ends) at the end of the log.
  auto first_at_or_after = [&](std::int64_t ms) {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(out.size())));
    for (const auto& [key, range] : out)
      rd_kafka_topic_partition_list_add(list.get(), key.topic.c_str(), key.partition)->offset = ms;
    if (const auto err =
            rd_kafka_offsets_for_times(handle.get(), list.get(), static_cast<int>(timeout.count())))
      throw KafkaError(std::string("offsets for times: ") + rd_kafka_err2str(err));
    std::map<ingest::PartitionKey, std::int64_t> at;
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      if (e.err)
        throw KafkaError(std::string("offsets for times of ") + e.topic + "/" +
                         std::to_string(e.partition) + ": " + rd_kafka_err2str(e.err));
      at[{e.topic, e.partition}] = e.offset;
    }
    return at;
  };
  const auto starts = first_at_or_after(from_ms);
  std::map<ingest::PartitionKey, std::int64_t> ends;
  if (to_ms) ends = first_at_or_after(*to_ms);
  for (auto& [key, range] : out) {
    const std::int64_t high = range.high;
    const auto start = starts.find(key);
    range.low =
        start == starts.end() || start->second < 0 ? high : std::max(start->second, range.low);
    if (const auto end = ends.find(key); end != ends.end() && end->second >= 0)
      range.high = std::min(end->second, high);
    range.low = std::min(range.low, range.high);
  }
  return out;
}

}  // namespace kassa::bus
