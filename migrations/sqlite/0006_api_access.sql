-- Partner API access: tokens and OAuth clients (only SHA-256 hashes kept), and Idempotency-Key
-- records. Mirrors migrations/postgres/0006_api_access.sql.

-- One row per credential we issued: a personal token, an OAuth client, or a short-lived access
-- token an OAuth client obtained (`parent_id` = the client). A credential acts for its owner
-- within its scopes; a supplier's credential never reaches beyond `supplier_id`.
CREATE TABLE api_credential (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('token', 'oauth_client', 'oauth_access')),
    name          TEXT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES app_user(id),
    supplier_id   INTEGER REFERENCES supplier(id),
    parent_id     INTEGER REFERENCES api_credential(id),
    client_id     TEXT UNIQUE,                   -- OAuth clients only; public
    secret_sha256 TEXT NOT NULL UNIQUE,          -- the token or client secret, hashed
    display_hint  TEXT NOT NULL,                 -- e.g. 'spl_Ab3d…x9Qz', enough to recognise it
    scopes        TEXT NOT NULL,                 -- space-separated, e.g. 'po:read po:ack'
    expires_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_used_at  TEXT,
    last_used_ip  TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((kind = 'oauth_access') = (parent_id IS NOT NULL)),
    CHECK ((kind = 'oauth_client') = (client_id IS NOT NULL))
);
CREATE INDEX api_credential_owner ON api_credential (supplier_id, user_id, kind);
CREATE INDEX api_credential_parent ON api_credential (parent_id);

-- The first response to each Idempotency-Key, per credential (an OAuth client's access tokens
-- share their client's keys), replayed for a retry with the same request.
CREATE TABLE idempotency_record (
    credential_id   INTEGER NOT NULL REFERENCES api_credential(id),
    idempotency_key TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,               -- method, path and body
    status          TEXT NOT NULL CHECK (status IN ('in_flight', 'done')),
    response_status INTEGER,
    response_headers TEXT,                       -- JSON object
    response_body   BLOB,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at      TEXT NOT NULL,
    PRIMARY KEY (credential_id, idempotency_key)
);
CREATE INDEX idempotency_record_expiry ON idempotency_record (expires_at);
