#include "app/smtp.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kassa::app {
namespace {

class Connection {
 public:
  Connection(const SmtpServer& server) : timeout_(server.timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(server.port);
    if (const int rc = ::getaddrinfo(server.host.c_str(), port.c_str(), &hints, &found); rc != 0)
      throw SmtpError("smtp: cannot resolve " + server.host + ": " + ::gai_strerror(rc), 0);
    for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd_ < 0) continue;
      timeval tv{static_cast<time_t>(timeout_.count()), 0};
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (::connect(fd_, a->ai_addr, a->ai_addrlen) != 0) {
        ::close(fd_);
        fd_ = -1;
      }
    }
    ::freeaddrinfo(found);
    if (fd_ < 0)
      throw SmtpError(
          "smtp: cannot connect to " + server.host + ":" + port + ": " + std::strerror(errno), 0);
  }
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send(const std::string& text) {
    std::size_t sent = 0;
    while (sent < text.size()) {
      const ssize_t n = ::send(fd_, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw SmtpError(std::string("smtp: send failed: ") + std::strerror(errno), 0);
      sent += static_cast<std::size_t>(n);
    }
  }

  // One reply, multi-line ones included ("250-..." lines then "250 ..."); returns its code.
  int reply(std::string& text) {
    text.clear();
    for (;;) {
      const std::string line = read_line();
      text += line + "\n";
      if (line.size() < 3) throw SmtpError("smtp: malformed reply: " + line, 0);
      if (line.size() == 3 || line[3] == ' ') return std::stoi(line.substr(0, 3));
    }
  }

 private:
  std::string read_line() {
    for (;;) {
      if (const auto end = buffer_.find("\r\n"); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      char chunk[1024];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) throw SmtpError("smtp: the server closed the connection", 0);
      if (n < 0) throw SmtpError(std::string("smtp: no reply (") + std::strerror(errno) + ")", 0);
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  int fd_ = -1;
  std::chrono::seconds timeout_;
  std::string buffer_;
};

void expect(Connection& c, const char* step, int low, int high) {
  std::string text;
  const int code = c.reply(text);
  if (code < low || code > high) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    throw SmtpError(std::string("smtp: ") + step + " refused: " + text, code);
  }
}

// Lines starting with "." get another "." (RFC 5321 4.5.2); the message ends with CRLF.
std::string dot_stuffed(const std::string& message) {
  std::string out;
  out.reserve(message.size() + 64);
  bool line_start = true;
  for (const char c : message) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

}  // namespace

SmtpServer parse_smtp_addr(const std::string& addr) {
  const auto colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == addr.size())
    throw std::invalid_argument("not host:port: '" + addr + "'");
  SmtpServer server;
  server.host = addr.substr(0, colon);
  std::size_t used = 0;
  try {
    server.port = std::stoi(addr.substr(colon + 1), &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != addr.size() - colon - 1 || server.port <= 0 || server.port > 65535)
    throw std::invalid_argument("not host:port: '" + addr + "'");
  return server;
}

void smtp_send(const SmtpServer& server, const std::string& from, const std::string& to,
               const std::string& message) {
  Connection c(server);
  expect(c, "greeting", 220, 220);
  c.send("EHLO " + server.helo + "\r\n");
  expect(c, "EHLO", 250, 250);
  c.send("MAIL FROM:<" + from + ">\r\n");
  expect(c, "MAIL FROM", 250, 250);
  c.send("RCPT TO:<" + to + ">\r\n");
  expect(c, "RCPT TO", 250, 251);
  c.send("DATA\r\n");
  expect(c, "DATA", 354, 354);
  c.send(dot_stuffed(message) + ".\r\n");
  expect(c, "the message", 250, 250);
  c.send("QUIT\r\n");
  std::string ignored;
  try {
    c.reply(ignored);  // the message is accepted already; a rude close is fine
  } catch (const SmtpError&) {
  }
}

}  // namespace kassa::app
