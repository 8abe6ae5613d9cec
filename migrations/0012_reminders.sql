-- 0012_reminders: the calendar reminders (VALARMs) already shown, so each is shown once —
-- also the ones that fell due while Orbit was closed, which are shown once at the next start.
CREATE TABLE calendar_reminders (
    uid         TEXT    NOT NULL,                       -- the event
    occurrence  TEXT    NOT NULL,                       -- its occurrence (RECURRENCE-ID, or '' for a single event)
    due_at      TEXT    NOT NULL,                       -- RFC 3339 UTC the alarm was due
    shown_at    TEXT    NOT NULL,                       -- when it was shown
    missed      INTEGER NOT NULL CHECK (missed IN (0, 1)), -- shown late (Orbit was not running)
    PRIMARY KEY (uid, occurrence, due_at)
) STRICT, WITHOUT ROWID;
