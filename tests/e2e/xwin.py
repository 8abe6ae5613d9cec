#!/usr/bin/python3
"""Acts on the app's X11 window the way a window manager would.

  xwin.py state TITLE    print "shown" or "hidden" for the top-level window named TITLE
  xwin.py close TITLE    ask it to close (WM_DELETE_WINDOW), like the title bar's close button
  xwin.py list           print every named window

Run with Debian's Python (python3-xlib) on the app's DISPLAY.
"""

import sys

from Xlib import X, display, protocol


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
