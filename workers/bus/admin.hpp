// Topic administration for tools, tests and the benchmark (production topics come from the
// platform's own provisioning; kassa never creates topics on its own while running).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "bus/kafka.hpp"

namespace kassa::bus {

// Creates the topics that do not exist yet; existing ones are left alone. `config`: topic
// settings such as max.message.bytes.
void create_topics(const std::string& brokers, const std::vector<std::string>& topics,
                   int partitions, std::chrono::milliseconds timeout, const Settings& config = {});
void delete_topics(const std::string& brokers, const std::vector<std::string>& topics,
                   std::chrono::milliseconds timeout);

}  // namespace kassa::bus
