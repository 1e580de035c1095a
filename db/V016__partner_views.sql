-- Finance views of the partner flows (contract section 6): payouts to shops, money paid but not
-- yet paid out, and guarantee-fund operations against the payments they confirmed. Days are
-- Moscow dates, money is kopecks. Grants come from V011's default privileges.

-- Per Moscow day of the payout, merchant and partner: payouts, the order lines they carry (an
-- order in two payouts counts twice), and their money (amount = paid - refunded - commission).
CREATE VIEW kassa.payouts_daily AS
WITH lines AS (
    SELECT merchant_id, payout_id, count(*) AS orders, sum(paid) AS paid,
           sum(refunded) AS refunded, sum(commission) AS commission
    FROM kassa.payout_orders
    GROUP BY merchant_id, payout_id
)
SELECT (p.occurred_at AT TIME ZONE 'UTC' + interval '3 hours')::date AS day, p.merchant_id,
       p.partner_id, count(*) AS payouts, sum(l.orders) AS orders, sum(p.amount) AS amount_kopecks,
       sum(l.paid) AS paid_kopecks, sum(l.refunded) AS refunded_kopecks,
       sum(l.commission) AS commission_kopecks
FROM kassa.payouts p
JOIN lines l USING (merchant_id, payout_id)
GROUP BY 1, 2, 3;

-- Money paid but not paid out yet: orders with an applied payment and something left after
-- refunds that no payout names, by merchant, the payment's partner and the payment's age now.
-- Reconciliation reports such an order as not_paid_out once KASSA_PAYOUT_GRACE has passed.
CREATE VIEW kassa.not_paid_out_ageing AS
SELECT o.merchant_id, l.partner_id,
       CASE WHEN now() - l.occurred_at < interval '1 day' THEN '0-1d'
            WHEN now() - l.occurred_at < interval '3 days' THEN '1-3d'
            WHEN now() - l.occurred_at < interval '7 days' THEN '3-7d'
            ELSE '7d+' END AS age,
       count(*) AS orders, sum(o.paid_amount - o.refunded_amount) AS net_kopecks,
       min(l.occurred_at) AS oldest_paid_at
FROM kassa.orders o
JOIN kassa.ledger l ON l.order_id = o.order_id AND l.kind = 'payment'
WHERE o.status = 'paid' AND o.paid_amount > o.refunded_amount
  AND NOT EXISTS (SELECT 1 FROM kassa.payout_orders p WHERE p.order_id = o.order_id)
GROUP BY 1, 2, 3;

-- Per partner, side by side: kassa's guarantee-fund payments and their refunds (kassa.ledger),
-- and Invoicebox's fund debits and credits (invoicebox.fund_operations). delta_kopecks is kassa's
-- net minus the fund's net, as in reconciliation; fund_mismatch names the orders behind it.
CREATE VIEW kassa.fund_operations_by_partner AS
WITH payments AS (
    SELECT partner_id, count(*) AS payments, sum(amount) AS paid_kopecks
    FROM kassa.ledger
    WHERE kind = 'payment' AND payment_method = 'guarantee_fund'
    GROUP BY partner_id
), refunds AS (
    SELECT p.partner_id, count(*) AS refunds, sum(r.amount) AS refunded_kopecks
    FROM kassa.ledger p
    JOIN kassa.ledger r ON r.order_id = p.order_id AND r.kind = 'refund'
    WHERE p.kind = 'payment' AND p.payment_method = 'guarantee_fund'
    GROUP BY p.partner_id
), fund AS (
    SELECT partner_id,
           count(*) FILTER (WHERE type = 'debit') AS debits,
           coalesce(sum(amount) FILTER (WHERE type = 'debit'), 0) AS debited_kopecks,
           count(*) FILTER (WHERE type = 'credit') AS credits,
           coalesce(sum(amount) FILTER (WHERE type = 'credit'), 0) AS credited_kopecks
    FROM invoicebox.fund_operations
    GROUP BY partner_id
)
SELECT coalesce(p.partner_id, f.partner_id) AS partner_id,
       coalesce(p.payments, 0) AS payments, coalesce(p.paid_kopecks, 0) AS paid_kopecks,
       coalesce(r.refunds, 0) AS refunds, coalesce(r.refunded_kopecks, 0) AS refunded_kopecks,
       coalesce(f.debits, 0) AS debits, coalesce(f.debited_kopecks, 0) AS debited_kopecks,
       coalesce(f.credits, 0) AS credits, coalesce(f.credited_kopecks, 0) AS credited_kopecks,
       coalesce(p.paid_kopecks, 0) - coalesce(r.refunded_kopecks, 0)
           - coalesce(f.debited_kopecks, 0) + coalesce(f.credited_kopecks, 0) AS delta_kopecks
FROM payments p
FULL JOIN fund f ON f.partner_id = p.partner_id
LEFT JOIN refunds r ON r.partner_id = p.partner_id;
