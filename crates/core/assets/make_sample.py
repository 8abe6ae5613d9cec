#!/usr/bin/env python3
"""Writes sample.mbox: the sample workspace a new user can open offline from onboarding.

Deterministic (no randomness, fixed dates), so the file only changes when this script does.
Run: python3 crates/core/assets/make_sample.py > crates/core/assets/sample.mbox
"""
import base64
import email.utils
import sys
from datetime import datetime, timedelta, timezone

BASE = datetime(2026, 11, 2, 8, 30, tzinfo=timezone.utc)
ME = ("Sam Rivera", "sam@example.com")
PEOPLE = {
    "maya": ("Maya Chen", "maya@northwind.example"),
    "jonas": ("Jonas Weber", "jonas@northwind.example"),
    "lea": ("Léa Moreau", "lea@atelier.example"),
    "ops": ("Northwind IT", "it@northwind.example"),
    "news": ("The Weekly Build", "newsletter@weeklybuild.example"),
    "bank": ("Bright Bank", "no-reply@brightbank.example"),
    "amir": ("Amir Haddad", "amir@example.org"),
}


def addr(p):
    return email.utils.formataddr(p)


def header_words(text):
    # RFC 2047 for non-ASCII subjects
    if all(ord(c) < 128 for c in text):
        return text
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


out = []
counter = [0]


def msg(frm, to, subject, body, hours, reply_to=None, refs=(), html=None, attachment=None, cc=()):
    counter[0] += 1
    mid = f"sample-{counter[0]:03d}@orbit.example"
    when = BASE + timedelta(hours=hours)
    h = [
        f"From: {addr(frm)}",
        f"To: {', '.join(addr(t) for t in to)}",
    ]
    if cc:
        h.append(f"Cc: {', '.join(addr(c) for c in cc)}")
    h += [
        f"Subject: {header_words(subject)}",
        f"Date: {email.utils.format_datetime(when)}",
        f"Message-ID: <{mid}>",
        "MIME-Version: 1.0",
    ]
    if reply_to:
        h.append(f"In-Reply-To: <{reply_to}>")
        h.append("References: " + " ".join(f"<{r}>" for r in list(refs) + [reply_to]))
    text = body.strip() + "\n"
    if html is None and attachment is None:
        h.append("Content-Type: text/plain; charset=utf-8")
        h.append("Content-Transfer-Encoding: 8bit")
        part = "\n".join(h) + "\n\n" + text
    else:
        boundary = f"=_orbit_{counter[0]:03d}"
        h.append(f'Content-Type: multipart/{"mixed" if attachment else "alternative"}; boundary="{boundary}"')
        parts = [f"--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}"]
        if html:
            parts.append(f"--{boundary}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{html}\n")
        if attachment:
            name, data = attachment
            encoded = base64.encodebytes(data).decode()
            parts.append(
                f"--{boundary}\nContent-Type: application/octet-stream; name=\"{name}\"\n"
                f"Content-Disposition: attachment; filename=\"{name}\"\nContent-Transfer-Encoding: base64\n\n{encoded}"
            )
        part = "\n".join(h) + "\n\n" + "".join(parts) + f"--{boundary}--\n"
    # mboxrd: escape From lines in the body
    lines = []
    for line in part.split("\n"):
        stripped = line.lstrip(">")
        lines.append(">" + line if stripped.startswith("From ") else line)
    out.append(f"From {frm[1]} {when.strftime('%a %b %d %H:%M:%S %Y')}\n" + "\n".join(lines) + "\n")
    return mid


P = PEOPLE
a = msg(P["maya"], [ME], "Q1 launch plan — draft for review",
        "Hi Sam,\n\nAttached is the first draft of the Q1 launch plan. Could you look at the timeline "
        "in section 3 before Thursday? The beta date is the part I'm least sure about.\n\nThanks,\nMaya",
        0, attachment=("launch-plan-draft.txt", b"Q1 launch plan\n1. Beta: Jan 20\n2. GA: Mar 3\n"), cc=[P["jonas"]])
b = msg(ME, [P["maya"]], "Re: Q1 launch plan — draft for review",
        "Maya,\n\nThe timeline works if QA gets two full weeks. I'd move the beta to Jan 27.\n\n"
        "> Could you look at the timeline in section 3 before Thursday?\n\nSam", 3, reply_to=a, cc=[P["jonas"]])
c = msg(P["jonas"], [ME, P["maya"]], "Re: Q1 launch plan — draft for review",
        "Agree with Jan 27. I'll update the release calendar and tell support.\n\n"
        "> The timeline works if QA gets two full weeks.\n\nJonas", 5, reply_to=b, refs=[a])
msg(P["maya"], [ME, P["jonas"]], "Re: Q1 launch plan — draft for review",
    "Great, Jan 27 it is. I'll send the final version on Monday.", 7, reply_to=c, refs=[a, b])

d = msg(P["lea"], [ME], "Photos from the workshop 📷",
        "Bonjour Sam !\n\nHere are the photos from last week's workshop. The one by the window is my favourite.\n\nÀ bientôt,\nLéa",
        20, html="<p>Bonjour Sam !</p><p>Here are the photos from last week's <b>workshop</b>.</p><p>À bientôt,<br>Léa</p>")
msg(ME, [P["lea"]], "Re: Photos from the workshop 📷", "Merci Léa, they're lovely. Can I use two of them in the newsletter?", 26, reply_to=d)

msg(P["ops"], [ME], "Scheduled maintenance on Saturday",
    "The VPN and the wiki will be unavailable on Saturday from 22:00 to 23:30 UTC.\nNo action is needed.", 30)
msg(P["news"], [ME], "The Weekly Build #142: local-first software is having a moment",
    "This week: CRDTs in production, a tour of SQLite's WAL mode, and why your mail client should work offline.\n\n"
    "Read online: https://weeklybuild.example/142", 40,
    html="<h1>The Weekly Build #142</h1><p>This week: CRDTs in production, a tour of SQLite's WAL mode, and why your "
         "mail client should work offline.</p><p><a href=\"https://weeklybuild.example/142\">Read online</a></p>")
msg(P["bank"], [ME], "Your November statement is ready",
    "Your statement for November is ready. Log in to your account to view it.\nThis is an automated message.", 50)

e = msg(P["amir"], [ME], "Dinner on Friday?", "Hey! Are you free for dinner on Friday around 7? There's a new place near the station.", 60)
f = msg(ME, [P["amir"]], "Re: Dinner on Friday?", "Friday works. 7:30 would be easier for me — see you there!", 62, reply_to=e)
msg(P["amir"], [ME], "Re: Dinner on Friday?", "7:30 it is. I'll book a table for two.", 63, reply_to=f, refs=[e])

msg(P["jonas"], [ME], "Action needed: expense report by Nov 30",
    "Hi Sam,\n\nPlease submit your October expense report by November 30 so finance can close the month. "
    "The template is on the wiki.\n\nJonas", 80)
msg(P["maya"], [ME], "Customer interview notes",
    "Notes from today's three customer interviews are attached. The recurring theme: people want search that "
    "works offline.", 90, attachment=("interview-notes.md", "# Interviews\n- Offline search\n- Faster sync\n".encode()))
msg(P["lea"], [ME], "Réunion de lundi — ordre du jour",
    "Voici l'ordre du jour pour lundi : budget, calendrier, et les photos de l'atelier.", 100)

sys.stdout.write("".join(out))
