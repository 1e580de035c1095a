-- E-mail to organization buyers: each package's documents as one RFC 5322 message, queued in the
-- batch transaction that issued the package and sent by the mailer to the configured SMTP server.
CREATE TABLE kassa.mail_outbox (
    id              bigserial PRIMARY KEY,
    message_id      uuid NOT NULL UNIQUE,   -- UUID v5 of "<package_id>:mail"; also the Message-ID
    package_id      uuid NOT NULL REFERENCES kassa.packages,
    sender          text NOT NULL,
    recipient       text NOT NULL,
    message         bytea NOT NULL,         -- the whole message as sent (headers, MIME parts)
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    sent_at         timestamptz,            -- the SMTP server accepted it
    failed_at       timestamptz             -- refused for good (5xx): not retried
);
-- The mailer's work queue: unsent, unfailed rows by due time.
CREATE INDEX mail_outbox_due ON kassa.mail_outbox (next_attempt_at, id)
    WHERE sent_at IS NULL AND failed_at IS NULL;
