-- kassa's own schema: order state, the inbox of seen events, the ledger of applied events, dead
-- letters, the transactional outbox and the consumer offsets that are the source of truth.
CREATE SCHEMA IF NOT EXISTS kassa;

-- One row per order kassa has heard of. `state` is the full state machine (contract/state_codec);
-- the flat columns are derived from it for reconciliation and dashboards.
CREATE TABLE kassa.orders (
    order_id         uuid PRIMARY KEY,
    merchant_id      uuid NOT NULL,
    status           text NOT NULL CHECK (status IN ('awaiting_payment', 'paid')),
    customer_type    text CHECK (customer_type IN ('private', 'legal')),
    paid_amount      bigint NOT NULL DEFAULT 0,      -- kopecks
    shipped_amount   bigint NOT NULL DEFAULT 0,      -- kopecks settled by shipments
    refunded_amount  bigint NOT NULL DEFAULT 0,      -- kopecks
    parked_count     integer NOT NULL DEFAULT 0,     -- shipments/refunds waiting for the payment
    oldest_parked_at timestamptz,                    -- occurred_at of the oldest waiting event
    paid_at          timestamptz,
    state            jsonb NOT NULL,
    version          bigint NOT NULL,                -- optimistic concurrency between workers
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_waiting ON kassa.orders (oldest_parked_at) WHERE parked_count > 0;

-- Every valid event kassa has seen, by event_id: the dedup record. fingerprint = SHA-256 of the
-- message bytes, so a redelivery (same bytes) is told apart from an event_id conflict.
CREATE TABLE kassa.inbox (
    event_id         uuid PRIMARY KEY,
    order_id         uuid NOT NULL,
    event_type       text NOT NULL,
    status           text NOT NULL CHECK (status IN ('applied', 'parked', 'duplicate', 'rejected')),
    fingerprint      text NOT NULL,
    source_topic     text NOT NULL,
    source_partition integer NOT NULL,
    source_offset    bigint NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbox_order ON kassa.inbox (order_id);

-- One row per applied business event; amount in kopecks (payment, settled sum, refunded sum).
CREATE TABLE kassa.ledger (
    event_id     uuid PRIMARY KEY,
    order_id     uuid NOT NULL,
    merchant_id  uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('payment', 'shipment', 'refund')),
    business_id  text NOT NULL,                      -- payment_id, shipment_id or refund_id
    amount       bigint NOT NULL CHECK (amount >= 0),
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, kind, business_id)
);
CREATE INDEX ledger_occurred ON kassa.ledger (occurred_at);

-- Every refused message (also published to the dead-letter topic through the outbox).
CREATE TABLE kassa.rejections (
    source_topic     text NOT NULL,
    source_partition integer NOT NULL,
    source_offset    bigint NOT NULL,
    event_id         uuid,
    error_code       text NOT NULL,
    error            text NOT NULL,
    failed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_topic, source_partition, source_offset)
);
CREATE INDEX rejections_code ON kassa.rejections (error_code, failed_at);

-- Messages to publish, written in the same transaction as the event that caused them. The relay
-- publishes in id order and stamps published_at; a crash in between republishes the same bytes.
CREATE TABLE kassa.outbox (
    id           bigserial PRIMARY KEY,
    message_id   uuid NOT NULL UNIQUE,
    topic        text NOT NULL,
    message_key  bytea NOT NULL,
    payload      bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON kassa.outbox (id) WHERE published_at IS NULL;

-- Next offset to read per consumer group and partition, committed with the batch that read up to
-- it. On assignment the consumer seeks here; Kafka's own committed offsets only follow.
CREATE TABLE kassa.consumer_offsets (
    group_id    text NOT NULL,
    topic       text NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint NOT NULL CHECK (next_offset >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);
