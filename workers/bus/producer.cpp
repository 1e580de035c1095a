#include "bus/producer.hpp"

#include <algorithm>
#include <iterator>

#include "support/log.hpp"

namespace kassa::bus {
namespace {

struct Delivery {
  bool done = false;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
  std::string reason;
};

}  // namespace

void Producer::warm_up(const std::vector<std::string>& topics, std::chrono::milliseconds timeout) {
  // Topic handles make the topics locally known; one metadata request then covers them all.
  std::vector<rd_kafka_topic_t*> handles;
  for (const auto& topic : topics)
    if (rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_.get(), topic.c_str(), nullptr))
      handles.push_back(handle);
  const rd_kafka_metadata_t* metadata = nullptr;
  const auto err =
      rd_kafka_metadata(handle_.get(), 0, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
  for (auto* handle : handles) rd_kafka_topic_destroy(handle);
  if (err)
    log::warn(std::string("producer: output topics' metadata not fetched at start: ") +
              rd_kafka_err2str(err));
}

Producer::Producer(const std::string& brokers, const Settings& extra) {
  Settings settings = {
      {"bootstrap.servers", brokers},
      {"client.id", "kassa"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
      {"message.timeout.ms", "30000"},
      // A topic missing from the cluster fails its messages (unknown topic: the relay parks them)
      // after this, well before message.timeout.ms would make it look like a passing timeout.
      {"topic.metadata.propagation.max.ms", "10000"},
  };
  // KASSA_KAFKA_* properties are shared by consumer and producer; leave the consumer's own out.
  static const char* const kConsumerOnly[] = {"group.id",
                                              "group.instance.id",
                                              "session.timeout.ms",
                                              "heartbeat.interval.ms",
                                              "max.poll.interval.ms",
                                              "auto.offset.reset",
                                              "enable.auto.commit",
                                              "auto.commit.interval.ms",
                                              "partition.assignment.strategy",
                                              "enable.partition.eof",
                                              "isolation.level"};
  for (const auto& [key, value] : extra) {
    if (std::find(std::begin(kConsumerOnly), std::end(kConsumerOnly), key) ==
        std::end(kConsumerOnly))
      settings[key] = value;
  }
  rd_kafka_conf_t* conf = make_conf(settings);
  rd_kafka_conf_set_dr_msg_cb(conf, &Producer::delivery_callback);
  handle_ = make_handle(RD_KAFKA_PRODUCER, conf);
}

void Producer::delivery_callback(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  delivery->done = true;
  delivery->error = message->err;
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) delivery->reason = rd_kafka_err2str(message->err);
}

bool Producer::fatal() const {
  return rd_kafka_fatal_error(handle_.get(), nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::vector<bool> Producer::send(const std::vector<Record>& records,
                                 std::chrono::milliseconds timeout, std::string* error) {
  const auto delivered = deliver(records, timeout);
  std::vector<bool> ok(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    ok[i] = delivered[i].ok();
    if (!ok[i] && error != nullptr && error->empty()) *error = delivered[i].reason;
  }
  return ok;
}

std::vector<Delivered> Producer::deliver(const std::vector<Record>& records,
                                         std::chrono::milliseconds timeout,
                                         const std::function<void()>& waiting) {
  std::vector<Delivery> deliveries(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    rd_kafka_resp_err_t err;
    // The local queue may be full under load: serve delivery reports and try again.
    for (;;) {
      err = rd_kafka_producev(
          handle_.get(), RD_KAFKA_V_TOPIC(r.topic.c_str()),
          RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
          RD_KAFKA_V_KEY(r.has_key ? r.key.data() : nullptr, r.has_key ? r.key.size() : 0),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(&deliveries[i]),
          RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(handle_.get(), 100);
    }
    if (err) {  // refused before it left (too large for message.max.bytes, unknown topic...)
      deliveries[i].done = true;
      deliveries[i].error = err;
      deliveries[i].reason = rd_kafka_err2str(err);
    }
  }
  // Flushed a second at a time, so the caller can show it is waiting, not stuck.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (rd_kafka_flush(handle_.get(), static_cast<int>(std::min<std::int64_t>(
                                          left.count(), 1000))) == RD_KAFKA_RESP_ERR_NO_ERROR)
      break;
    if (waiting) waiting();
  }
  std::vector<Delivered> out(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!deliveries[i].done) continue;  // the default: timed out, passing
    out[i].error = deliveries[i].error;
    out[i].reason = deliveries[i].reason;
  }
  // Reports that arrive after the timeout must not touch `deliveries` once it is gone.
  if (rd_kafka_outq_len(handle_.get()) > 0) {
    rd_kafka_purge(handle_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(handle_.get(), 5000);
  }
  return out;
}

}  // namespace kassa::bus
