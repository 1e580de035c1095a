// Where `kassa replay` reads history from, in batches: a window of the input topics (manual
// assignment, no group) or an NDJSON archive. Both hand out ingest::Message as the live consumer
// does, so the batch function cannot tell them apart.
#pragma once

#include <atomic>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "bus/consumer.hpp"
#include "ingest/batch.hpp"

namespace kassa::app {

class HistorySource {
 public:
  virtual ~HistorySource() = default;
  // The next batch (may be empty while waiting for the broker); finished() once all is out.
  virtual std::vector<ingest::Message> next(const std::atomic<bool>& stop) = 0;
  virtual bool finished() const = 0;
  // "123 of 456 messages (27%)" and the share done in [0, 1] (nullopt: unknown).
  virtual std::optional<double> done_share() const = 0;
};

// Which messages to keep: the replay's key filter for the history check (nullptr: all).
using KeyFilter = std::function<bool(const std::optional<std::string>& key)>;

// The input topics over [from_ms, to_ms) (to: the log end now); from 0 is the whole log.
std::unique_ptr<HistorySource> kafka_history(const Config& config, std::int64_t from_ms,
                                             std::optional<std::int64_t> to_ms, std::int64_t* total,
                                             KeyFilter filter = nullptr);

// An archive (contract/archive_line.hpp). Lines of topics that are not input topics are skipped
// and counted in *skipped; a line that is not an archive line stops the replay (it names it).
std::unique_ptr<HistorySource> file_history(const Config& config, const std::string& path,
                                            std::optional<std::int64_t> from_ms,
                                            std::optional<std::int64_t> to_ms,
                                            std::int64_t* skipped, KeyFilter filter = nullptr);

}  // namespace kassa::app
