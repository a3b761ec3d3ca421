#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""Captures real seeds for the fuzz targets from a running edge: the admin API's event stream (every
event kind a console reads) and the failover log's lines, while the edge serves requests, races on
demand and fails over from a route reset mid-body. Run once by hand; the seeds are committed under
tests/fuzz/corpus/ (docs/reliability.md).

    python3 tests/fuzz/capture_seeds.py build/release
"""

import http.client
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "peer"))
from peerlib import stack  # noqa: E402


def stream_events(admin, token, sink, stop):
    host, port = admin.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=1)
    conn.request("GET", "/api/v1/events", headers={"Authorization": "Bearer " + token})
    response = conn.getresponse()
    while not stop.is_set():
        try:
            piece = response.read1(65536)
        except (TimeoutError, OSError):
            continue
        if not piece:
            break
        sink.extend(piece)


def get(edge, path):
    request = urllib.request.Request(edge + path, headers={"Host": stack.HOST_NAME})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, len(response.read())
    except Exception as error:  # a failover the client sees is a finding, not a crash of this script
        return str(error), 0


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build/release"
    work = tempfile.mkdtemp(prefix="relayrace-seeds.")
    s = stack.Stack(os.path.join(build, "app", "relayrace"), work)
    events = bytearray()
    stop = threading.Event()
    try:
        s.start_lab()
        s.start_edge()
        reader = threading.Thread(target=stream_events, args=(s.admin, s.admin_token, events, stop), daemon=True)
        reader.start()
        edge = s.urls["relayrace"]
        for i in range(4):
            get(edge, "/obj/seed-%d?size=%d" % (i, 4096 * (i + 1)))
        for _ in range(2):  # the second is refused: a race for the provider is already running
            try:
                stack.http_json("POST", s.admin + "/api/v1/providers/%s/race" % stack.PROVIDER, {},
                                token=s.admin_token)
            except Exception:
                pass
        try:
            stack.http_json("POST", s.admin + "/api/v1/reload", {}, token=s.admin_token)
        except Exception:
            pass
        time.sleep(1.5)
        route = s.optimal_route() or "direct"
        s.set_link(stack.hops(route)[0], {"reset_after_bytes": 300000})
        get(edge, "/obj/seed-failover?size=2000000")
        s.set_links({})
        get(edge, "/obj/seed-after?size=100000")
        time.sleep(1.5)
    finally:
        stop.set()
        s.stop()
    corpus = os.path.join(HERE, "corpus")
    frames = [f for f in bytes(events).split(b"\n\n") if f.strip()]
    kinds = {}
    for frame in frames:
        name = frame.split(b"\n", 1)[0].replace(b"event: ", b"").decode(errors="replace")
        kinds.setdefault(name, frame + b"\n\n")
    os.makedirs(os.path.join(corpus, "sse"), exist_ok=True)
    for name, frame in kinds.items():
        with open(os.path.join(corpus, "sse", "event-" + name.replace(":", "_").strip()), "wb") as f:
            f.write(b"\0" + frame)
    with open(os.path.join(corpus, "sse", "stream-pieces"), "wb") as f:
        f.write(b"\x07" + bytes(events)[:60000])
    failovers = []
    for root, _, files in os.walk(work):
        for name in files:
            if name.startswith("failover") and name.endswith(".jsonl"):
                failovers += open(os.path.join(root, name), "rb").read().splitlines()
    os.makedirs(os.path.join(corpus, "failoverlog"), exist_ok=True)
    for i, line in enumerate(failovers[:4]):
        with open(os.path.join(corpus, "failoverlog", "edge-line-%d" % i), "wb") as f:
            f.write(line + b"\n")
    print("seeds: %d event kinds (%s), %d failover lines; work %s" % (len(kinds), ", ".join(sorted(kinds)),
                                                                    len(failovers), work))


if __name__ == "__main__":
    main()
