#include "store/state_import.hpp"

#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace kassa::store {
namespace {

std::optional<std::string> time_text(const std::optional<core::UtcTime>& time) {
  return time ? std::optional<std::string>(core::format_utc(*time)) : std::nullopt;
}

}  // namespace

StateImport::StateImport(pqxx::connection& connection) : tx_(connection, "kassa state import") {
  // `seq` is the order of arrival, so the dedupe below keeps the last line of an id. `fund`
  // tells a guarantee-fund operation (partner_id .. type set) from an order (status set).
  tx_.exec(
      "CREATE TEMP TABLE invoicebox_orders_staging ("
      "  seq bigint NOT NULL, fund boolean NOT NULL, id uuid NOT NULL, merchant_id uuid,"
      "  merchant_order_id text, parent_id uuid, status text, amount bigint NOT NULL,"
      "  vat_amount bigint, currency text, customer_type text, created_at timestamptz,"
      "  paid_at timestamptz, partner_id uuid, partner_operation_id uuid, order_id uuid,"
      "  type text) ON COMMIT DROP");
  copy_ = std::make_unique<pqxx::stream_to>(
      tx_, "invoicebox_orders_staging",
      std::vector<std::string>{"seq", "fund", "id", "merchant_id", "merchant_order_id", "parent_id",
                               "status", "amount", "vat_amount", "currency", "customer_type",
                               "created_at", "paid_at", "partner_id", "partner_operation_id",
                               "order_id", "type"});
}

StateImport::~StateImport() {
  if (!done_) {
    try {
      abandon();
    } catch (const std::exception&) {
      // The transaction's destructor rolls back whatever is left.
    }
  }
}

void StateImport::add(const contract::InvoiceboxOrder& o) {
  ++staged_;
  const std::optional<std::string> none;
  *copy_ << std::make_tuple(staged_, false, o.id, o.merchant_id, o.merchant_order_id, o.parent_id,
                            std::optional<std::string>(o.status), o.amount, o.vat_amount,
                            std::optional<std::string>(o.currency), o.customer_type,
                            time_text(o.created_at), time_text(o.paid_at), none, none, none, none);
}

void StateImport::add(const contract::FundOperation& f) {
  ++staged_;
  const std::optional<std::string> none;
  const std::optional<core::Kopecks> no_vat;
  *copy_ << std::make_tuple(
      staged_, true, f.id, none, none, none, none, f.amount, no_vat, none, none,
      time_text(f.created_at), none, std::optional<std::string>(f.partner_id),
      std::optional<std::string>(f.partner_operation_id), std::optional<std::string>(f.order_id),
      std::optional<std::string>(f.type));
}

void StateImport::end_copy() {
  if (copy_) {
    auto copy = std::move(copy_);
    copy->complete();
  }
}

StateImportResult StateImport::commit() {
  end_copy();
  // DISTINCT ON keeps one row per id (ON CONFLICT DO UPDATE may not touch a row twice); xmax = 0
  // tells a fresh insert from an update.
  const auto row = tx_.exec1(
      "WITH staged AS ("
      "  SELECT DISTINCT ON (id) * FROM invoicebox_orders_staging WHERE NOT fund "
      "  ORDER BY id, seq DESC),"
      "upserted AS ("
      "  INSERT INTO invoicebox.orders AS o (id, merchant_id, merchant_order_id, parent_id, "
      "    status, amount, vat_amount, currency, customer_type, created_at, paid_at) "
      "  SELECT id, merchant_id, merchant_order_id, parent_id, status, amount, vat_amount, "
      "    currency, customer_type, created_at, paid_at FROM staged "
      "  ON CONFLICT (id) DO UPDATE SET merchant_id = EXCLUDED.merchant_id, "
      "    merchant_order_id = EXCLUDED.merchant_order_id, parent_id = EXCLUDED.parent_id, "
      "    status = EXCLUDED.status, amount = EXCLUDED.amount, "
      "    vat_amount = EXCLUDED.vat_amount, currency = EXCLUDED.currency, "
      "    customer_type = EXCLUDED.customer_type, created_at = EXCLUDED.created_at, "
      "    paid_at = EXCLUDED.paid_at, imported_at = now() "
      "  RETURNING o.parent_id IS NOT NULL AS refund, o.xmax = 0 AS inserted) "
      "SELECT count(*) FILTER (WHERE NOT refund), count(*) FILTER (WHERE refund), "
      "  count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted");
  StateImportResult result;
  result.orders = row[0].as<std::int64_t>();
  result.refund_orders = row[1].as<std::int64_t>();
  result.inserted = row[2].as<std::int64_t>();
  result.replaced = row[3].as<std::int64_t>();
  const auto funds = tx_.exec1(
      "WITH staged AS ("
      "  SELECT DISTINCT ON (id) * FROM invoicebox_orders_staging WHERE fund "
      "  ORDER BY id, seq DESC),"
      "upserted AS ("
      "  INSERT INTO invoicebox.fund_operations AS f (id, partner_id, partner_operation_id, "
      "    order_id, type, amount, created_at) "
      "  SELECT id, partner_id, partner_operation_id, order_id, type, amount, created_at "
      "  FROM staged "
      "  ON CONFLICT (id) DO UPDATE SET partner_id = EXCLUDED.partner_id, "
      "    partner_operation_id = EXCLUDED.partner_operation_id, order_id = EXCLUDED.order_id, "
      "    type = EXCLUDED.type, amount = EXCLUDED.amount, created_at = EXCLUDED.created_at, "
      "    imported_at = now() "
      "  RETURNING f.xmax = 0 AS inserted) "
      "SELECT count(*), count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
      "FROM upserted");
  result.fund_operations = funds[0].as<std::int64_t>();
  result.fund_inserted = funds[1].as<std::int64_t>();
  result.fund_replaced = funds[2].as<std::int64_t>();
  tx_.commit();
  done_ = true;
  return result;
}

void StateImport::abandon() {
  done_ = true;
  try {
    end_copy();
  } catch (const std::exception&) {
    // The COPY may already be broken; rolling back is all that is left to do.
  }
  tx_.abort();
}

}  // namespace kassa::store
