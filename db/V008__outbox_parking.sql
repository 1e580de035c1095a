-- The relay never lets one message jam the outbox. A row that Kafka refuses for good (too large,
-- unknown topic, not authorized, invalid record) is parked: failed_at and last_error are set and
-- the relay goes on with the rows behind it, until `kassa outbox retry` clears failed_at. A row
-- that fails for a passing reason (timeout, broker down) stays waiting, due again at
-- next_attempt_at (backoff). attempts counts the publish attempts that failed.
ALTER TABLE kassa.outbox
    ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error      text,
    ADD COLUMN next_attempt_at timestamptz,   -- null: due now
    ADD COLUMN failed_at       timestamptz;   -- parked: not published until retried

-- The relay's queue (waiting rows in id order) and the parked rows, both small partial indexes;
-- they also make the outbox gauges cheap.
DROP INDEX kassa.outbox_unpublished;
CREATE INDEX outbox_waiting ON kassa.outbox (id) WHERE published_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_parked ON kassa.outbox (id) WHERE published_at IS NULL AND failed_at IS NOT NULL;

-- The whole original message of every rejection: the dead letter on the topic may carry only a
-- prefix of it (contract section 3), and published outbox rows are deleted after the retention.
ALTER TABLE kassa.rejections ADD COLUMN payload bytea;
