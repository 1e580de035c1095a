// Log lines on stderr, written through spdlog. Two formats (KASSA_LOG_FORMAT):
//   json  one object per line: {"time":"...Z","level":"info","msg":"...","order_id":"..."}, the
//         default when stderr is not a terminal (a container's log collector parses it);
//   text  "<UTC time> <level> <message> key=value ...", the default on a terminal.
// Phones and e-mails in messages and fields are masked (contract/personal_data.hpp). Thread-safe;
// level from KASSA_LOG_LEVEL.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace kassa::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };
enum class Format { json, text };

// A field of a log line: order_id, event_id, message_id, topic, partition, offset...
struct Field {
  std::string_view key;
  std::string value;
};
using Fields = std::initializer_list<Field>;

void set_level(Level level);
bool parse_level(std::string_view text, Level& out);
void set_format(Format format);
bool parse_format(std::string_view text, Format& out);
void write(Level level, std::string_view message, Fields fields = {});

// A value never to be written (a password): every log line has it replaced by "***", and so has
// what redact() returns, for text that leaves kassa another way (main's error message).
void add_secret(std::string value);
std::string redact(std::string_view text);

inline void debug(std::string_view m, Fields f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, Fields f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, Fields f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, Fields f = {}) {
  write(Level::error, m, f);
}

}  // namespace kassa::log
