// The raw COPY reference of `kassa bench ingest`: what Kafka and PostgreSQL on this machine can
// move without kassa. A plain librdkafka consumer (manual assignment, no group, no decoding, no
// merge) COPYs (topic, partition, offset, key, value) into a table with a primary key, one
// transaction per polled batch of the same size as kassa's.
#include <chrono>
#include <map>
#include <tuple>

#include <pqxx/pqxx>

#include "bus/kafka.hpp"
#include "cli/bench.hpp"

namespace kassa::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

// bytea input as text: "\x" and two hex digits a byte.
std::string hex(const void* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.resize(2 + 2 * size);
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    out[2 + 2 * i] = digits[bytes[i] >> 4];
    out[3 + 2 * i] = digits[bytes[i] & 15];
  }
  return out;
}

struct Row {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string> key;
  std::string value;
};

// Partitions of `topics` and their low and high watermarks now.
std::map<std::pair<std::string, std::int32_t>, std::pair<std::int64_t, std::int64_t>> plan(
    rd_kafka_t* handle, const std::vector<std::string>& topics) {
  std::map<std::pair<std::string, std::int32_t>, std::pair<std::int64_t, std::int64_t>> out;
  for (const auto& topic : topics) {
    rd_kafka_topic_t* t = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    const auto err = rd_kafka_metadata(handle, 0, t, &metadata, 30000);
    rd_kafka_topic_destroy(t);
    if (err) throw bus::KafkaError("metadata of " + topic + ": " + rd_kafka_err2str(err));
    std::vector<std::int32_t> partitions;
    for (int i = 0; i < metadata->topic_cnt; ++i)
      for (int p = 0; p < metadata->topics[i].partition_cnt; ++p)
        partitions.push_back(metadata->topics[i].partitions[p].id);
    rd_kafka_metadata_destroy(metadata);
    for (const auto partition : partitions) {
      std::int64_t low = 0, high = 0;
      if (const auto werr = rd_kafka_query_watermark_offsets(handle, topic.c_str(), partition, &low,
                                                             &high, 30000))
        throw bus::KafkaError("watermarks of " + topic + ": " + rd_kafka_err2str(werr));
      out[{topic, partition}] = {low, high};
    }
  }
  return out;
}

// Assigns every partition of `topics` from its log start (given as an offset: no offset lookup,
// every partition fetches at once); returns how many messages the logs hold now.
std::int64_t assign_whole_log(rd_kafka_t* handle, const std::vector<std::string>& topics) {
  std::int64_t messages = 0;
  bus::PartitionList list(rd_kafka_topic_partition_list_new(18));
  for (const auto& [key, range] : plan(handle, topics)) {
    if (range.second <= range.first) continue;
    rd_kafka_topic_partition_list_add(list.get(), key.first.c_str(), key.second)->offset =
        range.first;
    messages += range.second - range.first;
  }
  if (const auto err = rd_kafka_assign(handle, list.get()))
    throw bus::KafkaError(std::string("assign: ") + rd_kafka_err2str(err));
  return messages;
}

void copy_batch(pqxx::connection& connection, const std::vector<Row>& rows) {
  pqxx::work tx(connection);
  pqxx::stream_to stream(
      tx, "raw_messages",
      std::vector<std::string>{"topic", "partition", "\"offset\"", "key", "value"});
  for (const auto& r : rows)
    stream << std::make_tuple(r.topic, r.partition, r.offset,
                              r.key ? r.key->c_str() : static_cast<const char*>(nullptr), r.value);
  stream.complete();
  tx.commit();
}

}  // namespace

RawSummary raw_copy(const app::Config& config) {
  bus::Settings settings = config.kafka_extra;
  settings["bootstrap.servers"] = config.brokers;
  settings["group.id"] = config.group_id;  // required by the client; never joined (assign only)
  settings["enable.auto.commit"] = "false";
  bus::Handle handle = bus::make_handle(RD_KAFKA_CONSUMER, bus::make_conf(settings));
  rd_kafka_poll_set_consumer(handle.get());

  pqxx::connection connection(config.pg_dsn);
  {
    pqxx::work tx(connection);
    tx.exec(
        "CREATE TABLE raw_messages (topic text NOT NULL, partition integer NOT NULL, "
        "\"offset\" bigint NOT NULL, key bytea, value bytea NOT NULL, "
        "PRIMARY KEY (topic, partition, \"offset\"))");
    tx.commit();
  }

  std::int64_t left = assign_whole_log(handle.get(), config.input_topics());

  RawSummary summary;
  std::optional<Clock::time_point> first;
  Clock::time_point last_commit = Clock::now();
  std::vector<Row> rows;
  while (left > 0 && !g_stop) {
    const auto deadline = Clock::now() + config.batch_max_wait;
    rows.clear();
    while (rows.size() < config.batch_max_messages && left > 0 && !g_stop) {
      const auto wait =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (wait.count() <= 0) break;
      rd_kafka_message_t* m = rd_kafka_consumer_poll(handle.get(), static_cast<int>(wait.count()));
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (!first) first = Clock::now();
        Row row;
        row.topic = rd_kafka_topic_name(m->rkt);
        row.partition = m->partition;
        row.offset = m->offset;
        if (m->key != nullptr) row.key = hex(m->key, m->key_len);
        row.value = hex(m->payload, m->len);
        rows.push_back(std::move(row));
        --left;
      }
      rd_kafka_message_destroy(m);
    }
    if (rows.empty()) continue;
    copy_batch(connection, rows);
    summary.messages += static_cast<std::int64_t>(rows.size());
    last_commit = Clock::now();
  }
  rd_kafka_consumer_close(handle.get());
  if (first) summary.busy_seconds = std::chrono::duration<double>(last_commit - *first).count();
  return summary;
}

std::vector<LoggedMessage> read_log(const app::Config& config,
                                    const std::vector<std::string>& topics) {
  bus::Settings settings = config.kafka_extra;
  settings["bootstrap.servers"] = config.brokers;
  settings["group.id"] = config.group_id + "-read-log";  // never joined (assign only)
  settings["enable.auto.commit"] = "false";
  bus::Handle handle = bus::make_handle(RD_KAFKA_CONSUMER, bus::make_conf(settings));
  rd_kafka_poll_set_consumer(handle.get());
  std::int64_t left = assign_whole_log(handle.get(), topics);
  std::vector<LoggedMessage> out;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (left > 0 && !g_stop && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle.get(), 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_timestamp_type_t type;
      out.push_back({rd_kafka_topic_name(m->rkt), m->partition, m->offset,
                     rd_kafka_message_timestamp(m, &type),
                     std::string(static_cast<const char*>(m->payload), m->len)});
      --left;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(handle.get());
  return out;
}

}  // namespace kassa::cli::bench
