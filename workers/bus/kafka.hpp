// Thin RAII over librdkafka's C API, shared by the consumer, the producer and the admin helpers.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace kassa::bus {

struct KafkaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Settings = std::map<std::string, std::string>;

struct HandleDeleter {
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// Builds a configuration; every bad key or value throws with librdkafka's own message.
rd_kafka_conf_t* make_conf(const Settings& settings);
Handle make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf);

}  // namespace kassa::bus
