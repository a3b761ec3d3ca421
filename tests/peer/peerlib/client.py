# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""The comparison's clients: one keep-alive HTTP client that checks every response (status, length
and sha256) and times it, and wrk with a Lua check for the throughput runs."""

import hashlib
import http.client
import os
import re
import statistics
import subprocess
import time
import urllib.request

from .stack import HOST_NAME, PROVIDER

READ_TIMEOUT_S = 30  # a client's patience: a peer silent this long is an error, not a wait


def object_path(size, tag=None):
    """An object of the lab origin; a tag (ignored by the origin) finds the request in the edge's log."""
    return "/obj/%s?size=%d%s" % (PROVIDER, size, "" if tag is None else "&tag=" + tag)


class Reference:
    """The origin's own bytes for each object, fetched over its unimpaired port."""

    def __init__(self, origin_unimpaired, work):
        self.origin = origin_unimpaired
        self.work = work
        self.sha = {}

    def get(self, size):
        if size not in self.sha:
            with urllib.request.urlopen(self.origin + object_path(size), timeout=30) as response:
                body = response.read()
            if response.status != 200 or len(body) != size:
                raise RuntimeError("the origin answered %s with %d bytes for %s"
                                   % (response.status, len(body), object_path(size)))
            self.sha[size] = hashlib.sha256(body).hexdigest()
            with open(self.file(size), "wb") as f:
                f.write(body)
        return self.sha[size]

    def file(self, size):
        return os.path.join(self.work, "object-%d.bin" % size)


class Fetch:
    """One response as the client saw it. outcome: ok, error (no 200 response: a status other than
    200, or the connection failed before the head), truncated (a 200 whose body ended early, broke
    off, or differs from the origin's)."""

    __slots__ = ("start", "ttfb", "seconds", "status", "bytes", "outcome", "detail", "upstream", "fault_at", "path")

    def __init__(self, start):
        self.start = start
        self.ttfb = None
        self.seconds = None
        self.status = None
        self.bytes = 0
        self.outcome = None
        self.detail = ""
        self.upstream = None
        self.fault_at = None
        self.path = None


class Client:
    """Sequential requests over one keep-alive connection (a new one after a failure), as a browser
    tab or a download tool does."""

    def __init__(self, base_url, reference):
        self.host, self.port = base_url.split("//", 1)[1].split(":")
        self.reference = reference
        self.connection = None

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def fetch(self, size, on_body=None, tag=None):
        """GET one object; on_body(fetch, bytes_so_far) is called after each read (a fault hook)."""
        want = self.reference.get(size)
        result = Fetch(time.monotonic())
        result.path = object_path(size, tag)
        digest = hashlib.sha256()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, int(self.port), timeout=READ_TIMEOUT_S)
            self.connection.request("GET", result.path, headers={"Host": HOST_NAME})
            response = self.connection.getresponse()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            return self.finish(result, "error", "before the head: %s" % describe(e))
        result.ttfb = time.monotonic() - result.start
        result.status = response.status
        result.upstream = response.getheader("X-Upstream")
        try:
            while True:
                chunk = response.read(65536)
                if not chunk:
                    break
                digest.update(chunk)
                result.bytes += len(chunk)
                if on_body is not None:
                    on_body(result, result.bytes)
        except (OSError, http.client.HTTPException) as e:
            self.close()
            outcome = "truncated" if result.status == 200 else "error"
            return self.finish(result, outcome, "after %d body bytes: %s" % (result.bytes, describe(e)))
        if response.will_close:
            self.close()
        if result.status != 200:
            return self.finish(result, "error", "status %d" % result.status)
        if result.bytes != size or digest.hexdigest() != want:
            self.close()
            return self.finish(result, "truncated", "%d of %d bytes, sha256 %s" % (result.bytes, size,
                               "differs" if result.bytes == size else "of a short body"))
        return self.finish(result, "ok", "")

    @staticmethod
    def finish(result, outcome, detail):
        result.seconds = time.monotonic() - result.start
        result.outcome = outcome
        result.detail = detail
        return result


def describe(error):
    text = str(error) or type(error).__name__
    return "%s (%s)" % (type(error).__name__, text) if text != type(error).__name__ else text


def percentile(values, pct):
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(pct / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def median(values):
    return statistics.median(values) if values else None


WRK_SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "check.lua")
WRK_RESULT = re.compile(r"^RESULT (.*)$", re.M)


def run_wrk(base_url, size, connections, seconds, reference):
    """wrk -t2 against one object; check.lua compares every body with the origin's bytes."""
    reference.get(size)
    argv = ["wrk", "-t2", "-c%d" % connections, "-d%ds" % seconds, "--timeout", "10s", "-s", WRK_SCRIPT,
            "-H", "Host: " + HOST_NAME, base_url + object_path(size), "--", reference.file(size)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    found = WRK_RESULT.search(done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError("wrk failed against %s: %s %s" % (base_url, done.stdout[-1000:], done.stderr[-1000:]))
    figures = dict(item.split("=", 1) for item in found.group(1).split())
    return {key: float(value) for key, value in figures.items()}
