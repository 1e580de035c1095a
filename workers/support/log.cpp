#include "support/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "contract/json_text.hpp"
#include "contract/personal_data.hpp"

namespace kassa::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};
constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
constexpr spdlog::level::level_enum kSpdlogLevels[] = {spdlog::level::debug, spdlog::level::info,
                                                       spdlog::level::warn, spdlog::level::err};

// The first line decides the format unless set_format() came first: KASSA_LOG_FORMAT, else json
// off a terminal and text on one.
Format default_format() {
  Format format = isatty(STDERR_FILENO) != 0 ? Format::text : Format::json;
  if (const char* configured = std::getenv("KASSA_LOG_FORMAT")) parse_format(configured, format);
  return format;
}

class Logger {
 public:
  Logger() : logger_("kassa", std::make_shared<spdlog::sinks::stderr_sink_mt>()) {
    logger_.set_level(spdlog::level::trace);  // kassa filters by its own level first
    apply(default_format());
  }
  void apply(Format format) {
    format_ = format;
    // spdlog writes the time (UTC) and the level; the rest of the line is built in write().
    logger_.set_pattern(format == Format::json
                            ? R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})"
                            : "%Y-%m-%dT%H:%M:%S.%fZ %l %v",
                        spdlog::pattern_time_type::utc);
  }
  Format format() const { return format_; }
  spdlog::logger& get() { return logger_; }

 private:
  spdlog::logger logger_;
  std::atomic<Format> format_{Format::json};
};

Logger& logger() {
  static Logger instance;
  return instance;
}

}  // namespace

void set_level(Level level) {
  g_level = static_cast<int>(level);
}

bool parse_level(std::string_view text, Level& out) {
  for (int i = 0; i < 4; ++i)
    if (text == kNames[i]) {
      out = static_cast<Level>(i);
      return true;
    }
  return false;
}

void set_format(Format format) {
  logger().apply(format);
}

bool parse_format(std::string_view text, Format& out) {
  if (text == "json")
    out = Format::json;
  else if (text == "text")
    out = Format::text;
  else
    return false;
  return true;
}

void write(Level level, std::string_view message, Fields fields) {
  if (static_cast<int>(level) < g_level.load()) return;
  Logger& log = logger();
  std::string line;
  if (log.format() == Format::json) {
    line = "\"msg\":";
    contract::append_json_string(line, contract::mask_personal_data(message));
    for (const auto& field : fields) {
      line += ',';
      contract::append_json_string(line, field.key);
      line += ':';
      contract::append_json_string(line, contract::mask_personal_data(field.value));
    }
  } else {
    line = contract::mask_personal_data(message);
    for (const auto& field : fields) {
      line += ' ';
      line += field.key;
      line += '=';
      line += contract::mask_personal_data(field.value);
    }
  }
  log.get().log(kSpdlogLevels[static_cast<int>(level)], line);
}

}  // namespace kassa::log
