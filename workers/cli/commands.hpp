// The subcommands of `kassa`. main.cpp parses the command line with CLI11; each command lives in
// its own file here and receives the loaded configuration.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <optional>
#include <string>

#include "app/config.hpp"

namespace kassa::cli {

// Set by SIGTERM/SIGINT: commands finish what they are doing and exit.
extern std::atomic<bool> g_stop;

struct Context {
  std::optional<std::string> config_file;
  app::Config config() const { return app::load_config(config_file); }
};

// Each add_* registers a subcommand whose callback runs it and stores the exit status in `status`.
void add_migrate(CLI::App& app, const Context& context, int& status);
void add_run(CLI::App& app, const Context& context, int& status);
void add_gen(CLI::App& app, const Context& context, int& status);
void add_bench(CLI::App& app, const Context& context, int& status);
void add_receipts(CLI::App& app, const Context& context, int& status);
void add_state(CLI::App& app, const Context& context, int& status);
void add_reconcile(CLI::App& app, const Context& context, int& status);
void add_documents(CLI::App& app, const Context& context, int& status);
void add_outbox(CLI::App& app, const Context& context, int& status);
void add_replay(CLI::App& app, const Context& context, int& status);
void add_gateway(CLI::App& app, const Context& context, int& status);
void add_merchants(CLI::App& app, const Context& context, int& status);

}  // namespace kassa::cli
