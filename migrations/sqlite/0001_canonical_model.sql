-- Supplyline canonical model (SQLite). Mirrors migrations/postgres/0001_canonical_model.sql:
-- the SQL differs, the schema does not. Timestamps are UTC, dates are calendar dates.

CREATE TABLE odoo_connection (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    base_url      TEXT NOT NULL,
    database      TEXT NOT NULL,
    odoo_version  TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE supplier (
    id                  INTEGER PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    email               TEXT,
    ack_sla_hours       INTEGER NOT NULL DEFAULT 24 CHECK (ack_sla_hours > 0),
    odoo_connection_id  INTEGER REFERENCES odoo_connection(id),
    odoo_partner_id     INTEGER,
    odoo_write_date     TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (odoo_connection_id, odoo_partner_id)
);

-- A supplier's own Odoo bot user; the API key is stored encrypted (AES-256-GCM) with the id of the
-- master key that sealed it, so the master key can rotate.
CREATE TABLE odoo_credential (
    id                  INTEGER PRIMARY KEY,
    supplier_id         INTEGER REFERENCES supplier(id),
    purpose             TEXT NOT NULL CHECK (purpose IN ('supplier', 'planning')),
    odoo_connection_id  INTEGER NOT NULL REFERENCES odoo_connection(id),
    odoo_login          TEXT NOT NULL,
    key_ciphertext      BLOB NOT NULL,
    key_nonce           BLOB NOT NULL,
    master_key_id       TEXT NOT NULL,
    expires_at          TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((purpose = 'supplier') = (supplier_id IS NOT NULL))
);

CREATE TABLE app_user (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,          -- stored lower-cased
    display_name   TEXT NOT NULL,
    password_hash  TEXT,                          -- argon2id PHC string; NULL until set
    role           TEXT NOT NULL CHECK (role IN ('supplier_user', 'supplier_admin', 'buyer', 'admin')),
    supplier_id    INTEGER REFERENCES supplier(id),
    active         INTEGER NOT NULL DEFAULT 1,
    last_login_at  TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((role IN ('supplier_user', 'supplier_admin')) = (supplier_id IS NOT NULL))
);
CREATE INDEX app_user_supplier ON app_user (supplier_id);

-- Failed sign-ins per key ('account:<email>' or 'ip:<address>'), shared by every node.
CREATE TABLE login_throttle (
    key               TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at TEXT NOT NULL,
    locked_until      TEXT
);

CREATE TABLE uom (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    category        TEXT NOT NULL,
    factor          REAL NOT NULL DEFAULT 1.0,
    rounding        REAL NOT NULL DEFAULT 0.01,
    odoo_connection_id INTEGER REFERENCES odoo_connection(id),
    odoo_id         INTEGER,
    UNIQUE (odoo_connection_id, odoo_id)
);

CREATE TABLE product (
    id               INTEGER PRIMARY KEY,
    default_code     TEXT,
    name             TEXT NOT NULL,
    tracking         TEXT NOT NULL DEFAULT 'none' CHECK (tracking IN ('none', 'lot', 'serial')),
    uom_id           INTEGER NOT NULL REFERENCES uom(id),
    odoo_connection_id INTEGER REFERENCES odoo_connection(id),
    odoo_id          INTEGER,
    odoo_write_date  TEXT,
    UNIQUE (odoo_connection_id, odoo_id)
);

-- product.supplierinfo: the supplier's own code, name, price and lead time for a product.
CREATE TABLE supplier_product (
    id               INTEGER PRIMARY KEY,
    supplier_id      INTEGER NOT NULL REFERENCES supplier(id),
    product_id       INTEGER NOT NULL REFERENCES product(id),
    supplier_code    TEXT,
    supplier_name    TEXT,
    lead_time_days   INTEGER NOT NULL DEFAULT 0 CHECK (lead_time_days >= 0),
    min_qty          REAL NOT NULL DEFAULT 0,
    price            REAL,
    odoo_id          INTEGER,
    odoo_write_date  TEXT,
    UNIQUE (supplier_id, product_id),
    UNIQUE (supplier_id, odoo_id)
);

CREATE TABLE purchase_order (
    id                  INTEGER PRIMARY KEY,
    supplier_id         INTEGER NOT NULL REFERENCES supplier(id),
    number              TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('draft', 'sent', 'to_approve', 'purchase', 'done', 'cancel')),
    ack_state           TEXT NOT NULL DEFAULT 'pending'
                        CHECK (ack_state IN ('pending', 'accepted', 'partially_accepted', 'changes_proposed', 'rejected', 'reconfirm')),
    order_date          TEXT NOT NULL,
    expected_date       TEXT,
    currency            TEXT NOT NULL DEFAULT 'EUR',
    amount_untaxed      REAL NOT NULL DEFAULT 0,
    amount_total        REAL NOT NULL DEFAULT 0,
    buyer_name          TEXT,
    notes               TEXT,
    supplier_reference  TEXT,
    revision            INTEGER NOT NULL DEFAULT 1,
    received_at         TEXT NOT NULL,             -- when the PO reached the portal (SLA clock)
    odoo_connection_id  INTEGER REFERENCES odoo_connection(id),
    odoo_id             INTEGER,
    odoo_write_date     TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (odoo_connection_id, number),
    UNIQUE (odoo_connection_id, odoo_id)
);
CREATE INDEX purchase_order_supplier ON purchase_order (supplier_id, order_date);
CREATE INDEX purchase_order_state ON purchase_order (state);
CREATE INDEX purchase_order_order_date ON purchase_order (order_date, id);

CREATE TABLE purchase_order_line (
    id               INTEGER PRIMARY KEY,
    purchase_order_id INTEGER NOT NULL REFERENCES purchase_order(id) ON DELETE CASCADE,
    line_no          INTEGER NOT NULL,
    product_id       INTEGER NOT NULL REFERENCES product(id),
    description      TEXT NOT NULL,
    quantity         REAL NOT NULL CHECK (quantity >= 0),
    uom_id           INTEGER NOT NULL REFERENCES uom(id),
    price_unit       REAL NOT NULL DEFAULT 0,
    subtotal         REAL NOT NULL DEFAULT 0,
    requested_date   TEXT NOT NULL,
    qty_received     REAL NOT NULL DEFAULT 0,
    ack_state        TEXT NOT NULL DEFAULT 'pending'
                     CHECK (ack_state IN ('pending', 'accepted', 'rejected', 'change_proposed', 'reconfirm')),
    odoo_id          INTEGER,
    odoo_write_date  TEXT,
    UNIQUE (purchase_order_id, line_no),
    UNIQUE (purchase_order_id, odoo_id)
);
CREATE INDEX purchase_order_line_product ON purchase_order_line (product_id);

-- Each revision keeps the PO as it was, so a supplier can see what changed.
CREATE TABLE purchase_order_revision (
    id                INTEGER PRIMARY KEY,
    purchase_order_id INTEGER NOT NULL REFERENCES purchase_order(id) ON DELETE CASCADE,
    revision          INTEGER NOT NULL,
    snapshot          TEXT NOT NULL,               -- JSON
    source            TEXT NOT NULL CHECK (source IN ('odoo', 'portal', 'demo')),
    odoo_write_date   TEXT,
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (purchase_order_id, revision)
);

CREATE TABLE acknowledgement (
    id                 INTEGER PRIMARY KEY,
    purchase_order_id  INTEGER NOT NULL REFERENCES purchase_order(id),
    revision           INTEGER NOT NULL,
    user_id            INTEGER NOT NULL REFERENCES app_user(id),
    decision           TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'per_line')),
    supplier_reference TEXT,
    reason             TEXT,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX acknowledgement_po ON acknowledgement (purchase_order_id);

CREATE TABLE acknowledgement_line (
    id                 INTEGER PRIMARY KEY,
    acknowledgement_id INTEGER NOT NULL REFERENCES acknowledgement(id) ON DELETE CASCADE,
    purchase_order_line_id INTEGER NOT NULL REFERENCES purchase_order_line(id),
    decision           TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'propose')),
    reason             TEXT,
    UNIQUE (acknowledgement_id, purchase_order_line_id)
);

CREATE TABLE change_proposal (
    id                     INTEGER PRIMARY KEY,
    purchase_order_line_id INTEGER NOT NULL REFERENCES purchase_order_line(id),
    acknowledgement_id     INTEGER REFERENCES acknowledgement(id),
    kind                   TEXT NOT NULL CHECK (kind IN ('quantity', 'date', 'split')),
    proposed_quantity      REAL,
    proposed_date          TEXT,
    reason                 TEXT,
    status                 TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected', 'superseded')),
    proposed_by            INTEGER NOT NULL REFERENCES app_user(id),
    decided_by             INTEGER REFERENCES app_user(id),
    decided_at             TEXT,
    decision_comment       TEXT,
    created_at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX change_proposal_line ON change_proposal (purchase_order_line_id, status);

-- The deliveries of a split proposal: one row per (quantity, date).
CREATE TABLE change_proposal_delivery (
    id                 INTEGER PRIMARY KEY,
    change_proposal_id INTEGER NOT NULL REFERENCES change_proposal(id) ON DELETE CASCADE,
    quantity           REAL NOT NULL CHECK (quantity > 0),
    delivery_date      TEXT NOT NULL
);

CREATE TABLE asn (
    id            INTEGER PRIMARY KEY,
    supplier_id   INTEGER NOT NULL REFERENCES supplier(id),
    number        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('draft', 'submitted', 'received', 'cancelled')),
    carrier       TEXT,
    tracking_ref  TEXT,
    ship_date     TEXT,
    eta           TEXT,
    created_by    INTEGER NOT NULL REFERENCES app_user(id),
    odoo_picking_id INTEGER,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (supplier_id, number)
);

CREATE TABLE asn_package (
    id          INTEGER PRIMARY KEY,
    asn_id      INTEGER NOT NULL REFERENCES asn(id) ON DELETE CASCADE,
    parent_id   INTEGER REFERENCES asn_package(id),
    kind        TEXT NOT NULL CHECK (kind IN ('pallet', 'carton', 'other')),
    sscc        TEXT NOT NULL UNIQUE,
    gross_weight_kg REAL
);

CREATE TABLE asn_line (
    id                     INTEGER PRIMARY KEY,
    asn_id                 INTEGER NOT NULL REFERENCES asn(id) ON DELETE CASCADE,
    package_id             INTEGER REFERENCES asn_package(id),
    purchase_order_line_id INTEGER NOT NULL REFERENCES purchase_order_line(id),
    quantity               REAL NOT NULL CHECK (quantity > 0)
);

CREATE TABLE asn_lot (
    id           INTEGER PRIMARY KEY,
    asn_line_id  INTEGER NOT NULL REFERENCES asn_line(id) ON DELETE CASCADE,
    lot_name     TEXT NOT NULL,
    quantity     REAL NOT NULL CHECK (quantity > 0),
    expiry_date  TEXT,
    UNIQUE (asn_line_id, lot_name)
);

CREATE TABLE leadtime_proposal (
    id                  INTEGER PRIMARY KEY,
    supplier_product_id INTEGER NOT NULL REFERENCES supplier_product(id),
    current_days        INTEGER NOT NULL,
    proposed_days       INTEGER NOT NULL CHECK (proposed_days >= 0),
    effective_date      TEXT NOT NULL,
    reason              TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    proposed_by         INTEGER NOT NULL REFERENCES app_user(id),
    decided_by          INTEGER REFERENCES app_user(id),
    decided_at          TEXT,
    decision_comment    TEXT,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE quality_hold (
    id            INTEGER PRIMARY KEY,
    supplier_id   INTEGER NOT NULL REFERENCES supplier(id),
    product_id    INTEGER NOT NULL REFERENCES product(id),
    lot_name      TEXT,
    quantity      REAL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'responded', 'closed')),
    source        TEXT NOT NULL CHECK (source IN ('odoo', 'portal')),
    raised_by     INTEGER REFERENCES app_user(id),
    odoo_model    TEXT,
    odoo_id       INTEGER,
    odoo_write_date TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE quality_response (
    id                INTEGER PRIMARY KEY,
    quality_hold_id   INTEGER NOT NULL REFERENCES quality_hold(id) ON DELETE CASCADE,
    containment       TEXT NOT NULL,
    root_cause        TEXT NOT NULL,
    corrective_action TEXT NOT NULL,
    preventive_action TEXT NOT NULL,
    corrective_due    TEXT,
    preventive_due    TEXT,
    responded_by      INTEGER NOT NULL REFERENCES app_user(id),
    created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Canonical events, written in the same transaction as the change they describe.
CREATE TABLE event (
    id              INTEGER PRIMARY KEY,
    event_uid       TEXT NOT NULL UNIQUE,
    event_type      TEXT NOT NULL,
    schema_version  INTEGER NOT NULL DEFAULT 1,
    aggregate_type  TEXT NOT NULL,
    aggregate_id    INTEGER NOT NULL,
    supplier_id     INTEGER REFERENCES supplier(id),
    payload         TEXT NOT NULL,                 -- JSON
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX event_supplier ON event (supplier_id, id);
CREATE INDEX event_aggregate ON event (aggregate_type, aggregate_id);

-- Transactional outbox: one row per event and destination; workers claim rows with a lease.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES event(id),
    destination     TEXT NOT NULL,
    ordering_key    TEXT NOT NULL,                 -- e.g. 'purchase_order:42': delivered in order
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    locked_until    TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (event_id, destination)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER REFERENCES app_user(id),
    role         TEXT,
    supplier_id  INTEGER REFERENCES supplier(id),
    action       TEXT NOT NULL,
    entity_type  TEXT,
    entity_id    INTEGER,
    detail       TEXT,                             -- JSON
    ip           TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX audit_log_created ON audit_log (created_at);
