# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""The comparison's report: Markdown tables (with relayrace's ratio to each peer) and gnuplot PNGs."""

import os
import re
import subprocess

from .stack import MIB, PEERS

BEGIN = "<!-- peers:results:begin -->"
END = "<!-- peers:results:end -->"


def size_label(size):
    return "%d MiB" % (size // MIB) if size >= MIB else "%d KiB" % (size // 1024)


def s(value, digits=3):
    return "-" if value is None else ("%.*f" % (digits, value))


def ratio(ours, theirs):
    return "-" if not ours or not theirs else "%.2fx" % (ours / theirs)


def routes_text(share):
    total = sum(share.values()) or 1
    return ", ".join("%s %d%%" % (r or "?", round(100.0 * n / total))
                     for r, n in sorted(share.items(), key=lambda kv: -kv[1]))


def by_peer(rows, **match):
    found = {}
    for row in rows:
        if all(row.get(k) == v for k, v in match.items()):
            found[row["peer"]] = row
    return found


def steady_table(rows):
    out = ["| object | peer | connections | requests/s | MiB/s | p50 ms | p99 ms | errors | bad bodies | "
           "relayrace / peer (req/s) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for size in sorted({r["size"] for r in rows}):
        peers = by_peer(rows, size=size)
        for peer in PEERS:
            r = peers[peer]
            out.append("| %s | %s | %d | %.0f | %.1f | %.2f | %.2f | %d | %d | %s |" % (
                size_label(size), peer, r["connections"], r["requests_s"], r["mib_s"], r["p50_ms"], r["p99_ms"],
                r["errors"], r["bad_bodies"],
                "" if peer == "relayrace" else ratio(peers["relayrace"]["requests_s"], r["requests_s"])))
    return "\n".join(out)


def fastest_table(rows):
    out = ["| object | peer | requests | median s | p99 s | errors | truncated | routes taken | "
           "relayrace / peer (median) |", "|---|---|---|---|---|---|---|---|---|"]
    notes = []
    for size in sorted({r["size"] for r in rows}):
        peers = by_peer(rows, size=size)
        settled = peers["relayrace"]["settled"]
        notes.append("- %s: relayrace's optimal route was via:tyo %s." % (
            size_label(size), "after %.1f s of traffic" % settled if settled else
            "from the start" if settled == 0 else "**not within 40 s**"))
        for peer in PEERS:
            r = peers[peer]
            out.append("| %s | %s | %d | %s | %s | %d | %d | %s | %s |" % (
                size_label(size), peer, r["requests"], s(r["median_s"]), s(r["p99_s"]), r["errors"],
                r["truncated"], routes_text(r["routes"]),
                "" if peer == "relayrace" else ratio(peers["relayrace"]["median_s"], r["median_s"])))
    return "\n".join(out + [""] + notes)


def degrade_table(rows, after_s):
    out = ["| peer | requests | median s before | median s after | median s, last 5 s | on the degraded path "
           "after the change | in the last 5 s | last used (s after the change) | errors | truncated |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %s | %d | %s | %s | %s | %s | %s | %s | %d | %d |" % (
            r["peer"], r["requests"], s(r["median_before_s"]), s(r["median_after_s"]), s(r["median_last_5s"]),
            pct(r["share_after"]), pct(r["share_last_5s"]),
            (s(r["last_use_s"], 1) + ("" if r["stopped"] else " (still in use at %d s)" % after_s))
            if r["last_use_s"] is not None else "never", r["errors"], r["truncated"]))
    races = [r for r in rows if r.get("races")]
    notes = ["- %s raced after the change: %s." % (r["peer"], ", ".join(r["races"][:6])) for r in races]
    return "\n".join(out + ([""] + notes if notes else []))


def pct(x):
    return "-" if x is None else "%.0f%%" % (100.0 * x)


def fault_table(rows):
    out = ["| scenario | peer | requests | errors | truncated | faulted request (or path) | fault -> its end s | "
           "slow requests (> normal + 0.25 s) | recovered after s | normal s | worst s | relayrace failovers |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %s | %s | %d | %d | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            r["scenario"], r["peer"], r["requests"], r["errors"], r["truncated"],
            ("%s on %s" % (r["faulted_outcome"], r.get("fault_route")) if "faulted_outcome" in r
             else "path %s" % r.get("fault_route")),
            s(r.get("fault_to_end_s")), r.get("slow_requests", "-"), s(r.get("recovered_after_s"), 2),
            s(r["normal_s"]), s(r["worst_s"]), "-" if r["failovers"] is None else r["failovers"]))
    notes = ["- %s, %s: %s" % (r["scenario"], r["peer"], "; ".join(r["details"])) for r in rows if r["details"]]
    return "\n".join(out + ([""] + notes if notes else []))


def plots(results, docs_dir, work):
    """docs/peers-fastest.png (scenario 2) and docs/peers-degrade.png (scenario 3), with gnuplot."""
    made = []
    fast = os.path.join(work, "fastest.dat")
    with open(fast, "w") as f:
        for r in sorted(results["fastest"], key=lambda r: (r["size"], PEERS.index(r["peer"]))):
            f.write('"%s %s" %s %s\n' % (r["peer"], size_label(r["size"]), r["median_s"] or 0, r["p99_s"] or 0))
    series = []
    for r in results["degrade"]:
        path = os.path.join(work, "degrade-%s.dat" % r["peer"])
        with open(path, "w") as f:
            for t, secs, route in r["points"]:
                f.write("%.3f %.4f\n" % (t, secs))
        series.append("'%s' using 1:2 with linespoints pt 7 ps 0.4 title '%s'" % (path, r["peer"]))
    script = """
set terminal pngcairo size 900,420 font 'DejaVu Sans,10'
set output '%(docs)s/peers-fastest.png'
set title 'Scenario 2: one path clearly fastest (time to download, s; lower is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'seconds'
set xtics rotate by -25
set key top left
plot '%(fast)s' using 2:xtic(1) title 'median' lc rgb '#0072B2', '' using 3 title 'p99' lc rgb '#E69F00'
unset style
set output '%(docs)s/peers-degrade.png'
set title 'Scenario 3: the fastest path degrades at t = 0 (its latency x5); each request of 256 KiB'
set xlabel 'seconds since the change'
set ylabel 'download time, s'
set xtics norotate
set key top left
set style data linespoints
plot %(series)s
""" % {"docs": docs_dir, "fast": fast, "series": ", ".join(series)}
    with open(os.path.join(work, "plots.gp"), "w") as f:
        f.write(script)
    done = subprocess.run(["gnuplot", os.path.join(work, "plots.gp")], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("gnuplot failed: " + done.stderr[-1000:])
    made += ["peers-fastest.png", "peers-degrade.png"]
    return made


def write(doc_path, body):
    """Replace the results between the markers of docs/peers.md (the prose around them is kept)."""
    text = open(doc_path).read()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise RuntimeError("%s has no %s ... %s markers" % (doc_path, BEGIN, END))
    with open(doc_path, "w") as f:
        f.write(pattern.sub(lambda _: BEGIN + "\n" + body.strip() + "\n" + END, text))
