// Publishing generated events to the input topics (kassa gen --kafka, the benchmark, the tests).
#pragma once

#include <vector>

#include "app/config.hpp"
#include "gen/generator.hpp"

namespace kassa::app {

// Produces in delivery order through one idempotent producer, so the order within each topic and
// key is exactly the generator's, and the merchant events (first in the stream) are on their
// topic before any order event. Throws if Kafka does not acknowledge every message.
void publish_generated(const Config& config, const std::vector<gen::Message>& messages,
                       bool show_progress);

const std::string& topic_for(const Config& config, gen::Stream stream);

}  // namespace kassa::app
