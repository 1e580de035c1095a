// `kassa receipts show ORDER_ID [--json]`: an order's receipts as a table with their registration
// (status, fiscal attributes or the API's error), or their bodies.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/clock.hpp"
#include "cli/commands.hpp"
#include "contract/encoding.hpp"
#include "contract/schema.hpp"
#include "core/money.hpp"
#include "core/receipt.hpp"
#include "store/database.hpp"
#include "store/registration_store.hpp"

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
        "SELECT r.kind, r.issued_at, r.line_count, r.total, r.body, coalesce(g.status, 'none'),"
        "  g.fiscal_document_number, g.fiscal_document_attribute, g.fn_number, g.shift_number,"
        "  g.registered_at_text, g.ofd_receipt_url, g.error_code, g.error_text, g.uuid,"
        "  r.receipt_id::text "
        "FROM kassa.receipts r "
        "LEFT JOIN kassa.registrations g ON g.external_id = r.receipt_id "
        "WHERE r.order_id = $1::uuid "
        "ORDER BY r.issued_at, r.recorded_at, r.receipt_id",
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
    std::printf("%-11s %-20s %5s  %-36s %14s  %s\n", "kind", "date (Moscow)", "lines", "VAT",
                "total, RUB", "registration");
    for (const auto& row : rows) {
      const auto body = nlohmann::json::parse(row[4].c_str());
      const auto& atol = body.at("atol");
      const std::string registration = row[5].as<std::string>();
      std::printf("%-11s %-20s %5d  %-36s %14s  %s\n", row[0].c_str(),
                  atol.at("timestamp").get<std::string>().c_str(), row[2].as<int>(),
                  vat_summary(atol.at("receipt").at("vats")).c_str(),
                  core::format_rubles(row[3].as<core::Kopecks>()).c_str(), registration.c_str());
      std::printf("  receipt %s\n", row[15].c_str());
      // The fiscal attributes a buyer or an inspector checks the receipt by (tags 1040, 1077,
      // 1041, 1038), and where the operator of fiscal data shows it.
      if (registration == "done")
        std::printf(
            "  fiscal document %s, fiscal sign %s, fiscal drive %s, shift %s, "
            "registered %s\n  %s\n",
            row[6].c_str(), row[7].c_str(), row[8].c_str(), row[9].c_str(), row[10].c_str(),
            row[11].c_str());
      else if (registration == "fail")
        std::printf("  not registered: code %s, %s (kassa receipts correct %s)\n",
                    row[12].is_null() ? "none" : row[12].c_str(), row[13].c_str(), row[15].c_str());
      else if (registration == "wait") {
        std::string state =
            row[14].is_null() ? "not yet accepted" : std::string("accepted as ") + row[14].c_str();
        if (!row[13].is_null()) state += std::string("; last error: ") + row[13].c_str();
        std::printf("  %s\n", state.c_str());
      }
    }
    status = 0;
  });

  auto* correct = receipts->add_subcommand(
      "correct",
      "queue the correction receipts a receipt needs (fiscal-54fz.md section 7) for `kassa "
      "gateway`: for a registration that failed, a correction with the missed settlement's data; "
      "for one registered with wrong data (--with FILE), the reverse correction repeating it and "
      "then a correction with the right data. Exactly once: running it again changes nothing");
  static std::string correct_id;
  static std::string right_data;
  correct->add_option("RECEIPT_ID", correct_id, "the receipt's id (UUID), as receipts show prints")
      ->required();
  correct->add_option("--with", right_data,
                      "a registered receipt only: a file with the right ATOL `receipt` object "
                      "(JSON); it keeps the original period's VAT rates");
  correct->callback([&context, &status] {
    const auto config = context.config();
    if (!contract::is_uuid(correct_id))
      throw CLI::ValidationError("RECEIPT_ID", "not a UUID: " + correct_id);
    store::Database database(config.pg_dsn);
    const auto receipt = store::load_receipt_registration(database.connection(), correct_id);
    if (!receipt) {
      std::fprintf(stderr, "kassa receipts correct: no receipt %s\n", correct_id.c_str());
      status = 1;
      return;
    }
    const auto settled_at = core::parse_utc(receipt->issued_at);
    if (!settled_at) throw std::runtime_error("unreadable issued_at " + receipt->issued_at);
    const auto now = app::utc_now();
    std::vector<contract::CorrectionRequest> requests;
    if (receipt->status == "fail") {
      if (!right_data.empty())
        throw CLI::ValidationError("--with",
                                   "the receipt was never registered: its own data are corrected");
      requests.push_back(contract::correction_request(
          receipt->receipt_id, contract::CorrectionStep::correction, receipt->operation,
          receipt->receipt_object, receipt->service_object, *settled_at, now));
    } else if (receipt->status == "done") {
      if (right_data.empty())
        throw CLI::ValidationError("--with",
                                   "the receipt is registered: give the right data, --with FILE");
      std::ifstream in(right_data, std::ios::binary);
      if (!in) throw CLI::ValidationError("--with", "cannot read " + right_data);
      std::ostringstream text;
      text << in.rdbuf();
      try {
        if (const auto problem = contract::vat_period_problem(text.str(), *settled_at);
            !problem.empty())
          throw CLI::ValidationError("--with", problem);
      } catch (const std::invalid_argument& e) {
        throw CLI::ValidationError("--with", e.what());
      }
      requests.push_back(contract::correction_request(
          receipt->receipt_id, contract::CorrectionStep::reverse, receipt->operation,
          receipt->receipt_object, receipt->service_object, *settled_at, now));
      requests.push_back(contract::correction_request(
          receipt->receipt_id, contract::CorrectionStep::corrected, receipt->operation, text.str(),
          receipt->service_object, *settled_at, now));
    } else {
      std::fprintf(stderr,
                   "kassa receipts correct: receipt %s is still being registered (status wait); "
                   "only a failed or a registered receipt is corrected\n",
                   correct_id.c_str());
      status = 1;
      return;
    }
    const auto queued =
        store::queue_corrections(database.connection(), receipt->receipt_id, requests);
    for (std::size_t i = 0; i < requests.size(); ++i)
      std::printf("%s %s %s (%s)%s\n", queued[i].queued_now ? "queued" : "already queued",
                  requests[i].operation.c_str(), requests[i].external_id.c_str(),
                  queued[i].status.c_str(), i > 0 ? ", sent once the one above is done" : "");
    std::printf("receipt %s: `kassa gateway` registers %s\n", receipt->receipt_id.c_str(),
                requests.size() == 1 ? "it" : "them in this order");
    std::fflush(stdout);
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
