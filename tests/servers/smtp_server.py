#!/usr/bin/python3
"""SMTP submission test server for Orbit's integration tests (owned by tests/servers/).

Run with Debian's Python (python3-aiosmtpd 1.4.3), normally by tests/servers/start.sh:

    /usr/bin/python3 smtp_server.py --maildir DIR --cert PEM --key PEM \
        --plain-port 14025 --starttls-port 14587 --smtps-port 14465

One process, three aiosmtpd Controllers (each runs its own event loop thread):

* plain     (--plain-port):    no TLS offered; AUTH allowed in clear text (loopback only).
* starttls  (--starttls-port): STARTTLS required before anything but EHLO/NOOP/QUIT (530),
                               AUTH offered only after STARTTLS.
* smtps     (--smtps-port):    implicit TLS from the first byte.

All three require AUTH (PLAIN or LOGIN) before MAIL FROM (530 5.7.0), accept only the users
in USERS below (anything else: 535 5.7.8). Every accepted message is written, byte for byte as
received (after SMTP dot-unstuffing), into the Maildir DIR/new/ as one file. A few trace
headers are prepended, like an MTA's Received/Return-Path:

    X-Orbit-Test-Listener: plain|starttls|smtps
    X-Orbit-Test-Auth-User: alice
    X-Orbit-Test-Mail-From: <sender>
    X-Orbit-Test-Rcpt-To: <rcpt1>, <rcpt2>

Everything after those lines is exactly what the client sent in DATA.
"""

import argparse
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERS = {
    b"alice": b"alice-secret-pw",
    b"bob": b"bob-secret-pw",
}

log = logging.getLogger("orbit-smtp")


def authenticator(server, session, envelope, mechanism, auth_data):
    """aiosmtpd >= 1.3 'authenticator' hook; called for the built-in PLAIN and LOGIN."""
    if not isinstance(auth_data, LoginPassword):
        return AuthResult(success=False, handled=False)
    ok = mechanism in ("PLAIN", "LOGIN") and USERS.get(auth_data.login) == auth_data.password
    log.info("AUTH %s user=%r -> %s", mechanism, auth_data.login, "ok" if ok else "rejected")
    if ok:
        return AuthResult(success=True, auth_data=auth_data.login.decode("utf-8", "replace"))
    # handled=False and no message: aiosmtpd answers "535 5.7.8 Authentication credentials invalid"
    return AuthResult(success=False, handled=False)


class MaildirHandler:
    """Writes each message to a Maildir with the tmp/ -> new/ rename dance."""

    _counter = 0
    _lock = threading.Lock()

    def __init__(self, maildir, listener):
        self.maildir = maildir
        self.listener = listener

    @classmethod
    def _unique_name(cls):
        with cls._lock:
            cls._counter += 1
            n = cls._counter
        return "%d.M%dP%dQ%d.%s" % (time.time(), time.time_ns() // 1000 % 1_000_000,
                                     os.getpid(), n, socket.gethostname() or "localhost")

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # A recipient the server refuses for good, for tests of permanent failures.
        if address.lower().endswith("@rejected.example"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        body = envelope.original_content
        if body is None:
            body = envelope.content
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogateescape")
        trace = (
            "X-Orbit-Test-Listener: %s\r\n"
            "X-Orbit-Test-Auth-User: %s\r\n"
            "X-Orbit-Test-Mail-From: <%s>\r\n"
            "X-Orbit-Test-Rcpt-To: %s\r\n"
        ) % (
            self.listener,
            session.auth_data,
            envelope.mail_from,
            ", ".join("<%s>" % r for r in envelope.rcpt_tos),
        )
        name = self._unique_name()
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(trace.encode("utf-8", "surrogateescape"))
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        log.info("%s: stored %d bytes from %s to %s as new/%s", self.listener, len(body),
                 envelope.mail_from, envelope.rcpt_tos, name)
        return "250 2.0.0 OK queued as %s" % name


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--cert", required=True, help="server certificate chain (PEM)")
    ap.add_argument("--key", required=True, help="server private key (PEM)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--hostname", default="localhost", help="name in the banner/EHLO reply")
    ap.add_argument("--plain-port", type=int, default=14025)
    ap.add_argument("--starttls-port", type=int, default=14587)
    ap.add_argument("--smtps-port", type=int, default=14465)
    args = ap.parse_args()

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # aiosmtpd warns on every connection that auth_required without auth_require_tls is unsafe;
    # that is deliberate here (loopback plain listener; smtps is encrypted anyway).
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").addFilter(
        lambda r: "auth_required == True but auth_require_tls == False" not in r.getMessage())

    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(args.maildir, sub), exist_ok=True)

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2

    common = dict(
        hostname=args.host,              # bind address (Controller's "hostname" is the listen host)
        server_hostname=args.hostname,   # banner / EHLO name
        authenticator=authenticator,
        auth_required=True,
        ready_timeout=5.0,
    )
    controllers = [
        # Plain: no tls_context, so no STARTTLS; AUTH allowed without TLS.
        Controller(MaildirHandler(args.maildir, "plain"), port=args.plain_port,
                   auth_require_tls=False, **common),
        # Submission with mandatory STARTTLS; AUTH only advertised/accepted after it.
        Controller(MaildirHandler(args.maildir, "starttls"), port=args.starttls_port,
                   tls_context=tls, require_starttls=True, auth_require_tls=True, **common),
        # Implicit TLS. aiosmtpd 1.4.3's auth_require_tls only recognises a STARTTLS upgrade
        # (SMTP._tls_protocol), so it must be False here or AUTH would answer 538 on a
        # connection that is encrypted from the first byte.
        Controller(MaildirHandler(args.maildir, "smtps"), port=args.smtps_port,
                   ssl_context=tls, auth_require_tls=False, **common),
    ]

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    # Controller.start() waits its whole ready_timeout when the bind fails; fail fast instead.
    for c in controllers:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((c.hostname, c.port))
            except OSError as e:
                log.error("cannot bind %s:%d: %s", c.hostname, c.port, e)
                sys.exit(1)

    started = []
    try:
        for c in controllers:
            c.start()
            started.append(c)
            log.info("listening on %s:%d", c.hostname, c.port)
        print("orbit-smtp ready", flush=True)
        while not stop.wait(3600):
            pass
    finally:
        for c in reversed(started):
            c.stop()
        log.info("stopped")


if __name__ == "__main__":
    main()
