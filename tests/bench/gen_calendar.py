#!/usr/bin/env python3
"""Writes a deterministic calendar of N events into a CalDAV collection with PUT.

    gen_calendar.py URL USER PASSWORD --count 2000 [--seed S]

URL is the collection (created first with MKCALENDAR if missing). A fifth of the events recur
(daily, weekly on two days, monthly), each with an EXDATE, every other one with a moved
occurrence (RECURRENCE-ID); they are spread over three years from 2025 and six time zones,
each with its VTIMEZONE. One keep-alive connection; prints the count written.
"""
import argparse
import base64
import datetime as dt
import http.client
import random
import sys
import urllib.parse

ZONES = {
    "Europe/Berlin": ("+0100", "+0200", "-1SU", 3, "-1SU", 10, "CET", "CEST"),
    "America/New_York": ("-0500", "-0400", "2SU", 3, "1SU", 11, "EST", "EDT"),
    "America/Los_Angeles": ("-0800", "-0700", "2SU", 3, "1SU", 11, "PST", "PDT"),
    "Australia/Sydney": ("+1000", "+1100", "1SU", 10, "1SU", 4, "AEST", "AEDT"),
    "Asia/Tokyo": ("+0900", None, None, None, None, None, "JST", None),
    "UTC": None,
}


def vtimezone(name):
    spec = ZONES[name]
    if spec is None:
        return ""
    std, dst, dst_day, dst_month, std_day, std_month, std_name, dst_name = spec
    if dst is None:
        return (f"BEGIN:VTIMEZONE\r\nTZID:{name}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
                f"TZOFFSETFROM:{std}\r\nTZOFFSETTO:{std}\r\nTZNAME:{std_name}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")
    return (f"BEGIN:VTIMEZONE\r\nTZID:{name}\r\n"
            f"BEGIN:DAYLIGHT\r\nDTSTART:19700301T020000\r\nRRULE:FREQ=YEARLY;BYMONTH={dst_month};BYDAY={dst_day}\r\n"
            f"TZOFFSETFROM:{std}\r\nTZOFFSETTO:{dst}\r\nTZNAME:{dst_name}\r\nEND:DAYLIGHT\r\n"
            f"BEGIN:STANDARD\r\nDTSTART:19701001T030000\r\nRRULE:FREQ=YEARLY;BYMONTH={std_month};BYDAY={std_day}\r\n"
            f"TZOFFSETFROM:{dst}\r\nTZOFFSETTO:{std}\r\nTZNAME:{std_name}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")


def event(n, rng):
    zone = list(ZONES)[n % len(ZONES)]
    day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
    hour = 8 + rng.randrange(10)
    minute = rng.choice([0, 15, 30, 45])
    length = dt.timedelta(minutes=rng.choice([15, 30, 45, 60, 90]))
    recurring = n % 5 == 0
    kind = n % 3
    if recurring and kind == 1:
        day -= dt.timedelta(days=day.weekday())  # weekly on Mon and Wed: start on a Monday
    if recurring and kind == 2:
        day = day.replace(day=15)  # monthly on the 15th
    start = dt.datetime.combine(day, dt.time(hour, minute))
    fmt = "%Y%m%dT%H%M%S"

    def when(t):
        return f":{t.strftime(fmt)}Z" if zone == "UTC" else f";TZID={zone}:{t.strftime(fmt)}"

    uid = f"bench-{n}@orbit.example"
    words = ["Planning", "Review", "1:1", "Standup", "Lunch", "Call", "Workshop", "Retro", "Dentist", "Gym"]
    summary = f"{rng.choice(words)} {n} – {rng.choice(['Ana', 'Bo', 'Chen', 'Dana', 'Émile'])}"
    body = (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20250101T000000Z\r\nSUMMARY:{summary}\r\n"
            f"DTSTART{when(start)}\r\nDTEND{when(start + length)}\r\n")
    if rng.random() < 0.5:
        body += f"LOCATION:Room {rng.randrange(1, 40)}\r\n"
    extra = ""
    if recurring:
        rule = ["FREQ=DAILY;INTERVAL=2", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYMONTHDAY=15"][kind]
        step = [dt.timedelta(days=2), dt.timedelta(days=7), dt.timedelta(days=31)][kind]
        body += f"RRULE:{rule}\r\nEXDATE{when(start + step)}\r\n"
        if n % 10 == 0:
            # The third occurrence (daily: +4 days; weekly: the second Monday; monthly: two
            # months on) moved an hour later.
            if kind == 0:
                moved = start + dt.timedelta(days=4)
            elif kind == 1:
                moved = start + dt.timedelta(days=14)
            else:
                moved = start.replace(year=start.year + (start.month + 1) // 12,
                                      month=(start.month + 1) % 12 + 1)
            new_start = moved + dt.timedelta(hours=1)
            extra = (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20250101T000000Z\r\nRECURRENCE-ID{when(moved)}\r\n"
                     f"SUMMARY:{summary} (moved)\r\nDTSTART{when(new_start)}\r\nDTEND{when(new_start + length)}\r\nEND:VEVENT\r\n")
    if rng.random() < 0.3:
        body += "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:Reminder\r\nEND:VALARM\r\n"
    body += "END:VEVENT\r\n"
    return uid, (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Orbit//bench//EN\r\n{vtimezone(zone)}{body}{extra}END:VCALENDAR\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", default="calendar")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    u = urllib.parse.urlsplit(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    auth = "Basic " + base64.b64encode(f"{a.user}:{a.password}".encode()).decode()
    base = u.path if u.path.endswith("/") else u.path + "/"
    body = ('<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            '<D:set><D:prop><D:displayname>Bench</D:displayname></D:prop></D:set></C:mkcalendar>')
    conn.request("MKCALENDAR", base, body=body, headers={"Authorization": auth, "Content-Type": "application/xml"})
    r = conn.getresponse(); r.read()
    if r.status not in (201, 405, 409):
        sys.exit(f"MKCALENDAR {base}: {r.status}")
    written = 0
    for n in range(a.count):
        uid, text = event(n, rng)
        conn.request("PUT", f"{base}{n:05d}.ics", body=text.encode(),
                     headers={"Authorization": auth, "Content-Type": "text/calendar; charset=utf-8"})
        r = conn.getresponse(); msg = r.read()
        if r.status not in (201, 204):
            sys.exit(f"PUT {n}: {r.status} {msg[:300]!r}\n{text}")
        written += 1
    print(written)


if __name__ == "__main__":
    main()
