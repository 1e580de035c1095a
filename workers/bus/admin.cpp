#include "bus/admin.hpp"

#include <memory>

namespace kassa::bus {
namespace {

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};

Handle admin_client(const std::string& brokers) {
  return make_handle(RD_KAFKA_PRODUCER,
                     make_conf({{"bootstrap.servers", brokers}, {"client.id", "kassa-admin"}}));
}

// Waits for the admin result event and checks each topic's result; `ignore` is an acceptable error.
void check_results(rd_kafka_t* handle, rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                   rd_kafka_resp_err_t ignore, const char* what) {
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue, static_cast<int>(timeout.count())));
  (void)handle;
  if (!event) throw KafkaError(std::string(what) + ": no answer from the broker");
  if (rd_kafka_event_error(event.get()))
    throw KafkaError(std::string(what) + ": " + rd_kafka_event_error_string(event.get()));
  const rd_kafka_topic_result_t** results = nullptr;
  std::size_t count = 0;
  if (const auto* created = rd_kafka_event_CreateTopics_result(event.get()))
    results = rd_kafka_CreateTopics_result_topics(created, &count);
  else if (const auto* deleted = rd_kafka_event_DeleteTopics_result(event.get()))
    results = rd_kafka_DeleteTopics_result_topics(deleted, &count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto err = rd_kafka_topic_result_error(results[i]);
    if (err && err != ignore)
      throw KafkaError(std::string(what) + " " + rd_kafka_topic_result_name(results[i]) + ": " +
                       (rd_kafka_topic_result_error_string(results[i])
                            ? rd_kafka_topic_result_error_string(results[i])
                            : rd_kafka_err2str(err)));
  }
}

}  // namespace

void create_topics(const std::string& brokers, const std::vector<std::string>& topics,
                   int partitions, std::chrono::milliseconds timeout, const Settings& config) {
  if (topics.empty()) return;
  Handle handle = admin_client(brokers);
  std::vector<rd_kafka_NewTopic_t*> requests;
  char error[512];
  for (const auto& topic : topics) {
    rd_kafka_NewTopic_t* request =
        rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, error, sizeof error);
    if (request == nullptr) {
      rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());
      throw KafkaError("topic " + topic + ": " + error);
    }
    requests.push_back(request);
    for (const auto& [name, value] : config) {
      if (rd_kafka_resp_err_t err =
              rd_kafka_NewTopic_set_config(request, name.c_str(), value.c_str())) {
        rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());
        throw KafkaError("topic " + topic + ": " + name + ": " + rd_kafka_err2str(err));
      }
    }
  }
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(handle.get()));
  rd_kafka_CreateTopics(handle.get(), requests.data(), requests.size(), nullptr, queue.get());
  rd_kafka_NewTopic_destroy_array(requests.data(), requests.size());
  check_results(handle.get(), queue.get(), timeout, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
                "create topic");
}

void delete_topics(const std::string& brokers, const std::vector<std::string>& topics,
                   std::chrono::milliseconds timeout) {
  if (topics.empty()) return;
  Handle handle = admin_client(brokers);
  std::vector<rd_kafka_DeleteTopic_t*> requests;
  for (const auto& topic : topics) requests.push_back(rd_kafka_DeleteTopic_new(topic.c_str()));
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(handle.get()));
  rd_kafka_DeleteTopics(handle.get(), requests.data(), requests.size(), nullptr, queue.get());
  rd_kafka_DeleteTopic_destroy_array(requests.data(), requests.size());
  check_results(handle.get(), queue.get(), timeout, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                "delete topic");
}

}  // namespace kassa::bus
