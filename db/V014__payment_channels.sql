-- Channels and payment methods (contract section 6): how an order reached Invoicebox and how the
-- buyer paid, stored with the payment's ledger row (NULL for shipments and refunds, and for
-- payments applied before this migration, which the contract's defaults describe).
ALTER TABLE kassa.ledger
    ADD COLUMN channel text
        CHECK (channel IN ('merchant_api', 'partner_api', 'business_api', 'marketplace')),
    ADD COLUMN payment_method text
        CHECK (payment_method IN ('card', 'sbp', 'bank_transfer', 'guarantee_fund',
                                  'promised_payment', 'other')),
    ADD COLUMN partner_id uuid,
    ADD COLUMN partner_operation_id uuid,
    ADD CONSTRAINT ledger_channel_only_on_payments
        CHECK (kind = 'payment' OR (channel IS NULL AND payment_method IS NULL
                                    AND partner_id IS NULL AND partner_operation_id IS NULL));

-- Per Moscow day: payments and money by channel and payment method (finance dashboard).
CREATE VIEW kassa.daily_payments_by_channel AS
SELECT (occurred_at AT TIME ZONE 'UTC' + interval '3 hours')::date AS day,
       coalesce(channel, 'merchant_api') AS channel, coalesce(payment_method, 'card') AS payment_method,
       count(*) AS payments, sum(amount) AS paid_kopecks
FROM kassa.ledger
WHERE kind = 'payment'
GROUP BY 1, 2, 3;
