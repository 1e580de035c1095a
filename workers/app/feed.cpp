#include "app/feed.hpp"

#include <stdexcept>

#include "bus/producer.hpp"
#include "support/log.hpp"

namespace kassa::app {

const std::string& topic_for(const Config& config, gen::Stream stream) {
  switch (stream) {
    case gen::Stream::payments:
      return config.topic_payments;
    case gen::Stream::shipments:
      return config.topic_shipments;
    case gen::Stream::refunds:
      return config.topic_refunds;
    case gen::Stream::merchants:
      return config.topic_merchants;
    case gen::Stream::payouts:
      return config.topic_payouts;
  }
  throw std::logic_error("unknown stream");
}

void publish_generated(const Config& config, const std::vector<gen::Message>& messages,
                       bool show_progress) {
  bus::Producer producer(config.brokers, config.kafka_extra);
  constexpr std::size_t kChunk = 5000;
  // The leading merchant events go alone and are acknowledged before any order event is sent,
  // so a worker never sees an order before its merchant's activation is on the topic.
  std::size_t merchants = 0;
  while (merchants < messages.size() && messages[merchants].stream == gen::Stream::merchants)
    ++merchants;
  for (std::size_t start = 0; start < messages.size();) {
    const std::size_t end = std::min(
        messages.size(), start < merchants ? std::min(merchants, start + kChunk) : start + kChunk);
    std::vector<bus::Record> records;
    for (std::size_t i = start; i < end; ++i)
      records.push_back(
          {topic_for(config, messages[i].stream), messages[i].key, messages[i].value, true});
    std::string error;
    const auto delivered = producer.send(records, std::chrono::seconds(60), &error);
    for (bool ok : delivered)
      if (!ok) throw std::runtime_error("Kafka did not acknowledge a generated message: " + error);
    if (show_progress)
      log::info("gen: published " + std::to_string(end) + " / " + std::to_string(messages.size()) +
                " messages");
    start = end;
  }
}

}  // namespace kassa::app
