-- Notifications (in-app and e-mail), their preferences, one-time account links (invitations and
-- password resets), and the acknowledgement reminder. Mirrors migrations/postgres/0003_notifications_and_accounts.sql.

-- One row per person and event: the in-app notification, and whether its e-mail went out.
CREATE TABLE notification (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES app_user(id),
    event_id    INTEGER REFERENCES event(id),
    topic       TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT NOT NULL,
    email_wanted INTEGER NOT NULL DEFAULT 0,
    emailed_at  TEXT,
    read_at     TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (user_id, event_id)
);
CREATE INDEX notification_inbox ON notification (user_id, read_at, id);
CREATE INDEX notification_event ON notification (event_id);

-- E-mail per person and topic; no row means the topic's default.
CREATE TABLE notification_preference (
    user_id  INTEGER NOT NULL REFERENCES app_user(id),
    topic    TEXT NOT NULL,
    email    INTEGER NOT NULL,
    PRIMARY KEY (user_id, topic)
);

-- One-time links sent by e-mail; only the token's SHA-256 is kept.
CREATE TABLE account_token (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES app_user(id),
    purpose       TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    token_sha256  TEXT NOT NULL UNIQUE,
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    created_by    INTEGER REFERENCES app_user(id),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX account_token_user ON account_token (user_id, purpose);

-- Set when the reminder before the acknowledgement deadline was sent; cleared by a new revision.
ALTER TABLE purchase_order ADD COLUMN ack_reminder_sent_at TEXT;
