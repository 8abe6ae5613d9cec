#!/usr/bin/python3
"""Clicks a button of one of the app's native dialogs through the accessibility bus (AT-SPI),
as a person would with the mouse: the webview has no way to do this.

  a11y.py click TITLE_PREFIX BUTTON    wait (10 s) for a dialog whose title starts with
                                       TITLE_PREFIX and press its button named BUTTON
  a11y.py text TITLE_PREFIX            print the dialog's text
  a11y.py dump                         list the applications and windows on the bus

Run with Debian's Python (python3-pyatspi) in the app's D-Bus session.
"""

import sys
import time

import pyatspi


def find(node, test, depth=0):
    if node is None or depth > 30:
        return None
    try:
        if test(node):
            return node
        for i in range(node.childCount):
            found = find(node.getChildAtIndex(i), test, depth + 1)
            if found is not None:
                return found
    except Exception:  # a node that vanished meanwhile
        return None
    return None


def dialog(prefix):
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is None:
            continue
        for i in range(app.childCount):
            win = app.getChildAtIndex(i)
            if win is None:
                continue
            try:
                # A dialog closed a moment ago may linger in the tree: only a shown one counts.
                if not win.getState().contains(pyatspi.STATE_SHOWING):
                    continue
            except Exception:
                continue
            # GTK names a message dialog after its kind ("Warning"); its title is also its
            # first label.
            if (win.name or "").startswith(prefix) or find(
                win, lambda n: n.getRole() == pyatspi.ROLE_LABEL and (n.name or "").startswith(prefix)
            ):
                return win
    return None


def texts(node, out, depth=0):
    if node is None or depth > 30:
        return
    try:
        if node.getRole() == pyatspi.ROLE_LABEL and node.name:
            out.append(node.name)
        for i in range(node.childCount):
            texts(node.getChildAtIndex(i), out, depth + 1)
    except Exception:
        pass


def dump():
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is None:
            continue
        names = []
        for i in range(app.childCount):
            win = app.getChildAtIndex(i)
            names.append(repr(win.name) if win is not None else "?")
        print(f"{app.name}: {', '.join(names)}")


def main():
    if sys.argv[1] == "dump":
        dump()
        return
    command, prefix = sys.argv[1], sys.argv[2]
    deadline = time.time() + 10
    win = None
    while win is None and time.time() < deadline:
        win = dialog(prefix)
        if win is None:
            time.sleep(0.2)
    if win is None:
        sys.exit(f"no dialog titled {prefix!r}")
    if command == "text":
        out = []
        texts(win, out)
        print("\n".join(out))
    elif command == "click":
        name = sys.argv[3]
        button = find(win, lambda n: n.getRole() == pyatspi.ROLE_PUSH_BUTTON and n.name == name)
        if button is None:
            sys.exit(f"the dialog has no button {name!r}")
        action = button.queryAction()
        for i in range(action.nActions):
            if action.getName(i) == "click":
                action.doAction(i)
                return
        action.doAction(0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
