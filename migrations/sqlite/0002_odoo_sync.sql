-- Odoo sync: webhook secrets, pull cursors, the outbox worker's lease and dead letters,
-- reconciliation reports. Mirrors migrations/postgres/0002_odoo_sync.sql.

-- Odoo automation webhooks reach /hooks/odoo/{secret}; only the secret's SHA-256 is kept.
ALTER TABLE odoo_connection ADD COLUMN webhook_secret_sha256 TEXT;
ALTER TABLE odoo_connection ADD COLUMN protocol TEXT;
ALTER TABLE odoo_connection ADD COLUMN checked_at TEXT;
CREATE UNIQUE INDEX odoo_connection_webhook ON odoo_connection (webhook_secret_sha256);

CREATE UNIQUE INDEX odoo_credential_supplier ON odoo_credential (supplier_id) WHERE purpose = 'supplier';
CREATE UNIQUE INDEX odoo_credential_planning ON odoo_credential (odoo_connection_id) WHERE purpose = 'planning';

-- Where the incremental pull of one model, under one supplier's key, got to.
CREATE TABLE sync_cursor (
    supplier_id      INTEGER NOT NULL REFERENCES supplier(id),
    model            TEXT NOT NULL,
    last_write_date  TEXT,
    last_run_at      TEXT,
    last_error       TEXT,
    records_seen     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (supplier_id, model)
);

-- The worker that holds a row's lease; only it may complete the row.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN last_error_kind TEXT;
ALTER TABLE outbox ADD COLUMN completed_at TEXT;
CREATE INDEX outbox_ordering ON outbox (ordering_key, status, id);

CREATE TABLE reconciliation_report (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    checked       INTEGER NOT NULL DEFAULT 0,
    drifted       INTEGER NOT NULL DEFAULT 0,
    repaired      INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    detail        TEXT NOT NULL DEFAULT '[]'       -- JSON: one entry per drifted record
);

-- Packages keep the number the supplier gave them on the ASN form (and on the labels).
ALTER TABLE asn_package ADD COLUMN number INTEGER;
