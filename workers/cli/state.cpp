// `kassa state import FILE [--strict]`: loads Invoicebox's state export (NDJSON, one API v3 order
// object or guarantee-fund operation per line) into schema invoicebox, in one transaction. Bad
// lines are reported as FILE:LINE: reason on stderr and skipped (or, with --strict, abort the
// import).
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "contract/invoicebox_state.hpp"
#include "store/database.hpp"
#include "store/state_import.hpp"

namespace kassa::cli {
namespace {

constexpr std::int64_t kProgressLines = 100'000;
constexpr auto kProgressEvery = std::chrono::seconds(5);
constexpr std::int64_t kBadLinesShown = 100;

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

long long ll(std::int64_t v) {
  return static_cast<long long>(v);
}

int import_state(const app::Config& config, const std::string& file, bool strict) {
  std::ifstream file_stream;
  std::istream* in = &std::cin;
  if (file != "-") {
    file_stream.open(file, std::ios::binary);
    if (!file_stream) {
      std::fprintf(stderr, "kassa state import: cannot open %s: %s\n", file.c_str(),
                   std::strerror(errno));
      return 1;
    }
    in = &file_stream;
  }

  store::Database database(config.pg_dsn);
  {
    pqxx::read_transaction tx(database.connection());
    if (tx.exec1("SELECT to_regclass('invoicebox.orders') IS NULL")[0].as<bool>()) {
      std::fprintf(stderr,
                   "kassa state import: table invoicebox.orders does not exist; run `kassa "
                   "migrate` first\n");
      return 1;
    }
  }

  store::StateImport import(database.connection());
  std::int64_t lines = 0, bad = 0, blank_lines = 0;
  const auto started = std::chrono::steady_clock::now();
  auto last_progress = started;
  auto progress = [&](auto now) {
    const double seconds = std::chrono::duration<double>(now - started).count();
    std::fprintf(
        stderr,
        "kassa state import: %s: %lld lines, %lld objects staged, %lld bad (%.0f lines/s)\n",
        file.c_str(), ll(lines), ll(import.staged()), ll(bad),
        seconds > 0 ? static_cast<double>(lines) / seconds : 0.0);
    last_progress = now;
  };

  std::string line;
  while (std::getline(*in, line)) {
    ++lines;
    if (g_stop) {
      std::fprintf(stderr, "kassa state import: interrupted at line %lld; nothing loaded\n",
                   ll(lines));
      import.abandon();
      return 1;
    }
    if (!blank(line)) {
      auto parsed = contract::parse_state_line(line);
      if (const auto* error = std::get_if<contract::LineError>(&parsed)) {
        if (++bad <= kBadLinesShown)
          std::fprintf(stderr, "%s:%lld: %s\n", file.c_str(), ll(lines), error->reason.c_str());
      } else if (!(strict && bad > 0)) {  // with --strict, stop staging after the first bad line
        if (const auto* order = std::get_if<contract::InvoiceboxOrder>(&parsed))
          import.add(*order);
        else
          import.add(std::get<contract::FundOperation>(parsed));
      }
    } else {
      ++blank_lines;
    }
    if (lines % kProgressLines == 0) {
      progress(std::chrono::steady_clock::now());
    } else if (lines % 4096 == 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_progress >= kProgressEvery) progress(now);
    }
  }
  if (in->bad()) {
    std::fprintf(stderr, "kassa state import: error reading %s: %s; nothing loaded\n", file.c_str(),
                 std::strerror(errno));
    import.abandon();
    return 1;
  }
  if (bad > kBadLinesShown)
    std::fprintf(stderr, "%s: ... and %lld more bad lines\n", file.c_str(),
                 ll(bad - kBadLinesShown));

  if (strict && bad > 0) {
    import.abandon();
    std::printf(
        "kassa state import: %s: %lld lines read, %lld bad lines; nothing loaded (--strict)\n",
        file.c_str(), ll(lines), ll(bad));
    return 1;
  }
  const std::int64_t valid = import.staged();
  const auto result = import.commit();
  const std::int64_t repeated =
      valid - result.orders - result.refund_orders - result.fund_operations;
  std::printf(
      "kassa state import: %s: %lld lines read, %lld orders and %lld refund orders loaded "
      "(%lld new, %lld replaced), %lld guarantee-fund operations loaded (%lld new, %lld "
      "replaced), %lld bad lines skipped",
      file.c_str(), ll(lines), ll(result.orders), ll(result.refund_orders), ll(result.inserted),
      ll(result.replaced), ll(result.fund_operations), ll(result.fund_inserted),
      ll(result.fund_replaced), ll(bad));
  if (repeated > 0) std::printf(", %lld lines repeated an earlier id (the last won)", ll(repeated));
  if (blank_lines > 0) std::printf(", %lld blank lines ignored", ll(blank_lines));
  std::printf("\n");
  return 0;
}

}  // namespace

void add_state(CLI::App& app, const Context& context, int& status) {
  auto* state =
      app.add_subcommand("state", "Invoicebox's own view of its orders (schema invoicebox)");
  state->require_subcommand(1);
  auto* import = state->add_subcommand(
      "import",
      "load an Invoicebox API v3 export (NDJSON, one order, refund order or guarantee-fund "
      "operation per line) into invoicebox.orders and invoicebox.fund_operations, upserting by id; "
      "bad lines are reported as FILE:LINE: reason and "
      "skipped. Exit 0 when the import completed, 1 on I/O or database failure (nothing loaded)");
  static std::string file;
  static bool strict = false;
  import->add_option("FILE", file, "the export, NDJSON; - reads standard input")->required();
  import->add_flag("--strict", strict, "any bad line: load nothing and exit 1");
  import->callback([&context, &status] {
    const auto config = context.config();
  try {
    status = import_state(config, file, strict);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kassa state import: %s: %s; nothing loaded\n", file.c_str(), e.what());
    status = 1;
  }
});
}  // namespace kassa::cli

}  // namespace kassa::cli
