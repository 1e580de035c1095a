#include "gen/ingest_messages.hpp"

namespace kassa::gen {

std::vector<ingest::Message> as_ingest_messages(const std::vector<Message>& messages) {
  std::vector<ingest::Message> out;
  out.reserve(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    // Merchant events and payouts have consumers of their own, not the batch function.
    if (m.stream == Stream::merchants || m.stream == Stream::payouts) continue;
    ingest::Message message;
    message.topic_kind = m.stream == Stream::payments    ? core::EventKind::payment
                         : m.stream == Stream::shipments ? core::EventKind::shipment
                                                         : core::EventKind::refund;
    // The offset is the message's index, as in the truth's dead_letters.
    message.source = {
        std::string(stream_name(m.stream)), 0, static_cast<std::int64_t>(i), m.key, m.value, true};
    out.push_back(std::move(message));
  }
  return out;
}

}  // namespace kassa::gen
