// `kassa receipts show ORDER_ID [--json]`: an order's receipts as a table, or their bodies.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/money.hpp"
#include "store/database.hpp"

namespace kassa::cli {
namespace {

// "vat122 1081.96, none 0.00": the rubles exactly as the receipt body has them.
std::string vat_summary(const nlohmann::json& vats) {
  std::string out;
  for (const auto& v : vats) {
    if (!out.empty()) out += ", ";
    // For display only: the shortest round-trip text of a two-decimal number, normalized.
    const auto kopecks = core::parse_rubles(v.at("sum").dump());
    out += v.at("type").get<std::string>() + " " +
           (kopecks ? core::format_rubles(*kopecks) : v.at("sum").dump());
  }
  return out;
}

}  // namespace

void add_receipts(CLI::App& app, const Context& context, int& status) {
  auto* receipts = app.add_subcommand("receipts", "fiscal receipts kassa has issued");
  receipts->require_subcommand(1);
  auto* show =
      receipts->add_subcommand("show", "an order's receipts: kind, date, lines, VAT, total");
  static std::string order_id;
  static bool as_json = false;
  show->add_option("ORDER_ID", order_id, "Invoicebox order id (UUID)")->required();
  show->add_flag("--json", as_json,
                 "print each receipt's body (the message published), one per line");
  show->callback([&context, &status] {
    const auto config = context.config();
    if (order_id.size() != 36 ||
        order_id.find_first_not_of("0123456789abcdefABCDEF-") != std::string::npos)
      throw CLI::ValidationError("ORDER_ID", "not a UUID: " + order_id);
    store::Database database(config.pg_dsn);
    pqxx::read_transaction tx(database.connection());
    const auto rows = tx.exec_params(
        "SELECT kind, issued_at, line_count, total, body FROM kassa.receipts WHERE order_id = "
        "$1::uuid "
        "ORDER BY issued_at, recorded_at, receipt_id",
        order_id);
    if (as_json) {
      for (const auto& row : rows) std::printf("%s\n", row[4].c_str());
      status = 0;
      return;
    }
    if (rows.empty()) {
      std::printf("no receipts for order %s\n", order_id.c_str());
      status = 0;
      return;
    }
    std::printf("%-11s %-20s %5s  %-36s %14s\n", "kind", "date (Moscow)", "lines", "VAT",
                "total, RUB");
    for (const auto& row : rows) {
      const auto body = nlohmann::json::parse(row[4].c_str());
      const auto& atol = body.at("atol");
      std::printf("%-11s %-20s %5d  %-36s %14s\n", row[0].c_str(),
                  atol.at("timestamp").get<std::string>().c_str(), row[2].as<int>(),
                  vat_summary(atol.at("receipt").at("vats")).c_str(),
                  core::format_rubles(row[3].as<core::Kopecks>()).c_str());
    }
    status = 0;
  });
}

}  // namespace kassa::cli
