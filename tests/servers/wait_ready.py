#!/usr/bin/env python3
"""Readiness probe used by tests/servers/start.sh (owned by tests/servers/). Stdlib only.

    wait_ready.py KIND PORT [--tls] [--ca PEM] [--pid PID] [--timeout SECONDS]

KIND is one of:
  tcp   the port accepts a TCP connection
  imap  a "* OK" greeting arrives (over implicit TLS with --tls)
  smtp  a "220" greeting arrives (over implicit TLS with --tls)
  http  an HTTP response (any status) arrives for "OPTIONS /"
Retries until it succeeds, the timeout expires or process PID (the server) has exited;
exit status 0 on success, 1 otherwise.
"""
import argparse
import socket
import ssl
import sys
import time


def probe(kind, port, ctx):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
        if kind == "tcp":
            return True
        sock = ctx.wrap_socket(raw, server_hostname="localhost") if ctx else raw
        try:
            if kind == "http":
                sock.sendall(b"OPTIONS / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            line = data.split(b"\n", 1)[0]
            want = {"imap": b"* OK", "smtp": b"220", "http": b"HTTP/"}[kind]
            if not line.startswith(want):
                raise RuntimeError("unexpected greeting %r" % line)
            return True
        finally:
            if ctx:
                sock.close()


def alive(pid):
    """True while the process exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["tcp", "imap", "smtp", "http"])
    ap.add_argument("port", type=int)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--ca")
    ap.add_argument("--pid", type=int, help="give up early once this process has exited")
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()

    ctx = None
    if args.tls:
        ctx = ssl.create_default_context(cafile=args.ca)
    deadline = time.monotonic() + args.timeout
    last = None
    while time.monotonic() < deadline:
        if args.pid and not alive(args.pid):
            print("wait_ready: server process %d exited" % args.pid, file=sys.stderr)
            return 1
        try:
            if probe(args.kind, args.port, ctx):
                return 0
        except (OSError, RuntimeError) as e:
            last = e
        time.sleep(0.1)
    print("wait_ready: %s on port %d not ready after %.0fs: %s"
          % (args.kind, args.port, args.timeout, last), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
