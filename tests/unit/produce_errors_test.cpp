// Which produce errors park an outbox row (permanent) and which leave it waiting (transient).
#include <gtest/gtest.h>

#include "bus/produce_errors.hpp"

namespace kassa::bus {
namespace {

TEST(ProduceErrors, MessagesKafkaWillNeverTakeArePermanent) {
  const struct {
    rd_kafka_resp_err_t error;
    const char* reason;
  } permanent[] = {
      {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "message_too_large"},
      {RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE, "message_too_large"},
      {RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, "unknown_topic"},
      {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "unknown_topic"},
      {RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, "unknown_topic"},
      {RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, "unknown_topic"},
      {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "authorization"},
      {RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, "authorization"},
      {RD_KAFKA_RESP_ERR_INVALID_RECORD, "invalid_record"},
      {RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP, "invalid_record"},
      {RD_KAFKA_RESP_ERR_POLICY_VIOLATION, "invalid_record"},
  };
  for (const auto& c : permanent) {
    EXPECT_EQ(classify_produce_error(c.error), ProduceFailure::permanent)
        << static_cast<int>(c.error);
    EXPECT_EQ(produce_error_reason(c.error), c.reason) << static_cast<int>(c.error);
  }
}

TEST(ProduceErrors, TheEnvironmentPasses) {
  for (const auto error :
       {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TIMED_OUT,
        RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT,
        RD_KAFKA_RESP_ERR__FATAL}) {
    EXPECT_EQ(classify_produce_error(error), ProduceFailure::transient) << error;
    EXPECT_EQ(produce_error_reason(error), "other") << error;
  }
}

// The refusals a broker gives a whole record batch, which the relay first retries row by row: a
// batch over max.message.bytes or one invalid record may be one message's fault. A topic that
// does not exist or is not authorized is every row's fault, and a passing failure is retried.
TEST(ProduceErrors, WholeBatchRefusalsAreTheOnesOneMessageCanCause) {
  for (const auto error :
       {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
        RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE, RD_KAFKA_RESP_ERR_INVALID_RECORD}) {
    EXPECT_TRUE(refuses_whole_batch(error)) << error;
    EXPECT_EQ(classify_produce_error(error), ProduceFailure::permanent) << error;
  }
  for (const auto error :
       {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_NO_ERROR})
    EXPECT_FALSE(refuses_whole_batch(error)) << error;
}

}  // namespace
}  // namespace kassa::bus
