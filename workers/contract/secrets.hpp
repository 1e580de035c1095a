// Secrets in text that leaves kassa: the database password and Kafka's credentials must never
// reach a log line, an error message or `--help`. The values are known once the configuration is
// read; every line the log writes and every error main prints pass through redact_secrets().
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kassa::contract {

// librdkafka properties whose values are credentials (sasl.password, ssl.key.password,
// ssl.keystore.password, sasl.oauthbearer.client.secret, ssl.key.pem, ...).
bool is_secret_kafka_property(std::string_view name);

// `text` with every occurrence of each non-empty secret replaced by "***" (longest first, so a
// secret that contains another is hidden whole).
std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets);

}  // namespace kassa::contract
