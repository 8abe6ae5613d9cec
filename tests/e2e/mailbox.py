#!/usr/bin/python3
"""Plays another mail client for the WebDriver test, over plain IMAP on loopback.

  mailbox.py seed PORT USER PASSWORD       empty INBOX and put three messages in it
  mailbox.py flags PORT USER PASSWORD ID   print the flags of the INBOX message with Message-ID ID
  mailbox.py append PORT USER PASSWORD ID  put a new message with Message-ID ID in INBOX
  mailbox.py newsletter PORT USER PASSWORD ID  put a 200 KB HTML newsletter with Message-ID ID in INBOX
  mailbox.py hostile PORT USER PASSWORD DIR URL
                                           put every DIR/*.html (the hostile corpus) in INBOX
                                           as an HTML mail, TRACKING_URL replaced by URL
"""

import imaplib
import os
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
    elif command == "newsletter":
        mid = sys.argv[5]
        rows = []
        i = 0
        while sum(len(r) for r in rows) < 200 * 1024:
            rows.append(
                f'<tr><td align="center" style="padding:16px 24px;font-family:Arial,sans-serif;'
                f'font-size:15px;line-height:22px;color:#333333;background:#ffffff">'
                f'<table width="600" style="border-collapse:collapse"><tr><td width="180">'
                f'<img src="https://cdn.example.com/img/{i}.jpg" width="180" alt="Story {i}" style="display:block;border:0"></td>'
                f'<td style="padding-left:16px"><h2 style="margin:0 0 8px;font-size:20px">Story number {i}</h2>'
                f'<p style="margin:0">Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor '
                f'incididunt ut labore et dolore magna aliqua.</p><a href="https://example.com/s/{i}" style="color:#0066cc">Read more</a>'
                f'</td></tr></table></td></tr>'
            )
            i += 1
        html = '<table width="100%" bgcolor="#f4f4f4">' + "".join(rows) + "</table>"
        raw = (
            f"Message-ID: <{mid}>\r\nFrom: Weekly News <news@example.com>\r\nTo: Alice <alice@example.com>\r\n"
            "Subject: The weekly newsletter\r\nDate: Thu, 26 Nov 2026 07:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n"
        ).encode()
        imap.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
        print(len(raw))
    elif command == "hostile":
        folder, url = sys.argv[5], sys.argv[6]
        date = imaplib.Time2Internaldate(time.time())
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".html"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                html = f.read().replace("TRACKING_URL", url)
            stem = name[: -len(".html")]
            raw = (
                f"Message-ID: <{stem}@hostile.example>\r\n"
                "From: Mallory <mallory@hostile.example>\r\n"
                "To: Alice <alice@example.com>\r\n"
                f"Subject: hostile {stem}\r\n"
                "Date: Wed, 25 Nov 2026 08:00:00 +0000\r\n"
                "MIME-Version: 1.0\r\n"
                "Content-Type: text/html; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n"
                + html.replace("\r\n", "\n").replace("\n", "\r\n")
                + "\r\n"
            ).encode("utf-8")
            imap.append("INBOX", "(\\Seen)", date, raw)
        print(len([n for n in os.listdir(folder) if n.endswith(".html")]))
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
