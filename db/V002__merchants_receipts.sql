-- Receipts (54-FZ) and the merchant data they carry.

-- Supplier data of each merchant (the shop) for the receipt lines (supplier_info, tags 1225,
-- 1226, 1171). Filled by operations from Invoicebox's merchant registry; a merchant missing here
-- gets the configured defaults and counts in kassa_receipts_default_supplier_total.
CREATE TABLE kassa.merchants (
    merchant_id     uuid PRIMARY KEY,
    supplier_inn    text NOT NULL CHECK (supplier_inn ~ '^([0-9]{10}|[0-9]{12})$'),
    supplier_name   text NOT NULL,
    supplier_phones text[] NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Every receipt issued, with the exact bytes published to kassa.receipts.v1.
CREATE TABLE kassa.receipts (
    receipt_id      uuid PRIMARY KEY,                -- UUID v5 of "<source event_id>:<kind>"
    order_id        uuid NOT NULL,
    merchant_id     uuid NOT NULL,
    source_event_id uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('prepayment', 'settlement', 'refund')),
    issued_at       timestamptz NOT NULL,            -- = the source event's occurred_at
    total           bigint NOT NULL CHECK (total >= 0),  -- kopecks
    line_count      integer NOT NULL CHECK (line_count BETWEEN 1 AND 100),
    body            text NOT NULL,                   -- the message as published (byte-exact)
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receipts_order ON kassa.receipts (order_id, issued_at);
CREATE INDEX receipts_issued ON kassa.receipts (issued_at);
