#include "app/http_server.hpp"

#include <httplib.h>

#include <stdexcept>

namespace kassa::app {

HttpServer::HttpServer(const std::string& address, Probes probes)
    : server_(std::make_unique<httplib::Server>()) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("KASSA_HTTP_ADDR must be host:port, got " + address);
  const std::string host = address.substr(0, colon);
  const int port = std::stoi(address.substr(colon + 1));
  server_->Get("/metrics",
               [metrics = probes.metrics](const httplib::Request&, httplib::Response& res) {
                 res.set_content(metrics(), "text/plain; version=0.0.4");
               });
  server_->Get("/healthz", [live = probes.live](const httplib::Request&, httplib::Response& res) {
    const bool ok = live();
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ok\n" : "poll loop stalled\n", "text/plain");
  });
  server_->Get("/readyz", [ready = probes.ready](const httplib::Request&, httplib::Response& res) {
    const bool ok = ready();
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ready\n" : "not ready\n", "text/plain");
  });
  if (!server_->bind_to_port(host, port))
    throw std::runtime_error("cannot listen on " + address +
                             " (KASSA_HTTP_ADDR): address in use or not local");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

HttpServer::~HttpServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace kassa::app
