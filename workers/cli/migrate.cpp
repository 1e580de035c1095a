// `kassa migrate`: applies db/V*.sql (compiled in), idempotent, safe to run twice at once.
#include "store/migrate.hpp"
#include "cli/commands.hpp"
#include "store/database.hpp"
#include "support/log.hpp"

namespace kassa::cli {

std::atomic<bool> g_stop{false};

void add_migrate(CLI::App& app, const Context& context, int& status) {
  auto* command = app.add_subcommand("migrate", "apply the SQL migrations in db/ (idempotent)");
  command->callback([&context, &status] {
    const auto config = context.config();
    store::Database database(config.pg_dsn);
    const auto report = store::migrate(database.connection());
    std::printf("kassa migrate: schema at version %d (%d applied now)\n", report.current,
                report.applied);
    status = 0;
  });
}

}  // namespace kassa::cli
