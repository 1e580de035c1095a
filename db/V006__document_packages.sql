-- Document packages for organization buyers: the agent's report, act, TORG-12 and refund report,
-- their gapless numbers and their files.

-- The merchant's KPP, printed with its INN on documents (receipts carry none).
ALTER TABLE kassa.merchants ADD COLUMN supplier_kpp text CHECK (supplier_kpp ~ '^[0-9]{9}$');

-- One gapless sequence per merchant, document type and calendar year (of the document's date).
-- A batch locks the rows it draws from (in key order) and moves them in its own transaction, so a
-- number is given only when the package that carries it commits: no gaps after a crash or a
-- rollback, no number twice with two workers.
CREATE TABLE kassa.document_counters (
    merchant_id   uuid NOT NULL,
    document_type text NOT NULL
        CHECK (document_type IN ('agent_report', 'act', 'torg12', 'refund_report')),
    year          integer NOT NULL CHECK (year BETWEEN 2000 AND 2999),
    last_number   bigint NOT NULL CHECK (last_number >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (merchant_id, document_type, year)
);

-- Every package issued. The batch that applies the event numbers it and records it 'rendering';
-- the renderer then draws its files and makes it 'issued', with the exact bytes published to
-- kassa.documents.v1 in body. seq is the order of issue, which the renderer keeps.
CREATE TABLE kassa.packages (
    package_id      uuid PRIMARY KEY,  -- UUID v5 of "<source event_id>:<kind>"
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    kind            text NOT NULL CHECK (kind IN ('shipment_package', 'refund_package')),
    order_id        uuid NOT NULL,
    merchant_id     uuid NOT NULL,
    source_event_id uuid NOT NULL,
    issued_at       timestamptz NOT NULL,  -- = the source event's occurred_at
    total           bigint NOT NULL CHECK (total >= 0),  -- kopecks
    state           text NOT NULL DEFAULT 'rendering' CHECK (state IN ('rendering', 'issued')),
    body            text NOT NULL,         -- the package; once issued, the message as published
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    rendered_at     timestamptz
);
CREATE INDEX packages_order ON kassa.packages (order_id, issued_at);
CREATE INDEX packages_rendering ON kassa.packages (seq) WHERE state = 'rendering';

-- The documents of each package; the unique key is the accountants' rule: a number is given once.
CREATE TABLE kassa.documents (
    package_id    uuid NOT NULL REFERENCES kassa.packages,
    document_type text NOT NULL
        CHECK (document_type IN ('agent_report', 'act', 'torg12', 'refund_report')),
    merchant_id   uuid NOT NULL,
    year          integer NOT NULL,
    number        bigint NOT NULL CHECK (number > 0),
    document_date date NOT NULL,
    total         bigint NOT NULL,  -- kopecks, VAT included
    vat           bigint NOT NULL,
    PRIMARY KEY (package_id, document_type),
    UNIQUE (merchant_id, document_type, year, number)
);

-- The rendered files (PDF, FNS XML) as issued. Kept here so that the relay can put them in the
-- documents folder before it announces the package, and so that a later renderer or font upgrade
-- never changes a file whose sha256 was already published.
CREATE TABLE kassa.document_files (
    package_id    uuid NOT NULL REFERENCES kassa.packages,
    name          text NOT NULL,
    document_type text NOT NULL,
    media_type    text NOT NULL,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes         bytea NOT NULL,
    PRIMARY KEY (package_id, name)
);
