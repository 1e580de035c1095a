// `kassa bench`: core (the pure part on one thread), recon (reconciliation time and memory) and
// ingest (cli/bench_ingest.cpp: the side-by-side table of raw COPY, naive, live and replay).
#include <algorithm>
#include <chrono>
#include <cstdio>

#include <sys/resource.h>

#include "app/clock.hpp"
#include "app/reconcile.hpp"
#include "cli/bench.hpp"
#include "cli/commands.hpp"
#include "contract/decode.hpp"
#include "gen/ingest_messages.hpp"
#include "ingest/memory_book.hpp"
#include "store/database.hpp"
#include "store/migrate.hpp"

namespace kassa::cli {

// `kassa bench core`: the pure part alone (decode and validate, apply), no Kafka, no database:
// what one core can do before any I/O, to compare with the full pipeline.
void add_bench_core(CLI::App& bench, int& status) {
  auto* core = bench.add_subcommand("core", "decode + apply in memory, no I/O (one thread)");
  static gen::Options options;
  options.orders = 20000;
  static std::size_t batch = 500;
  core->add_option("--orders", options.orders, "orders to generate")->capture_default_str();
  core->add_option("--batch", batch, "messages per batch")->capture_default_str();
  core->callback([&status] {
    const auto messages = gen::as_ingest_messages(gen::generate(options).messages);
    contract::Decoder decoder;
    ingest::MemoryBook book;
    double decode_seconds = 0, apply_seconds = 0;
    const ingest::Outputs topics;
    for (std::size_t start = 0; start < messages.size(); start += batch) {
      std::vector<ingest::Message> chunk(
          messages.begin() + static_cast<std::ptrdiff_t>(start),
          messages.begin() + static_cast<std::ptrdiff_t>(std::min(messages.size(), start + batch)));
      const auto t0 = std::chrono::steady_clock::now();
      const auto decoded = ingest::decode_batch(decoder, std::move(chunk));
      const auto t1 = std::chrono::steady_clock::now();
      book.apply(decoded, core::UtcTime{}, topics);
      const auto t2 = std::chrono::steady_clock::now();
      decode_seconds += std::chrono::duration<double>(t1 - t0).count();
      apply_seconds += std::chrono::duration<double>(t2 - t1).count();
    }
    const double n = static_cast<double>(messages.size());
    std::printf("kassa bench core: %zu messages (%d orders), batches of %zu, one thread\n",
                messages.size(), options.orders, batch);
    std::printf("  %-28s %8.3f s %12.0f msg/s\n", "decode + schema validation", decode_seconds,
                n / decode_seconds);
    std::printf("  %-28s %8.3f s %12.0f msg/s\n", "apply (state machine)", apply_seconds,
                n / apply_seconds);
    std::printf("  %-28s %8.3f s %12.0f msg/s\n", "both", decode_seconds + apply_seconds,
                n / (decode_seconds + apply_seconds));
    status = 0;
  });
}

// Peak resident memory of this process so far, in MiB.
double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// A book of `orders` orders on both sides, written set-based: every 997th order waits for its
// payment, every 5th buyer is legal, every 7th order has a refund; Invoicebox differs on every
// 1000th amount, misses every 1500th order and has every 3001st refund a kopeck short; every
// 2003rd private payment lacks its receipt.
void populate_book(pqxx::connection& connection, std::int64_t orders) {
  pqxx::work tx(connection);
  const std::string merchant = "00000000-0000-4000-8000-000000000001";
  tx.exec_params(
      "INSERT INTO kassa.orders (order_id, merchant_id, status, customer_type, paid_amount, "
      "shipped_amount, "
      "  refunded_amount, parked_count, oldest_parked_at, paid_at, state, version) "
      "SELECT md5('order' || i)::uuid, $2::uuid, CASE WHEN i % 997 = 0 THEN 'awaiting_payment' "
      "ELSE 'paid' END, "
      "  CASE WHEN i % 997 = 0 THEN NULL WHEN i % 5 = 0 THEN 'legal' ELSE 'private' END, "
      "  CASE WHEN i % 997 = 0 THEN 0 ELSE 10000 + i % 50000 END, 0, "
      "  CASE WHEN i % 997 <> 0 AND i % 7 = 0 THEN 500 ELSE 0 END, CASE WHEN i % 997 = 0 THEN 1 "
      "ELSE 0 END, "
      "  CASE WHEN i % 997 = 0 THEN timestamptz '2026-01-01 00:00Z' END, "
      "  CASE WHEN i % 997 = 0 THEN NULL ELSE timestamptz '2026-01-01 00:00Z' END, '{}', 1 "
      "FROM generate_series(1, $1::bigint) AS i",
      orders, merchant);
  tx.exec_params(
      "INSERT INTO kassa.ledger (event_id, order_id, merchant_id, kind, business_id, amount, "
      "occurred_at) "
      "SELECT md5('pay' || i)::uuid, md5('order' || i)::uuid, $2::uuid, 'payment', 'p' || i, 10000 "
      "+ i % 50000, "
      "  timestamptz '2026-01-01 00:00Z' FROM generate_series(1, $1::bigint) AS i WHERE i % 997 <> "
      "0",
      orders, merchant);
  tx.exec_params(
      "INSERT INTO kassa.receipts (receipt_id, order_id, merchant_id, source_event_id, kind, "
      "issued_at, total, "
      "  line_count, body) "
      "SELECT md5('receipt' || i)::uuid, md5('order' || i)::uuid, $2::uuid, md5('pay' || i)::uuid, "
      "'prepayment', "
      "  timestamptz '2026-01-01 00:00Z', 10000 + i % 50000, 1, '{}' "
      "FROM generate_series(1, $1::bigint) AS i WHERE i % 997 <> 0 AND i % 5 <> 0 AND i % 2003 <> "
      "0",
      orders, merchant);
  tx.exec_params(
      "INSERT INTO invoicebox.orders (id, merchant_id, status, amount, currency, customer_type) "
      "SELECT md5('order' || i)::uuid, $2::uuid, CASE WHEN i % 997 = 0 THEN 'created' ELSE "
      "'completed' END, "
      "  10000 + i % 50000 + CASE WHEN i % 1000 = 0 THEN 100 ELSE 0 END, 'RUB', "
      "  CASE WHEN i % 5 = 0 THEN 'legal' ELSE 'private' END "
      "FROM generate_series(1, $1::bigint) AS i WHERE i % 1500 <> 0",
      orders, merchant);
  tx.exec_params(
      "INSERT INTO invoicebox.orders (id, merchant_id, parent_id, status, amount, currency) "
      "SELECT md5('refund' || i)::uuid, $2::uuid, md5('order' || i)::uuid, 'completed', "
      "  CASE WHEN i % 3001 = 0 THEN 499 ELSE 500 END, 'RUB' "
      "FROM generate_series(1, $1::bigint) AS i WHERE i % 997 <> 0 AND i % 7 = 0",
      orders, merchant);
  tx.commit();
  pqxx::nontransaction analyze(connection);
  analyze.exec("VACUUM ANALYZE");
}

// `kassa bench recon`: run time and peak memory of a reconciliation over a generated book, at a
// tenth of the size and at full size, so that memory growth with the number of orders shows.
void add_bench_recon(CLI::App& bench, const Context& context, int& status) {
  auto* recon =
      bench.add_subcommand("recon", "reconciliation run time and peak RSS (scratch database)");
  static std::int64_t orders = 1'000'000;
  recon->add_option("--orders", orders, "orders in the book (a run at a tenth comes first)")
      ->capture_default_str();
  recon->callback([&context, &status] {
    const auto base = context.config();
    std::printf("kassa bench recon: scratch database kassa_bench_recon\n");
    std::printf("%10s %12s %12s %12s %14s\n", "orders", "populate s", "reconcile s", "exceptions",
                "peak RSS MiB");
    for (const std::int64_t size : {orders / 10, orders}) {
      store::recreate_database(base.pg_dsn, "kassa_bench_recon");
      app::Config config = base;
      config.pg_dsn = store::dsn_with_database(base.pg_dsn, "kassa_bench_recon");
      store::Database database(config.pg_dsn);
      store::migrate(database.connection());
      const auto started = std::chrono::steady_clock::now();
      populate_book(database.connection(), size);
      const double populate =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      app::ReconOptions options;
      options.as_of = *core::parse_utc("2027-01-01T00:00:00Z");
      const auto summary = app::reconcile(config, options);
      std::printf("%10lld %12.1f %12.2f %12lld %14.1f\n", static_cast<long long>(summary.orders),
                  populate, summary.seconds, static_cast<long long>(summary.exceptions),
                  peak_rss_mib());
      std::fflush(stdout);
      if (g_stop) break;
    }
    status = 0;
  });
}

void add_bench(CLI::App& app, const Context& context, int& status) {
  auto* bench = app.add_subcommand("bench", "measure throughput and latency, printing figures");
  bench->require_subcommand(1);
  add_bench_core(*bench, status);
  add_bench_recon(*bench, context, status);
  bench::add_bench_ingest(*bench, context, status);
  bench::add_bench_child(*bench, context, status);
}

}  // namespace kassa::cli
