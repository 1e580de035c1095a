-- Views for finance dashboards (Grafana reads them through the PostgreSQL data source). Days are
-- Moscow dates (UTC+3, as receipts are), money is kopecks.

-- Per day: money paid, settled by shipments and refunded, and receipts issued per kind.
CREATE VIEW kassa.daily_totals AS
WITH money AS (
    SELECT (occurred_at AT TIME ZONE 'UTC' + interval '3 hours')::date AS day,
           coalesce(sum(amount) FILTER (WHERE kind = 'payment'), 0)  AS paid_kopecks,
           coalesce(sum(amount) FILTER (WHERE kind = 'shipment'), 0) AS shipped_kopecks,
           coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0)   AS refunded_kopecks,
           count(*) FILTER (WHERE kind = 'payment')                  AS payments
    FROM kassa.ledger GROUP BY 1
), receipts AS (
    SELECT (issued_at AT TIME ZONE 'UTC' + interval '3 hours')::date AS day,
           count(*) FILTER (WHERE kind = 'prepayment') AS prepayment_receipts,
           count(*) FILTER (WHERE kind = 'settlement') AS settlement_receipts,
           count(*) FILTER (WHERE kind = 'refund')     AS refund_receipts
    FROM kassa.receipts GROUP BY 1
)
SELECT day,
       coalesce(m.paid_kopecks, 0) AS paid_kopecks, coalesce(m.shipped_kopecks, 0) AS shipped_kopecks,
       coalesce(m.refunded_kopecks, 0) AS refunded_kopecks, coalesce(m.payments, 0) AS payments,
       coalesce(r.prepayment_receipts, 0) AS prepayment_receipts,
       coalesce(r.settlement_receipts, 0) AS settlement_receipts,
       coalesce(r.refund_receipts, 0) AS refund_receipts
FROM money m FULL JOIN receipts r USING (day);

-- Open reconciliation exceptions by kind and age (since first seen).
CREATE VIEW kassa.recon_exceptions_by_age AS
SELECT kind,
       CASE WHEN now() - first_seen_at < interval '1 day' THEN '0-1 days'
            WHEN now() - first_seen_at < interval '7 days' THEN '1-7 days'
            WHEN now() - first_seen_at < interval '30 days' THEN '7-30 days'
            ELSE 'over 30 days' END AS age,
       count(*) AS exceptions, sum(delta) AS delta_kopecks, min(first_seen_at) AS oldest_first_seen_at
FROM kassa.recon_exceptions WHERE resolved_at IS NULL
GROUP BY 1, 2;

-- Paid orders whose prepayment is not yet settled (not shipped and not refunded), with the open
-- amount per order from its state: Σ lines (total - shipped - refunded before shipping).
CREATE VIEW kassa.orders_awaiting_settlement AS
SELECT o.order_id, o.merchant_id, o.customer_type, o.paid_at, o.paid_amount,
       open.open_kopecks, now() - o.paid_at AS waiting
FROM kassa.orders o
CROSS JOIN LATERAL (
    SELECT coalesce(sum((l->>'total_amount')::bigint - (l->>'shipped_amount')::bigint
                        - (l->>'refunded_unshipped_amount')::bigint), 0) AS open_kopecks
    FROM jsonb_array_elements(o.state->'lines') AS l
) open
WHERE o.status = 'paid' AND open.open_kopecks > 0;

-- The same by age: how much prepayment has waited how long for its settlement.
CREATE VIEW kassa.awaiting_settlement_by_age AS
SELECT CASE WHEN waiting < interval '1 day' THEN '0-1 days'
            WHEN waiting < interval '7 days' THEN '1-7 days'
            WHEN waiting < interval '30 days' THEN '7-30 days'
            ELSE 'over 30 days' END AS age,
       count(*) AS orders, sum(open_kopecks) AS open_kopecks, min(paid_at) AS oldest_paid_at
FROM kassa.orders_awaiting_settlement
GROUP BY 1;
