#!/usr/bin/env python3
"""Logs in to an IMAP server (plain, loopback) and SELECTs INBOX once, so Dovecot builds its
index of freshly written Maildir files before anything is timed. Checks the message count.

    imap_select.py PORT USER PASSWORD EXPECTED_COUNT
"""

import imaplib
import sys
import time


def main():
    port, user, password, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    t0 = time.monotonic()
    imap = imaplib.IMAP4("127.0.0.1", int(port), timeout=600)
    imap.login(user, password)
    typ, data = imap.select("INBOX", readonly=True)
    if typ != "OK":
        sys.exit(f"imap_select: SELECT INBOX failed: {data}")
    exists = int(data[0])
    imap.logout()
    print(f"imap_select: {user}: INBOX has {exists} messages "
          f"(indexed in {time.monotonic() - t0:.1f} s)", file=sys.stderr)
    if exists != expected:
        sys.exit(f"imap_select: expected {expected} messages in {user}'s INBOX, found {exists}")


if __name__ == "__main__":
    main()
