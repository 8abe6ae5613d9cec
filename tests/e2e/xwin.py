#!/usr/bin/python3
"""Acts on the app's X11 window the way a window manager would.

  xwin.py state TITLE    print "shown" or "hidden" for the top-level window named TITLE
  xwin.py close TITLE    ask it to close (WM_DELETE_WINDOW), like the title bar's close button
  xwin.py list           print every named window
  xwin.py shot FILE      save the whole screen as a PNG (native dialogs included, which a
                         WebDriver screenshot of the webview leaves out)

Run with Debian's Python (python3-xlib) on the app's DISPLAY.
"""

import struct
import sys
import zlib

from Xlib import X, display, protocol


def png(path, width, height, rows):
    """Writes 8-bit RGB `rows` (bytes per row) as a PNG."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        out.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        out.write(chunk(b"IEND", b""))


def shot(d, path):
    root = d.screen().root
    geometry = root.get_geometry()
    width, height = geometry.width, geometry.height
    image = root.get_image(0, 0, width, height, X.ZPixmap, 0xFFFFFFFF)
    data = image.data if isinstance(image.data, bytes) else bytes(image.data)
    stride = len(data) // height
    rows = []
    for y in range(height):
        line = data[y * stride : y * stride + width * 4]
        # 24-bit TrueColor comes as B, G, R, pad.
        rgb = bytearray(width * 3)
        rgb[0::3] = line[2::4]
        rgb[1::3] = line[1::4]
        rgb[2::3] = line[0::4]
        rows.append(bytes(rgb))
    png(path, width, height, rows)


def find(d, title):
    found = []

    def walk(win):
        try:
            name = win.get_wm_name()
            children = win.query_tree().children
        except Exception:  # a window that vanished meanwhile
            return
        if name == title:
            found.append(win)
        for child in children:
            walk(child)

    walk(d.screen().root)
    return found


def main():
    d = display.Display()
    if sys.argv[1] == "list":
        names = []

        def walk(win):
            try:
                name = win.get_wm_name()
                viewable = win.get_attributes().map_state == X.IsViewable
                children = win.query_tree().children
            except Exception:
                return
            if name:
                names.append(f"{name!r}{'' if viewable else ' (hidden)'}")
            for child in children:
                walk(child)

        walk(d.screen().root)
        print("\n".join(names))
        return
    if sys.argv[1] == "shot":
        shot(d, sys.argv[2])
        return
    command, title = sys.argv[1], sys.argv[2]
    windows = find(d, title)
    if not windows:
        sys.exit(f"no window named {title!r}")
    if command == "state":
        shown = any(w.get_attributes().map_state == X.IsViewable for w in windows)
        print("shown" if shown else "hidden")
    elif command == "close":
        protocols = d.intern_atom("WM_PROTOCOLS")
        delete = d.intern_atom("WM_DELETE_WINDOW")
        for w in windows:
            event = protocol.event.ClientMessage(window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
            w.send_event(event, event_mask=X.NoEventMask)
        d.flush()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
