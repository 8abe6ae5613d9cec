-- 0001_init: the first tables of an Orbit profile.
-- Migrations are append-only: never edit this file after a release; add 0002_… instead.
-- Every table is STRICT; every column NOT NULL with a default where one makes sense.

-- One row per configured account (mail and calendar servers of one identity).
-- Passwords live in the OS keyring under the profile id (settings 'profile.id'), never here.
CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT, -- AccountId; AUTOINCREMENT so an id is never reused (keyring entries are keyed by it)
    name              TEXT    NOT NULL,                  -- display name chosen by the user ("Work")
    email             TEXT    NOT NULL,                  -- the account's own address, as typed
    username          TEXT    NOT NULL,                  -- login name used for IMAP, SMTP and CalDAV
    imap_host         TEXT    NOT NULL DEFAULT '',       -- IMAP server host name; '' when the account has no IMAP
    imap_port         INTEGER NOT NULL DEFAULT 0 CHECK (imap_port BETWEEN 0 AND 65535), -- 0 when no IMAP
    imap_security     TEXT    NOT NULL DEFAULT 'tls' CHECK (imap_security IN ('tls', 'starttls', 'none')), -- transport security
    smtp_host         TEXT    NOT NULL DEFAULT '',       -- SMTP submission host; '' when the account sends no mail
    smtp_port         INTEGER NOT NULL DEFAULT 0 CHECK (smtp_port BETWEEN 0 AND 65535), -- 0 when no SMTP
    smtp_security     TEXT    NOT NULL DEFAULT 'tls' CHECK (smtp_security IN ('tls', 'starttls', 'none')), -- transport security
    caldav_url        TEXT    NOT NULL DEFAULT '',       -- CalDAV base URL (http only to loopback); '' when none
    last_test_at      TEXT    NOT NULL DEFAULT '',       -- RFC 3339 UTC time of the last connection test; '' when never tested
    last_test_ok      INTEGER NOT NULL DEFAULT 0 CHECK (last_test_ok IN (0, 1)), -- 1 when every configured service passed
    last_test_summary TEXT    NOT NULL DEFAULT '',       -- one line saying what passed or failed
    created_at        TEXT    NOT NULL,                  -- RFC 3339 UTC
    updated_at        TEXT    NOT NULL                   -- RFC 3339 UTC, changes on every edit
) STRICT;

-- Two accounts for the same address would sync the same mail twice.
CREATE UNIQUE INDEX accounts_email_idx ON accounts (email COLLATE NOCASE);

-- Key/value settings of the profile (provider base URLs and models, the profile id…).
-- Never holds a secret: API keys and passwords are in the OS keyring.
CREATE TABLE settings (
    key        TEXT NOT NULL PRIMARY KEY, -- dotted name, e.g. 'anthropic.base_url'
    value      TEXT NOT NULL,             -- the value as text
    updated_at TEXT NOT NULL              -- RFC 3339 UTC
) STRICT;

-- The audit log: one row per state change made through core, appended in the same
-- transaction as the change it records.
CREATE TABLE activities (
    id      INTEGER PRIMARY KEY AUTOINCREMENT, -- ActivityId; increasing, so id order is time order
    at      TEXT NOT NULL,                     -- RFC 3339 UTC with milliseconds
    actor   TEXT NOT NULL CHECK (actor IN ('user', 'agent', 'sync', 'system')), -- who made the change
    action  TEXT NOT NULL,                     -- dotted verb, e.g. 'account.added'
    target  TEXT NOT NULL DEFAULT '',          -- what it changed, e.g. 'account:3'; '' for the profile
    summary TEXT NOT NULL DEFAULT '',          -- one human sentence
    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)) -- JSON object with the specifics (never a secret)
) STRICT;

CREATE INDEX activities_actor_idx ON activities (actor, id);
CREATE INDEX activities_action_idx ON activities (action, id);
CREATE INDEX activities_target_idx ON activities (target, id);
