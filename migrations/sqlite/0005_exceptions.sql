-- The buyer's exception queue and supplier scorecards. Mirrors migrations/postgres/0005_exceptions.sql.

-- Open manufacturing orders that consume our products, read from Odoo under the connection's
-- read-only planning key (`mrp.production` and its component moves). Done, cancelled and vanished
-- MOs are deleted by the pull.
CREATE TABLE manufacturing_order (
    id                  INTEGER PRIMARY KEY,
    odoo_connection_id  INTEGER NOT NULL REFERENCES odoo_connection(id),
    odoo_id             INTEGER NOT NULL,
    name                TEXT NOT NULL,
    product_name        TEXT NOT NULL,                 -- what the MO makes (not necessarily one of ours)
    product_qty         REAL NOT NULL DEFAULT 0,
    state               TEXT NOT NULL,
    date_start          TEXT NOT NULL,
    components_availability_state TEXT,
    odoo_write_date     TEXT,
    synced_at           TEXT NOT NULL,
    UNIQUE (odoo_connection_id, odoo_id)
);

-- One raw-material stock.move of an MO: the demand for one of our products.
CREATE TABLE mo_component (
    id                      INTEGER PRIMARY KEY,
    manufacturing_order_id  INTEGER NOT NULL REFERENCES manufacturing_order(id) ON DELETE CASCADE,
    odoo_move_id            INTEGER NOT NULL,
    product_id              INTEGER NOT NULL REFERENCES product(id),
    date                    TEXT NOT NULL,
    quantity_needed         REAL NOT NULL,             -- product_uom_qty
    quantity_reserved       REAL NOT NULL DEFAULT 0,   -- quantity (reserved or picked)
    odoo_write_date         TEXT,
    UNIQUE (manufacturing_order_id, odoo_move_id)
);
CREATE INDEX mo_component_product ON mo_component (product_id);

-- The date the buyer asked for, kept when an accepted proposal moves requested_date (which is then
-- the confirmed date); NULL while the two are the same. Odoo changing the date clears it.
ALTER TABLE purchase_order_line ADD COLUMN required_date TEXT;
-- When the pull first saw the received quantity rise: the line's latest receipt.
ALTER TABLE purchase_order_line ADD COLUMN last_receipt_at TEXT;

-- `component.delayed` is emitted once per line and expected date.
CREATE TABLE component_delay_notice (
    purchase_order_line_id  INTEGER NOT NULL REFERENCES purchase_order_line(id) ON DELETE CASCADE,
    expected_date           TEXT NOT NULL,
    created_at              TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (purchase_order_line_id, expected_date)
);
