#include "bus/producer.hpp"

#include <algorithm>
#include <iterator>

namespace kassa::bus {
namespace {

struct Delivery {
  bool done = false;
  bool ok = false;
  std::string error;
};

}  // namespace

Producer::Producer(const std::string& brokers, const Settings& extra) {
  Settings settings = {
      {"bootstrap.servers", brokers},
      {"client.id", "kassa"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
      {"message.timeout.ms", "30000"},
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
  delivery->ok = message->err == RD_KAFKA_RESP_ERR_NO_ERROR;
  if (!delivery->ok) delivery->error = rd_kafka_err2str(message->err);
}

std::vector<bool> Producer::send(const std::vector<Record>& records,
                                 std::chrono::milliseconds timeout, std::string* error) {
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
    if (err) {
      deliveries[i].done = true;
      deliveries[i].error = rd_kafka_err2str(err);
    }
  }
  rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count()));
  std::vector<bool> ok(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    ok[i] = deliveries[i].ok;
    if (!ok[i] && error != nullptr && error->empty())
      *error = deliveries[i].done ? deliveries[i].error : "no delivery report before the timeout";
  }
  // Reports that arrive after the timeout must not touch `deliveries` once it is gone.
  if (rd_kafka_outq_len(handle_.get()) > 0) {
    rd_kafka_purge(handle_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(handle_.get(), 5000);
  }
  return ok;
}

}  // namespace kassa::bus
