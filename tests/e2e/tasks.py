#!/usr/bin/python3
"""Test data for the WebDriver test's task board.

  tasks.py seed DB COUNT NAME   a task list NAME kept on this computer with COUNT tasks in its
                                To do column, written straight into Orbit's SQLite file (as a
                                sync would store them); prints the list's id
  tasks.py column DB UID        print the X-ORBIT-COLUMN the stored task UID has
"""

import datetime as dt
import sqlite3
import sys


def main(argv):
    db = sqlite3.connect(argv[2], timeout=30)
    if argv[1] == "seed":
        count, name = int(argv[3]), argv[4]
        now = dt.datetime.now(dt.timezone.utc)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        at = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        with db:
            account = db.execute("SELECT id FROM accounts ORDER BY id LIMIT 1").fetchone()[0]
            cur = db.execute(
                "INSERT INTO calendars (account_id, href, name) VALUES (?, ?, ?)",
                (account, "local:e2e-board/", name),
            )
            list_id = cur.lastrowid
            rows = []
            for n in range(count):
                uid = f"e2e-task-{n}@orbit"
                due = (now.date() + dt.timedelta(days=n % 30)).strftime("%Y%m%d")
                ics = (
                    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nBEGIN:VTODO\r\n"
                    f"UID:{uid}\r\nDTSTAMP:{stamp}\r\nCREATED:{stamp}\r\nSUMMARY:Board task {n}\r\n"
                    f"STATUS:NEEDS-ACTION\r\nDUE;VALUE=DATE:{due}\r\nPRIORITY:{1 + n % 9}\r\n"
                    f"CATEGORIES:tag{n % 7}\r\nX-ORBIT-COLUMN:todo\r\nX-APPLE-SORT-ORDER:{(n + 1) * 1024}\r\n"
                    "END:VTODO\r\nEND:VCALENDAR\r\n"
                )
                rows.append((list_id, f"local:e2e-board/{n}.ics", uid, ics, at))
            db.executemany(
                "INSERT INTO calendar_items (calendar_id, href, uid, ics, updated_at) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        print(list_id)
        return 0
    if argv[1] == "column":
        row = db.execute("SELECT ics FROM calendar_items WHERE uid = ?", (argv[3],)).fetchone()
        for line in (row[0] if row else "").splitlines():
            if line.startswith("X-ORBIT-COLUMN:"):
                print(line.split(":", 1)[1])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
