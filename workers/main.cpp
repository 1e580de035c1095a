// kassa: fiscal receipts and document packages from Invoicebox's event stream, exactly once.
// This file only parses the command line and hands over to cli/.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "support/log.hpp"

namespace {
void on_signal(int) {
  kassa::cli::g_stop = true;
}
}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);

  CLI::App app{
      "kassa: 54-FZ receipts and document packages from Invoicebox events, exactly once.\n"
      "Configuration comes from KASSA_* environment variables (see README), optionally from "
      "--config."};
  app.require_subcommand(1);
  kassa::cli::Context context;
  app.add_option("--config", context.config_file,
                 "file of KEY=VALUE lines with the same keys as the environment");
  std::string table = "\nConfiguration (environment, default):\n";
  for (const auto& key : kassa::app::config_keys())
    table +=
        "  " + std::string(key.name) + " = " + key.default_value + "\n      " + key.meaning + "\n";
  app.footer(table);

  int status = 0;
  kassa::cli::add_migrate(app, context, status);
  kassa::cli::add_run(app, context, status);
  kassa::cli::add_gen(app, context, status);
  kassa::cli::add_bench(app, context, status);
  kassa::cli::add_receipts(app, context, status);
  kassa::cli::add_gateway(app, context, status);
  kassa::cli::add_merchants(app, context, status);
  kassa::cli::add_state(app, context, status);
  kassa::cli::add_reconcile(app, context, status);
  kassa::cli::add_documents(app, context, status);
  kassa::cli::add_outbox(app, context, status);
  kassa::cli::add_replay(app, context, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const kassa::app::ConfigError& e) {
    std::fprintf(stderr, "kassa: configuration error: %s\n", kassa::log::redact(e.what()).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kassa: %s\n", kassa::log::redact(e.what()).c_str());
    return 1;
  }
  return status;
}
