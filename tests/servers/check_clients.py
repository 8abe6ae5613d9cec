#!/usr/bin/python3
"""Client-side half of tests/servers/check.sh (owned by tests/servers/). Stdlib only.

Reads the ORBIT_TEST_* variables from STATE_DIR/env.sh (already exported by check.sh) and talks
to every server with real clients: imaplib, smtplib, http.client and a raw socket. Prints one
line per check and exits non-zero on the first failure.
"""
import email
import http.client
import imaplib
import os
import smtplib
import socket
import ssl
import sys
import time
import uuid
from base64 import b64encode

E = os.environ
HOST = "127.0.0.1"
CA = E["ORBIT_TEST_CA"]
USER, PW = E["ORBIT_TEST_USER"], E["ORBIT_TEST_PASSWORD"]
USER2, PW2 = E.get("ORBIT_TEST_USER2", "bob"), E.get("ORBIT_TEST_PASSWORD2", "bob-secret-pw")
IMAP, IMAPS = int(E["ORBIT_TEST_IMAP_PORT"]), int(E["ORBIT_TEST_IMAPS_PORT"])
LEGACY_IMAP, LEGACY_IMAPS = int(E["ORBIT_TEST_LEGACY_IMAP_PORT"]), int(E["ORBIT_TEST_LEGACY_IMAPS_PORT"])
STATE = E["ORBIT_TEST_STATE_DIR"]
SMTP, SMTP_STARTTLS, SMTPS = (int(E["ORBIT_TEST_SMTP_PORT"]), int(E["ORBIT_TEST_SMTP_STARTTLS_PORT"]),
                              int(E["ORBIT_TEST_SMTPS_PORT"]))
CALDAV = E["ORBIT_TEST_CALDAV_URL"]
BLACKHOLE = int(E["ORBIT_TEST_BLACKHOLE_PORT"])
MAILDIR = E["ORBIT_TEST_SMTP_MAILDIR"]


def ok(msg):
    print("  ok   " + msg, flush=True)


def fail(msg):
    print("  FAIL " + msg, flush=True)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)
    ok(msg)


def ctx():
    return ssl.create_default_context(cafile=CA)   # verifies chain and the IP/DNS SAN


# ---------------------------------------------------------------------------------- IMAP
def imap_session(kind):
    if kind == "plain":
        c = imaplib.IMAP4(HOST, IMAP, timeout=10)
    elif kind == "starttls":
        c = imaplib.IMAP4(HOST, IMAP, timeout=10)
        expect("STARTTLS" in c.capabilities, "imap plain port advertises STARTTLS")
        c.starttls(ssl_context=ctx())
    else:
        c = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=ctx(), timeout=10)
    return c


def check_imap():
    print("IMAP (Dovecot)")
    for kind in ("plain", "starttls", "imaps"):
        c = imap_session(kind)
        typ, _ = c.login(USER, PW)
        expect(typ == "OK", f"imap {kind}: LOGIN {USER}")
        caps = set(c.capabilities)
        if kind == "plain":
            typ, data = c.capability()
            caps = set(data[0].decode().split())
            expect({"CONDSTORE", "QRESYNC", "IDLE", "MOVE", "UIDPLUS"} <= caps,
                   "imap: CONDSTORE QRESYNC IDLE MOVE UIDPLUS advertised after login")
            typ, data = c.list()
            names = b"\n".join(data)
            expect(all(s in names for s in (rb"\Sent", rb"\Drafts", rb"\Trash")),
                   "imap: special-use Sent/Drafts/Trash exist")
        token = uuid.uuid4().hex
        msg = (f"From: {USER}@localhost\r\nTo: {USER}@localhost\r\nSubject: check {token}\r\n"
               f"Message-ID: <{token}@localhost>\r\n\r\nhello over {kind}\r\n").encode()
        typ, _ = c.append("INBOX", r"(\Seen)", imaplib.Time2Internaldate(time.time()), msg)
        expect(typ == "OK", f"imap {kind}: APPEND (maildir writable)")
        c.select("INBOX")
        typ, data = c.uid("SEARCH", None, "HEADER", "Message-ID", f"<{token}@localhost>")
        uids = data[0].split()
        expect(typ == "OK" and len(uids) == 1, f"imap {kind}: SEARCH finds the appended message")
        typ, data = c.uid("FETCH", uids[0], "(BODY.PEEK[])")
        expect(data[0][1] == msg, f"imap {kind}: FETCH returns it byte for byte")
        c.logout()

    c = imaplib.IMAP4(HOST, IMAP, timeout=10)
    t = time.monotonic()
    try:
        c.login(USER, "wrong-password")
        fail("imap: wrong password accepted")
    except imaplib.IMAP4.error:
        ok(f"imap: wrong password rejected ({time.monotonic() - t:.2f}s)")
    c.logout()
    c = imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=ctx(), timeout=10)
    expect(c.login(USER2, PW2)[0] == "OK", f"imap imaps: LOGIN {USER2}")
    c.logout()

    # Without the test CA, verification must fail: proves TLS really is checked.
    try:
        imaplib.IMAP4_SSL(HOST, IMAPS, ssl_context=ssl.create_default_context(), timeout=10)
        fail("imaps: verified without the test CA?!")
    except ssl.SSLCertVerificationError:
        ok("imaps: untrusted without the test CA (SSLCertVerificationError)")


def post_login_caps(c):
    typ, data = c.capability()
    if typ != "OK":
        fail(f"CAPABILITY -> {typ}")
    return data[0].decode().split()


def check_legacy_imap():
    """The second Dovecot: no CONDSTORE/QRESYNC, own maildirs, same users, cert and folders.
    Sends nothing that would enable CONDSTORE (that would make SELECT report HIGHESTMODSEQ)."""
    print("IMAP legacy (Dovecot without CONDSTORE/QRESYNC)")
    c = imaplib.IMAP4(HOST, IMAP, timeout=10)
    c.login(USER, PW)
    normal = post_login_caps(c)
    c.logout()

    tokens = []
    for kind in ("plain", "starttls", "imaps"):
        if kind == "imaps":
            c = imaplib.IMAP4_SSL(HOST, LEGACY_IMAPS, ssl_context=ctx(), timeout=10)
        else:
            c = imaplib.IMAP4(HOST, LEGACY_IMAP, timeout=10)
            if kind == "starttls":
                expect("STARTTLS" in c.capabilities, "legacy imap plain port advertises STARTTLS")
                c.starttls(ssl_context=ctx())
        typ, _ = c.login(USER, PW)
        expect(typ == "OK", f"legacy imap {kind}: LOGIN {USER}")
        caps = post_login_caps(c)
        expect("CONDSTORE" not in caps and "QRESYNC" not in caps,
               f"legacy imap {kind}: no CONDSTORE/QRESYNC in CAPABILITY after login")
        expect({"IMAP4rev1", "IDLE", "UIDPLUS", "MOVE", "ENABLE", "SPECIAL-USE"} <= set(caps),
               f"legacy imap {kind}: IDLE UIDPLUS MOVE ENABLE SPECIAL-USE advertised")
        if kind == "plain":
            want = [x for x in normal if x not in ("CONDSTORE", "QRESYNC")]
            if caps != want:
                print("    normal minus CONDSTORE/QRESYNC: " + " ".join(want))
                print("    legacy:                         " + " ".join(caps))
                fail("legacy imap: CAPABILITY is not the normal list minus CONDSTORE/QRESYNC")
            ok("legacy imap: CAPABILITY is exactly the normal list minus CONDSTORE/QRESYNC")
            typ, data = c.list()
            names = b"\n".join(data)
            expect(all(s in names for s in (rb"\Sent", rb"\Drafts", rb"\Trash", rb"\Junk", rb"\Archive")),
                   "legacy imap: special-use Drafts/Sent/Trash/Junk/Archive exist")
        token = uuid.uuid4().hex
        tokens.append(token)
        msg = (f"From: {USER}@localhost\r\nTo: {USER}@localhost\r\nSubject: legacy {token}\r\n"
               f"Message-ID: <{token}@localhost>\r\n\r\nhello over legacy {kind}\r\n").encode()
        typ, data = c.append("INBOX", r"(\Seen)", imaplib.Time2Internaldate(time.time()), msg)
        expect(typ == "OK" and b"APPENDUID" in data[0], f"legacy imap {kind}: APPEND -> [APPENDUID]")
        typ, data = c.select("INBOX")
        expect(typ == "OK", f"legacy imap {kind}: SELECT INBOX ({int(data[0])} messages)")
        codes = sorted(k for k in c.untagged_responses if k not in ("OK", "FLAGS", "EXISTS", "RECENT"))
        if "HIGHESTMODSEQ" in c.untagged_responses or "NOMODSEQ" in c.untagged_responses:
            fail(f"legacy imap {kind}: SELECT reported a modseq: {c.untagged_responses}")
        ok(f"legacy imap {kind}: SELECT without HIGHESTMODSEQ/NOMODSEQ (codes: {' '.join(codes)})")
        typ, data = c.uid("SEARCH", None, "HEADER", "Message-ID", f"<{token}@localhost>")
        uids = data[0].split()
        expect(typ == "OK" and len(uids) == 1, f"legacy imap {kind}: SEARCH finds the appended message")
        typ, data = c.uid("FETCH", uids[0], "(FLAGS BODY.PEEK[])")
        expect(data[0][1] == msg and b"\\Seen" in data[0][0],
               f"legacy imap {kind}: FETCH returns it byte for byte, \\Seen set")
        c.logout()

    c = imaplib.IMAP4(HOST, LEGACY_IMAP, timeout=10)
    try:
        c.login(USER, "wrong-password")
        fail("legacy imap: wrong password accepted")
    except imaplib.IMAP4.error:
        ok("legacy imap: wrong password rejected")
    c.logout()
    c = imaplib.IMAP4_SSL(HOST, LEGACY_IMAPS, ssl_context=ctx(), timeout=10)
    expect(c.login(USER2, PW2)[0] == "OK", f"legacy imap imaps: LOGIN {USER2}")
    c.logout()

    # Own maildirs: the messages are files under dovecot-legacy/, the normal instance lacks them.
    new = os.path.join(STATE, "dovecot-legacy", "mail", USER, "Maildir", "new")
    cur = os.path.join(STATE, "dovecot-legacy", "mail", USER, "Maildir", "cur")
    found = 0
    for d in (new, cur):
        for name in os.listdir(d) if os.path.isdir(d) else []:
            raw = open(os.path.join(d, name), "rb").read()
            found += any(t.encode() in raw for t in tokens)
    expect(found == len(tokens), f"legacy imap: the {len(tokens)} messages are files in dovecot-legacy/mail/{USER}/Maildir")
    c = imaplib.IMAP4(HOST, IMAP, timeout=10)
    c.login(USER, PW)
    c.select("INBOX", readonly=True)
    typ, data = c.uid("SEARCH", None, "HEADER", "Message-ID", f"<{tokens[0]}@localhost>")
    expect(typ == "OK" and data[0].split() == [], "legacy imap: the normal instance does not see them")
    c.logout()


# ---------------------------------------------------------------------------------- SMTP
def mail_cmd(s):
    code, _ = s.mail(f"{USER}@localhost")
    if code != 250:
        s.rset()
    return code


def auth_plain(s, user, pw):
    # Explicit PLAIN (smtplib's login() would pick its own preference).
    s.user, s.password = user, pw
    return s.auth("PLAIN", s.auth_plain)


def auth_login(s, user, pw):
    s.user, s.password = user, pw
    return s.auth("LOGIN", s.auth_login, initial_response_ok=False)


def check_smtp():
    print("SMTP (aiosmtpd)")
    sent = {}

    def send(s, label):
        token = uuid.uuid4().hex
        body = (f"From: {USER}@localhost\r\nTo: {USER2}@localhost\r\nSubject: smtp {label} {token}\r\n"
                f"Message-ID: <{token}@localhost>\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"\r\nGr\u00fc\u00dfe over {label}\r\n.leading dot line\r\n").encode("utf-8")
        refused = s.sendmail(f"{USER}@localhost", [f"{USER2}@localhost"], body)
        expect(refused == {}, f"smtp {label}: message accepted (250)")
        sent[token] = (label, body)

    def wrong_pw(s, label):
        try:
            auth_plain(s, USER, "wrong-password")
            fail(f"smtp {label}: wrong password accepted")
        except smtplib.SMTPAuthenticationError as e:
            expect(e.smtp_code == 535, f"smtp {label}: wrong password -> {e.smtp_code}")
        try:
            auth_plain(s, "mallory", PW)
            fail(f"smtp {label}: unknown user accepted")
        except smtplib.SMTPAuthenticationError as e:
            expect(e.smtp_code == 535, f"smtp {label}: unknown user -> {e.smtp_code}")

    # plain
    s = smtplib.SMTP(HOST, SMTP, timeout=10)
    s.ehlo("check")
    expect(s.has_extn("auth") and not s.has_extn("starttls"),
           "smtp plain: AUTH offered without TLS, no STARTTLS")
    expect(mail_cmd(s) == 530, "smtp plain: MAIL before AUTH -> 530")
    wrong_pw(s, "plain")
    expect(auth_plain(s, USER, PW)[0] == 235, "smtp plain: AUTH PLAIN -> 235")
    send(s, "plain")
    s.quit()
    s = smtplib.SMTP(HOST, SMTP, timeout=10)
    s.ehlo("check")
    expect(auth_login(s, USER2, PW2)[0] == 235, f"smtp plain: AUTH LOGIN {USER2} -> 235")
    s.quit()

    # STARTTLS required
    s = smtplib.SMTP(HOST, SMTP_STARTTLS, timeout=10)
    s.ehlo("check")
    expect(s.has_extn("starttls") and not s.has_extn("auth"),
           "smtp starttls: STARTTLS offered, AUTH not before it")
    expect(mail_cmd(s) == 530, "smtp starttls: MAIL before STARTTLS -> 530")
    code, _ = s.docmd("AUTH", "PLAIN " + b64encode(f"\0{USER}\0{PW}".encode()).decode())
    expect(code == 530, f"smtp starttls: AUTH before STARTTLS -> {code}")
    s.starttls(context=ctx())
    s.ehlo("check")
    expect(s.has_extn("auth"), "smtp starttls: AUTH offered after STARTTLS")
    expect(mail_cmd(s) == 530, "smtp starttls: MAIL before AUTH -> 530")
    wrong_pw(s, "starttls")
    expect(auth_login(s, USER, PW)[0] == 235, "smtp starttls: AUTH LOGIN -> 235")
    send(s, "starttls")
    s.quit()

    # implicit TLS
    s = smtplib.SMTP_SSL(HOST, SMTPS, context=ctx(), timeout=10)
    s.ehlo("check")
    expect(s.has_extn("auth"), "smtps: AUTH offered")
    expect(mail_cmd(s) == 530, "smtps: MAIL before AUTH -> 530")
    wrong_pw(s, "smtps")
    expect(auth_plain(s, USER, PW)[0] == 235, "smtps: AUTH PLAIN -> 235")
    send(s, "smtps")
    s.quit()

    # delivery into the maildir, one file per message, body intact
    deadline = time.monotonic() + 5
    found = {}
    while time.monotonic() < deadline and len(found) < len(sent):
        for name in os.listdir(os.path.join(MAILDIR, "new")):
            raw = open(os.path.join(MAILDIR, "new", name), "rb").read()
            for token, (label, body) in sent.items():
                if token.encode() in raw:
                    found[token] = (label, body, raw)
        time.sleep(0.1)
    expect(len(found) == len(sent), f"smtp: all {len(sent)} messages are files in {MAILDIR}/new")
    for token, (label, body, raw) in found.items():
        expect(raw.endswith(body) and f"X-Orbit-Test-Listener: {label}\r\n".encode() in raw
               and f"X-Orbit-Test-Auth-User: {USER}\r\n".encode() in raw,
               f"smtp {label}: stored byte for byte, with trace headers")
        m = email.message_from_bytes(raw)
        expect(m["X-Orbit-Test-Rcpt-To"] == f"<{USER2}@localhost>", f"smtp {label}: envelope recipient recorded")


# ---------------------------------------------------------------------------------- CalDAV
def check_caldav():
    print("CalDAV (Radicale)")
    port = int(CALDAV.rsplit(":", 1)[1].strip("/"))

    def req(method, path, user=None, pw=None, body=None, headers=None):
        c = http.client.HTTPConnection(HOST, port, timeout=10)
        h = dict(headers or {})
        if user:
            h["Authorization"] = "Basic " + b64encode(f"{user}:{pw}".encode()).decode()
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    propfind = (b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/>'
                b'<d:current-user-principal/></d:prop></d:propfind>')
    st, _ = req("PROPFIND", "/", body=propfind, headers={"Depth": "0"})
    expect(st == 401, f"caldav: PROPFIND without auth -> {st}")
    st, _ = req("PROPFIND", "/", USER, "wrong-password", body=propfind, headers={"Depth": "0"})
    expect(st == 401, f"caldav: PROPFIND with wrong password -> {st}")
    st, data = req("PROPFIND", "/", USER, PW, body=propfind, headers={"Depth": "0"})
    expect(st == 207 and b"/alice/" in data, f"caldav: PROPFIND / with auth -> {st}, principal /alice/")
    st, data = req("PROPFIND", "/alice/", USER, PW, body=propfind, headers={"Depth": "1"})
    expect(st == 207 and b"/alice/calendar/" in data and b"calendar" in data,
           "caldav: /alice/calendar/ exists (pre-created)")
    st, _ = req("PROPFIND", "/alice/", USER2, PW2, body=propfind, headers={"Depth": "1"})
    expect(st in (403, 404), f"caldav: {USER2} cannot read /alice/ (owner_only) -> {st}")
    uid = uuid.uuid4().hex
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//orbit//check//EN\r\nBEGIN:VEVENT\r\n"
           f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260102T100000Z\r\n"
           "DTEND:20260102T110000Z\r\nSUMMARY:check\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    path = f"/alice/calendar/{uid}.ics"
    st, _ = req("PUT", path, USER, PW, body=ics,
                headers={"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"})
    expect(st == 201, f"caldav: PUT event -> {st}")
    st, _ = req("DELETE", path, USER, PW)
    expect(st in (200, 204), f"caldav: DELETE event -> {st}")


# ---------------------------------------------------------------------------------- black hole
def check_blackhole():
    print("black hole")
    with socket.create_connection((HOST, BLACKHOLE), timeout=2) as s:
        ok(f"blackhole: connection to {BLACKHOLE} accepted")
        s.sendall(b"EHLO anyone\r\n* OK?\r\n")
        t = time.monotonic()
        try:
            data = s.recv(1)
            fail(f"blackhole sent {data!r}")
        except socket.timeout:
            expect(time.monotonic() - t >= 1.9, "blackhole: silent for 2 s")


if __name__ == "__main__":
    check_imap()
    check_legacy_imap()
    check_smtp()
    check_caldav()
    check_blackhole()
