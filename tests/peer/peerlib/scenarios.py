# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""The comparison's scenarios (docs/peers.md). Each runs relayrace, nginx and HAProxy on the same
lab paths with the same client, and returns plain dicts for the report."""

import threading
import time

import itertools

from .client import Client, median, percentile, run_wrk
from .stack import MIB, PEERS, hops

KIB = 1024
SERIAL = itertools.count(1)
# Scenario 2 onwards: one path clearly fastest. Per hop: round trip (ms) and bandwidth (bytes/s, each
# connection). Path times for a 4 MiB object: direct about 2.2 s, via:sfo 1.8 s, via:tyo 0.75 s.
SHAPED = {
    "edge>origin:peer": {"latency_ms": 90, "bandwidth_bps": 2 * MIB},
    "edge>relay:tyo": {"latency_ms": 15, "bandwidth_bps": 6 * MIB},
    "relay:tyo>origin:peer": {"latency_ms": 15, "bandwidth_bps": 6 * MIB},
    "edge>relay:sfo": {"latency_ms": 40, "bandwidth_bps": int(2.4 * MIB)},
    "relay:sfo>origin:peer": {"latency_ms": 35, "bandwidth_bps": int(2.4 * MIB)},
}
FASTEST = "via:tyo"


def rotated(i):
    """The peers in a different order for each run, so none always goes first."""
    return PEERS[i % len(PEERS):] + PEERS[:i % len(PEERS)]


def with_fault(route, fault):
    """SHAPED with a fault added to the route's edge-facing hop (its shaping kept)."""
    links = {k: dict(v) for k, v in SHAPED.items()}
    links.setdefault(hops(route)[0], {}).update(fault)
    return links


class Run:
    """What one peer's requests saw, with the route each took (relayrace's from its access log,
    the peers' from their X-Upstream header)."""

    def __init__(self, stack, peer):
        self.stack = stack
        self.peer = peer
        self.client = Client(stack.urls[peer], stack.reference)
        self.fetches = []

    def fetch(self, size, on_body=None):
        self.stack.alive()
        f = self.client.fetch(size, on_body, "%s-%d" % (self.peer, next(SERIAL)))
        self.fetches.append(f)
        return f

    def warm(self, size, count):
        for _ in range(count):
            self.client.fetch(size)
        self.fetches = []

    def edge_lines(self):
        """relayrace's access-log line of each request (None where it is not there)."""
        wanted = [f.path for f in self.fetches]
        lines = {}
        for _ in range(20):  # the edge writes a request's line as it ends; let the last one land
            lines = self.stack.access_by_path()
            if all(w in lines for w in wanted):
                break
            time.sleep(0.1)
        return [lines.get(w) for w in wanted]

    def routes(self):
        if self.peer != "relayrace":
            return [self.stack.route_of(self.peer, f.upstream) for f in self.fetches]
        return [line.get("route") if line else None for line in self.edge_lines()]

    def failovers(self):
        if self.peer != "relayrace":
            return None
        return sum(int(line.get("failovers", 0)) for line in self.edge_lines() if line)

    def summary(self):
        ok = [f.seconds for f in self.fetches if f.outcome == "ok"]
        routes = self.routes()
        share = {}
        for r in routes:
            share[r] = share.get(r, 0) + 1
        return {"peer": self.peer, "requests": len(self.fetches),
                "errors": sum(f.outcome == "error" for f in self.fetches),
                "truncated": sum(f.outcome == "truncated" for f in self.fetches),
                "median_s": median(ok), "p99_s": percentile(ok, 99),
                "worst_s": max((f.seconds for f in self.fetches), default=None),
                "routes": share, "failovers": self.failovers(),
                "details": sorted({f.detail for f in self.fetches if f.outcome != "ok"})[:5]}

    def close(self):
        self.client.close()


def settle(stack, run, size, seconds=40):
    """relayrace on the fastest path before a trial that needs it there: after a change of the paths
    it moves at its next re-test (T2 or N, under traffic). Returns the seconds of traffic that took,
    or None when it did not within `seconds`."""
    if run.peer != "relayrace":
        return 0.0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if stack.optimal_route() == FASTEST:
            return time.monotonic() - start
        run.client.fetch(size)
    return time.monotonic() - start if stack.optimal_route() == FASTEST else None


# --- 1: steady state -------------------------------------------------------------------------------
STEADY = [(1 * KIB, 64), (64 * KIB, 32), (16 * MIB, 8)]  # object size, wrk connections


def steady(stack, seconds):
    stack.set_links({})
    rows = []
    for i, (size, connections) in enumerate(STEADY):
        for peer in rotated(i):
            stack.alive()
            run_wrk(stack.urls[peer], size, connections, 2, stack.reference)  # warm-up
            r = run_wrk(stack.urls[peer], size, connections, seconds, stack.reference)
            secs = r["duration_us"] / 1e6
            rows.append({"peer": peer, "size": size, "connections": connections,
                         "requests_s": r["requests"] / secs, "mib_s": r["bytes"] / secs / MIB,
                         "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
                         "errors": int(r["not_ok"] + r["connect_errors"] + r["read_errors"]
                                       + r["write_errors"] + r["timeouts"]),
                         "bad_bodies": int(r["bad_body"])})
    return rows


# --- 2: one path clearly fastest -------------------------------------------------------------------
def fastest(stack, counts):
    stack.set_links(SHAPED)
    rows = []
    for i, (size, count) in enumerate(counts):
        for peer in rotated(i):
            run = Run(stack, peer)
            run.warm(size, 3)
            settled = settle(stack, run, size)
            run.warm(size, 2)
            for _ in range(count):
                run.fetch(size)
            row = run.summary()
            row.update({"size": size, "settled": settled})
            rows.append(row)
            run.close()
    return rows


# --- 3: the serving path degrades ------------------------------------------------------------------
def degrade(stack, before_s, after_s, size=256 * KIB, factor=5):
    rows = []
    slow = {k: dict(v) for k, v in SHAPED.items()}
    for hop in hops(FASTEST):
        slow[hop]["latency_ms"] *= factor
    for peer in PEERS:
        stack.set_links(SHAPED)
        run = Run(stack, peer)
        run.warm(size, 5)
        settled = settle(stack, run, size)
        run.warm(size, 2)
        start = time.monotonic()
        changed = None
        while time.monotonic() - start < before_s + after_s:
            if changed is None and time.monotonic() - start >= before_s:
                stack.set_links(slow)
                changed = time.monotonic()
            run.fetch(size)
        routes = run.routes()
        points = [(f.start - changed, f.seconds, r) for f, r in zip(run.fetches, routes)]
        races = []
        if peer == "relayrace":  # the races served requests ran after the change, and why
            races = ["%s at %.1f s" % (line.get("race"), f.start - changed)
                     for f, line in zip(run.fetches, run.edge_lines())
                     if line and f.start >= changed and line.get("race") not in (None, "cached")]
        after = [(t, s, r) for t, s, r in points if t >= 0]
        on_slow = [t for t, _, r in after if r == FASTEST]
        last_use = max(on_slow) if on_slow else None
        tail = [r for t, _, r in after if t >= after_s - 5]
        row = run.summary()
        row.update({"settled": settled, "points": points, "races": races,
                    "share_after": len(on_slow) / len(after) if after else None,
                    "share_last_5s": (sum(r == FASTEST for r in tail) / len(tail)) if tail else None,
                    "last_use_s": last_use,
                    "stopped": bool(tail) and not any(r == FASTEST for r in tail),
                    "median_before_s": median([s for t, s, _ in points if t < 0]),
                    "median_after_s": median([s for t, s, _ in after]),
                    "median_last_5s": median([s for t, s, _ in after if t >= after_s - 5])})
        rows.append(row)
        run.close()
    stack.set_links(SHAPED)
    return rows


# --- 4a, 6: a fault on the serving path, at connect ------------------------------------------------
SLOW_S = 0.25  # a request this much slower than normal met the fault (the paths differ by 0.14 s at most)


def at_connect(stack, name, fault, size=256 * KIB, count=30):
    """The path relayrace serves on (relayrace runs first and names it) fails for every peer."""
    rows = []
    faulted = None
    for peer in PEERS:
        stack.set_links(SHAPED)
        run = Run(stack, peer)
        run.warm(size, 5)
        if faulted is None:
            faulted = stack.optimal_route() or FASTEST
        normal = median([run.client.fetch(size).seconds for _ in range(3)])
        run.warm(size, 0)
        stack.set_links(with_fault(faulted, fault))
        fault_at = time.monotonic()
        for _ in range(count):
            run.fetch(size)
        stack.set_links(SHAPED)
        row = run.summary()
        slow = [f for f in run.fetches if f.seconds > normal + SLOW_S or f.outcome != "ok"]
        row.update({"scenario": name, "size": size, "fault_route": faulted, "normal_s": normal,
                    "slow_requests": len(slow),
                    "recovered_after_s": max((f.start + f.seconds - fault_at for f in slow), default=0.0)})
        rows.append(row)
        run.close()
    return rows


# --- 4b, 5: a fault on the path in flight, mid-body --------------------------------------------------
def mid_body(stack, name, fault, hold_s=None, size=4 * MIB, count=6, fault_index=2, after_bytes=1 * MIB):
    """The fault hits the path serving request `fault_index` once `after_bytes` of its body arrived;
    it stays for the rest of the trial, or is lifted after hold_s (a one-off fault)."""
    rows = []
    for peer in rotated(4):
        stack.set_links(SHAPED)
        run = Run(stack, peer)
        run.warm(size, 3)
        normal = median([run.client.fetch(size).seconds for _ in range(2)])
        run.warm(size, 0)
        hit = {}

        def inject(fetch, received):
            if hit or received < after_bytes:
                return
            route = hit.get("route") or (stack.route_of(peer, fetch.upstream) if peer != "relayrace"
                                         else in_flight)
            hit["route"] = route
            stack.set_links(with_fault(route, fault))
            fetch.fault_at = time.monotonic()
            if hold_s is not None:
                threading.Timer(hold_s, lambda: stack.set_links(SHAPED)).start()

        for i in range(count):
            in_flight = stack.optimal_route() if peer == "relayrace" else None
            f = run.fetch(size, inject if i == fault_index else None)
            if i == fault_index:
                faulted = f
        time.sleep(hold_s or 0)
        stack.set_links(SHAPED)
        row = run.summary()
        row.update({"scenario": name, "size": size, "normal_s": normal, "fault_route": hit.get("route"),
                    "faulted_outcome": faulted.outcome, "faulted_detail": faulted.detail,
                    "fault_to_end_s": (faulted.start + faulted.seconds - faulted.fault_at)
                    if faulted.fault_at else None})
        rows.append(row)
        run.close()
    return rows
