-- Outbound webhooks (Standard Webhooks). Mirrors migrations/postgres/0007_webhooks.sql.

-- An endpoint a supplier admin (supplier_id set) or an admin (supplier_id NULL: internal) registered.
-- The signing secret (`whsec_…`) is sealed with AES-256-GCM like Odoo keys (see server/src/secret.rs);
-- after a rotation the previous one stays valid (and is signed with too) until previous_secret_expires_at.
CREATE TABLE webhook_endpoint (
    id                            INTEGER PRIMARY KEY,
    supplier_id                   INTEGER REFERENCES supplier(id),
    url                           TEXT NOT NULL,
    description                   TEXT NOT NULL DEFAULT '',
    event_types                   TEXT NOT NULL DEFAULT '[]',    -- JSON array; empty: every event
    enabled                       INTEGER NOT NULL DEFAULT 1,
    disabled_reason               TEXT,
    secret_ciphertext             BLOB NOT NULL,
    secret_nonce                  BLOB NOT NULL,
    secret_key_id                 TEXT NOT NULL,
    previous_secret_ciphertext    BLOB,
    previous_secret_nonce         BLOB,
    previous_secret_key_id        TEXT,
    previous_secret_expires_at    TEXT,
    created_by                    INTEGER REFERENCES app_user(id),
    consecutive_failures          INTEGER NOT NULL DEFAULT 0,
    first_failure_at              TEXT,                           -- first failure since the last success
    created_at                    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at                    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX webhook_endpoint_supplier ON webhook_endpoint (supplier_id);

-- One message to one endpoint: an event (event_id) or a test message (event_id NULL). A replay puts
-- the same row back in the queue, so the receiver sees the same webhook-id and body again.
CREATE TABLE webhook_delivery (
    id                INTEGER PRIMARY KEY,
    endpoint_id       INTEGER NOT NULL REFERENCES webhook_endpoint(id) ON DELETE CASCADE,
    event_id          INTEGER REFERENCES event(id),
    msg_id            TEXT NOT NULL,                  -- the `webhook-id` header
    event_type        TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'dead')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    lease_owner       TEXT,
    locked_until      TEXT,
    last_status_code  INTEGER,
    response_excerpt  TEXT,                           -- the first KiB of the last response
    latency_ms        INTEGER,
    last_error        TEXT,
    request_body      TEXT NOT NULL,                  -- exactly what is sent
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_delivery_due ON webhook_delivery (status, next_attempt_at);
CREATE INDEX webhook_delivery_endpoint ON webhook_delivery (endpoint_id, id);

-- Every attempt of a delivery, for the endpoint owner's delivery log.
CREATE TABLE webhook_attempt (
    id                INTEGER PRIMARY KEY,
    delivery_id       INTEGER NOT NULL REFERENCES webhook_delivery(id) ON DELETE CASCADE,
    attempt           INTEGER NOT NULL,
    status_code       INTEGER,
    latency_ms        INTEGER,
    response_excerpt  TEXT,
    error             TEXT,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX webhook_attempt_delivery ON webhook_attempt (delivery_id, id);
