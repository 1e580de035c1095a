-- The cash-register gateway (`kassa gateway`): whether the tax service has each receipt.
--
-- One row per registration request kassa owes an ATOL Online v5 compatible API, keyed by the
-- request's external_id. A receipt's own registration has external_id = receipt_id and takes its
-- request body from kassa.receipts (the `atol` object of the published message, byte-exact); a
-- correction (`kassa receipts correct`) has an external_id of its own and keeps its body here.
--
-- Rows for receipts are made by a trigger in the transaction that inserts the receipt, so a
-- receipt is never without its registration row, whichever path wrote it (batch, bulk, replay).
--
-- status: wait (not yet registered: to send when uuid is NULL, else to follow by report),
-- done (the tax service has it; fiscal attributes set), fail (nothing registered; the API's
-- error code and text say why; `kassa receipts correct` resolves it).
CREATE TABLE kassa.registrations (
    external_id      uuid PRIMARY KEY,
    receipt_id       uuid NOT NULL REFERENCES kassa.receipts (receipt_id),
    operation        text NOT NULL CHECK (operation IN ('sell', 'sell_refund', 'sell_correction',
                                                        'sell_refund_correction')),
    purpose          text NOT NULL DEFAULT 'receipt'
                     CHECK (purpose IN ('receipt', 'correction')),
    body             text,            -- the request body of a correction; NULL for a receipt
    -- A correction sent only once this registration is done (the right data after the reverse).
    follows          uuid REFERENCES kassa.registrations (external_id),
    status           text NOT NULL DEFAULT 'wait' CHECK (status IN ('wait', 'done', 'fail')),
    uuid             text,            -- the API's id of the registration, once it accepted it
    attempts         integer NOT NULL DEFAULT 0,   -- requests sent for it (sell and report)
    retries          integer NOT NULL DEFAULT 0,   -- errors in a row since the last answer
    polls            integer NOT NULL DEFAULT 0,   -- report requests since it was accepted
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,     -- first accepted (status wait with a uuid)
    done_at          timestamptz,     -- status done or fail recorded
    -- Fiscal attributes of a registered receipt, as the report gave them.
    fiscal_document_number    text,   -- tag 1040
    fiscal_document_attribute text,   -- tag 1077
    fn_number                 text,   -- fiscal drive, tag 1041
    shift_number              text,   -- tag 1038
    fiscal_receipt_number     text,   -- tag 1042
    ecr_registration_number   text,   -- tag 1037
    registered_at_text        text,   -- receipt_datetime as the register gave it (Moscow)
    ofd_receipt_url           text,
    error_code       integer,         -- the API's code (32 validation, ...) of a fail or the last error
    error_text       text,
    error_type       text,            -- system, driver, timeout, agent, unknown
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'done' OR (uuid IS NOT NULL AND fiscal_document_number IS NOT NULL)),
    CHECK ((purpose = 'receipt') = (body IS NULL))
);
-- What the gateway works on next, and the dashboards' counts by status.
CREATE INDEX registrations_due ON kassa.registrations (next_attempt_at) WHERE status = 'wait';
CREATE INDEX registrations_receipt ON kassa.registrations (receipt_id);
CREATE INDEX registrations_status ON kassa.registrations (status);

CREATE FUNCTION kassa.enqueue_registrations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kassa.registrations (external_id, receipt_id, operation)
    SELECT receipt_id, receipt_id, CASE kind WHEN 'refund' THEN 'sell_refund' ELSE 'sell' END
    FROM new_receipts
    ON CONFLICT (external_id) DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER receipts_enqueue_registrations
    AFTER INSERT ON kassa.receipts
    REFERENCING NEW TABLE AS new_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION kassa.enqueue_registrations();

-- Receipts issued before the gateway existed wait too: a receipt registered by other means is
-- answered with code 33 (duplicate external_id) and followed, never registered twice.
INSERT INTO kassa.registrations (external_id, receipt_id, operation)
SELECT receipt_id, receipt_id, CASE kind WHEN 'refund' THEN 'sell_refund' ELSE 'sell' END
FROM kassa.receipts
ON CONFLICT (external_id) DO NOTHING;
