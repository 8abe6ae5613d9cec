#!/usr/bin/env python3
"""Black-hole TCP listener for timeout tests (owned by tests/servers/).

Accepts every connection on 127.0.0.1:PORT and never sends a single byte. Whatever the client
writes is read and discarded (so its writes never block); the socket is closed only when the
client closes it or the server stops. Standard library only.

    python3 blackhole.py --port 14999
"""
import argparse
import selectors
import signal
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=14999)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.host, args.port))
    lsock.listen(128)
    lsock.setblocking(False)

    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ)
    print("blackhole listening on %s:%d" % (args.host, args.port), flush=True)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if sock is lsock:
                try:
                    conn, _addr = lsock.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ)
                continue
            try:
                data = sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(sock)
                sock.close()


if __name__ == "__main__":
    main()
