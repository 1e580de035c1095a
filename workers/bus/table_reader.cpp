#include "bus/table_reader.hpp"

#include "support/log.hpp"

namespace kassa::bus {

TableReader::TableReader(const std::string& brokers, std::string topic, const Settings& extra)
    : topic_(std::move(topic)) {
  Settings settings = {
      {"bootstrap.servers", brokers},
      // Required by the consumer API; never joined (partitions are assigned, not subscribed) and
      // nothing is committed under it.
      {"group.id", "kassa-table-" + topic_},
      {"client.id", "kassa-table"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "true"},
      // The order topics wait for the table's end after each message it reads: an empty fetch
      // answered soon tells the end soon.
      {"fetch.wait.max.ms", "10"},
  };
  for (const auto& [key, value] : extra) settings[key] = value;
  handle_ = make_handle(RD_KAFKA_CONSUMER, make_conf(settings));
  rd_kafka_poll_set_consumer(handle_.get());
  assign();
}

TableReader::~TableReader() {
  rd_kafka_consumer_close(handle_.get());
}

void TableReader::assign() {
  looked_up_ = std::chrono::steady_clock::now();
  rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_.get(), topic_.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  const auto err = rd_kafka_metadata(handle_.get(), 0, handle, &metadata, 10000);
  rd_kafka_topic_destroy(handle);
  if (err) {
    log::warn("table " + topic_ + ": metadata: " + rd_kafka_err2str(err) + "; retrying later");
    return;
  }
  std::vector<std::int32_t> ids;
  bool missing = true;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    if (metadata->topics[t].err) continue;
    missing = false;
    for (int p = 0; p < metadata->topics[t].partition_cnt; ++p)
      ids.push_back(metadata->topics[t].partitions[p].id);
  }
  rd_kafka_metadata_destroy(metadata);
  if (missing || ids.empty()) {
    log::warn("table " + topic_ + ": the topic does not exist; reading it as empty");
    return;
  }
  if (ids.size() == partitions_.size()) return;  // nothing new
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(ids.size())));
  for (const auto id : ids) {
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), id)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    partitions_.try_emplace(id);
  }
  if (const auto aerr = rd_kafka_assign(handle_.get(), list.get()))
    throw KafkaError("table " + topic_ + ": assign: " + rd_kafka_err2str(aerr));
  exists_ = true;
  log::info("table " + topic_ + ": reading " + std::to_string(ids.size()) +
            " partitions from the beginning");
}

std::vector<ingest::Message> TableReader::poll(std::chrono::milliseconds wait, std::size_t max) {
  if (!exists_ && std::chrono::steady_clock::now() - looked_up_ > std::chrono::seconds(30))
    assign();
  std::vector<ingest::Message> out;
  if (!exists_) return out;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (out.size() < max) {
    // Once everything is read and something came, return it at once; an idle table waits.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (at_end() && !out.empty()) left = std::chrono::milliseconds(0);
    if (left.count() < 0) break;
    rd_kafka_message_t* message =
        rd_kafka_consumer_poll(handle_.get(), static_cast<int>(left.count()));
    if (message == nullptr) {
      if (at_end() || std::chrono::steady_clock::now() >= deadline) break;
      continue;
    }
    const auto it = partitions_.find(message->partition);
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (it != partitions_.end()) it->second.at_end = true;
    } else if (message->err) {
      log::warn("table " + topic_ + ": " + rd_kafka_message_errstr(message));
    } else if (it != partitions_.end()) {
      ingest::Message m;
      m.source.topic = topic_;
      m.source.partition = message->partition;
      m.source.offset = message->offset;
      m.source.has_key = message->key != nullptr;
      if (message->key != nullptr)
        m.source.key.assign(static_cast<const char*>(message->key), message->key_len);
      if (message->payload != nullptr)
        m.source.payload.assign(static_cast<const char*>(message->payload), message->len);
      rd_kafka_timestamp_type_t type;
      m.timestamp_ms = rd_kafka_message_timestamp(message, &type);
      it->second.at_end = false;
      it->second.last_timestamp = std::max(it->second.last_timestamp, m.timestamp_ms);
      out.push_back(std::move(m));
    }
    rd_kafka_message_destroy(message);
  }
  return out;
}

std::int64_t TableReader::bound() const {
  if (!exists_) return INT64_MAX;
  std::int64_t bound = INT64_MAX;
  for (const auto& [id, partition] : partitions_)
    if (!partition.at_end) bound = std::min(bound, partition.last_timestamp);
  return bound;
}

bool TableReader::at_end() const {
  if (!exists_) return true;
  for (const auto& [id, partition] : partitions_)
    if (!partition.at_end) return false;
  return true;
}

}  // namespace kassa::bus
