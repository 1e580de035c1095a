// Which Kafka settings are credentials, and how a known secret is hidden in text that leaves kassa.
#include "contract/secrets.hpp"

#include <gtest/gtest.h>

namespace kassa::contract {
namespace {

TEST(Secrets, KafkaCredentialsAreKnownByName) {
  for (const char* name : {"sasl.password", "ssl.key.password", "ssl.keystore.password",
                           "sasl.oauthbearer.client.secret", "ssl.key.pem", "sasl.jaas.config",
                           "sasl.oauthbearer.config"})
    EXPECT_TRUE(is_secret_kafka_property(name)) << name;
  for (const char* name : {"sasl.username", "sasl.mechanisms", "security.protocol",
                           "ssl.ca.location", "ssl.certificate.pem", "bootstrap.servers"})
    EXPECT_FALSE(is_secret_kafka_property(name)) << name;
}

TEST(Secrets, EveryOccurrenceIsHiddenAndTheLongestSecretWhole) {
  struct Case {
    const char* text;
    std::vector<std::string> secrets;
    const char* expected;
  };
  const Case cases[] = {
      {"password=hunter2 and again hunter2", {"hunter2"}, "password=*** and again ***"},
      {"no secret here", {"hunter2"}, "no secret here"},
      {"abc", {""}, "abc"},  // an empty password hides nothing
      {"token abcdef", {"abc", "abcdef"}, "token ***"},
      {"***x***", {"x"}, "*********"},
  };
  for (const auto& c : cases) EXPECT_EQ(redact_secrets(c.text, c.secrets), c.expected) << c.text;
}

}  // namespace
}  // namespace kassa::contract
