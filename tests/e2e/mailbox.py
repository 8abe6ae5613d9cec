#!/usr/bin/python3
"""Plays another mail client for the WebDriver test, over plain IMAP on loopback.

  mailbox.py seed PORT USER PASSWORD       empty INBOX and put three messages in it
  mailbox.py flags PORT USER PASSWORD ID   print the flags of the INBOX message with Message-ID ID
  mailbox.py append PORT USER PASSWORD ID  put a new message with Message-ID ID in INBOX
"""

import imaplib
import sys
import time


def message(mid, sender, subject, body, reply_to=None):
    headers = [
        f"Message-ID: <{mid}>",
        f"From: {sender}",
        "To: Alice <alice@example.com>",
        f"Subject: {subject}",
        "Date: Wed, 25 Nov 2026 09:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    return ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode()


def main():
    command, port, user, password = sys.argv[1:5]
    imap = imaplib.IMAP4("127.0.0.1", int(port))
    imap.login(user, password)
    imap.select("INBOX")
    if command == "seed":
        typ, data = imap.search(None, "ALL")
        if data and data[0].split():
            imap.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
            imap.expunge()
        date = imaplib.Time2Internaldate(time.time())
        imap.append("INBOX", "", date, message("e2e-1@example.com", "Maya Chen <maya@example.com>", "Launch checklist", "Here is the checklist for Thursday.\nPlease review item 3."))
        imap.append("INBOX", "", date, message("e2e-2@example.com", "Jonas Weber <jonas@example.com>", "Re: Launch checklist", "Looks good to me.\n\n> Please review item 3.", "e2e-1@example.com"))
        imap.append("INBOX", "(\\Seen)", date, message("e2e-3@example.com", "Léa Moreau <lea@example.com>", "Photos from the workshop", "Bonjour ! The photos are attached."))
    elif command == "append":
        mid = sys.argv[5]
        date = imaplib.Time2Internaldate(time.time())
        imap.append("INBOX", "", date, message(mid, "Amir Haddad <amir@example.org>", f"New: {mid}", "Just arrived."))
    elif command == "flags":
        wanted = sys.argv[5]
        typ, data = imap.search(None, "HEADER", "Message-ID", wanted)
        ids = data[0].split()
        if not ids:
            sys.exit("no such message")
        typ, data = imap.fetch(ids[0], "(FLAGS)")
        print(imaplib.ParseFlags(data[0]).__repr__())
    imap.logout()


if __name__ == "__main__":
    main()
