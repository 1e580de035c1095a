// `kassa outbox list`: outbox rows Kafka refused for good (parked by the relay): id, topic, key,
//   size, attempts, when and why.
// `kassa outbox retry (ID...|--all)`: makes parked rows wait again; the relay of a running worker
//   (or the next `kassa run`) publishes them in its next round. Fix the cause first (create the
//   topic, grant the ACL, raise the topic's max.message.bytes), or they are parked again.
// Exit status: 0 done, 1 an ID that is not a parked row (the others are retried) or a database
// error, 2 usage.
#include <algorithm>
#include <cstdio>

#include "cli/commands.hpp"
#include "store/database.hpp"
#include "store/outbox_store.hpp"

namespace kassa::cli {

void add_outbox(CLI::App& app, const Context& context, int& status) {
  auto* outbox = app.add_subcommand(
      "outbox", "messages the relay could not publish because Kafka refused them for good");
  outbox->require_subcommand(1);

  auto* list = outbox->add_subcommand(
      "list", "parked outbox rows: id, topic, key, size, attempts, failed_at, error");
  list->callback([&context, &status] {
    const auto config = context.config();
    store::Database database(config.pg_dsn);
    const auto rows = store::list_parked(database.connection());
    std::printf("%-10s %-32s %-38s %10s %8s %-20s %s\n", "id", "topic", "key", "bytes", "attempts",
                "failed_at", "error");
    for (const auto& row : rows)
      std::printf("%-10lld %-32s %-38s %10lld %8d %-20s %s\n", static_cast<long long>(row.id),
                  row.topic.c_str(), row.key.c_str(), static_cast<long long>(row.size),
                  row.attempts, row.failed_at.c_str(), row.error.c_str());
    std::printf("%zu parked\n", rows.size());
    status = 0;
  });

  auto* retry = outbox->add_subcommand(
      "retry", "make parked rows wait again for the relay (after fixing what Kafka refused)");
  static std::vector<std::int64_t> ids;
  static bool all = false;
  retry->add_option("ID", ids, "outbox row ids, as `kassa outbox list` shows them");
  retry->add_flag("--all", all, "every parked row");
  retry->callback([&context, &status] {
    if (ids.empty() == !all)
      throw CLI::ValidationError("retry", "give the row ids or --all, not both or neither");
    const auto config = context.config();
    store::Database database(config.pg_dsn);
    const auto retried = store::retry_parked(database.connection(), ids, all);
    std::printf("%zu parked rows wait again:", retried.size());
    for (const auto id : retried) std::printf(" %lld", static_cast<long long>(id));
    std::printf("\n");
    std::fflush(stdout);
    status = 0;
    for (const auto id : ids) {
      if (std::find(retried.begin(), retried.end(), id) == retried.end()) {
        std::fprintf(stderr, "kassa outbox retry: %lld is not a parked outbox row\n",
                     static_cast<long long>(id));
        status = 1;
      }
    }
  });
}

}  // namespace kassa::cli
