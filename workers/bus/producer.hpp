// An idempotent Kafka producer (acks=all, enable.idempotence): retries inside librdkafka never
// duplicate or reorder a message within a partition. send() waits for every delivery report, so
// the caller knows exactly which records the broker has acknowledged.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "bus/kafka.hpp"

namespace kassa::bus {

struct Record {
  std::string topic, key, value;
  bool has_key = true;
};

// What became of one record: acknowledged (error == NO_ERROR), or the error and its words.
struct Delivered {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
  std::string reason = "no delivery report before the timeout";
  bool ok() const { return error == RD_KAFKA_RESP_ERR_NO_ERROR; }
};

class Producer {
 public:
  Producer(const std::string& brokers, const Settings& extra = {});
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Produces all records and waits (up to `timeout`) for their delivery reports. Returns one flag
  // per record: true when the broker acknowledged it. `error` gets the first failure's reason.
  std::vector<bool> send(const std::vector<Record>& records, std::chrono::milliseconds timeout,
                         std::string* error);
  // The same, with each record's outcome: which error, for the relay to tell a message that can
  // never be published (bus/produce_errors.hpp) from one to try again.
  // `waiting`, if given, is called about once a second while the reports are awaited.
  std::vector<Delivered> deliver(const std::vector<Record>& records,
                                 std::chrono::milliseconds timeout,
                                 const std::function<void()>& waiting = {});
  // Fetches the metadata of `topics` now (one request, waiting at most `timeout`), so that the
  // first message to each does not wait for it; failures are only logged.
  void warm_up(const std::vector<std::string>& topics, std::chrono::milliseconds timeout);
  // librdkafka raised a fatal error (idempotence broken); this producer must be replaced.
  bool fatal() const;

 private:
  static void delivery_callback(rd_kafka_t*, const rd_kafka_message_t* message, void*);
  Handle handle_;
};

}  // namespace kassa::bus
