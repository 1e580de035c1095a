// A `kassa run` subprocess with its HTTP endpoint (/metrics, /healthz, /readyz) on a free port,
// for the tests that watch a worker the way an operator or Kubernetes does.
#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include "harness.hpp"

namespace kassa::testing {

using Clock = std::chrono::steady_clock;

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

// A worker under test and its HTTP endpoint.
class Worker {
 public:
  Worker(const app::Config& config, std::map<std::string, std::string> extra) : port_(free_port()) {
    extra["KASSA_HTTP_ADDR"] = "127.0.0.1:" + std::to_string(port_);
    process_.emplace(std::vector<std::string>{kassa_binary(), "run"},
                     Sandbox::environment(config, extra));
  }
  int port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  ~Worker() {
    if (process_) stop();
  }

  // The status of GET path (0: no answer yet) and the body.
  std::pair<int, std::string> get(const std::string& path) const {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(1);
    client.set_read_timeout(2);
    const auto response = client.Get(path.c_str());
    if (!response) return {0, ""};
    return {response->status, response->body};
  }
  // Polls until `done(status, body)` or the deadline; true if it happened.
  template <typename Done>
  bool eventually(const std::string& path, std::chrono::seconds within, Done done) const {
    const auto deadline = Clock::now() + within;
    while (Clock::now() < deadline) {
      const auto [status, body] = get(path);
      if (done(status, body)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling, bounded
    }
    return false;
  }
  void kill_hard() {  // SIGKILL, as a crashed node or an OOM kill would
    process_->kill_hard();
    process_->wait();
    process_.reset();
  }
  int stop() {
    process_->terminate();
    const auto status = process_->wait_for(std::chrono::seconds(60));
    if (!status) process_->kill_hard();
    const int code = status.value_or(-1);
    process_.reset();
    return code;
  }

 private:
  int port_;
  std::optional<Process> process_;
};

// The value of one series (name with its labels exactly as exposed), or -1 if absent.
inline double metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

// The sum over every series of `name` that carries `label` (e.g. outcome="applied").
inline double sum_of(const std::string& text, const std::string& name, const std::string& label) {
  std::istringstream in(text);
  std::string line;
  double sum = 0;
  while (std::getline(in, line))
    if (line.rfind(name + "{", 0) == 0 && line.find(label) != std::string::npos)
      sum += std::stod(line.substr(line.rfind(' ') + 1));
  return sum;
}

}  // namespace kassa::testing
