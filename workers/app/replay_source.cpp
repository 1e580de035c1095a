#include "app/replay_source.hpp"

#include <filesystem>
#include <stdexcept>

#include "contract/archive_line.hpp"

namespace kassa::app {
namespace {

std::map<std::string, core::EventKind> input_topics(const Config& config) {
  return {{config.topic_payments, core::EventKind::payment},
          {config.topic_shipments, core::EventKind::shipment},
          {config.topic_refunds, core::EventKind::refund}};
}

class KafkaHistory : public HistorySource {
 public:
  KafkaHistory(const Config& config, bus::Watermarks ranges, KeyFilter filter)
      : filter_(std::move(filter)), consumer_(options(config, ranges), nullptr) {
    for (const auto& [key, range] : ranges) total_ += range.high - range.low;
  }

  std::vector<ingest::Message> next(const std::atomic<bool>& stop) override {
    auto batch = consumer_.poll_batch(stop);
    read_ += static_cast<std::int64_t>(batch.size());
    if (filter_)
      std::erase_if(batch, [this](const ingest::Message& m) {
        return !filter_(m.source.has_key ? std::optional<std::string>(m.source.key) : std::nullopt);
      });
    return batch;
  }
  bool finished() const override { return consumer_.finished(); }
  std::optional<double> done_share() const override {
    return total_ > 0 ? static_cast<double>(read_) / static_cast<double>(total_) : 1.0;
  }
  std::int64_t total() const { return total_; }

 private:
  static bus::ConsumerOptions options(const Config& config, const bus::Watermarks& ranges) {
    bus::ConsumerOptions options;
    options.brokers = config.brokers;
    options.group_id = config.group_id + ".replay";  // never joined: assigned mode
    options.topics = input_topics(config);
    options.batch_max_messages = config.batch_max_messages;
    options.batch_max_wait = config.batch_max_wait;
    options.merge_grace = config.merge_grace;
    options.extra = config.kafka_extra;
    options.ranges = ranges;
    return options;
  }

  KeyFilter filter_;
  bus::Consumer consumer_;
  std::int64_t total_ = 0, read_ = 0;
};

class FileHistory : public HistorySource {
 public:
  FileHistory(const Config& config, const std::string& path, std::optional<std::int64_t> from_ms,
              std::optional<std::int64_t> to_ms, std::int64_t* skipped, KeyFilter filter)
      : path_(path),
        in_(path, std::ios::binary),
        topics_(input_topics(config)),
        from_ms_(from_ms),
        to_ms_(to_ms),
        skipped_(skipped),
        filter_(std::move(filter)),
        batch_(config.batch_max_messages) {
    if (!in_) throw std::invalid_argument("cannot open " + path);
    std::error_code error;
    size_ = std::filesystem::file_size(path, error);
  }

  std::vector<ingest::Message> next(const std::atomic<bool>& stop) override {
    std::vector<ingest::Message> out;
    std::string line;
    while (out.size() < batch_ && !stop.load() && std::getline(in_, line)) {
      const std::int64_t number = line_number_++;
      read_bytes_ += line.size() + 1;
      if (line.empty()) continue;
      contract::ArchiveLine parsed;
      try {
        parsed = contract::parse_archive_line(line);
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error(path_ + ":" + std::to_string(number + 1) +
                                 ": not an archive line: " + e.what());
      }
      const auto kind = topics_.find(parsed.topic);
      if (kind == topics_.end()) {
        if (skipped_ != nullptr) ++*skipped_;
        continue;
      }
      if (parsed.timestamp_ms && ((from_ms_ && *parsed.timestamp_ms < *from_ms_) ||
                                  (to_ms_ && *parsed.timestamp_ms >= *to_ms_)))
        continue;
      if (filter_ && !filter_(parsed.key)) continue;
      ingest::Message m;
      m.topic_kind = kind->second;
      m.source.topic = parsed.topic;
      m.source.partition = parsed.partition.value_or(0);
      m.source.offset = parsed.offset.value_or(number);
      m.source.has_key = parsed.key.has_value();
      m.source.key = parsed.key.value_or("");
      m.source.payload = std::move(parsed.value);
      m.timestamp_ms = parsed.timestamp_ms.value_or(0);
      out.push_back(std::move(m));
    }
    if (in_.bad()) throw std::runtime_error("reading " + path_ + " failed");
    return out;
  }
  bool finished() const override { return in_.eof(); }
  std::optional<double> done_share() const override {
    if (size_ == 0) return std::nullopt;
    return std::min(1.0, static_cast<double>(read_bytes_) / static_cast<double>(size_));
  }

 private:
  std::string path_;
  std::ifstream in_;
  std::map<std::string, core::EventKind> topics_;
  std::optional<std::int64_t> from_ms_, to_ms_;
  std::int64_t* skipped_;
  KeyFilter filter_;
  std::size_t batch_;
  std::int64_t line_number_ = 0;
  std::uintmax_t size_ = 0, read_bytes_ = 0;
};

}  // namespace

std::unique_ptr<HistorySource> kafka_history(const Config& config, std::int64_t from_ms,
                                             std::optional<std::int64_t> to_ms, std::int64_t* total,
                                             KeyFilter filter) {
  auto ranges = bus::window_offsets(config.brokers, config.input_topics(), from_ms, to_ms,
                                    config.kafka_extra, std::chrono::seconds(30));
  auto source = std::make_unique<KafkaHistory>(config, std::move(ranges), std::move(filter));
  if (total != nullptr) *total = source->total();
  return source;
}

std::unique_ptr<HistorySource> file_history(const Config& config, const std::string& path,
                                            std::optional<std::int64_t> from_ms,
                                            std::optional<std::int64_t> to_ms,
                                            std::int64_t* skipped, KeyFilter filter) {
  return std::make_unique<FileHistory>(config, path, from_ms, to_ms, skipped, std::move(filter));
}

}  // namespace kassa::app
