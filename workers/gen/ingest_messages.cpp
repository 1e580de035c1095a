#include "gen/ingest_messages.hpp"

namespace kassa::gen {

std::vector<ingest::Message> as_ingest_messages(const std::vector<Message>& messages) {
  std::vector<ingest::Message> out;
  out.reserve(messages.size());
  std::int64_t offset = 0;
  for (const auto& m : messages) {
    ingest::Message message;
    message.topic_kind = m.stream == Stream::payments    ? core::EventKind::payment
                         : m.stream == Stream::shipments ? core::EventKind::shipment
                                                         : core::EventKind::refund;
    message.source = {std::string(stream_name(m.stream)), 0, offset++, m.key, m.value, true};
    out.push_back(std::move(message));
  }
  return out;
}

}  // namespace kassa::gen
