// `kassa receipts show ORDER_ID [--json]`: an order's receipts as a table, or their bodies.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "contract/encoding.hpp"
#include "contract/schema.hpp"
#include "core/money.hpp"
#include "core/receipt.hpp"
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

// Kopecks of a rubles number in a parsed body. nlohmann keeps numbers as doubles; the shortest
// round-trip text of a two-decimal amount is exact, so this recovers the kopecks exactly.
std::optional<core::Kopecks> kopecks(const nlohmann::json& value) {
  return core::parse_rubles(value.dump());
}

// What a schema cannot say: the arithmetic of one receipt. Empty when it holds. Counts the items
// whose price × quantity was checked against their sum in `items`.
std::string arithmetic_problems(const std::string& receipt_id, const nlohmann::json& body,
                                std::int64_t& items) {
  const auto& atol = body.at("atol");
  const auto& receipt = atol.at("receipt");
  if (atol.at("external_id") != receipt_id || body.at("receipt_id") != receipt_id)
    return "external_id and receipt_id differ";
  core::Kopecks lines = 0, line_vat = 0;
  for (const auto& item : receipt.at("items")) {
    const auto sum = kopecks(item.at("sum")), price = kopecks(item.at("price"));
    const auto quantity = core::parse_quantity(item.at("quantity").dump());
    const auto vat = kopecks(item.at("vat").at("sum"));
    if (!sum || !price || !vat) return "money with more than two decimals";
    if (!quantity) return "quantity with more than three decimals";
    // ATOL's rule for every item (tag 1043 = 1079 × 1023, rounded half up to the kopeck).
    ++items;
    if (core::item_sum(*price, *quantity) != *sum)
      return "price " + core::format_rubles(*price) + " x quantity " +
             core::format_quantity(*quantity) + " rounds to " +
             core::format_rubles(core::item_sum(*price, *quantity)) + ", not the sum " +
             core::format_rubles(*sum) + ", for " + item.at("name").get<std::string>();
    const std::string type = item.at("vat").at("type");
    int percent = -1;
    for (int t = 0; t <= static_cast<int>(core::VatType::vat122); ++t)
      if (core::vat_type_name(static_cast<core::VatType>(t)) == type)
        percent = core::vat_percent(static_cast<core::VatType>(t));
    if (percent < 0) return "unknown vat type " + type;
    const core::Kopecks expected =
        percent == 0 ? 0 : core::mul_div_half_up(*sum, percent, 100 + percent);
    if (*vat != expected) return "VAT of a line is not sum x r / (100 + r) half up";
    lines += *sum;
    line_vat += *vat;
  }
  core::Kopecks vats = 0, payments = 0;
  for (const auto& v : receipt.at("vats")) vats += kopecks(v.at("sum")).value_or(-1);
  for (const auto& p : receipt.at("payments")) payments += kopecks(p.at("sum")).value_or(-1);
  if (kopecks(receipt.at("total")) != lines) return "total differs from the sum of the lines";
  if (payments != lines) return "payments differ from the total";
  if (vats != line_vat) return "vats differ from the lines' VAT";
  if (body.at("total").get<core::Kopecks>() != lines) return "envelope total differs";
  return "";
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
    if (!contract::is_uuid(order_id))
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

  auto* check = receipts->add_subcommand("check",
                                         "validate every stored receipt: schemas/receipt.v1.json "
                                         "and the arithmetic, price x quantity = sum on every "
                                         "item included (exit 1 on any failure)");
  check->callback([&context, &status] {
    const auto config = context.config();
    store::Database database(config.pg_dsn);
    contract::SchemaValidator schema("receipt.v1.json");
    std::int64_t checked = 0, failed = 0, items = 0;
    store::for_each_body(database.connection(), "kassa.receipts", "receipt_id", "true",
                         [&](const std::string& id, const char* text) {
                           ++checked;
                           std::string problem;
                           try {
                             const auto body = nlohmann::json::parse(text);
                             if (auto p = schema.problems(body))
                               problem = *p;
                             else
                               problem = arithmetic_problems(id, body, items);
                           } catch (const std::exception& e) {
                             problem = e.what();
                           }
                           if (!problem.empty() && ++failed <= 10)
                             std::fprintf(stderr, "receipt %s: %s\n", id.c_str(), problem.c_str());
                         });
    std::printf(
        "kassa receipts check: %lld receipts, %lld valid, %lld invalid; %lld items checked for "
        "price x quantity = sum\n",
        static_cast<long long>(checked), static_cast<long long>(checked - failed),
        static_cast<long long>(failed), static_cast<long long>(items));
    status = failed == 0 ? 0 : 1;
  });
}

}  // namespace kassa::cli
