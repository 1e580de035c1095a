// A minimal SMTP client (RFC 5321) for the mailer: EHLO, MAIL FROM, RCPT TO, DATA, QUIT over a
// plain TCP connection with timeouts. No TLS and no AUTH: kassa hands mail to a relay on its own
// network (a cluster-local MTA or sidecar), which owns delivery, TLS and credentials.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace kassa::app {

struct SmtpServer {
  std::string host;
  int port = 25;
  std::string helo = "kassa";
  std::chrono::seconds timeout{30};
};

// "host:port" -> server; throws std::invalid_argument on anything else.
SmtpServer parse_smtp_addr(const std::string& addr);

struct SmtpError : std::runtime_error {
  SmtpError(const std::string& what, int code) : std::runtime_error(what), code(code) {}
  int code;  // the server's reply code, 0 for connection trouble
  // 5xx: the server refused for good (a bad address, a message it will never take).
  bool permanent() const { return code >= 500 && code < 600; }
};

// Sends one message; returns when the server accepted it (250 after DATA). `message` is the whole
// RFC 5322 text with CRLF line ends; dot-stuffing is done here.
void smtp_send(const SmtpServer& server, const std::string& from, const std::string& to,
               const std::string& message);

}  // namespace kassa::app
