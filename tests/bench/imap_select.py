#!/usr/bin/env python3
"""Logs in to an IMAP server (plain, loopback), SELECTs INBOX and asks for every message's size,
so Dovecot builds its index of freshly written Maildir files, and learns their sizes, before
anything is timed. Checks the message count.

A server that delivered its mail knows each message's size already (Dovecot's own delivery
writes it into the Maildir file name, and mdbox keeps it in the index). The generated files do
not carry it, so without this the first client to fetch the mailbox would pay for Dovecot
reading every file once to count its line ends, and every later one would not.

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
    if exists:
        typ, data = imap.fetch("1:*", "(RFC822.SIZE)")
        if typ != "OK":
            sys.exit(f"imap_select: FETCH RFC822.SIZE failed: {data}")
    imap.logout()
    print(f"imap_select: {user}: INBOX has {exists} messages "
          f"(indexed and sized in {time.monotonic() - t0:.1f} s)", file=sys.stderr)
    if exists != expected:
        sys.exit(f"imap_select: expected {expected} messages in {user}'s INBOX, found {exists}")


if __name__ == "__main__":
    main()
