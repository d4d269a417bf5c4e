-- Quality holds: the Odoo identity of holds pulled from Odoo, who closed them, their history
-- (raised, answered, closed, reopened, released in Odoo) and the files attached to them.
-- Mirrors migrations/postgres/0004_quality_holds.sql.

-- A hold read from Odoo is known by (connection, model, id): stock.move for a Community
-- QC-location hold, qc.inspection for an OCA inspection.
ALTER TABLE quality_hold ADD COLUMN odoo_connection_id INTEGER REFERENCES odoo_connection(id);
-- Odoo's name for it (WH/QC/00001, QC-000001), shown to both sides.
ALTER TABLE quality_hold ADD COLUMN odoo_reference TEXT;
-- The PO the held material came on, when known.
ALTER TABLE quality_hold ADD COLUMN purchase_order_id INTEGER REFERENCES purchase_order(id);
ALTER TABLE quality_hold ADD COLUMN closed_at TEXT;
ALTER TABLE quality_hold ADD COLUMN closed_by INTEGER REFERENCES app_user(id);
CREATE UNIQUE INDEX quality_hold_odoo ON quality_hold (odoo_connection_id, odoo_model, odoo_id);
CREATE INDEX quality_hold_supplier ON quality_hold (supplier_id, status);
CREATE INDEX quality_response_hold ON quality_response (quality_hold_id, id);

-- Reopening sets the status back to 'open'; the history keeps that it was closed and why.
CREATE TABLE quality_hold_history (
    id               INTEGER PRIMARY KEY,
    quality_hold_id  INTEGER NOT NULL REFERENCES quality_hold(id) ON DELETE CASCADE,
    action           TEXT NOT NULL CHECK (action IN ('raised', 'responded', 'closed', 'reopened', 'released')),
    comment          TEXT,
    user_id          INTEGER REFERENCES app_user(id),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX quality_hold_history_hold ON quality_hold_history (quality_hold_id, id);

-- Files in the database, so every node of a PostgreSQL deployment serves them.
CREATE TABLE quality_attachment (
    id               INTEGER PRIMARY KEY,
    quality_hold_id  INTEGER NOT NULL REFERENCES quality_hold(id) ON DELETE CASCADE,
    filename         TEXT NOT NULL,
    content_type     TEXT NOT NULL,
    size_bytes       INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256           TEXT NOT NULL,
    content          BLOB NOT NULL,
    uploaded_by      INTEGER NOT NULL REFERENCES app_user(id),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX quality_attachment_hold ON quality_attachment (quality_hold_id, id);
