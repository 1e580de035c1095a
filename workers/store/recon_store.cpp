#include "store/recon_store.hpp"

#include <nlohmann/json.hpp>

namespace kassa::store {
namespace {

constexpr std::int64_t kReconLock = 0x6b61737361'0003;

// Per order: kassa's payment (when, how, through which partner), refunds, buyer and waiting events;
// the receipts it owes and issued; Invoicebox's order and its completed refund orders; the payouts
// that name it and kassa's ledger as of the latest of them; Invoicebox's guarantee-fund
// operations. FULL JOIN: an order any side knows (payouts and fund operations may name orders
// nobody else does). Payouts and fund operations are aggregated once per order (GROUP BY), and
// only orders with payouts join the ledger again for its state as of their last payout.
constexpr const char* kFactsQuery = R"sql(
WITH booked AS (
  SELECT l.order_id,
         count(*) FILTER (WHERE o.customer_type = 'private') AS owed,
         count(*) FILTER (WHERE o.customer_type = 'legal' AND l.kind <> 'payment') AS packages_owed
  FROM kassa.ledger l JOIN kassa.orders o USING (order_id)
  GROUP BY l.order_id
), paid AS (
  -- When each payment was made, for not_paid_out: only once kassa records payouts at all.
  -- (kassa refuses a second payment of an order, so a payment row is the order's one.)
  SELECT order_id, occurred_at FROM kassa.ledger
  WHERE kind = 'payment' AND EXISTS (SELECT 1 FROM kassa.payouts)
), method AS (
  -- Payments not by card (NULL is card too): few rows to join, and a fund's partner.
  SELECT order_id, payment_method,
         CASE WHEN payment_method = 'guarantee_fund' THEN partner_id::text END AS partner_id
  FROM kassa.ledger WHERE kind = 'payment' AND payment_method <> 'card'
), issued AS (
  SELECT order_id, count(DISTINCT source_event_id) AS issued FROM kassa.receipts GROUP BY order_id
), packaged AS (
  SELECT order_id, count(*) AS issued FROM kassa.packages GROUP BY order_id
), unregistered AS (
  -- Only once a gateway works on this database (kassa gateway): without one, kassa cannot know.
  SELECT r.order_id, count(*) AS n,
         to_char(min(r.issued_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS oldest
  FROM kassa.receipts r
  WHERE EXISTS (SELECT 1 FROM kassa.registrations WHERE attempts > 0)
    AND NOT EXISTS (SELECT 1 FROM kassa.registrations g
                    WHERE g.receipt_id = r.receipt_id AND g.status = 'done')
  GROUP BY r.order_id
), ib AS (
  SELECT id AS order_id, status, amount, customer_type FROM invoicebox.orders WHERE parent_id IS NULL
), ib_refunds AS (
  SELECT parent_id AS order_id, sum(amount) AS refunded
  FROM invoicebox.orders WHERE parent_id IS NOT NULL AND status = 'completed'
  GROUP BY parent_id
), po AS (
  SELECT o.order_id, count(*) AS lines, count(*) FILTER (WHERE o.paid > 0) AS lines_paid,
         sum(o.paid) AS paid, sum(o.refunded) AS refunded, max(p.occurred_at) AS last_at,
         (array_agg(p.payout_id ORDER BY p.occurred_at DESC, p.payout_id DESC))[1] AS last_id
  FROM kassa.payout_orders o JOIN kassa.payouts p USING (merchant_id, payout_id)
  GROUP BY o.order_id
), po_ledger AS (
  SELECT po.order_id,
         coalesce(sum(l.amount) FILTER (WHERE l.kind = 'payment'), 0) AS paid,
         coalesce(sum(l.amount) FILTER (WHERE l.kind = 'refund'), 0) AS refunded
  FROM po JOIN kassa.ledger l ON l.order_id = po.order_id AND l.occurred_at <= po.last_at
  GROUP BY po.order_id
), fund AS (
  SELECT order_id, count(*) AS ops,
         coalesce(sum(amount) FILTER (WHERE type = 'debit'), 0) AS debits,
         coalesce(sum(amount) FILTER (WHERE type = 'credit'), 0) AS credits,
         min(partner_id::text) AS partner_id
  FROM invoicebox.fund_operations GROUP BY order_id
)
SELECT coalesce(k.order_id, ib.order_id, po.order_id, fund.order_id)::text,
       coalesce(k.status = 'paid', false), coalesce(k.paid_amount, 0), coalesce(k.refunded_amount, 0),
       k.customer_type, coalesce(k.parked_count, 0),
       to_char(k.oldest_parked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       coalesce(b.owed, 0), coalesce(issued.issued, 0),
       ib.order_id IS NOT NULL, coalesce(ib.status, ''), coalesce(ib.amount, 0), coalesce(r.refunded, 0),
       ib.customer_type, coalesce(b.packages_owed, 0), coalesce(packaged.issued, 0),
       coalesce(u.n, 0), u.oldest,
       to_char(paid.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       coalesce(m.payment_method, ''), coalesce(m.partner_id, ''),
       coalesce(k.waiting_merchant_id::text, ''),
       coalesce(po.lines, 0), coalesce(po.lines_paid, 0), coalesce(po.paid, 0),
       coalesce(po.refunded, 0),
       to_char(po.last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       coalesce(po.last_id, ''), coalesce(pl.paid, 0), coalesce(pl.refunded, 0),
       coalesce(fund.ops, 0), coalesce(fund.debits, 0), coalesce(fund.credits, 0),
       coalesce(fund.partner_id, '')
FROM kassa.orders k
FULL JOIN ib ON ib.order_id = k.order_id
FULL JOIN po ON po.order_id = coalesce(k.order_id, ib.order_id)
FULL JOIN fund ON fund.order_id = coalesce(k.order_id, ib.order_id, po.order_id)
LEFT JOIN ib_refunds r ON r.order_id = coalesce(k.order_id, ib.order_id)
LEFT JOIN booked b ON b.order_id = k.order_id
LEFT JOIN paid ON paid.order_id = k.order_id
LEFT JOIN method m ON m.order_id = k.order_id
LEFT JOIN issued ON issued.order_id = k.order_id
LEFT JOIN packaged ON packaged.order_id = k.order_id
LEFT JOIN unregistered u ON u.order_id = k.order_id
LEFT JOIN po_ledger pl ON pl.order_id = po.order_id
)sql";

std::optional<core::CustomerType> customer(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return std::string(field.c_str()) == "legal" ? core::CustomerType::legal
                                               : core::CustomerType::private_person;
}

}  // namespace

ReconLock::ReconLock(const std::string& dsn) : connection_(dsn) {
  pqxx::nontransaction tx(connection_);
  acquired_ = tx.exec_params1("SELECT pg_try_advisory_lock($1)", kReconLock)[0].as<bool>();
}

std::int64_t stream_facts(pqxx::connection& connection,
                          const std::function<void(const core::ReconFacts&)>& each) {
  pqxx::work tx(connection);
  // Whether the payouts topic and the fund export feed this database at all (see ReconFacts).
  const auto fed = tx.exec1(
      "SELECT EXISTS (SELECT 1 FROM kassa.payouts), "
      "EXISTS (SELECT 1 FROM invoicebox.fund_operations)");
  const bool payouts_recorded = fed[0].as<bool>();
  const bool funds_imported = fed[1].as<bool>();
  tx.exec(std::string("DECLARE recon_facts NO SCROLL CURSOR FOR ") + kFactsQuery);
  std::int64_t orders = 0;
  for (;;) {
    const auto rows = tx.exec("FETCH FORWARD 20000 FROM recon_facts");
    if (rows.empty()) break;
    for (const auto& row : rows) {
      core::ReconFacts f;
      f.order_id = row[0].c_str();
      f.kassa_paid = row[1].as<bool>();
      f.kassa_amount = row[2].as<core::Kopecks>();
      f.kassa_refunded = row[3].as<core::Kopecks>();
      f.kassa_customer = customer(row[4]);
      f.waiting_events = row[5].as<std::int64_t>();
      if (!row[6].is_null()) f.waiting_since = core::parse_utc(row[6].c_str());
      f.receipts_owed = row[7].as<std::int64_t>();
      f.receipts_issued = row[8].as<std::int64_t>();
      f.invoicebox_known = row[9].as<bool>();
      f.invoicebox_status = row[10].c_str();
      f.invoicebox_amount = row[11].as<core::Kopecks>();
      f.invoicebox_refunded = row[12].as<core::Kopecks>();
      f.invoicebox_customer = customer(row[13]);
      f.packages_owed = row[14].as<std::int64_t>();
      f.packages_issued = row[15].as<std::int64_t>();
      f.receipts_unregistered = row[16].as<std::int64_t>();
      if (!row[17].is_null()) f.oldest_unregistered = core::parse_utc(row[17].c_str());
      if (!row[18].is_null()) f.paid_at = core::parse_utc(row[18].c_str());
      f.payment_method = row[19].c_str();
      f.partner_id = row[20].c_str();
      f.waiting_merchant_id = row[21].c_str();
      f.payouts_recorded = payouts_recorded;
      f.payout_lines = row[22].as<std::int64_t>();
      f.payout_lines_paid = row[23].as<std::int64_t>();
      f.payout_paid = row[24].as<core::Kopecks>();
      f.payout_refunded = row[25].as<core::Kopecks>();
      if (!row[26].is_null()) f.last_payout_at = core::parse_utc(row[26].c_str());
      f.last_payout_id = row[27].c_str();
      f.paid_as_of_payout = row[28].as<core::Kopecks>();
      f.refunded_as_of_payout = row[29].as<core::Kopecks>();
      f.funds_imported = funds_imported;
      f.fund_operations = row[30].as<std::int64_t>();
      f.fund_debits = row[31].as<core::Kopecks>();
      f.fund_credits = row[32].as<core::Kopecks>();
      f.fund_partner_id = row[33].c_str();
      each(f);
      ++orders;
    }
  }
  tx.exec("CLOSE recon_facts");
  tx.commit();
  return orders;
}

std::int64_t start_run(pqxx::connection& connection, core::UtcTime as_of, bool dry_run) {
  pqxx::work tx(connection);
  const auto id =
      tx.exec_params1(
            "INSERT INTO kassa.recon_runs (as_of, dry_run) VALUES ($1, $2) RETURNING run_id",
            core::format_utc(as_of), dry_run)[0]
          .as<std::int64_t>();
  tx.commit();
  return id;
}

bool may_record_runs(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  return tx.exec1("SELECT has_table_privilege('kassa.recon_runs', 'INSERT')")[0].as<bool>();
}

void record_findings(pqxx::connection& connection, std::int64_t run_id,
                     const std::vector<Finding>& findings) {
  pqxx::work tx(connection);
  tx.exec(
      "CREATE TEMPORARY TABLE recon_found (order_id uuid, kind text, kassa_amount bigint, "
      "invoicebox_amount bigint, "
      "delta bigint, detail text) ON COMMIT DROP");
  {
    pqxx::stream_to copy(tx, "recon_found",
                         std::vector<std::string>{"order_id", "kind", "kassa_amount",
                                                  "invoicebox_amount", "delta", "detail"});
    for (const auto& f : findings)
      copy << std::make_tuple(f.order_id, std::string(core::recon_kind_name(f.exception.kind)),
                              f.exception.kassa_amount, f.exception.invoicebox_amount,
                              f.exception.delta, f.exception.detail);
    copy.complete();
  }
  tx.exec_params(
      "INSERT INTO kassa.recon_exceptions AS e (order_id, kind, kassa_amount, invoicebox_amount, "
      "delta, detail, "
      "  run_id, first_seen_run, first_seen_at, last_seen_at) "
      "SELECT order_id, kind, kassa_amount, invoicebox_amount, delta, detail, $1, $1, now(), now() "
      "FROM recon_found "
      "ON CONFLICT (order_id, kind) DO UPDATE SET kassa_amount = EXCLUDED.kassa_amount, "
      "  invoicebox_amount = EXCLUDED.invoicebox_amount, delta = EXCLUDED.delta, detail = "
      "EXCLUDED.detail, "
      "  run_id = $1, last_seen_at = now(), "
      "  first_seen_run = CASE WHEN e.resolved_at IS NULL THEN e.first_seen_run ELSE $1 END, "
      "  first_seen_at = CASE WHEN e.resolved_at IS NULL THEN e.first_seen_at ELSE now() END, "
      "  resolved_run = NULL, resolved_at = NULL",
      run_id);
  tx.exec_params(
      "UPDATE kassa.recon_exceptions e SET resolved_run = $1, resolved_at = now() "
      "WHERE e.resolved_at IS NULL AND NOT EXISTS "
      "(SELECT 1 FROM recon_found f WHERE f.order_id = e.order_id AND f.kind = e.kind)",
      run_id);
  tx.commit();
}

void finish_run(pqxx::connection& connection, std::int64_t run_id, std::int64_t orders,
                const std::string& counts_json, bool ok) {
  pqxx::work tx(connection);
  tx.exec_params(
      "UPDATE kassa.recon_runs SET finished_at = now(), status = $2, orders_checked = $3, counts = "
      "$4::jsonb "
      "WHERE run_id = $1",
      run_id, ok ? "completed" : "failed", orders, counts_json);
  tx.commit();
}

OperationsSnapshot operations_snapshot(pqxx::connection& connection) {
  pqxx::read_transaction tx(connection);
  OperationsSnapshot out;
  const auto parked = tx.exec1(
      "SELECT coalesce(sum(parked_count), 0)::bigint, "
      "  coalesce(extract(epoch FROM now() - min(oldest_parked_at)), 0)::float8 "
      "FROM kassa.orders WHERE parked_count > 0");
  out.parked_events = parked[0].as<std::int64_t>();
  out.oldest_parked_age_seconds = parked[1].as<double>();
  const auto last = tx.exec1(
      "SELECT extract(epoch FROM max(finished_at))::float8 FROM kassa.recon_runs "
      "WHERE status = 'completed' AND NOT dry_run");
  if (!last[0].is_null()) out.last_reconciliation_unix = last[0].as<double>();
  for (const auto& row :
       tx.exec("SELECT kind, count(*), extract(epoch FROM now() - min(first_seen_at))::float8 "
               "FROM kassa.recon_exceptions WHERE resolved_at IS NULL GROUP BY kind"))
    out.open_exceptions[row[0].as<std::string>()] = {row[1].as<std::int64_t>(),
                                                     row[2].as<double>()};
  return out;
}

}  // namespace kassa::store
