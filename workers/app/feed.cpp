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
  }
  throw std::logic_error("unknown stream");
}

void publish_generated(const Config& config, const std::vector<gen::Message>& messages,
                       bool show_progress) {
  bus::Producer producer(config.brokers, config.kafka_extra);
  constexpr std::size_t kChunk = 5000;
  for (std::size_t start = 0; start < messages.size(); start += kChunk) {
    std::vector<bus::Record> records;
    for (std::size_t i = start; i < std::min(messages.size(), start + kChunk); ++i)
      records.push_back(
          {topic_for(config, messages[i].stream), messages[i].key, messages[i].value, true});
    std::string error;
    const auto delivered = producer.send(records, std::chrono::seconds(60), &error);
    for (bool ok : delivered)
      if (!ok) throw std::runtime_error("Kafka did not acknowledge a generated message: " + error);
    if (show_progress)
      log::info("gen: published " + std::to_string(std::min(messages.size(), start + kChunk)) +
                " / " + std::to_string(messages.size()) + " messages");
  }
}

}  // namespace kassa::app
