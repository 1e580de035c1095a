#include "bus/kafka.hpp"

namespace kassa::bus {

rd_kafka_conf_t* make_conf(const Settings& settings) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw KafkaError("kafka setting " + key + ": " + error);
    }
  }
  return conf;
}

Handle make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(type, conf, error, sizeof error);
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError(std::string("cannot create kafka client: ") + error);
  }
  return Handle(handle);  // rd_kafka_new owns conf from here
}

}  // namespace kassa::bus
