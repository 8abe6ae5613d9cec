#!/usr/bin/python3
"""Plays another calendar client for the WebDriver test, over CalDAV on loopback.

  caldav.py put BASE USER PASSWORD COLLECTION NAME TEXT
      PUT TEXT (an iCalendar object) as BASE/USER/COLLECTION/NAME.ics
  caldav.py find BASE USER PASSWORD NEEDLE
      print the href of the first resource in any of USER's calendars whose text holds
      NEEDLE; exit 1 when none does
  caldav.py alarm-event UID SUMMARY SECONDS
      print an event starting in SECONDS + 60 s (UTC) whose alarm is due in SECONDS
  caldav.py meeting-event UID SUMMARY ORGANISER GUEST
      print a meeting tomorrow at 15:00 UTC that ORGANISER organises and GUEST is invited to
"""

import base64
import datetime as dt
import re
import sys
import urllib.request


def request(method, url, user, password, body=None, depth=None, ctype="application/xml"):
    req = urllib.request.Request(url, data=body.encode() if body else None, method=method)
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    if body:
        req.add_header("Content-Type", ctype)
    if depth is not None:
        req.add_header("Depth", depth)
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.status, r.read().decode("utf-8", "replace")


def main(argv):
    cmd = argv[1]
    if cmd == "alarm-event":
        uid, summary, seconds = argv[2], argv[3], int(argv[4])
        now = dt.datetime.now(dt.timezone.utc)
        start = now + dt.timedelta(seconds=seconds + 60)
        fmt = "%Y%m%dT%H%M%SZ"
        print(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:{now.strftime(fmt)}\r\nSUMMARY:{summary}\r\n"
            f"DTSTART:{start.strftime(fmt)}\r\nDTEND:{(start + dt.timedelta(minutes=30)).strftime(fmt)}\r\n"
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT1M\r\nEND:VALARM\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n",
            end="",
        )
        return 0
    if cmd == "meeting-event":
        uid, summary, organiser, guest = argv[2], argv[3], argv[4], argv[5]
        now = dt.datetime.now(dt.timezone.utc)
        start = (now + dt.timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0)
        fmt = "%Y%m%dT%H%M%SZ"
        print(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:{now.strftime(fmt)}\r\nSUMMARY:{summary}\r\n"
            f"DTSTART:{start.strftime(fmt)}\r\nDTEND:{(start + dt.timedelta(hours=1)).strftime(fmt)}\r\n"
            f"ORGANIZER:mailto:{organiser}\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{organiser}\r\n"
            f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{guest}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n",
            end="",
        )
        return 0
    base, user, password = argv[2].rstrip("/"), argv[3], argv[4]
    if cmd == "put":
        collection, name, text = argv[5], argv[6], argv[7]
        status, _ = request("PUT", f"{base}/{user}/{collection}/{name}.ics", user, password,
                            body=text, ctype="text/calendar; charset=utf-8")
        print(status)
        return 0
    if cmd == "find":
        needle = argv[5]
        _, listing = request("PROPFIND", f"{base}/{user}/", user, password, depth="1",
                             body='<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>')
        hrefs = re.findall(r"<(?:\w+:)?href>([^<]+)</(?:\w+:)?href>", listing)
        query = ('<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
                 '<d:prop><d:getetag/><c:calendar-data/></d:prop>'
                 '<c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>')
        origin = re.match(r"https?://[^/]+", base).group(0)
        for href in hrefs:
            if href.rstrip("/") == f"/{user}":
                continue
            try:
                _, answer = request("REPORT", origin + href, user, password, body=query, depth="1")
            except Exception:
                continue
            if needle in answer:
                print(href)
                return 0
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
