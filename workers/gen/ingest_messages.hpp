// Generated order events as the consumer would hand them to the batch function: topic kind, the
// stream name as topic, partition 0, the offset the message's index in the generated stream.
// Merchant events and payouts are left out: they are not order events.
#pragma once

#include <vector>

#include "gen/generator.hpp"
#include "ingest/batch.hpp"

namespace kassa::gen {

std::vector<ingest::Message> as_ingest_messages(const std::vector<Message>& messages);

}  // namespace kassa::gen
