-- Partner flows (contract section 6): merchants as a versioned table, payouts to shops and
-- Invoicebox's guarantee-fund operations, and the reconciliation kinds that compare them.

-- Every merchant event (invoicebox.merchants.v1), one row each: the requisites a receipt or
-- document uses are those of the merchant's latest version whose occurred_at is not after the
-- order event's. Every worker reads the whole topic and writes here; the event_id makes a second
-- write of the same event a no-op. Rows of kassa.merchants (typed in by hand) count as versions
-- at the beginning of time.
CREATE TABLE kassa.merchant_versions (
    merchant_id        uuid NOT NULL,
    occurred_at        timestamptz NOT NULL,
    event_id           uuid NOT NULL UNIQUE,
    event_type         text NOT NULL CHECK (event_type IN ('merchant.activated', 'merchant.updated')),
    partner_id         uuid,                                  -- the partner that onboarded it
    name               text NOT NULL,
    inn                text NOT NULL CHECK (inn ~ '^([0-9]{10}|[0-9]{12})$'),
    kpp                text CHECK (kpp ~ '^[0-9]{9}$'),
    phones             text[] NOT NULL,
    email              text NOT NULL,
    site_url           text NOT NULL,
    edo_participant_id text,
    source_partition   integer NOT NULL,
    source_offset      bigint NOT NULL,
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (merchant_id, occurred_at, event_id)
);

-- An order whose events wait for their merchant's first event (KASSA_UNKNOWN_MERCHANT=wait):
-- the merchant's arrival releases them; reconciliation reports unknown_merchant past the grace.
ALTER TABLE kassa.orders ADD COLUMN waiting_merchant_id uuid;
CREATE INDEX orders_waiting_merchant ON kassa.orders (waiting_merchant_id)
    WHERE waiting_merchant_id IS NOT NULL;

-- Payouts to shops (invoicebox.payouts.v1), recorded exactly once: a payout_id is unique per
-- merchant, and the event_id too.
CREATE TABLE kassa.payouts (
    merchant_id      uuid NOT NULL,
    payout_id        text NOT NULL,
    event_id         uuid NOT NULL UNIQUE,
    partner_id       uuid,
    amount           bigint NOT NULL CHECK (amount >= 0),     -- kopecks, the sum of the orders' net
    occurred_at      timestamptz NOT NULL,                    -- when the money left
    order_count      integer NOT NULL CHECK (order_count BETWEEN 1 AND 10000),
    source_topic     text NOT NULL,
    source_partition integer NOT NULL,
    source_offset    bigint NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (merchant_id, payout_id)
);
CREATE INDEX payouts_occurred ON kassa.payouts (occurred_at);

-- What each payout paid for each order (kopecks; net = paid - refunded - commission). An order
-- may come again in a later payout, with its adjustments.
CREATE TABLE kassa.payout_orders (
    merchant_id uuid NOT NULL,
    payout_id   text NOT NULL,
    order_id    uuid NOT NULL,
    paid        bigint NOT NULL CHECK (paid >= 0),
    refunded    bigint NOT NULL CHECK (refunded >= 0),
    commission  bigint NOT NULL CHECK (commission >= 0),
    net         bigint NOT NULL CHECK (net = paid - refunded - commission),
    PRIMARY KEY (merchant_id, payout_id, order_id),
    FOREIGN KEY (merchant_id, payout_id) REFERENCES kassa.payouts
);
CREATE INDEX payout_orders_order ON kassa.payout_orders (order_id);

-- Invoicebox's guarantee-fund operations, loaded by `kassa state import` (objectType
-- guaranteeFundOperation) and upserted by id like orders. IF NOT EXISTS: see V003.
CREATE TABLE IF NOT EXISTS invoicebox.fund_operations (
    id                   uuid PRIMARY KEY,
    partner_id           uuid NOT NULL,
    partner_operation_id uuid NOT NULL,
    order_id             uuid NOT NULL,
    type                 text NOT NULL CHECK (type IN ('debit', 'credit')),  -- debit: a payment confirmed from the fund
    amount               bigint NOT NULL CHECK (amount >= 0),                 -- kopecks, converted exactly
    created_at           timestamptz,
    imported_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS fund_operations_order ON invoicebox.fund_operations (order_id);

ALTER TABLE kassa.recon_exceptions DROP CONSTRAINT recon_exceptions_kind_check;
ALTER TABLE kassa.recon_exceptions ADD CONSTRAINT recon_exceptions_kind_check
    CHECK (kind IN ('missing_in_kassa', 'missing_in_invoicebox', 'amount_mismatch', 'refund_mismatch',
                    'customer_mismatch', 'orphan_event', 'fiscal_gap', 'payout_mismatch', 'not_paid_out',
                    'paid_out_twice', 'payout_unknown_order', 'fund_mismatch', 'unknown_merchant'));
