#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""relayrace's edge side by side with nginx and HAProxy on the same lab paths (docs/peers.md).

    python3 tests/peer/peers.py [BUILD_DIR]     (default build/release; about 10 minutes)

Starts `relayrace lab` (its own process, links changed over --control), `relayrace edge`, nginx and
HAProxy (Debian's packages; configs from tests/peer/*.in), runs scenarios 1-6 with the same client
against each, writes the results between the markers of docs/peers.md and the plots beside it, and
keeps the raw figures in the work directory (printed). --quick runs every scenario briefly (a smoke
run: the figures are not written to docs/ unless --out says where). Exit 1 when a goal of
docs/peers.md is missed (with --quick only the behaviour goals count: relayrace's errors and truncated
bodies under faults; a few requests on a shared machine say nothing about speed), 2 when the run
itself failed.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from peerlib import report, scenarios  # noqa: E402
from peerlib.client import Reference  # noqa: E402
from peerlib.stack import MIB, PEERS, RACE_SETTINGS, Stack, StackError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def machine():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(open("/proc/meminfo").readline().split()[1]) // (1024 * 1024)
    versions = []
    for argv in (["nginx", "-v"], ["haproxy", "-v"]):
        try:
            done = subprocess.run(argv, capture_output=True, text=True)
            versions.append((done.stdout + done.stderr).splitlines()[0])
        except OSError:
            pass
    return "%d x %s, %d GiB, %s; %s" % (os.cpu_count(), cpu, mem, platform.platform(), "; ".join(versions))


def goals(results):
    """The issue's goals, each as (met, text, about speed)."""
    out = []
    for size in sorted({r["size"] for r in results["fastest"]}):
        rows = report.by_peer(results["fastest"], size=size)
        ours = rows["relayrace"]["median_s"]
        for peer in PEERS[1:]:
            theirs = rows[peer]["median_s"]
            met = ours is not None and theirs is not None and ours <= 0.6 * theirs
            out.append((met, True, "scenario 2, %s: relayrace's median <= 0.6x %s's (%s)"
                        % (report.size_label(size), peer, report.ratio(ours, theirs))))
    faults = [r for r in results["faults"] if r["peer"] == "relayrace"]
    for r in faults:
        out.append((r["errors"] == 0 and r["truncated"] == 0, False,
                    "scenario %s: relayrace 0 errors and 0 truncated bodies (%d, %d)"
                    % (r["scenario"], r["errors"], r["truncated"])))
    for size in sorted({r["size"] for r in results["steady"]}):
        rows = report.by_peer(results["steady"], size=size)
        q = rows["relayrace"]["requests_s"] / rows["nginx"]["requests_s"]
        out.append((q >= 0.8, True, "scenario 1, %s: relayrace >= 0.8x nginx's requests/s (%.3fx)"
                    % (report.size_label(size), q)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build_dir", nargs="?", default="build/release")
    parser.add_argument("--quick", action="store_true", help="every scenario briefly (a smoke run)")
    parser.add_argument("--out", help="the Markdown file to write the results into (default docs/peers.md; "
                        "with --quick: none)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    out = args.out or (None if args.quick else os.path.join(ROOT, "docs", "peers.md"))
    relayrace = os.path.join(args.build_dir, "app", "relayrace")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # the peers and wrk inherit it
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = tempfile.mkdtemp(prefix="peers.")
    say = lambda text: print("peers: " + text, file=sys.stderr, flush=True)  # noqa: E731
    say("work directory " + work)
    stack = Stack(relayrace, work)
    started = time.monotonic()
    results = {}
    try:
        stack.start()
        stack.reference = Reference(stack.origin_unimpaired, work)
        say("lab, edge, nginx and haproxy up: %s" % json.dumps(stack.urls))
        say("scenario 1: steady state")
        results["steady"] = scenarios.steady(stack, 2 if args.quick else 8)
        say("scenario 2: one path clearly fastest")
        counts = [(256 * 1024, 5), (4 * MIB, 2)] if args.quick else [(256 * 1024, 40), (4 * MIB, 12)]
        results["fastest"] = scenarios.fastest(stack, counts)
        say("scenario 3: the serving path degrades")
        after_s = 10 if args.quick else 35
        results["degrade"] = scenarios.degrade(stack, 3 if args.quick else 5, after_s)
        say("scenarios 4-6: faults")
        n = 6 if args.quick else 30
        results["faults"] = (
            scenarios.at_connect(stack, "4a blackhole at connect", {"blackhole": True}, count=n)
            + scenarios.mid_body(stack, "4b blackhole mid-body", {"blackhole": True})
            + scenarios.mid_body(stack, "5 reset mid-body", {"reset_after_bytes": 0}, hold_s=1.0)
            + scenarios.at_connect(stack, "6 relay refuses (down: open connections reset)",
                                   {"refuse": True, "reset_after_bytes": 0}, count=n))
        stack.alive()
    except (StackError, RuntimeError, OSError) as e:
        say("FAILED: %s (logs in %s)" % (e, work))
        stack.stop()
        return 2
    finally:
        stack.stop()
    minutes = (time.monotonic() - started) / 60
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    met = goals(results)
    body = render(results, met, args, minutes, after_s)
    print(body)
    if out:
        docs = os.path.dirname(os.path.abspath(out))
        report.plots(results, docs, work)
        report.write(out, body)
        say("results written to %s (plots beside it)" % out)
    say("raw figures in %s/results.json; %.1f minutes" % (work, minutes))
    missed = [(text, speed) for ok, speed, text in met if not ok]
    for text, speed in missed:
        say("goal missed: " + text + (" (a speed goal: not counted in a --quick run)" if speed and args.quick else ""))
    return 1 if any(not (speed and args.quick) for _, speed in missed) else 0


def render(results, met, args, minutes, after_s):
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "Run of %s: `python3 tests/peer/peers.py %s%s`, %.1f minutes, on %s. The map's race settings: "
        "%s." % (when, args.build_dir, " --quick" if args.quick else "", minutes, machine(),
                  "defaults with " + ", ".join("`%s` %s" % kv for kv in sorted(RACE_SETTINGS.items()))
                  if RACE_SETTINGS else "the defaults"),
        "### Goals\n\n" + "\n".join("- %s %s" % ("met:" if ok else "**missed**:", text) for ok, _, text in met),
        "### 1. Steady state, unimpaired paths (wrk -t2, every body compared with the origin's)\n\n"
        + report.steady_table(results["steady"]),
        "### 2. One path clearly fastest (one client, one request at a time)\n\n"
        "![scenario 2](peers-fastest.png)\n\n" + report.fastest_table(results["fastest"]),
        "### 3. The serving path degrades (via:tyo's latency x5 at t = 0; 256 KiB objects)\n\n"
        "![scenario 3](peers-degrade.png)\n\n" + report.degrade_table(results["degrade"], after_s),
        "### 4-6. Faults on a path\n\n" + report.fault_table(results["faults"]),
    ]
    return "\n\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
