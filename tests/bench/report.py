#!/usr/bin/env python3
"""Turns the raw measurements of scripts/bench-mail (one JSON object a line) into the
summary table and tests/bench/results/latest.json.

    report.py RAW.jsonl OUT.json META.json
"""

import json
import statistics
import sys

RESYNC_GOAL_MS = 100


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main():
    raw_path, out_path, meta_path = sys.argv[1:4]
    rows = [json.loads(line) for line in open(raw_path) if line.strip()]
    meta = json.load(open(meta_path))
    sizes = sorted({r["size"] for r in rows})
    summary = []
    for size in sizes:
        entry = {"messages": size}
        for tool in ("orbit", "mbsync"):
            first = [r for r in rows if r["size"] == size and r["tool"] == tool
                     and r["kind"] == "first"]
            if not first:
                continue
            wall = median([r["wall_s"] for r in first])
            got = median([r["messages"] for r in first])
            entry[tool] = {
                "runs": len(first),
                "wall_s": wall,
                "messages": got,
                "messages_per_s": got / wall if wall else None,
                "peak_rss_mib": median([r["rss_kib"] / 1024 for r in first]),
                "cpu_s": median([r["cpu_s"] for r in first]),
                "disk_mib": median([r.get("disk_mib") for r in first]),
                "all_runs": first,
            }
            if tool == "orbit":
                entry[tool]["sync_elapsed_ms"] = median([r.get("elapsed_ms") for r in first])
            resync = [r for r in rows if r["size"] == size and r["tool"] == tool
                      and r["kind"] == "resync"]
            if resync:
                entry[tool]["resync"] = resync
        o, m = entry.get("orbit"), entry.get("mbsync")
        if o and m and o["messages_per_s"] and m["messages_per_s"]:
            entry["ratio_orbit_over_mbsync"] = o["messages_per_s"] / m["messages_per_s"]
        if o and o.get("resync"):
            ms = [r["elapsed_ms"] for r in o["resync"]]
            entry["orbit_resync_elapsed_ms"] = ms
            entry["orbit_resync_goal_met"] = max(ms) < RESYNC_GOAL_MS
        summary.append(entry)

    out = {"meta": meta, "resync_goal_ms": RESYNC_GOAL_MS, "sizes": summary}
    with open(out_path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")

    def fmt(v, spec):
        return format(v, spec) if isinstance(v, (int, float)) else "-"

    print()
    print(f"Mail sync benchmark ({meta.get('date', '')}, orbit {meta.get('orbit_version', '?')}, "
          f"{meta.get('mbsync_version', '?')}, {meta.get('cpus', '?')} CPUs)")
    print()
    head = (f"{'messages':>8}  {'tool':<7} {'wall s':>8} {'msgs/s':>8} {'peak RSS':>9} "
            f"{'CPU s':>7} {'on disk':>8}  notes")
    print(head)
    print("-" * len(head))
    for e in summary:
        for tool in ("orbit", "mbsync"):
            t = e.get(tool)
            if not t:
                continue
            notes = ""
            if tool == "orbit" and t.get("sync_elapsed_ms") is not None:
                notes = f"sync {t['sync_elapsed_ms'] / 1000:.1f} s without login"
            print(f"{e['messages']:>8}  {tool:<7} {fmt(t['wall_s'], '8.2f')} "
                  f"{fmt(t['messages_per_s'], '8.0f')} {fmt(t['peak_rss_mib'], '6.1f')} MiB "
                  f"{fmt(t['cpu_s'], '7.2f')} {fmt(t['disk_mib'], '5.0f')} MiB  {notes}")
        if "ratio_orbit_over_mbsync" in e:
            print(f"{'':>8}  Orbit msgs/s ÷ mbsync msgs/s = {e['ratio_orbit_over_mbsync']:.2f}")
        if "orbit_resync_elapsed_ms" in e:
            walls = [r["wall_s"] for r in e["orbit"]["resync"]]
            ok = "met" if e["orbit_resync_goal_met"] else "MISSED"
            print(f"{'':>8}  Orbit no-change re-sync: elapsed_ms "
                  f"{', '.join(str(ms) for ms in e['orbit_resync_elapsed_ms'])} "
                  f"(goal < {RESYNC_GOAL_MS} ms: {ok}); wall incl. start+login "
                  f"{', '.join(f'{w:.2f}' for w in walls)} s")
        if e.get("mbsync", {}).get("resync"):
            walls = [r["wall_s"] for r in e["mbsync"]["resync"]]
            print(f"{'':>8}  mbsync no-change re-sync: wall "
                  f"{', '.join(f'{w:.2f}' for w in walls)} s")
        print()
    print(f"results: {out_path}")


if __name__ == "__main__":
    main()
