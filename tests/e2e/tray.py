#!/usr/bin/python3
"""A StatusNotifier host for tests: what a desktop's tray is to Orbit.

  tray.py watch FILE     own org.kde.StatusNotifierWatcher on the session bus and append
                         each item that registers (bus name and object path) to FILE
  tray.py labels FILE    print the labels of the first registered item's menu, one a line
  tray.py click FILE L   click the menu entry labelled L (com.canonical.dbusmenu Event)

Run with Debian's Python (python3-gi), inside the same D-Bus session as the app.
"""

import sys
import time

from gi.repository import Gio, GLib

WATCHER_XML = """
<node>
  <interface name="org.kde.StatusNotifierWatcher">
    <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
    <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
    <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
    <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
    <property name="ProtocolVersion" type="i" access="read"/>
    <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
    <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
    <signal name="StatusNotifierHostRegistered"/>
  </interface>
</node>
"""


def watch(path):
    items = []
    node = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML)

    def on_call(conn, sender, obj, iface, method, params, invocation):
        if method == "RegisterStatusNotifierItem":
            service = params.unpack()[0]
            # Items register either a bus name or an object path on their own connection.
            if service.startswith("/"):
                entry = f"{sender} {service}"
            else:
                entry = f"{service} /StatusNotifierItem"
            items.append(entry)
            with open(path, "a", encoding="utf-8") as out:
                out.write(entry + "\n")
            conn.emit_signal(None, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher",
                             "StatusNotifierItemRegistered", GLib.Variant("(s)", (service,)))
        invocation.return_value(None)

    def on_get(conn, sender, obj, iface, prop):
        if prop == "RegisteredStatusNotifierItems":
            return GLib.Variant("as", items)
        if prop == "IsStatusNotifierHostRegistered":
            return GLib.Variant("b", True)
        return GLib.Variant("i", 0)

    def on_bus(conn, name):
        conn.register_object("/StatusNotifierWatcher", node.interfaces[0], on_call, on_get, None)

    def on_name(conn, name):
        print("tray host ready", flush=True)

    Gio.bus_own_name(Gio.BusType.SESSION, "org.kde.StatusNotifierWatcher",
                     Gio.BusNameOwnerFlags.NONE, on_bus, on_name, None)
    GLib.MainLoop().run()


def first_item(path):
    for _ in range(100):
        try:
            with open(path, encoding="utf-8") as f:
                lines = [l.split() for l in f if l.strip()]
            if lines:
                return lines[0]
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    sys.exit("no tray item registered")


def menu(path):
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    name, obj = first_item(path)
    menu_path = bus.call_sync(name, obj, "org.freedesktop.DBus.Properties", "Get",
                              GLib.Variant("(ss)", ("org.kde.StatusNotifierItem", "Menu")),
                              GLib.VariantType("(v)"), Gio.DBusCallFlags.NONE, 2000, None).unpack()[0]
    layout = bus.call_sync(name, menu_path, "com.canonical.dbusmenu", "GetLayout",
                           GLib.Variant("(iias)", (0, -1, [])), None, Gio.DBusCallFlags.NONE, 2000, None).unpack()
    entries = []

    def walk(node):
        ident, props, children = node
        label = props.get("label")
        if label:
            entries.append((ident, label.replace("_", "")))
        for child in children:
            walk(child)

    walk(layout[1])
    return bus, name, menu_path, entries


def main():
    command, path = sys.argv[1], sys.argv[2]
    if command == "watch":
        watch(path)
    elif command == "labels":
        for _, label in menu(path)[3]:
            print(label)
    elif command == "click":
        bus, name, menu_path, entries = menu(path)
        wanted = sys.argv[3]
        ident = next((i for i, label in entries if label == wanted), None)
        if ident is None:
            sys.exit(f"no menu entry {wanted!r} in {[l for _, l in entries]}")
        bus.call_sync(name, menu_path, "com.canonical.dbusmenu", "Event",
                      GLib.Variant("(isvu)", (ident, "clicked", GLib.Variant("i", 0), int(time.time()))),
                      None, Gio.DBusCallFlags.NONE, 2000, None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
