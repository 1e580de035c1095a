-- Invoicebox's own view of its orders, loaded by `kassa state import FILE` from an API v3 export
-- (NDJSON). kassa never writes here from events: this is the other side of the reconciliation,
-- kept in its own schema so that nothing in kassa's book can be mistaken for it.
-- IF NOT EXISTS throughout: this schema lives outside kassa's own (and its schema_version
-- bookkeeping), so a database whose schema kassa was dropped and migrated again (as the migration
-- test does) still has it; re-applying must not fail, and must not drop the imported state.
CREATE SCHEMA IF NOT EXISTS invoicebox;

-- One row per Invoicebox order or refund order, as the latest import saw it. The import is an
-- upsert by id, so a newer export replaces the older state of the same order.
CREATE TABLE IF NOT EXISTS invoicebox.orders (
    id                uuid PRIMARY KEY,             -- Invoicebox order id
    merchant_id       uuid,                         -- merchantId (the shop)
    merchant_order_id text,                         -- merchantOrderId, the shop's number
    -- parentId: set for a refund order (and a correction order), the base order's id. Not a
    -- foreign key: an export may hold a refund whose base order is outside its date range.
    parent_id         uuid,
    -- Invoicebox statuses of orders and refunds (invoicebox.md §5); the spelling `cancelled` is
    -- stored as `canceled`.
    status            text NOT NULL
                      CHECK (status IN ('created', 'completed', 'expired', 'canceled', 'hold', 'draft')),
    amount            bigint NOT NULL CHECK (amount >= 0),       -- kopecks, converted exactly
    vat_amount        bigint CHECK (vat_amount >= 0),            -- kopecks; NULL when not exported
    currency          text NOT NULL CHECK (currency = 'RUB'),    -- the import rejects the others
    customer_type     text CHECK (customer_type IN ('private', 'legal')),
    created_at        timestamptz,
    paid_at           timestamptz,                  -- set once the order is paid
    imported_at       timestamptz NOT NULL DEFAULT now()  -- when the import last wrote this row
);

-- Reconciliation sums an order's completed refund orders by their parent; without this index that
-- is a scan of the whole table per lookup. Partial: plain orders (the majority) have no parent.
CREATE INDEX IF NOT EXISTS orders_parent ON invoicebox.orders (parent_id) WHERE parent_id IS NOT NULL;
