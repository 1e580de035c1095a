#include "support/log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "contract/json_text.hpp"
#include "contract/personal_data.hpp"
#include "contract/secrets.hpp"

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

// Registered once at start-up, before the worker's threads run; read on every line after.
std::mutex g_secrets_mutex;
std::vector<std::string> g_secrets;

// What a log line may say of `text`: secrets redacted, phones and e-mails masked.
std::string clean(std::string_view text) {
  return contract::mask_personal_data(redact(text));
}

}  // namespace

void add_secret(std::string value) {
  if (value.empty()) return;
  std::lock_guard lock(g_secrets_mutex);
  g_secrets.push_back(std::move(value));
}

std::string redact(std::string_view text) {
  std::lock_guard lock(g_secrets_mutex);
  return contract::redact_secrets(text, g_secrets);
}

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
    contract::append_json_string(line, clean(message));
    for (const auto& field : fields) {
      line += ',';
      contract::append_json_string(line, field.key);
      line += ':';
      contract::append_json_string(line, clean(field.value));
    }
  } else {
    line = clean(message);
    for (const auto& field : fields) {
      line += ' ';
      line += field.key;
      line += '=';
      line += clean(field.value);
    }
  }
  log.get().log(kSpdlogLevels[static_cast<int>(level)], line);
}

}  // namespace kassa::log
