// `kassa gateway [--until-idle]`: registers kassa's receipts through the ATOL API
// (app/gateway.hpp) until SIGTERM/SIGINT, or with the flag until none waits. Prints a summary.
#include <cstdio>

#include "app/gateway.hpp"
#include "app/http_server.hpp"
#include "cli/commands.hpp"
#include "support/log.hpp"

namespace kassa::cli {

void add_gateway(CLI::App& app, const Context& context, int& status) {
  auto* command = app.add_subcommand(
      "gateway",
      "register every receipt through the ATOL Online v5 compatible API (KASSA_ATOL_*) and record "
      "status and fiscal attributes in kassa.registrations");
  static bool until_idle = false;
  command->add_flag("--until-idle", until_idle,
                    "exit 0 once no registration waits (every receipt done or failed)");
  command->callback([&context, &status] {
    const auto config = context.config();
    log::Level level;
    if (log::parse_level(config.log_level, level)) log::set_level(level);
    app::Metrics metrics;
    std::atomic<std::int64_t> heartbeat{app::steady_now_ms()};
    std::unique_ptr<app::HttpServer> http;
    if (!config.http_addr.empty()) {
      app::HttpServer::Probes probes;
      probes.metrics = [&metrics] { return metrics.render(); };
      // Alive while the loop comes round; one registration's requests may take a lease's time.
      const auto limit = app::gateway_stall_limit(config).count();
      probes.live = [&heartbeat, limit] { return app::steady_now_ms() - heartbeat.load() < limit; };
      probes.ready = probes.live;
      http = std::make_unique<app::HttpServer>(config.http_addr, probes);
      log::info("gateway: serving /metrics on http://" + config.http_addr);
    }
    app::GatewayOptions options;
    options.until_idle = until_idle;
    options.heartbeat = &heartbeat;
    log::info("gateway: registering receipts at " + config.atol.url + ", group " +
              config.atol.group);
    const auto s = app::run_gateway(config, options, metrics, g_stop);
    std::printf("kassa gateway: %s\n", g_stop.load() ? "stopped" : "nothing waits");
    std::printf("  %-34s %10lld\n", "registration requests sent", static_cast<long long>(s.sent));
    std::printf("  %-34s %10lld\n", "  already accepted (code 33)",
                static_cast<long long>(s.duplicates));
    std::printf("  %-34s %10lld\n", "report requests", static_cast<long long>(s.reports));
    std::printf("  %-34s %10lld\n", "registered (done)", static_cast<long long>(s.done));
    std::printf("  %-34s %10lld\n", "failed (fail)", static_cast<long long>(s.failed));
    std::printf("  %-34s %10lld\n", "retries after an error", static_cast<long long>(s.retries));
    std::fflush(stdout);
    status = 0;
  });
}

}  // namespace kassa::cli
