-- Reconciliation runs and the exceptions finance acts on (contract section 4).

-- One row per `kassa reconcile` (dry runs included): when, as of when, and what it found.
CREATE TABLE kassa.recon_runs (
    run_id         bigserial PRIMARY KEY,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    as_of          timestamptz NOT NULL,              -- the reference time for ageing waiting events
    dry_run        boolean NOT NULL,
    status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
    orders_checked bigint,
    counts         jsonb                              -- {"kind": {"count": n, "delta": kopecks}, ...}
);

-- The current exceptions, one per order and kind. A finding that persists keeps its first-seen run
-- and time (ageing); one that a later run no longer finds is marked resolved, and if it comes back
-- it is open again with a new first-seen time.
CREATE TABLE kassa.recon_exceptions (
    order_id          uuid NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('missing_in_kassa', 'missing_in_invoicebox', 'amount_mismatch',
                                                    'refund_mismatch', 'customer_mismatch', 'orphan_event',
                                                    'fiscal_gap')),
    kassa_amount      bigint NOT NULL,                 -- kopecks
    invoicebox_amount bigint NOT NULL,                 -- kopecks
    delta             bigint NOT NULL,                 -- kassa - Invoicebox
    detail            text NOT NULL,
    run_id            bigint NOT NULL REFERENCES kassa.recon_runs,  -- the last run that found it
    first_seen_run    bigint NOT NULL REFERENCES kassa.recon_runs,
    first_seen_at     timestamptz NOT NULL,
    last_seen_at      timestamptz NOT NULL,
    resolved_run      bigint REFERENCES kassa.recon_runs,
    resolved_at       timestamptz,
    PRIMARY KEY (order_id, kind)
);
CREATE INDEX recon_exceptions_open ON kassa.recon_exceptions (kind, first_seen_at) WHERE resolved_at IS NULL;
