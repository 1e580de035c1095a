// The worker's HTTP endpoint (KASSA_HTTP_ADDR): /metrics for Prometheus, /healthz for liveness
// (the poll loop turned recently), /readyz for readiness (schema ready, partitions assigned or
// the group has none to give).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace kassa::app {

class HttpServer {
 public:
  struct Probes {
    std::function<std::string()> metrics;
    std::function<bool()> live;
    std::function<bool()> ready;
  };
  // Binds at once (throws with a clear message if the address is taken) and serves in a thread.
  HttpServer(const std::string& address, Probes probes);
  ~HttpServer();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace kassa::app
