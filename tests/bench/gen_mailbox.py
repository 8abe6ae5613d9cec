#!/usr/bin/env python3
"""Deterministic generator of realistic mail for Orbit's mail benchmarks (stdlib only).

    gen_mailbox.py maildir DIR  --count N [--seed S] [--to ADDR] [--owner USER]
    gen_mailbox.py mbox   FILE --count N [--seed S] [--to ADDR]

The same --seed and --count give byte-identical output. What it makes:
  * conversations: 1 to ~25 messages; replies carry In-Reply-To and References (the
    parent's chain plus the parent), "Re:"/"RE:"/"AW:" subjects, and quote the parent;
    a few are forwarded ("Fwd:");
  * bodies: text/plain, multipart/alternative (text + HTML), some multipart/related with an
    inline image, and ~12 % multipart/mixed with 1-3 attachments of 2-60 KB in base64;
  * quoted-printable text (non-ASCII words, long HTML lines), some base64 text parts;
  * non-ASCII display names and subjects as RFC 2047 encoded-words (B and Q), RFC 2231
    attachment file names, a spread of ~400 senders in many time zones;
  * dates over three years (2022-06-01 .. 2025-06-01 UTC), with mailing-list headers,
    Received lines and DKIM-like signatures on some messages.

maildir: writes DIR/{cur,new,tmp}; each message goes to cur/<time>.<n>.bench:2,<flags>
(S on ~70 %, F on ~5 %), mtime = the message date (Dovecot's INTERNALDATE for Maildir).
When run as root the files and the directories it creates are chowned to --owner (default
`nobody`, the user the test Dovecot runs as); pass --owner '' to skip.
mbox: writes one mboxrd file (">From " escaping), oldest first.
"""

import argparse
import base64
import binascii
import datetime as dt
import os
import pwd
import random
import sys
import unicodedata
from urllib.parse import quote

START = dt.datetime(2022, 6, 1, tzinfo=dt.timezone.utc)
END = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
SPAN = int((END - START).total_seconds())

# ---- vocabulary ----------------------------------------------------------------------------

FIRST = [
    "Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Isabel", "Jack",
    "Karen", "Liam", "Maria", "Noah", "Olivia", "Paul", "Quinn", "Rachel", "Sam", "Tina",
    "Uma", "Victor", "Wendy", "Xavier", "Yara", "Zach", "José", "Zoë", "Renée", "Björn",
    "Søren", "Łukasz", "François", "Jürgen", "Chloé", "Ana", "Mikael", "Ingrid", "Dmitri",
    "Priya", "Ahmed", "Fatima", "Kenji", "Mei", "Olga", "Pedro", "Siobhán", "Tomás",
]
LAST = [
    "Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Thomas", "Roberts", "Walker",
    "Wright", "Müller", "Schröder", "García", "Martínez", "Nuñez", "Dubois", "Lefèvre",
    "Kowalski", "Ødegaard", "Ångström", "Nakamura", "Chen", "Patel", "Okafor", "Novák",
    "O'Brien", "Rossi", "Bianchi", "Johansson", "Virtanen", "Papadopoulos", "Yılmaz",
]
# Names written in other scripts, with the ASCII local part of their address.
NATIVE = [
    ("田中 太郎", "taro.tanaka"), ("王芳", "fang.wang"), ("김민준", "minjun.kim"),
    ("Дмитрий Иванов", "d.ivanov"), ("Αλέξανδρος Παπαδόπουλος", "alex.papa"),
    ("محمد علي", "m.ali"), ("Nguyễn Văn An", "an.nguyen"), ("שרה כהן", "sarah.cohen"),
]
DOMAINS = [
    "example.com", "example.org", "example.net", "mail.example.de", "corp.example.co.uk",
    "example.fr", "lists.example.org", "example.jp", "uni.example.edu", "example.io",
]
ZONES = [-8 * 60, -7 * 60, -5 * 60, -3 * 60, 0, 60, 120, 180, 330, 480, 540, 600]

WORDS = (
    "the project plan needs review before we ship next week and I think the numbers look "
    "good but the budget is tight so please check the attached draft and send comments "
    "meeting agenda schedule customer feedback release notes deadline quarter results "
    "team update design document proposal contract invoice payment travel hotel flight "
    "conference talk slides demo server outage incident report database migration backup "
    "restore performance latency memory usage dashboard metrics roadmap priorities hiring "
    "interview candidate onboarding training workshop lunch coffee tomorrow today monday "
    "friday morning afternoon evening call video link room calendar invite reminder "
    "question answer issue bug fix patch branch merge test build deploy staging production "
    "café naïve façade résumé Grüße Straße déjà-vu smörgåsbord jalapeño crème brûlée "
    "über coöperate Zürich São-Paulo Kraków Malmö Ærø"
).split()

TOPICS = [
    "Quarterly report", "Budget review", "Team offsite", "Release {n}", "Server migration",
    "Contract renewal", "Hiring plan", "Design review", "Customer escalation", "Invoice #{n}",
    "Travel to {city}", "Weekly sync", "Board meeting notes", "Security audit",
    "Product roadmap {year}", "Holiday schedule", "Onboarding checklist", "Bug {n} in login",
    "Überprüfung des Angebots", "Réunion de lundi", "Präsentation für {city}",
    "Café meeting — {city}", "Résumé and references", "会議の議事録 {n}", "Отчёт за квартал",
    "🚀 Launch plan {n}", "Newsletter: what's new in {year}", "Your order {n} has shipped",
    "[dev-list] Proposal: {feature}", "[announce] Version {n} released", "Lunch on Friday?",
]
CITIES = ["Berlin", "Paris", "Tokyo", "São Paulo", "Zürich", "Kraków", "New York", "Malmö"]
FEATURES = ["async I/O", "plugin API", "dark mode", "offline sync", "faster search"]
MAILERS = [
    "Mozilla Thunderbird", "Apple Mail (2.3696)", "Microsoft Outlook 16.0", "Mutt/2.2.9",
    "Roundcube Webmail/1.6.1", "K-9 Mail for Android", "Evolution 3.46.4",
]
ATTACH_TYPES = [
    ("application/pdf", "pdf", b"%PDF-1.4\n"),
    ("image/jpeg", "jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx",
     b"PK\x03\x04"),
    ("application/zip", "zip", b"PK\x03\x04"),
    ("text/csv", "csv", b"date,amount,currency\n"),
]
ATTACH_NAMES = [
    "report", "invoice", "photo", "slides", "contract", "budget-2024", "Präsentation",
    "résumé", "scan", "Übersicht Q3", "diagram", "notes", "見積書",
]


def ascii_local(name):
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = "".join(c for c in text.lower() if c.isalnum() or c in " .")
    return ".".join(text.split()) or "user"


def make_people(rng):
    people = []
    for _ in range(400):
        if rng.random() < 0.05:
            name, local = rng.choice(NATIVE)
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            local = ascii_local(name)
        if rng.random() < 0.2:
            local += str(rng.randrange(2, 99))
        people.append((name, f"{local}@{rng.choice(DOMAINS)}", rng.choice(ZONES)))
    return people


# ---- header encoding -----------------------------------------------------------------------

def encoded_words(text, mode):
    """RFC 2047 encoded-words (UTF-8, B or Q), each at most 75 characters."""
    words, chunk = [], ""
    limit = 40 if mode == "B" else 18   # characters per word, so no word exceeds 75
    for ch in text:
        if len((chunk + ch).encode()) > limit:
            words.append(chunk)
            chunk = ""
        chunk += ch
    if chunk:
        words.append(chunk)
    out = []
    for w in words:
        raw = w.encode()
        if mode == "B":
            body = base64.b64encode(raw).decode()
        else:
            body = "".join(
                "_" if b == 0x20 else
                chr(b) if (0x30 <= b <= 0x39 or 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A)
                else f"={b:02X}" for b in raw)
        out.append(f"=?UTF-8?{mode}?{body}?=")
    return "\r\n ".join(out).replace("\r\n", "\n")


def header_text(text, rng):
    if text.isascii():
        return text
    return encoded_words(text, "B" if rng.random() < 0.5 else "Q")


def address(name, email, rng):
    if not name:
        return email
    if name.isascii():
        if any(c in name for c in ",.'()<>@;:\\\""):
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{name} <{email}>"
    return f"{header_text(name, rng)} <{email}>"


def rfc2822_date(ts, zone_minutes):
    tz = dt.timezone(dt.timedelta(minutes=zone_minutes))
    when = dt.datetime.fromtimestamp(ts, tz)
    sign = "+" if zone_minutes >= 0 else "-"
    off = abs(zone_minutes)
    return when.strftime("%a, %d %b %Y %H:%M:%S ") + f"{sign}{off // 60:02d}{off % 60:02d}"


def fold(name, values):
    """A header with many items, folded at about 76 characters."""
    line, lines = f"{name}:", []
    for v in values:
        if len(line) + 1 + len(v) > 76 and line != f"{name}:":
            lines.append(line)
            line = " " + v
        else:
            line += " " + v
    lines.append(line)
    return "\n".join(lines)


# ---- bodies ----------------------------------------------------------------------------------

def sentence(rng):
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ".", ".", "?", "!"])


def paragraphs(rng, lo=1, hi=5):
    return [" ".join(sentence(rng) for _ in range(rng.randint(1, 5)))
            for _ in range(rng.randint(lo, hi))]


def wrap(text, width=72):
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    return out


def own_text(seed, index):
    """The new text a message adds (replies quote their parent's with this)."""
    rng = random.Random(f"{seed}:text:{index}")
    return paragraphs(rng)


def qp(text):
    return binascii.b2a_qp(text.encode(), istext=True).decode()


def b64(data):
    enc = base64.b64encode(data).decode()
    return "\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))


def text_part(text, rng):
    """(headers, encoded body) of a text/plain part."""
    raw = text.encode()
    if rng.random() < 0.05:
        return ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64",
                b64(raw))
    if text.isascii() and all(len(line) <= 76 for line in text.split("\n")):
        return ("Content-Type: text/plain; charset=us-ascii; format=flowed\n"
                "Content-Transfer-Encoding: 7bit", text)
    return ("Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable", qp(text))


def html_of(paras, quoted, quoted_header, cid=None):
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = "".join(f'<p style="margin:0 0 12px 0;font-family:Helvetica,Arial,sans-serif;">'
                   f"{esc(p)}</p>" for p in paras)
    if cid:
        body += f'<p><img src="cid:{cid}" alt="inline image" width="320" height="200"></p>'
    if quoted:
        body += (f'<div class="quote-header">{esc(quoted_header)}</div>'
                 '<blockquote type="cite" style="margin:0 0 0 .8ex;border-left:1px solid '
                 '#ccc;padding-left:1ex">'
                 + "".join(f"<p>{esc(p)}</p>" for p in quoted) + "</blockquote>")
    return ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
            'charset=utf-8"><style>body{color:#222;font-size:14px}</style></head>'
            f'<body><div dir="ltr">{body}</div></body></html>')


def attachment(rng):
    mime, ext, magic = rng.choice(ATTACH_TYPES)
    size = rng.randint(2 * 1024, 60 * 1024)
    if mime == "text/csv":
        rows = [f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                f"{rng.randint(1, 99999) / 100:.2f},EUR" for _ in range(size // 24)]
        data = magic + "\n".join(rows).encode()
    else:
        data = magic + rng.randbytes(size - len(magic))
    stem = rng.choice(ATTACH_NAMES)
    name = f"{stem}.{ext}"
    if name.isascii():
        disp = f'attachment; filename="{name}"'
        ctype = f'{mime}; name="{name}"'
    else:
        disp = f"attachment; filename*=UTF-8''{quote(name)}"
        ctype = f'{mime}; name="{encoded_words(name, "B")}"'
    headers = (f"Content-Type: {ctype}\nContent-Disposition: {disp}; size={len(data)}\n"
               "Content-Transfer-Encoding: base64")
    return headers, b64(data)


def multipart(kind, boundary, parts):
    """A multipart part: (its Content-Type header, its body with every subpart)."""
    out = ["This is a multi-part message in MIME format."]
    for headers, body in parts:
        out += [f"--{boundary}", headers, "", body]
    out.append(f"--{boundary}--")
    return f'Content-Type: multipart/{kind};\n\tboundary="{boundary}"', "\n".join(out)


def html_part(paras, quoted, quoted_header, cid=None):
    return ("Content-Type: text/html; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable",
            qp(html_of(paras, quoted, quoted_header, cid)))


def render_body(rng, seed, index, paras, quoted, quoted_header):
    """The MIME structure of a message: (top-level content headers, body)."""
    text = "\n\n".join("\n".join(wrap(p)) for p in paras)
    text += "\n\n-- \n" + rng.choice(["Sent from my phone", "Best regards", "Cheers",
                                        "Mit freundlichen Grüßen", "Cordialement"])
    if quoted:
        lines = []
        for p in quoted:
            lines += ["> " + line for line in wrap(p, 70)] + [">"]
        text += f"\n\n{quoted_header}\n" + "\n".join(lines[:-1])
    bnd = f"----=_Part_{seed}_{index}"
    shape = rng.random()
    if shape < 0.30:
        body = text_part(text, rng)
    elif shape < 0.96:
        body = multipart("alternative", bnd + "_alt",
                         [text_part(text, rng), html_part(paras, quoted, quoted_header)])
    else:
        cid = f"img{index}.{seed}@bench"
        img = b"\x89PNG\r\n\x1a\n" + rng.randbytes(rng.randint(2048, 8192))
        related = multipart("related", bnd + "_rel", [
            html_part(paras, quoted, quoted_header, cid),
            (f'Content-Type: image/png; name="image{index}.png"\nContent-ID: <{cid}>\n'
             'Content-Disposition: inline; filename="image.png"\n'
             "Content-Transfer-Encoding: base64", b64(img))])
        body = multipart("alternative", bnd + "_alt", [text_part(text, rng), related])
    if rng.random() < 0.12:
        files = [attachment(rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        body = multipart("mixed", bnd + "_mix", [body] + files)
    return body


# ---- conversation plan -----------------------------------------------------------------------

THREAD_SIZES = [(1, 55), (2, 15), (3, 10), (4, 7), (5, 4), (6, 3), (8, 3), (12, 2), (25, 1)]


def plan(count, seed):
    """Small records for every message, oldest first: who, when, subject, parent."""
    rng = random.Random(f"{seed}:plan")
    people = make_people(rng)
    sizes, weights = zip(*THREAD_SIZES)
    msgs = []
    while len(msgs) < count:
        size = min(rng.choices(sizes, weights)[0], count - len(msgs))
        if size >= 8:
            size = rng.randint(7, size)
        topic = rng.choice(TOPICS).format(n=rng.randint(100, 9999), city=rng.choice(CITIES),
                                          year=rng.randint(2022, 2025),
                                          feature=rng.choice(FEATURES))
        cast = rng.sample(range(len(people)), rng.randint(2, 5))
        listed = topic.startswith("[")
        when = START.timestamp() + rng.randrange(SPAN - 40 * 86400)
        forwarded = rng.random() < 0.03
        first = len(msgs)
        for k in range(size):
            parent = None
            if k:
                # Mostly a reply to the latest message, sometimes to an earlier one.
                parent = first + (rng.randrange(k) if rng.random() < 0.25 else k - 1)
                if rng.random() < 0.8:
                    delay = rng.expovariate(1 / 7200) + 60       # minutes to hours
                else:
                    delay = rng.randrange(86400 * 5)              # up to five days
                when = max(msgs[parent]["date"] + delay, msgs[-1]["date"] + 1)
            sender = people[cast[k % len(cast)] if k else cast[0]]
            if k == 0:
                subject = topic
            elif forwarded and k == 1:
                subject = "Fwd: " + topic
            else:
                prefix = rng.choices(["Re: ", "RE: ", "AW: ", "Re: Re: "], [80, 10, 5, 5])[0]
                subject = prefix + topic
            msgs.append({
                "thread": first, "date": int(min(when, END.timestamp() - 1)),
                "sender": sender, "cast": [people[c] for c in cast], "subject": subject,
                "parent": parent, "listed": listed, "order": len(msgs),
            })
    for i, m in enumerate(msgs):
        m["mid"] = f"{seed}.{i}.{random.Random(f'{seed}:mid:{i}').getrandbits(48):012x}" \
                   f"@{m['sender'][1].split('@')[1]}"
    for m in msgs:
        if m["parent"] is None:
            m["refs"] = []
        else:
            p = msgs[m["parent"]]
            m["refs"] = (p["refs"] + [p["mid"]])[-12:]
    # Oldest first; generation order breaks ties.
    order = sorted(range(len(msgs)), key=lambda i: (msgs[i]["date"], i))
    return msgs, order


def render(msgs, i, seed, to_addr):
    m = msgs[i]
    rng = random.Random(f"{seed}:render:{i}")
    name, email, zone = m["sender"]
    recipients = [address("", to_addr, rng)] + [
        address(n, e, rng) for (n, e, _) in m["cast"] if e != email][:rng.randint(0, 2)]
    cc = [address(n, e, rng) for (n, e, _) in m["cast"] if e != email][2:]
    lines = [
        f"Return-Path: <{email}>",
        f"Received: from mx{rng.randint(1, 9)}.{email.split('@')[1]} "
        f"(mx{rng.randint(1, 9)}.{email.split('@')[1]} [192.0.2.{rng.randint(1, 254)}])\n"
        f"\tby imap.example.com (Postfix) with ESMTPS id {rng.getrandbits(40):010X}\n"
        f"\tfor <{to_addr}>; {rfc2822_date(m['date'] + rng.randint(1, 30), 0)}",
    ]
    if rng.random() < 0.5:
        sig = base64.b64encode(rng.randbytes(180)).decode()
        lines.append("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; "
                     f"d={email.split('@')[1]};\n\ts=s1; h=from:to:subject:date:message-id;\n"
                     f"\tbh={base64.b64encode(rng.randbytes(32)).decode()};\n"
                     + "\n".join(f"\t{sig[k:k + 70]}" for k in range(0, len(sig), 70)))
    lines += [
        f"Date: {rfc2822_date(m['date'], zone)}",
        f"From: {address(name, email, rng)}",
        fold("To", [r + "," for r in recipients[:-1]] + recipients[-1:]),
    ]
    if cc:
        lines.append(fold("Cc", [r + "," for r in cc[:-1]] + cc[-1:]))
    lines.append(f"Subject: {header_text(m['subject'], rng)}")
    lines.append(f"Message-ID: <{m['mid']}>")
    if m["parent"] is not None:
        parent = msgs[m["parent"]]
        lines.append(f"In-Reply-To: <{parent['mid']}>")
        lines.append(fold("References", [f"<{r}>" for r in m["refs"]]))
    if m["listed"]:
        lst = m["subject"].split("]")[0].split("[")[-1]
        lines += [f"List-Id: {lst.title()} <{lst}.lists.example.org>",
                  f"List-Unsubscribe: <mailto:{lst}-unsubscribe@lists.example.org>",
                  "Precedence: list"]
    lines += [f"X-Mailer: {rng.choice(MAILERS)}", "MIME-Version: 1.0"]
    if rng.random() < 0.4:
        lines.append(f"Content-Language: {rng.choice(['en-US', 'de-DE', 'fr-FR', 'en-GB'])}")
    paras = own_text(seed, i)
    quoted, quoted_header = [], ""
    if m["parent"] is not None:
        parent = msgs[m["parent"]]
        quoted = own_text(seed, m["parent"])
        quoted_header = (f"On {rfc2822_date(parent['date'], parent['sender'][2])}, "
                         f"{parent['sender'][0]} <{parent['sender'][1]}> wrote:")
    content_headers, body = render_body(rng, seed, i, paras, quoted, quoted_header)
    lines += [content_headers, "", body]
    return ("\n".join(lines) + "\n").encode()


# ---- output ----------------------------------------------------------------------------------

def owner_ids(owner):
    if owner == "" or os.geteuid() != 0:
        return None
    pw = pwd.getpwnam(owner)
    return pw.pw_uid, pw.pw_gid


def make_dirs(path, ids):
    """mkdir -p, chowning every directory it creates."""
    missing = []
    p = os.path.abspath(path)
    while not os.path.isdir(p):
        missing.append(p)
        p = os.path.dirname(p)
    for d in reversed(missing):
        os.mkdir(d, 0o700)
        if ids:
            os.chown(d, *ids)


def write_maildir(root, count, seed, to_addr, owner):
    ids = owner_ids(owner)
    for sub in ("cur", "new", "tmp"):
        make_dirs(os.path.join(root, sub), ids)
    msgs, order = plan(count, seed)
    rng = random.Random(f"{seed}:flags")
    total = 0
    for n, i in enumerate(order, 1):
        flags = ("F" if rng.random() < 0.05 else "") + ("S" if rng.random() < 0.70 else "")
        ts = msgs[i]["date"]
        path = os.path.join(root, "cur", f"{ts}.{n}.bench:2,{flags}")
        data = render(msgs, i, seed, to_addr)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (ts, ts))
        if ids:
            os.chown(path, *ids)
        total += len(data)
    return total


def write_mbox(path, count, seed, to_addr):
    msgs, order = plan(count, seed)
    total = 0
    with open(path, "wb") as out:
        for i in order:
            data = render(msgs, i, seed, to_addr)
            when = dt.datetime.fromtimestamp(msgs[i]["date"], dt.timezone.utc)
            out.write(f"From {msgs[i]['sender'][1]} {when.strftime('%a %b %e %H:%M:%S %Y')}\n"
                      .encode())
            for line in data.split(b"\n")[:-1]:
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                out.write(line + b"\n")
            out.write(b"\n")
            total += len(data)
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=["maildir", "mbox"])
    ap.add_argument("path")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", default="orbit-bench")
    ap.add_argument("--to", default="me@example.com", help="the mailbox owner's address")
    ap.add_argument("--owner", default="nobody",
                    help="chown to this user when run as root ('' to skip)")
    args = ap.parse_args(argv)
    if args.count < 1:
        ap.error("--count must be positive")
    if args.mode == "maildir":
        size = write_maildir(args.path, args.count, args.seed, args.to, args.owner)
    else:
        size = write_mbox(args.path, args.count, args.seed, args.to)
    print(f"gen_mailbox: {args.count} messages, {size / 1e6:.1f} MB -> {args.path}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
