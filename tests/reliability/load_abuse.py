#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""Load and abuse: what `relayrace edge` does under many clients, hostile clients, a misbehaving origin
and a misbehaving relay, and whether everybody else keeps being served meanwhile.

A `relayrace lab` (its own process, through peerlib.stack) provides a well-behaved provider, `peer`
(Host peer.example). Each case starts its own `relayrace edge` (a config file: the lab's map, and for
cases 4 and 5 a second provider whose map names this script's own misbehaving servers), so every case
has its own log and its own peak RSS (VmHWM; VmRSS is also sampled every 50 ms). Throughout every
case a normal client GETs a 16 KiB object of `peer` on a new connection every 250 ms, and 5 more after
the abuse ends: "others served" means all of them were 200 with the origin's exact bytes (sha256).

  1  wrk       2 x `wrk -t2 -c5000 -d15s --timeout 10s` (one after the other) on a 1 KiB object of peer,
               with tests/peer/check.lua (every body compared with the origin's). Goal: no non-2xx, no bad
               body, no connect/read/write error, timeouts under 1% of the requests, peak RSS under the
               idle RSS + 64 KiB per connection and no more than 64 MiB higher in the second run than in
               the first, a curl afterwards 200 with 1024 bytes.
  2  slowloris 1,000 connections (a child process, epoll) that send a partial request head and then one
               more header byte every 1-2 s, each reopened when the edge closes it. 3 rounds of: 200
               sequential GETs of a 16 KiB object (new connection each, 60 ms apart) on the idle edge,
               then the same 200 with the slowloris connections open (the 408 wave of the 10 s header
               timeout falls inside). Goal: the p99 of the 600 with slowloris <= 2 x the p99 of the 600
               idle; every slowloris connection answered 408 within the header timeout + 3 s (default
               10 s, the edge's own; --header-timeout-ms sets limits.header_timeout_ms).
  3a no-read   GET of a 256 MiB object on a socket that never reads (16 KiB receive buffer), held 10 s.
               Goal: the edge's RSS grew by at most 64 MiB. Reported too: whether the edge still holds
               the route connection 5 s after the client closed.
  3b abandon   100 clients, one after the other, GET a 64 MiB object, read 1 MB and close. Goal: 10 s
               after the last, no route connection with unread data left and RSS within 64 MiB of idle
               (and, as everywhere, the normal client served meanwhile).
  3c hang-up   5,000 connections, one after the other, send a GET of a 1 KiB object and close at once
               (what wrk's connections do at the end of a run). Goal: 5 s later RSS within 64 MiB of idle.
  4  origin    a provider `evil` (Host evil.example) whose map has the direct route only, its origin
               a Python server of this script that misbehaves by path:
               a  endless response headers (a 128-byte header line every 3 ms): the client must get an
                  error answer (5xx or a close, never a 2xx) within 45 s, the edge's RSS grow by at most
                  64 MiB and the origin connection be closed by the edge within 10 s of that answer;
               b  an endless chunked body: the client reads 100 MB and closes; RSS growth at most 64 MiB;
                  the edge closes the origin connection within 10 s of the client leaving (if not, it is
                  watched 20 s more to say whether it ever does);
               c  Content-Length 100000 but 50000 bytes then close: curl must fail or get fewer bytes;
                  Content-Length 1000 followed by a whole extra response: on the same kept-alive client
                  connection no unsolicited bytes and the next response is the real one, and so are the
                  next ones on new connections (the edge's pooled origin connection must not be reused);
               d  a header value with a bare LF, and an obs-fold continuation line, each followed by an
                  `X-Injected-...: yes` text: after a bare LF it is a field of its own (RFC 9112
                  section 2.2: the origin sent two fields), after a fold it must not be a line of its own;
                  no bare CR/LF and no line starting with whitespace (a 502 is fine too);
               e  a garbage status line (random bytes; `HTTP/1.1 2x0 OK`), 3 GETs each: a 5xx of the edge.
  5  relay     a provider `garble` whose origin is the lab's origin (through its direct link) and whose
               two regions' relays are this script's servers answering random bytes and
               `HTTP/1.1 999 ???` to everything; every request races (route TTL 0, retest after 0
               requests), 30 GETs of 1 KiB / 64 KiB / 1 MiB objects plus 3 races asked over the admin API:
               a  with the direct route (as is, then with its lab link 300 ms slower than the relays):
                  every answer 200 with the origin's bytes, or a 502 naming the routes;
               b  with `direct: false`: every answer a 502 naming both relay routes.
               Never a 200 with other bytes, never the relay's 999.

Each case records what was done, how many times, what the abusive request got, whether the others were
served, the edge's peak RSS and what the edge logged (its stderr, and its access-log line for the
abusive request). At the end a markdown table is printed and the details written to WORK/load_abuse.json;
the exit status is 0 only when every goal is met.

Run from the source tree's root (about 6 minutes on 2 shared cores; less when every goal is met):

    python3 tests/reliability/load_abuse.py [--relayrace BUILD_DIR] [--cases 1,2,3,4,5] [--work DIR]

--cases takes case numbers or sub-cases (3b, 4c, 5a ...).

--relayrace takes a build dir (the binary is BUILD/app/relayrace; default build/release) or the binary;
it is copied into the work dir first. Needs wrk and curl; Python 3 standard library only. The process
raises its open-files soft limit to the hard limit (the edge and wrk need over 10,000 descriptors).
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "peer"))
from peerlib import stack  # noqa: E402

KIB = 1024
MIB = 1024 * KIB
NORMAL_SIZE = 16 * KIB
WRK_SIZE = 1 * KIB
BIG_SIZE = 256 * MIB
EVIL_HOST = "evil.example"
GARBLE_HOST = "garble.example"
RSS_GROWTH_LIMIT = 64 * MIB
CHECK_LUA = os.path.join(os.path.dirname(HERE), "peer", "check.lua")


def log(message):
    print(message, flush=True)


def now():
    return time.monotonic()


def percentile(values, pct):
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, int(round(pct / 100.0 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def mib(kb_or_bytes, unit="kb"):
    if kb_or_bytes is None:
        return None
    return round(kb_or_bytes / 1024.0 if unit == "kb" else kb_or_bytes / float(MIB), 1)


# --- binaries and processes ---------------------------------------------------------------------

def find_binary(value):
    candidates = [value] if os.path.isabs(value) else [os.path.abspath(value), os.path.join(ROOT, value)]
    for base in candidates:
        for path in (base, os.path.join(base, "app", "relayrace")):
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    raise SystemExit("no relayrace under %s (give --relayrace BUILD_DIR or the binary)" % " or ".join(candidates))


def snapshot(binary, bin_dir):
    """A private copy, so a relink in the build tree cannot change the binary under the run."""
    os.makedirs(bin_dir, exist_ok=True)
    copy = os.path.join(bin_dir, "relayrace")
    shutil.copy2(binary, copy)
    digest = hashlib.sha256()
    with open(copy, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return copy, {"source": binary, "mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(
        os.path.getmtime(binary))), "sha256": digest.hexdigest()[:16]}


def xdg_env(base):
    for sub in ("state", "data", "config", "cache", "runtime"):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    os.chmod(os.path.join(base, "runtime"), 0o700)
    return dict(os.environ, XDG_STATE_HOME=os.path.join(base, "state"), XDG_DATA_HOME=os.path.join(base, "data"),
                XDG_CONFIG_HOME=os.path.join(base, "config"), XDG_CACHE_HOME=os.path.join(base, "cache"),
                XDG_RUNTIME_DIR=os.path.join(base, "runtime"))


def proc_status(pid):
    """VmRSS and VmHWM in kB, or None when the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            text = f.read()
    except OSError:
        return None
    found = {}
    for line in text.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:", "Threads:")):
            key, value = line.split(":", 1)
            found[key] = int(value.split()[0])
    return found


def open_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
    except (OSError, IndexError, ValueError):
        return None


def tcp_to(pid, ports):
    """The process's established TCP sockets to 127.0.0.1:port for any of ports: [(port, unread bytes)]
    (/proc/net/tcp's rx_queue: what the peer sent and the process has not read)."""
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return []
    found = []
    try:
        with open("/proc/%d/net/tcp" % pid) as f:
            next(f)
            for line in f:
                cols = line.split()
                remote_port = int(cols[2].split(":")[1], 16)
                if cols[3] == "01" and remote_port in ports and cols[9] in inodes:
                    found.append((remote_port, int(cols[4].split(":")[1], 16)))
    except (OSError, ValueError, IndexError):
        pass
    return found


class RssSampler(threading.Thread):
    """VmRSS of a process every 50 ms."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples = []  # (monotonic, kB)
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            status = proc_status(self.pid)
            if status is None:
                break
            self.samples.append((now(), status.get("VmRSS", 0)))
            self.halt.wait(0.05)

    def current(self):
        status = proc_status(self.pid)
        return status.get("VmRSS") if status else None

    def peak(self, since=None, until=None):
        values = [kb for t, kb in list(self.samples) if (since is None or t >= since) and (until is None or t <= until)]
        return max(values) if values else None

    def settled(self, seconds=0.5):
        """The RSS now, after a short pause (the baseline of a case)."""
        time.sleep(seconds)
        return self.current()


EDGES = []  # every edge started, so none outlives the run whatever fails


class Edge:
    """One `relayrace edge --config FILE` with its own dir, log and RSS sampler."""

    def __init__(self, relayrace, base, name, providers, limits=None):
        self.name = name
        self.dir = os.path.join(base, "edge-" + name)
        os.makedirs(self.dir, exist_ok=True)
        self.out = os.path.join(self.dir, "edge.out")
        self.access_log = os.path.join(self.dir, "access.jsonl")
        self.token = "load-abuse-admin-token-0123456789"
        token_file = os.path.join(self.dir, "admin.token")
        with open(token_file, "w") as f:
            f.write(self.token + "\n")
        os.chmod(token_file, 0o600)
        config = {"listen": ["127.0.0.1:0"], "admin": {"listen": "127.0.0.1:0", "token_file": token_file},
                  "providers": providers,
                  "logs": {"access": self.access_log, "failover": os.path.join(self.dir, "failover.jsonl")}}
        if limits:
            config["limits"] = limits
        self.config = config
        self.config_file = os.path.join(self.dir, "edge.json")
        with open(self.config_file, "w") as f:
            json.dump(config, f, indent=2)
        self.env = xdg_env(os.path.join(self.dir, "xdg"))
        with open(self.out, "w") as sink:
            self.proc = subprocess.Popen([relayrace, "edge", "--config", self.config_file], stdout=sink,
                                         stderr=subprocess.STDOUT, env=self.env, cwd=self.dir, start_new_session=True)
        self.pid = self.proc.pid
        self.stopped = None
        EDGES.append(self)

        def ports():
            found = {}
            for line in open(self.out).read().splitlines():
                if line.startswith("relayrace edge: listening on "):
                    found["edge"] = int(line.split()[4].rsplit(":", 1)[1])
                if line.startswith("relayrace edge: admin listening on "):
                    found["admin"] = int(line.split()[5].rsplit(":", 1)[1])
            return found if len(found) == 2 else None
        stack.wait_until(30, "relayrace edge " + name, ports, self.proc, self.out)
        found = ports()
        self.port = found["edge"]
        self.admin = "http://127.0.0.1:%d" % found["admin"]
        self.url = "http://127.0.0.1:%d" % self.port
        self.sampler = RssSampler(self.pid)
        self.sampler.start()

    def alive(self):
        return self.proc.poll() is None

    def hwm_kb(self):
        status = proc_status(self.pid)
        return status.get("VmHWM") if status else None

    def admin_post(self, path, body):
        return stack.http_json("POST", self.admin + path, body, token=self.token, timeout=10)

    def stop(self):
        """SIGTERM, as a service manager stops it; returns what happened."""
        if self.stopped is not None:
            return self.stopped
        hwm = self.hwm_kb()
        exit_before = self.proc.poll()
        began = now()
        if exit_before is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait()
                self.stopped = {"exit": "killed: no exit 40 s after SIGTERM", "hwm_kb": hwm, "died_before": False}
        if self.stopped is None:
            self.stopped = {"exit": self.proc.returncode, "stop_s": round(now() - began, 2), "hwm_kb": hwm,
                            "died_before": exit_before is not None}
        self.sampler.halt.set()
        return self.stopped

    def log_lines(self):
        """What the edge wrote, but the lines every run writes."""
        routine = ("relayrace edge: listening on", "relayrace edge: admin listening on", "relayrace edge: stopping")
        try:
            lines = open(self.out, errors="replace").read().splitlines()
        except OSError:
            return []
        return [line for line in lines if line.strip() and not line.startswith(routine)]

    def access_lines(self, match=None):
        found = []
        try:
            for line in open(self.access_log, errors="replace"):
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if match is None or match in (entry.get("path") or ""):
                    found.append(entry)
        except OSError:
            pass
        return found


def brief_log(lines, limit=8):
    """The edge's log lines, repeated ones counted once (a number in a line does not make it new)."""
    counts = {}
    order = []
    for line in lines:
        key = re.sub(r"\d+", "N", line)
        if key not in counts:
            counts[key] = [0, line]
            order.append(key)
        counts[key][0] += 1
    out = []
    if lines and all(line.startswith("relayrace edge: event-loop lag") for line in lines):
        out.append("(nothing logged but the exit's event-loop lag lines)")
    for key in order[:limit]:
        n, line = counts[key]
        out.append(line[:400] + (" (x%d)" % n if n > 1 else ""))
    if len(order) > limit:
        out.append("... %d more kinds of line" % (len(order) - limit))
    return out


def access_summary(entries):
    return [{k: e.get(k) for k in ("path", "status", "bytes", "outcome", "route", "race", "failovers", "framing",
                                    "length_verified", "duration_ms") if k in e} for e in entries[:6]]


# --- a plain HTTP/1.1 client over a socket --------------------------------------------------------

class HttpConn:
    """One client connection; reads responses by their framing, counts what it can, keeps what it is asked."""

    def __init__(self, port, timeout=30.0, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", port))
        self.buf = bytearray()
        self.eof = False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_get(self, path, host, extra=()):
        lines = ["GET %s HTTP/1.1" % path, "Host: %s" % host, "User-Agent: load-abuse"] + list(extra)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def fill(self):
        data = self.sock.recv(256 * KIB)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def read_response(self, max_head=1 * MIB, body_limit=None, keep=64 * KIB, deadline=None):
        """A dict: status, reason, head (raw), headers, framing, declared, body_bytes, body (first `keep`
        bytes), complete (the framing was satisfied), error, ttfb_ms, ms."""
        r = {"status": None, "body_bytes": 0, "complete": False, "error": None}
        t0 = now()
        body = bytearray()
        try:
            while True:
                end = self.buf.find(b"\r\n\r\n")
                if end >= 0:
                    break
                if len(self.buf) > max_head:
                    r["error"] = "head over %d bytes" % max_head
                    return self._done(r, t0, body)
                if deadline is not None and now() > deadline:
                    raise socket.timeout("deadline")
                if not self.fill():
                    r["error"] = "closed before a whole head" + (" (%d bytes: %r)" % (len(self.buf), bytes(
                        self.buf[:120])) if self.buf else " (nothing received)")
                    return self._done(r, t0, body)
            head = bytes(self.buf[:end])
            del self.buf[:end + 4]
            r["ttfb_ms"] = round((now() - t0) * 1000, 2)
            r["head"] = head.decode("latin-1")
            lines = head.split(b"\r\n")
            m = re.match(rb"^HTTP/1\.[01] (\d{3})(?: (.*))?$", lines[0])
            if not m:
                r["error"] = "unparsable status line %r" % lines[0][:120]
                return self._done(r, t0, body)
            r["status"] = int(m.group(1))
            r["reason"] = (m.group(2) or b"").decode("latin-1")
            headers = []
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
            r["headers"] = headers
            hmap = {n.lower(): v for n, v in headers}
            if r["status"] in (204, 304) or 100 <= r["status"] < 200:
                r["framing"] = "none"
                r["complete"] = True
                return self._done(r, t0, body)
            if "chunked" in hmap.get("transfer-encoding", "").lower():
                r["framing"] = "chunked"
                self._chunked(r, body, keep, body_limit, deadline)
            elif "content-length" in hmap:
                r["framing"] = "content-length"
                r["declared"] = int(hmap["content-length"])
                need = r["declared"]
                while r["body_bytes"] < need:
                    if not self.buf:
                        if deadline is not None and now() > deadline:
                            raise socket.timeout("deadline")
                        if not self.fill():
                            r["error"] = "closed after %d of %d body bytes" % (r["body_bytes"], need)
                            return self._done(r, t0, body)
                    take = min(len(self.buf), need - r["body_bytes"])
                    self._take(r, body, take, keep)
                    if body_limit is not None and r["body_bytes"] >= body_limit:
                        r["stopped_at_limit"] = True
                        return self._done(r, t0, body)
                r["complete"] = True
            else:
                r["framing"] = "close"
                while True:
                    if self.buf:
                        self._take(r, body, len(self.buf), keep)
                        if body_limit is not None and r["body_bytes"] >= body_limit:
                            r["stopped_at_limit"] = True
                            return self._done(r, t0, body)
                    if deadline is not None and now() > deadline:
                        raise socket.timeout("deadline")
                    if not self.fill():
                        break
                r["complete"] = True  # as complete as a close-delimited body can look
        except socket.timeout:
            r["error"] = "timed out (%.1f s)" % (now() - t0)
        except OSError as error:
            r["error"] = "%s: %s" % (type(error).__name__, error)
        return self._done(r, t0, body)

    def _take(self, r, body, n, keep):
        if len(body) < keep:
            body += self.buf[:min(n, keep - len(body))]
        del self.buf[:n]
        r["body_bytes"] += n

    def _line(self, deadline):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            if len(self.buf) > 64 * KIB:
                raise ValueError("chunk line over 64 KiB")
            if deadline is not None and now() > deadline:
                raise socket.timeout("deadline")
            if not self.fill():
                return None

    def _chunked(self, r, body, keep, body_limit, deadline):
        while True:
            line = self._line(deadline)
            if line is None:
                r["error"] = "closed inside the chunked body after %d bytes (no last chunk)" % r["body_bytes"]
                return
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                r["error"] = "bad chunk size line %r" % line[:60]
                return
            if size == 0:
                while True:  # trailers up to the empty line
                    trailer = self._line(deadline)
                    if trailer is None:
                        r["error"] = "closed inside the trailers"
                        return
                    if trailer == b"":
                        r["complete"] = True
                        return
            left = size
            while left:
                if not self.buf:
                    if deadline is not None and now() > deadline:
                        raise socket.timeout("deadline")
                    if not self.fill():
                        r["error"] = "closed inside a chunk after %d bytes" % r["body_bytes"]
                        return
                take = min(left, len(self.buf))
                self._take(r, body, take, keep)
                left -= take
                if body_limit is not None and r["body_bytes"] >= body_limit:
                    r["stopped_at_limit"] = True
                    return
            if self._line(deadline) != b"":
                r["error"] = "chunk not followed by CRLF"
                return

    def _done(self, r, t0, body):
        r["ms"] = round((now() - t0) * 1000, 2)
        r["body"] = bytes(body)
        return r


def get_once(port, path, host, timeout=30.0, **kw):
    conn = None
    t0 = now()
    try:
        conn = HttpConn(port, timeout=timeout)
        conn.send_get(path, host)
        r = conn.read_response(**kw)
    except OSError as error:
        r = {"status": None, "error": "%s: %s" % (type(error).__name__, error), "body_bytes": 0, "complete": False,
             "body": b""}
    finally:
        if conn:
            conn.close()
    r["total_ms"] = round((now() - t0) * 1000, 2)
    return r


def header_names(r):
    return [n.lower() for n, _ in r.get("headers", [])]


def short(r):
    """A response in a few words."""
    if r.get("status") is None:
        return "no response: %s" % r.get("error")
    text = "%s, %d bytes" % (r["status"], r.get("body_bytes", 0))
    if r.get("declared") is not None:
        text += " of %d declared" % r["declared"]
    if r.get("framing") == "chunked":
        text += " (chunked)"
    if r.get("error"):
        text += ", then %s" % r["error"]
    return text


# --- the lab's reference bytes and the normal client ----------------------------------------------

class Reference:
    """The lab origin's own bytes of an object, fetched over its unimpaired port."""

    def __init__(self, origin_unimpaired):
        self.origin = origin_unimpaired
        self.sha = {}

    def path(self, size, tag):
        return "/obj/%s?size=%d&tag=%s" % (stack.PROVIDER, size, tag)  # the tag is ignored by the origin

    def digest(self, size):
        if size not in self.sha:
            with urllib.request.urlopen(self.origin + "/obj/%s?size=%d" % (stack.PROVIDER, size), timeout=60) as resp:
                h = hashlib.sha256()
                n = 0
                for block in iter(lambda: resp.read(MIB), b""):
                    h.update(block)
                    n += len(block)
            if n != size:
                raise RuntimeError("the lab origin sent %d bytes of %d" % (n, size))
            self.sha[size] = h.hexdigest()
        return self.sha[size]

    def check(self, r, size):
        """ok, or what is wrong with a response that should be the object."""
        if r.get("status") != 200:
            return "status %s (%s)" % (r.get("status"), r.get("error"))
        if not r.get("complete") or r.get("body_bytes") != size:
            return "200 with %d of %d bytes (%s)" % (r.get("body_bytes", 0), size, r.get("error"))
        if hashlib.sha256(r["body"]).hexdigest() != self.digest(size):
            return "200 with %d bytes that are not the origin's" % size
        return "ok"


class NormalClient(threading.Thread):
    """A well-behaved client: GET a 16 KiB object of peer on a new connection every `interval` s."""

    def __init__(self, port, reference, tag, interval=0.25, timeout=30.0):
        super().__init__(daemon=True)
        self.port, self.reference, self.tag, self.interval, self.timeout = port, reference, tag, interval, timeout
        self.halt = threading.Event()
        self.results = []  # (verdict, ms)
        self.after = []
        self.serial = 0

    def one(self):
        self.serial += 1
        r = get_once(self.port, self.reference.path(NORMAL_SIZE, "n-%s-%d" % (self.tag, self.serial)), stack.HOST_NAME,
                     timeout=self.timeout, keep=NORMAL_SIZE + 1)
        return self.reference.check(r, NORMAL_SIZE), r.get("total_ms")

    def run(self):
        while not self.halt.is_set():
            self.results.append(self.one())
            self.halt.wait(self.interval)

    def finish(self, after=5):
        self.halt.set()
        self.join(self.timeout + 5)
        for _ in range(after):
            self.after.append(self.one())

    def served(self):
        bad = [v for v, _ in self.results + self.after if v != "ok"]
        return not bad and len(self.results) > 0 and len(self.after) > 0

    def summary(self):
        during_ok = sum(1 for v, _ in self.results if v == "ok")
        after_ok = sum(1 for v, _ in self.after if v == "ok")
        times = [ms for v, ms in self.results if ms is not None]
        bad = [v for v, _ in self.results + self.after if v != "ok"]
        text = "during %d/%d ok, after %d/%d ok" % (during_ok, len(self.results), after_ok, len(self.after))
        if times:
            text += " (max %.0f ms)" % max(times)
        if bad:
            text += "; failures: " + "; ".join(sorted(set(bad)))[:300]
        return text


# --- scripted misbehaving servers ----------------------------------------------------------------

class ServerConn:
    """The server side of one connection: its record, an inbox and a careful writer."""

    def __init__(self, server, sock, rec):
        self.server, self.sock, self.rec = server, sock, rec
        self.inbox = bytearray()
        sock.setblocking(False)

    def read_head(self, idle_s=60.0):
        """(method, target, {lower name: value}) of the next request, or None when the peer closed."""
        deadline = now() + idle_s
        while True:
            end = self.inbox.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.inbox[:end]).decode("latin-1")
                del self.inbox[:end + 4]
                lines = head.split("\r\n")
                parts = lines[0].split(" ")
                headers = {}
                for line in lines[1:]:
                    n, _, v = line.partition(":")
                    headers[n.strip().lower()] = v.strip()
                if len(parts) < 3:
                    return None
                self.rec["requests"].append({"at": round(now() - self.server.t0, 3), "line": lines[0][:200],
                                             "range": headers.get("range")})
                return parts[0], parts[1], headers
            if self.server.stopping.is_set() or now() > deadline:
                self.rec["end"] = self.rec.get("end") or "idle, closed by the script"
                return None
            ready, _, _ = select.select([self.sock], [], [], 0.5)
            if ready:
                try:
                    data = self.sock.recv(65536)
                except OSError as error:
                    self.rec["end"] = "peer reset (%s)" % error
                    return None
                if not data:
                    self.rec["end"] = "peer closed"
                    return None
                self.inbox += data

    def push(self, data):
        """Write all of data; False when the peer closed or reset, or the script is stopping."""
        view = memoryview(data)
        while view:
            if self.server.stopping.is_set():
                self.rec["end"] = self.rec.get("end") or "still open when the script stopped it"
                return False
            readable, writable, _ = select.select([self.sock], [self.sock], [], 0.5)
            if readable:
                try:
                    got = self.sock.recv(65536)
                except BlockingIOError:
                    got = None
                except OSError as error:
                    self.rec["end"] = "peer reset (%s)" % error
                    return False
                if got == b"":
                    self.rec["end"] = "peer closed"
                    return False
                if got:
                    self.inbox += got
            if writable:
                try:
                    n = self.sock.send(view)
                except BlockingIOError:
                    continue
                except OSError as error:
                    self.rec["end"] = "peer reset (%s)" % error
                    return False
                view = view[n:]
                self.rec["sent"] += n
                self.rec["last_send"] = now()
            elif not readable:
                self.rec["blocked_since"] = self.rec.get("blocked_since") or now()
                continue
            self.rec.pop("blocked_since", None)
        return True


class ScriptedServer:
    """A TCP server on 127.0.0.1 whose handler(conn, ServerConn) misbehaves; every connection recorded."""

    def __init__(self, name, handler):
        self.name, self.handler = name, handler
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(512)
        self.port = self.lsock.getsockname()[1]
        self.records = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.t0 = now()
        self.socks = []
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while not self.stopping.is_set():
            try:
                sock, _ = self.lsock.accept()
            except OSError:
                return
            rec = {"id": len(self.records) + 1, "opened": now(), "requests": [], "sent": 0, "closed": None,
                   "end": None}
            with self.lock:
                self.records.append(rec)
                self.socks.append(sock)
            threading.Thread(target=self.serve, args=(sock, rec), daemon=True).start()

    def serve(self, sock, rec):
        conn = ServerConn(self, sock, rec)
        try:
            self.handler(conn)
            rec["end"] = rec["end"] or "closed by the script"
        except Exception as error:  # a bug of the script, reported with the connection
            rec["end"] = "script error %s: %s" % (type(error).__name__, error)
        finally:
            rec["closed"] = now()
            try:
                sock.close()
            except OSError:
                pass

    def since(self, t):
        with self.lock:
            return [r for r in self.records if r["opened"] >= t]

    def describe(self, recs, until=None):
        out = []
        for r in recs:
            closed = r["closed"]
            out.append({"id": r["id"], "requests": [q["line"] + (" Range: %s" % q["range"] if q["range"] else "")
                                                    for q in r["requests"]][:4],
                        "sent_bytes": r["sent"], "end": r["end"] or "still open",
                        "open_s": round((closed or now()) - r["opened"], 2)})
        return out

    def stop(self):
        self.stopping.set()
        try:
            self.lsock.close()
        except OSError:
            pass


def pattern(n):
    return (b"abcdefghij" * (n // 10 + 1))[:n]


def evil_origin(conn):
    """The misbehaving origin of case 4, by path; the test object and /evil/ok?size=N are served properly."""
    while True:
        req = conn.read_head()
        if req is None:
            return
        method, target, headers = req
        path, _, query = target.partition("?")
        if path == "/sureroute-test-object.html" or path == "/evil/ok":
            size = 9000
            m = re.search(r"size=(\d+)", query)
            if m:
                size = int(m.group(1))
            body = b"" if method == "HEAD" else pattern(size)
            if not conn.push(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n"
                             b"\r\n" % size + body):
                return
            continue
        if path == "/evil/endless-headers":
            if not conn.push(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"):
                return
            n = 0
            while True:
                n += 1
                line = b"X-Endless-%08d: %s\r\n" % (n, b"h" * 100)
                if not conn.push(line):
                    return
                time.sleep(0.003)
        if path == "/evil/endless-chunked":
            if not conn.push(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n"):
                return
            chunk = b"10000\r\n" + pattern(65536) + b"\r\n"
            while conn.push(chunk):
                pass
            return
        if path == "/evil/short-cl":
            conn.push(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
                      + pattern(50000))
            time.sleep(0.2)
            return  # close: 50,000 bytes short
        if path == "/evil/long-cl":
            smuggled = (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Injected: smuggled\r\n\r\nEVIL!")
            if not conn.push(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n"
                             b"\r\n" + pattern(1000) + smuggled):
                return
            continue  # keep the connection: its next request is answered properly, after the extra bytes
        if path == "/evil/split-lf":
            if not conn.push(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Split: one\nX-Injected-LF: yes\r\n"
                             b"Content-Length: 5\r\n\r\nhello"):
                return
            continue
        if path == "/evil/split-fold":
            if not conn.push(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Split: two\r\n X-Injected-Fold: yes\r\n"
                             b"Content-Length: 5\r\n\r\nhello"):
                return
            continue
        if path == "/evil/garbage-random":
            conn.push(bytes(random.Random(7).randrange(256) for _ in range(600)))
            time.sleep(0.2)
            return
        if path == "/evil/garbage-code":
            if not conn.push(b"HTTP/1.1 2x0 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"):
                return
            continue
        conn.push(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


def garbage_relay(kind):
    def handler(conn):
        while True:
            req = conn.read_head(idle_s=30)
            if req is None:
                return
            if kind == "random":
                conn.push(os.urandom(2048))
            else:
                conn.push(b"HTTP/1.1 999 ???\r\n\r\n" + b"???" * 300)
            time.sleep(0.05)
            return
    return handler


def write_map(path, provider, origin, regions, alternates, direct=True, race=None):
    generated = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1))
    doc = {"format": "relayrace-map", "version": 1, "provider": provider, "origin": origin,
           "generated_at": generated.strftime("%Y-%m-%dT%H:%M:%SZ"), "valid_for_s": 86400, "direct": direct,
           "test_object": "/sureroute-test-object.html", "regions": regions, "alternates": alternates}
    if race:
        doc["race"] = race
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
    return path


# --- results --------------------------------------------------------------------------------------

class Result:
    def __init__(self, case, tried):
        self.case, self.tried = case, tried
        self.outcome = ""
        self.others = ""
        self.peak_kb = None
        self.base_kb = None
        self.failures = []  # goals missed
        self.details = {}
        self.edge_log = []

    def miss(self, what):
        self.failures.append(what)
        log("  GOAL MISSED: " + what)

    def met(self):
        return not self.failures

    def rss_text(self):
        if self.peak_kb is None:
            return "-"
        text = "%.1f MiB" % mib(self.peak_kb)
        if self.base_kb is not None:
            text += " (base %.1f)" % mib(self.base_kb)
        return text

    def as_dict(self):
        return {"case": self.case, "tried": self.tried, "outcome": self.outcome, "others_served": self.others,
                "peak_rss_mib": mib(self.peak_kb), "base_rss_mib": mib(self.base_kb), "goal_met": self.met(),
                "goals_missed": self.failures, "edge_log": self.edge_log, "details": self.details}


def finish_edge(result, edge, normal=None, extra_lines=None):
    """Common end of a case: the normal client's verdict, the edge's peak RSS and exit, its log."""
    if normal is not None:
        result.others = normal.summary()
        if not normal.served():
            result.miss("a normal client's request was not served: " + result.others)
    alive = edge.alive()
    stopped = edge.stop()
    sampled = edge.sampler.peak()
    peak = max(v for v in (stopped.get("hwm_kb"), sampled) if v is not None) if (
        stopped.get("hwm_kb") or sampled) else None
    result.peak_kb = peak
    result.details["edge"] = {"hwm_kb": stopped.get("hwm_kb"), "sampled_peak_kb": sampled, "exit": stopped.get("exit"),
                              "stop_s": stopped.get("stop_s"), "dir": edge.dir}
    if not alive or stopped.get("died_before"):
        result.miss("the edge died during the case (exit %s)" % stopped.get("exit"))
    elif stopped.get("exit") != 0:
        result.miss("the edge did not exit 0 on SIGTERM: %s" % stopped.get("exit"))
    elif stopped.get("stop_s", 0) > 5:
        result.details["edge"]["slow_stop"] = True
        result.edge_log.append("(SIGTERM took %.1f s)" % stopped["stop_s"])
    result.edge_log = brief_log(edge.log_lines()) + result.edge_log + (extra_lines or [])


def start_edge(ctx, name, extra_providers=(), limits=None):
    providers = [{"map": ctx.lab_map, "hosts": [stack.HOST_NAME]}] + list(extra_providers)
    edge = Edge(ctx.relayrace, ctx.work, name, providers, limits)
    # One request first: the provider is up and the connections warm (not counted).
    warm = get_once(edge.port, ctx.ref.path(NORMAL_SIZE, "w-" + name), stack.HOST_NAME, keep=NORMAL_SIZE + 1)
    verdict = ctx.ref.check(warm, NORMAL_SIZE)
    if verdict != "ok":
        raise RuntimeError("edge %s: its first request failed: %s; log: %s" % (name, verdict, edge.log_lines()[-5:]))
    return edge


# --- case 1: 5,000 keep-alive clients ------------------------------------------------------------

def run_wrk(ctx, edge, url, ref_file, connections, seconds):
    """One wrk run; its figures as wrk and check.lua printed them, and the edge's peak descriptors."""
    argv = [ctx.wrk, "-t2", "-c%d" % connections, "-d%ds" % seconds, "--timeout", "10s", "--latency", "-s", CHECK_LUA,
            "-H", "Host: " + stack.HOST_NAME, url, "--", ref_file]
    t0 = now()
    fds_peak = 0
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None and now() - t0 < seconds + 60:
        fds_peak = max(fds_peak, open_fds(edge.pid) or 0)
        time.sleep(0.5)
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate()
    figures = {}
    m = re.search(r"RESULT (.*)", out)
    if m:
        figures = {k: float(v) for k, v in (item.split("=", 1) for item in m.group(1).split())}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    sock_err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = dict(zip(("connect", "read", "write", "timeout"), map(int, sock_err.groups()))) if sock_err else {
        "connect": 0, "read": 0, "write": 0, "timeout": 0}
    return {"ran": proc.returncode == 0 and bool(m), "exit": proc.returncode, "stdout": out, "stderr": err[-2000:],
            "requests_per_s": float(rps.group(1)) if rps else None, "requests": int(figures.get("requests", 0)),
            "socket_errors": errors, "non_2xx_3xx": int(non2xx.group(1)) if non2xx else 0,
            "not_200": int(figures.get("not_ok", 0)), "bad_body": int(figures.get("bad_body", 0)),
            "p50_ms": round(figures.get("p50_us", 0) / 1000.0, 1),
            "p99_ms": round(figures.get("p99_us", 0) / 1000.0, 1),
            "edge_fds_peak": fds_peak, "edge_rss_peak_kb": edge.sampler.peak(since=t0)}


def case_wrk(ctx):
    connections, seconds, rounds = ctx.args.wrk_connections, ctx.args.wrk_seconds, ctx.args.wrk_rounds
    res = Result("1 wrk %d keep-alive" % connections,
                 "%d x wrk -t2 -c%d -d%ds --timeout 10s (one after the other), 1 KiB object, check.lua compares every "
                 "body" % (rounds, connections, seconds))
    log("case 1: %s" % res.tried)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    res.details["nofile"] = [soft, hard]
    if soft < 2 * connections + 200:
        res.miss("open-files limit %d is under the %d the edge needs (a socket per client and per route)"
                 % (soft, 2 * connections + 200))
    edge = start_edge(ctx, "wrk")
    ref_file = os.path.join(ctx.work, "object-%d.bin" % WRK_SIZE)
    with urllib.request.urlopen(ctx.lab.origin_unimpaired + "/obj/%s?size=%d" % (stack.PROVIDER, WRK_SIZE)) as resp:
        open(ref_file, "wb").write(resp.read())
    res.base_kb = edge.sampler.settled()
    normal = NormalClient(edge.port, ctx.ref, "wrk-normal", interval=0.5)
    normal.start()
    url = edge.url + "/obj/%s?size=%d" % (stack.PROVIDER, WRK_SIZE)
    runs = []
    for rnd in range(1, rounds + 1):
        stats = run_wrk(ctx, edge, url, ref_file, connections, seconds)
        time.sleep(3.0)
        stats["edge_rss_3s_after_kb"] = edge.sampler.current()
        stats["edge_fds_3s_after"] = open_fds(edge.pid)
        runs.append(stats)
        e = stats["socket_errors"]
        log("  round %d: %s req/s, %d requests, p50 %s ms p99 %s ms; socket errors connect %d read %d write %d timeout "
            "%d; non-2xx %d, bad bodies %d; edge peak RSS %.1f MiB, %.1f MiB 3 s after; fds peak %d" % (
                rnd, stats["requests_per_s"], stats["requests"], stats["p50_ms"], stats["p99_ms"], e["connect"],
                e["read"], e["write"], e["timeout"], stats["non_2xx_3xx"], stats["bad_body"],
                mib(stats["edge_rss_peak_kb"] or 0), mib(stats["edge_rss_3s_after_kb"] or 0), stats["edge_fds_peak"]))
        if not stats["ran"]:
            res.miss("wrk round %d failed (exit %s): %s" % (rnd, stats["exit"],
                                                            (stats["stderr"] or stats["stdout"])[-300:]))
        if stats["non_2xx_3xx"] or stats["not_200"]:
            res.miss("round %d: %d responses were not 200" % (rnd, max(stats["non_2xx_3xx"], stats["not_200"])))
        if stats["bad_body"]:
            res.miss("round %d: %d 200 responses had a body other than the origin's" % (rnd, stats["bad_body"]))
        if e["connect"] or e["read"] or e["write"]:
            res.miss("round %d: wrk socket errors: connect %d, read %d, write %d" % (rnd, e["connect"], e["read"],
                                                                                     e["write"]))
        if stats["requests"] and e["timeout"] > 0.01 * stats["requests"]:
            res.miss("round %d: wrk timeouts (10 s) %d: over 1%% of %d requests" % (rnd, e["timeout"],
                                                                                    stats["requests"]))
    normal.finish()
    curl = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--max-time", "30",
                           "-H", "Host: " + stack.HOST_NAME, url], capture_output=True, text=True)
    res.details["curl_after"] = {"exit": curl.returncode, "out": curl.stdout, "err": curl.stderr.strip()}
    res.details["wrk"] = runs
    first = runs[0]
    e = first["socket_errors"]
    res.outcome = ("round 1: %s req/s, %d requests, p50 %s ms p99 %s ms; socket errors connect %d read %d write %d "
                   "timeout %d; non-2xx %d, bad bodies %d" % (
                       first["requests_per_s"], first["requests"], first["p50_ms"], first["p99_ms"], e["connect"],
                       e["read"], e["write"], e["timeout"], first["non_2xx_3xx"], first["bad_body"]))
    for i, run in enumerate(runs[1:], 2):
        e = run["socket_errors"]
        res.outcome += "; round %d: %s req/s, errors %d, non-2xx %d, bad %d" % (
            i, run["requests_per_s"], sum(e.values()), run["non_2xx_3xx"], run["bad_body"])
    res.outcome += "; RSS peak per round %s MiB, 3 s after each %s MiB; edge fds peak %s" % (
        [mib(r["edge_rss_peak_kb"] or 0) for r in runs], [mib(r["edge_rss_3s_after_kb"] or 0) for r in runs],
        max(r["edge_fds_peak"] for r in runs))
    log("  curl after: %s" % (curl.stdout or curl.stderr.strip()))
    if curl.returncode != 0 or curl.stdout.strip() != "200 %d" % WRK_SIZE:
        res.miss("the curl after wrk got %r (exit %d)" % (curl.stdout or curl.stderr.strip(), curl.returncode))
    finish_edge(res, edge, normal)
    budget = (res.base_kb or 0) + connections * 64
    res.details["rss_budget_kb"] = budget
    if res.peak_kb and res.peak_kb > budget:
        res.miss("peak RSS %.1f MiB over the budget %.1f MiB (idle + 64 KiB a connection)" % (
            mib(res.peak_kb), mib(budget)))
    peaks = [r["edge_rss_peak_kb"] or 0 for r in runs]
    if len(peaks) > 1 and max(peaks[1:]) > peaks[0] + RSS_GROWTH_LIMIT / KIB:
        res.miss("RSS kept growing from round to round: peaks %s MiB" % [mib(p) for p in peaks])
    res.others += "; curl after: %s" % (curl.stdout or curl.stderr.strip())
    return res


# --- case 2: slowloris ----------------------------------------------------------------------------

def slowloris_worker(spec):
    """The child process of case 2: `count` connections sending a request head one byte every 1-2 s,
    each reopened when the edge closes it, for `seconds`. Prints a JSON summary."""
    import heapq
    rng = random.Random(spec.get("seed", 1))
    addr = ("127.0.0.1", spec["port"])
    prefix = ("GET /obj/%s?size=1024&tag=slowloris HTTP/1.1\r\nHost: %s\r\nUser-Agent: slowloris\r\nX-Slow: "
              % (stack.PROVIDER, spec["host"])).encode()
    conns = {}
    heap = []
    summary = {"opened": 0, "connect_errors": 0, "answers": {}, "closed_without_answer": 0, "send_errors": 0,
               "answer_after_s": [], "bytes_sent": 0, "max_open": 0, "first_lines": {}}
    t_end = now() + spec["seconds"]
    poller = select.epoll()  # O(ready) per wake-up: the driver's own CPU stays small beside the edge's

    def open_one():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(addr)
            s.sendall(prefix[:20])  # a partial request line: the head timer starts with the first byte
        except OSError:
            summary["connect_errors"] += 1
            s.close()
            return False
        s.setblocking(False)
        summary["opened"] += 1
        rec = {"sock": s, "opened": now(), "data": b"", "left": prefix[20:]}
        conns[s.fileno()] = rec
        poller.register(s.fileno(), select.EPOLLIN | select.EPOLLERR | select.EPOLLHUP)
        heapq.heappush(heap, (now() + rng.uniform(1.0, 2.0), s.fileno(), rec["opened"]))
        return True

    def closed(rec, how):
        fd = rec["sock"].fileno()
        conns.pop(fd, None)
        try:
            poller.unregister(fd)
        except (KeyError, ValueError, OSError):
            pass
        try:
            rec["sock"].close()
        except OSError:
            pass
        data = rec["data"]
        if data:
            line = data.split(b"\r\n", 1)[0].decode("latin-1")[:60]
            m = re.match(r"HTTP/1\.\d (\d{3})", line)
            key = m.group(1) if m else "other"
            summary["answers"][key] = summary["answers"].get(key, 0) + 1
            summary["first_lines"][line] = summary["first_lines"].get(line, 0) + 1
            summary["answer_after_s"].append(round(now() - rec["opened"], 2))
        else:
            summary["closed_without_answer"] += 1
            if how == "send":
                summary["send_errors"] += 1

    while now() < t_end:
        failures = 0
        while len(conns) < spec["count"] and failures < 5:  # keep `count` open: a closed one is reopened
            if not open_one():
                failures += 1
        summary["max_open"] = max(summary["max_open"], len(conns))
        for fd, _ in poller.poll(0.02):  # a 20 ms tick: the bytes due are sent in one batch
            rec = conns.get(fd)
            if rec is None:
                continue
            try:
                data = rec["sock"].recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data:
                rec["data"] += data
            else:
                closed(rec, "read")
        t = now()
        while heap and heap[0][0] <= t:
            _, fd, opened = heapq.heappop(heap)
            rec = conns.get(fd)
            if rec is None or rec["opened"] != opened:
                continue
            byte = rec["left"][:1] or b"a"
            rec["left"] = rec["left"][1:]
            try:
                rec["sock"].send(byte)
                summary["bytes_sent"] += 1
            except OSError:
                closed(rec, "send")
                continue
            heapq.heappush(heap, (t + rng.uniform(1.0, 2.0), fd, opened))
    ages = [now() - rec["opened"] for rec in conns.values()]
    summary["open_at_end"] = len(conns)
    summary["oldest_open_at_end_s"] = round(max(ages), 2) if ages else 0
    summary["unanswered_open_at_end"] = sum(1 for rec in conns.values() if not rec["data"])
    for rec in list(conns.values()):
        rec["sock"].close()
    after = summary.pop("answer_after_s")
    summary["answer_after_s"] = {"n": len(after), "min": min(after) if after else None,
                                 "p50": percentile(after, 50), "max": max(after) if after else None}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    summary["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    print(json.dumps(summary), flush=True)


def latency_run(port, ref, tag, count, gap_s):
    times, bad = [], []
    for i in range(count):
        r = get_once(port, ref.path(NORMAL_SIZE, "%s-%d" % (tag, i)), stack.HOST_NAME, timeout=30, keep=NORMAL_SIZE + 1)
        verdict = ref.check(r, NORMAL_SIZE)
        if verdict == "ok":
            times.append(r["total_ms"])
        else:
            bad.append(verdict)
        time.sleep(gap_s)
    return {"n": count, "ok": len(times), "times": times, "failures": sorted(set(bad))[:5], "failed": len(bad)}


def latency_stats(times):
    return {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99), "max_ms": max(times) if times else None}


def case_slowloris(ctx):
    count = ctx.args.slowloris
    timeout_ms = ctx.args.header_timeout_ms
    limits = {"header_timeout_ms": timeout_ms} if timeout_ms else None
    effective = timeout_ms or 10000
    rounds, n, gap = ctx.args.slowloris_rounds, ctx.args.latency_requests, 0.06
    res = Result("2 slowloris %d" % count,
                 "%d rounds: %d GETs of 16 KiB (new connection each, 60 ms apart) on the idle edge, then the same with "
                 "%d slowloris connections (a head byte every 1-2 s, reopened when closed); header timeout %d ms%s" % (
                     rounds, n, count, effective, " (the default)" if not timeout_ms else ""))
    log("case 2: %s" % res.tried)
    edge = start_edge(ctx, "slowloris", limits=limits)
    res.base_kb = edge.sampler.settled()
    idle_all, loaded_all, failures, slow_runs, round_rows = [], [], [], [], []
    limit_s = effective / 1000.0 + 3.0
    for rnd in range(1, rounds + 1):
        cpu0 = cpu_seconds(edge.pid)
        t0 = now()
        idle = latency_run(edge.port, ctx.ref, "idle%d" % rnd, n, gap)
        idle_cpu = (cpu_seconds(edge.pid) or 0) - (cpu0 or 0)
        idle_s = now() - t0
        seconds = 2.5 + n * (gap + 0.01) + 4.0
        spec = {"port": edge.port, "host": stack.HOST_NAME, "count": count, "seconds": seconds, "seed": rnd}
        worker = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--slowloris-worker", json.dumps(spec)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2.5)  # the connections opened and their first bytes sent
        fds = open_fds(edge.pid)
        cpu1 = cpu_seconds(edge.pid)
        t1 = now()
        loaded = latency_run(edge.port, ctx.ref, "slowloris%d" % rnd, n, gap)
        loaded_cpu = (cpu_seconds(edge.pid) or 0) - (cpu1 or 0)
        loaded_s = now() - t1
        out, err = worker.communicate(timeout=seconds + 60)
        try:
            slow = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            slow = {"error": "the slowloris worker printed no summary", "stdout": out[-500:], "stderr": err[-1500:]}
        slow_runs.append(slow)
        idle_all += idle["times"]
        loaded_all += loaded["times"]
        failures += idle["failures"] + loaded["failures"]
        i_st, l_st = latency_stats(idle["times"]), latency_stats(loaded["times"])
        row = {"round": rnd, "idle": i_st, "slowloris": l_st, "idle_ok": idle["ok"], "slowloris_ok": loaded["ok"],
               "edge_fds_with_slowloris": fds, "edge_cpu_pct_idle": round(100 * idle_cpu / idle_s, 1),
               "edge_cpu_pct_slowloris": round(100 * loaded_cpu / loaded_s, 1), "worker": slow}
        round_rows.append(row)
        log("  round %d: idle p50 %.2f p99 %.2f ms; with slowloris p50 %.2f p99 %.2f ms; edge CPU %.0f%% -> %.0f%%; "
            "slowloris answers %s after %s-%s s, worker CPU %s s" % (
                rnd, i_st["p50_ms"] or -1, i_st["p99_ms"] or -1, l_st["p50_ms"] or -1, l_st["p99_ms"] or -1,
                row["edge_cpu_pct_idle"], row["edge_cpu_pct_slowloris"], json.dumps(slow.get("answers")),
                slow.get("answer_after_s", {}).get("min"), slow.get("answer_after_s", {}).get("max"),
                slow.get("cpu_s")))
        if "error" in slow:
            res.miss("slowloris worker: %s" % slow["error"])
        if idle["failed"] or loaded["failed"]:
            res.miss("round %d: normal requests failed: %s" % (rnd, idle["failures"] + loaded["failures"]))
        if slow.get("oldest_open_at_end_s", 0) > limit_s and slow.get("unanswered_open_at_end"):
            res.miss("a slowloris connection was still open and unanswered after %.1f s (header timeout %.1f s)" % (
                slow["oldest_open_at_end_s"], effective / 1000.0))
        aa = slow.get("answer_after_s", {})
        if aa.get("max") and aa["max"] > limit_s:
            res.miss("a slowloris connection was answered only after %.1f s" % aa["max"])
        if not slow.get("answers"):
            res.miss("no slowloris connection was answered (expected 408)")
        elif set(slow["answers"]) - {"408"}:
            res.miss("slowloris connections got answers other than 408: %s" % slow["answers"])
        time.sleep(1.0)  # the closed slowloris connections gone before the next idle run
    after = latency_run(edge.port, ctx.ref, "after", 5, 0.05)
    if after["failed"]:
        res.miss("normal requests after slowloris failed: %s" % after["failures"])
    idle_st, loaded_st = latency_stats(idle_all), latency_stats(loaded_all)
    ratio = (loaded_st["p99_ms"] / idle_st["p99_ms"]) if loaded_st["p99_ms"] and idle_st["p99_ms"] else None
    answers = {}
    for slow in slow_runs:
        for k, v in (slow.get("answers") or {}).items():
            answers[k] = answers.get(k, 0) + v
    opened = sum(slow.get("opened", 0) for slow in slow_runs)
    mins = [slow["answer_after_s"]["min"] for slow in slow_runs if slow.get("answer_after_s", {}).get("min")]
    maxs = [slow["answer_after_s"]["max"] for slow in slow_runs if slow.get("answer_after_s", {}).get("max")]
    res.details.update({"rounds": round_rows, "idle": idle_st, "slowloris_latency": loaded_st, "after": {
        k: v for k, v in after.items() if k != "times"}, "header_timeout_ms": effective,
        "p99_ratio": round(ratio, 2) if ratio else None})
    res.outcome = ("slowloris: %d connections opened over %d rounds (max %s open), answers %s after %s-%s s, %d closed "
                   "without answer; normal client p50/p99 over %d requests: idle %.2f/%.2f ms, with slowloris "
                   "%.2f/%.2f ms (p99 x%s; per round %s)" % (
                       opened, rounds, max(slow.get("max_open", 0) for slow in slow_runs), json.dumps(answers),
                       min(mins) if mins else None, max(maxs) if maxs else None,
                       sum(slow.get("closed_without_answer", 0) for slow in slow_runs), len(idle_all),
                       idle_st["p50_ms"] or -1, idle_st["p99_ms"] or -1, loaded_st["p50_ms"] or -1,
                       loaded_st["p99_ms"] or -1, "%.2f" % ratio if ratio else "?",
                       ", ".join("x%.2f" % (r["slowloris"]["p99_ms"] / r["idle"]["p99_ms"]) for r in round_rows
                                 if r["slowloris"]["p99_ms"] and r["idle"]["p99_ms"])))
    log("  " + res.outcome)
    res.others = "idle %d/%d ok, with slowloris %d/%d ok, after %d/%d ok" % (
        len(idle_all), rounds * n, len(loaded_all), rounds * n, after["ok"], after["n"])
    if ratio is None or ratio > 2.0:
        res.miss("p99 with slowloris %.2f ms is over 2 x the idle p99 %.2f ms" % (
            loaded_st["p99_ms"] or -1, idle_st["p99_ms"] or -1))
    finish_edge(res, edge)
    return res


# --- case 3: a client that stops reading ---------------------------------------------------------

def case_no_read(ctx):
    res = Result("3a client stops reading", "GET of a 256 MiB object, 16 KiB receive buffer, never read, held %d s"
                 % ctx.args.no_read_seconds)
    log("case 3: %s" % res.tried)
    edge = start_edge(ctx, "noread")
    res.base_kb = edge.sampler.settled(1.0)
    normal = NormalClient(edge.port, ctx.ref, "noread-normal")
    normal.start()
    conn = HttpConn(edge.port, timeout=30, rcvbuf=16 * KIB)
    t0 = now()
    conn.send_get(ctx.ref.path(BIG_SIZE, "noread-big"), stack.HOST_NAME)
    rss_curve = []
    while now() - t0 < ctx.args.no_read_seconds:
        time.sleep(1.0)
        rss_curve.append(round(mib(edge.sampler.current() or 0), 1))
    peak = edge.sampler.peak(since=t0)
    growth_kb = (peak or 0) - (res.base_kb or 0)
    # What did the client get? Read a little (the head), then leave.
    conn.sock.settimeout(5)
    head = conn.read_response(body_limit=1)
    conn.close()
    t_left = now()
    normal.finish()
    time.sleep(max(0.0, t_left + 5.0 - now()))
    # Not a goal of this case (4b's): does the edge let go of the route once the client has gone?
    lab_ports = set(ctx.lab.path_ports.values())
    held = [x for x in tcp_to(edge.pid, lab_ports) if x[1] > 256 * KIB]
    lines = edge.access_lines("&tag=noread-big")
    res.details.update({"rss_mib_each_second": rss_curve, "growth_kib": growth_kb, "status": head.get("status"),
                        "access_log": access_summary(lines), "route_sockets_with_unread_data_5s_after": held,
                        "rss_kb_5s_after": edge.sampler.current()})
    res.outcome = ("%s; edge RSS %s MiB -> peak %.1f MiB during %d s (+%.1f MiB); RSS each second: %s; access log: %s; "
                   "5 s after the client closed the edge still holds %d route connection(s) with %.1f MiB unread" % (
                       short(head) if head.get("status") else head.get("error"), mib(res.base_kb), mib(peak or 0),
                       ctx.args.no_read_seconds, growth_kb / 1024.0, rss_curve,
                       ", ".join("%s %s %s bytes" % (e.get("status"), e.get("outcome"), e.get("bytes")) for e in lines)
                       or "no line yet", len(held), sum(x[1] for x in held) / float(MIB)))
    log("  " + res.outcome)
    if head.get("status") != 200:
        res.miss("the big request did not get a 200 head: %s" % short(head))
    if growth_kb > RSS_GROWTH_LIMIT / KIB:
        res.miss("the edge's RSS grew by %.1f MiB (limit 64)" % (growth_kb / 1024.0))
    finish_edge(res, edge, normal)
    return res


def case_abandoned(ctx):
    """Many clients that leave mid-body: does the edge let go of their routes (and their buffers)?"""
    count, size = ctx.args.abandon, 64 * MIB
    res = Result("3b abandoned downloads", "%d clients, one after the other: GET a 64 MiB object, read 1 MB, close; "
                 "then 10 s wait" % count)
    log("case 3b: %s" % res.tried)
    edge = start_edge(ctx, "abandon")
    res.base_kb = edge.sampler.settled(1.0)
    lab_ports = set(ctx.lab.path_ports.values())
    fds0 = open_fds(edge.pid)
    normal = NormalClient(edge.port, ctx.ref, "abandon-normal")
    normal.start()
    got = []
    for i in range(count):
        conn = HttpConn(edge.port, timeout=30)
        conn.send_get(ctx.ref.path(size, "abandon-%d" % i), stack.HOST_NAME)
        r = conn.read_response(body_limit=1000000, keep=0)
        got.append(r.get("status"))
        conn.close()
    t_left = now()
    normal.finish()
    time.sleep(max(0.0, t_left + 10.0 - now()))
    held = [x for x in tcp_to(edge.pid, lab_ports) if x[1] > 256 * KIB]
    fds = open_fds(edge.pid)
    rss = edge.sampler.current()
    lines = edge.access_lines("&tag=abandon-")
    stuck = [e for e in edge.access_lines() if (e.get("duration_ms") or 0) > 10000 and not e.get("bytes")]
    res.details["stuck_requests"] = access_summary(stuck)
    outcomes = {}
    for e in lines:
        outcomes[e.get("outcome")] = outcomes.get(e.get("outcome"), 0) + 1
    res.details.update({"statuses": {(str(k) if k else "no answer in 30 s"): got.count(k) for k in set(got)},
                        "held_route_sockets": len(held),
                        "held_unread_bytes": sum(x[1] for x in held), "edge_fds_before": fds0,
                        "edge_fds_10s_after": fds,
                        "rss_kb_10s_after": rss, "access_outcomes": outcomes})
    growth = (rss or 0) - (res.base_kb or 0)
    res.outcome = ("statuses %s; access log %s; requests that waited over 10 s for nothing (any client): %d; "
                   "10 s after the last client left: %d route connections still open "
                   "with %.1f MiB unread, edge fds %s -> %s, RSS %.1f -> %.1f MiB (+%.1f MiB, about %.0f KiB per "
                   "abandoned download)" % (
                       res.details["statuses"], outcomes, len(stuck), len(held), sum(x[1] for x in held) / float(MIB),
                       fds0, fds,
                       mib(res.base_kb), mib(rss or 0), growth / 1024.0, growth / float(count)))
    log("  " + res.outcome)
    if held:
        res.miss("%d route connections of clients that left were still open 10 s later" % len(held))
    if growth > RSS_GROWTH_LIMIT / KIB:
        res.miss("RSS still %.1f MiB over the idle edge's 10 s after the clients left" % (growth / 1024.0))
    finish_edge(res, edge, normal)
    return res


def case_hang_up(ctx):
    """Clients that send a request and close at once, before the answer (what wrk's 5,000 connections do
    at the end of a run): is what the edge set up for them freed?"""
    count = ctx.args.hang_ups
    res = Result("3c clients hang up at once", "%d connections, one after the other: send a GET of a 1 KiB object, "
                 "close without reading; then 5 s wait" % count)
    log("case 3c: %s" % res.tried)
    edge = start_edge(ctx, "hangup")
    res.base_kb = edge.sampler.settled(1.0)
    normal = NormalClient(edge.port, ctx.ref, "hangup-normal")
    normal.start()
    t0 = now()
    errors = 0
    for i in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", edge.port), timeout=10)
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (ctx.ref.path(WRK_SIZE, "hangup-%d" % i),
                                                                    stack.HOST_NAME)).encode())
            s.close()
        except OSError:
            errors += 1
    took = now() - t0
    normal.finish()
    time.sleep(max(0.0, t0 + took + 5.0 - now()))
    rss = edge.sampler.current()
    outcomes = {}
    for e in edge.access_lines("&tag=hangup-"):
        outcomes[e.get("outcome")] = outcomes.get(e.get("outcome"), 0) + 1
    growth = (rss or 0) - (res.base_kb or 0)
    res.details.update({"seconds": round(took, 1), "connect_errors": errors, "rss_kb_5s_after": rss,
                        "access_outcomes": outcomes, "edge_fds_5s_after": open_fds(edge.pid)})
    res.outcome = ("%d hang-ups in %.1f s (%d connect errors); access log %s; 5 s after: RSS %.1f -> %.1f MiB (+%.1f "
                   "MiB, about %.1f KiB per request), edge fds %s" % (
                       count, took, errors, outcomes, mib(res.base_kb), mib(rss or 0), growth / 1024.0,
                       growth / float(count), res.details["edge_fds_5s_after"]))
    log("  " + res.outcome)
    if growth > RSS_GROWTH_LIMIT / KIB:
        res.miss("RSS still %.1f MiB over the idle edge's 5 s after the clients hung up" % (growth / 1024.0))
    finish_edge(res, edge, normal)
    return res


# --- case 4: a misbehaving origin -----------------------------------------------------------------

def evil_edge(ctx, name):
    origin = "http://127.0.0.1:%d" % ctx.evil.port
    map_file = write_map(os.path.join(ctx.work, "evil.map.json"), "evil", origin, [], {}, direct=True)
    return start_edge(ctx, name, [{"map": map_file, "hosts": [EVIL_HOST]}])


def wait_origin_closed(server, recs, seconds):
    """Seconds until every connection in recs was closed (the edge let go), or None at the limit."""
    t0 = now()
    while now() - t0 < seconds:
        if recs and all(r["closed"] is not None for r in recs):
            return now() - t0
        time.sleep(0.1)
    return None


def evil_case(ctx, label, tried, name, body):
    res = Result(label, tried)
    log("case %s: %s" % (label, tried))
    edge = evil_edge(ctx, name)
    res.base_kb = edge.sampler.settled()
    normal = NormalClient(edge.port, ctx.ref, name + "-normal")
    normal.start()
    t0 = now()
    try:
        body(res, edge, t0)
    finally:
        normal.finish()
    recs = ctx.evil.since(t0)
    res.details["origin_connections"] = ctx.evil.describe(recs)
    res.details["access_log"] = access_summary(edge.access_lines("/evil/"))
    finish_edge(res, edge, normal, ["access: " + json.dumps(e) for e in res.details["access_log"][:3]])
    for r in recs:  # nothing of this case may be left streaming into the next
        if r["closed"] is None:
            r["end"] = r["end"] or "open at the end of the case"
    log("  edge log: %s" % (res.edge_log[:3],))
    return res


def case_endless_headers(ctx):
    def body(res, edge, t0):
        r = get_once(edge.port, "/evil/endless-headers", EVIL_HOST, timeout=45, keep=4096)
        answered = now()
        peak = edge.sampler.peak(since=t0)
        recs = [x for x in ctx.evil.since(t0) if any("/evil/endless-headers" in q["line"] for q in x["requests"])]
        closed_after = wait_origin_closed(ctx.evil, recs, 10)
        res.details.update({"response": {k: v for k, v in r.items() if k != "body"},
                            "body_start": r["body"][:300].decode("latin-1"),
                            "origin_closed_s_after_answer": closed_after,
                            "origin_header_bytes": [x["sent"] for x in recs]})
        res.outcome = "%s after %.1f s; origin sent %s header bytes on %d connection(s), %s" % (
            short(r), r["total_ms"] / 1000.0, [x["sent"] for x in recs], len(recs),
            "closed by the edge %.1f s after the answer" % closed_after if closed_after is not None
            else "NOT closed by the edge 10 s after the answer")
        log("  " + res.outcome)
        growth = (peak or 0) - (res.base_kb or 0)
        if r.get("status") is not None and r["status"] < 500:
            res.miss("the client got %s for endless headers" % short(r))
        if r.get("status") is None and "timed out" in (r.get("error") or ""):
            res.miss("no answer within 45 s")
        if closed_after is None:
            res.miss("the edge kept the origin connection open after answering")
        if growth > RSS_GROWTH_LIMIT / KIB:
            res.miss("RSS grew by %.1f MiB" % (growth / 1024.0))
    return evil_case(ctx, "4a endless headers", "origin sends a 128-byte header line every 3 ms forever; 1 GET, 45 s "
                     "patience", "endless-headers", body)


def case_endless_chunked(ctx):
    limit = ctx.args.chunked_mb * 1000 * 1000

    def body(res, edge, t0):
        conn = HttpConn(edge.port, timeout=30)
        conn.send_get("/evil/endless-chunked", EVIL_HOST)
        r = conn.read_response(body_limit=limit, keep=0)
        conn.close()
        left = now()
        peak = edge.sampler.peak(since=t0)
        recs = [x for x in ctx.evil.since(t0) if any("/evil/endless-chunked" in q["line"] for q in x["requests"])]
        closed_after = wait_origin_closed(ctx.evil, recs, 10)
        held = tcp_to(edge.pid, {ctx.evil.port})
        later = None
        if closed_after is None:  # how long, then? Watched a while more, for the report
            later = wait_origin_closed(ctx.evil, recs, ctx.args.linger_watch)
        res.details.update({"edge_sockets_to_origin_10s_after": held, "closed_s_after_more_watching": later,
                            "watched_s": 10 + ctx.args.linger_watch})
        lines = []
        for _ in range(20):
            lines = edge.access_lines("/evil/endless-chunked")
            if lines:
                break
            time.sleep(0.25)
        res.details.update({"response": {k: v for k, v in r.items() if k != "body"},
                            "read_mb_per_s": round(r["body_bytes"] / 1e6 / max(0.001, (left - t0)), 1),
                            "origin_closed_s_after_client_left": closed_after,
                            "origin_sent_bytes": [x["sent"] for x in recs]})
        growth = (peak or 0) - (res.base_kb or 0)
        res.outcome = ("%s; read %.0f MB in %.1f s then closed; RSS +%.1f MiB; origin connection %s; access log: %s" % (
            "status %s %s" % (r.get("status"), r.get("framing")), r["body_bytes"] / 1e6, left - t0, growth / 1024.0,
            "closed by the edge %.1f s after the client left" % closed_after if closed_after is not None
            else "STILL OPEN 10 s after the client left (edge side: %d socket(s), %.1f MiB unread; origin blocked "
            "after %.0f MB sent); %s" % (
                len(held), sum(x[1] for x in held) / float(MIB), sum(x["sent"] for x in recs) / 1e6,
                "closed %.1f s later" % (10 + later) if later is not None else
                "still open %d s after the client left" % (10 + ctx.args.linger_watch)),
            ", ".join("%s %s %s bytes" % (e.get("status"), e.get("outcome"), e.get("bytes")) for e in lines) or "none"))
        log("  " + res.outcome)
        if r.get("status") != 200 or r["body_bytes"] < limit:
            res.miss("the client could not read %d MB: %s" % (limit // 1000000, short(r)))
        if closed_after is None:
            res.miss("the edge kept the origin connection after the client left")
        if growth > RSS_GROWTH_LIMIT / KIB:
            res.miss("RSS grew by %.1f MiB" % (growth / 1024.0))
    return evil_case(ctx, "4b endless chunked body", "origin streams 64 KiB chunks forever; the client reads %d MB, "
                     "closes" % ctx.args.chunked_mb, "endless-chunked", body)


def case_short_cl(ctx):
    def body(res, edge, t0):
        url = edge.url + "/evil/short-cl"
        curl = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--max-time",
                               "40", "-H", "Host: " + EVIL_HOST, url], capture_output=True, text=True)
        raw = get_once(edge.port, "/evil/short-cl", EVIL_HOST, timeout=40, keep=0)
        res.details.update({"curl": {"exit": curl.returncode, "out": curl.stdout, "err": curl.stderr.strip()},
                            "raw": {k: v for k, v in raw.items() if k != "body"}})
        res.outcome = "curl exit %d, %s %s; raw client: %s" % (curl.returncode, curl.stdout,
                                                              curl.stderr.strip()[:120], short(raw))
        log("  " + res.outcome)
        parts = curl.stdout.split()
        size = int(parts[1]) if len(parts) == 2 and parts[1].isdigit() else None
        if curl.returncode == 0 and parts and parts[0] == "200" and size == 100000:
            res.miss("curl got a complete-looking 200 of 100000 bytes")
        if raw.get("complete") and raw.get("status") == 200:
            res.miss("the raw client got a complete-looking response: %s" % short(raw))
    return evil_case(ctx, "4c short body", "Content-Length 100000, 50000 bytes, close; curl once and a raw client once",
                     "short-cl", body)


def case_long_cl(ctx):
    def body(res, edge, t0):
        seen = []
        conn = HttpConn(edge.port, timeout=30)
        conn.send_get("/evil/long-cl", EVIL_HOST)
        r1 = conn.read_response(keep=2000)
        seen.append(("1 /evil/long-cl", r1))
        conn.sock.settimeout(1.0)  # anything the edge sends unasked?
        unsolicited = b""
        try:
            if not conn.buf:
                conn.fill()
            unsolicited = bytes(conn.buf)
        except socket.timeout:
            pass
        except OSError as error:
            unsolicited = ("<%s>" % error).encode()
        conn.sock.settimeout(30)
        r2 = None
        if not conn.eof and not unsolicited:
            try:
                conn.send_get("/evil/ok?size=7&n=2", EVIL_HOST)
                r2 = conn.read_response()
            except OSError as error:
                r2 = {"status": None, "error": str(error), "body": b"", "body_bytes": 0}
            seen.append(("2 same connection", r2))
        conn.close()
        r3 = get_once(edge.port, "/evil/ok?size=7&n=3", EVIL_HOST, timeout=30)
        seen.append(("3 new connection", r3))
        r4 = get_once(edge.port, "/evil/ok?size=7&n=4", EVIL_HOST, timeout=30)
        seen.append(("4 new connection", r4))
        res.details["responses"] = [{"which": w, "status": r.get("status"), "body": r.get("body", b"")[:40].decode(
            "latin-1"), "headers": r.get("headers"), "error": r.get("error"), "bytes": r.get("body_bytes")}
            for w, r in seen]
        res.details["unsolicited_after_first"] = unsolicited[:200].decode("latin-1")
        res.outcome = "; ".join("%s: %s%s" % (w, short(r), " X-INJECTED" if "x-injected" in header_names(r) else "")
                                for w, r in seen)
        if unsolicited:
            res.outcome += "; UNSOLICITED bytes after the first response: %r" % unsolicited[:80]
        log("  " + res.outcome)
        if unsolicited:
            res.miss("the client got bytes it did not ask for after the first response: %r" % unsolicited[:80])
        if r1.get("status") == 200 and (r1.get("body_bytes") != 1000 or r1["body"] != pattern(1000)):
            res.miss("the first response is a 200 with the wrong body")
        for w, r in seen[1:]:
            if r is None:
                continue
            if r.get("status") != 200 or r.get("body") != pattern(7) or "x-injected" in header_names(r):
                res.miss("response %s is not the origin's answer to it: %s body %r headers %s" % (
                    w, short(r), r.get("body", b"")[:20], header_names(r)))
    return evil_case(ctx, "4c long body", "Content-Length 1000 then a whole extra response (X-Injected, EVIL!) on the "
                     "kept-alive origin connection; then GETs on the same and on new client connections",
                     "long-cl", body)


def split_case(ctx, variant):
    path = "/evil/split-" + variant

    def body(res, edge, t0):
        r = get_once(edge.port, path, EVIL_HOST, timeout=30)
        head = r.get("head", "")
        lines = head.split("\r\n")
        injected = [ln for ln in lines if ln.lower().startswith("x-injected")]
        bare_lf = [ln for ln in lines if "\n" in ln or "\r" in ln]
        folded = [ln for ln in lines[1:] if ln[:1] in (" ", "\t")]
        split_values = [ln for ln in lines if ln.lower().startswith("x-split")]
        res.details.update({"status": r.get("status"), "head": head,
                            "body": r.get("body", b"")[:100].decode("latin-1")})
        res.outcome = "%s; X-Split lines: %s; injected header lines: %s; bare-LF lines: %d; folded lines: %d" % (
            short(r), split_values or "none", injected or "none", len(bare_lf), len(folded))
        log("  " + res.outcome)
        # A bare LF ends a field line for every HTTP/1.1 recipient that accepts it (RFC 9112 section 2.2),
        # Qt's parser and the client's alike: the origin sent two fields, and the client gets the same
        # two as CRLF lines (no desync). A folded line is one field (section 5.2). What must never
        # happen: a field the edge did not parse, a bare CR/LF or a folded line reaching the client.
        if injected and variant != "lf":
            res.miss("the client got an injected header line: %s" % injected)
        if bare_lf or folded:
            res.miss("the client's head has a bare CR/LF (%d) or an obs-fold line (%d)" % (len(bare_lf), len(folded)))
        if r.get("status") == 200 and r.get("body") != b"hello":
            res.miss("a 200 with the wrong body %r" % r.get("body")[:40])
        if r.get("status") not in (200, 502):
            res.miss("neither the response nor a 502: %s" % short(r))
    what = ("a header value with a bare LF: 'X-Split: one\\nX-Injected-LF: yes'" if variant == "lf" else
            "an obs-fold line: 'X-Split: two' CRLF ' X-Injected-Fold: yes'")
    return evil_case(ctx, "4d split (%s)" % ("bare LF" if variant == "lf" else "obs-fold"), what + "; 1 GET",
                     "split-" + variant, body)


def garbage_case(ctx, variant):
    path = "/evil/garbage-" + variant

    def body(res, edge, t0):
        results = [get_once(edge.port, path, EVIL_HOST, timeout=40) for _ in range(3)]
        res.details["responses"] = [{"status": r.get("status"), "error": r.get("error"),
                                     "head": r.get("head", "")[:300],
                                     "body": r.get("body", b"")[:300].decode("latin-1")} for r in results]
        r = results[0]
        res.outcome = "3 GETs: %s; body: %r" % ("; ".join(short(x) for x in results), r.get("body", b"")[:160])
        log("  " + res.outcome)
        for x in results:
            if x.get("status") is None or x["status"] < 500:
                res.miss("the client got %s for a garbage status line" % short(x))
                break
    what = "random bytes instead of a status line" if variant == "random" else "status line 'HTTP/1.1 2x0 OK'"
    return evil_case(ctx, "4e garbage status (%s)" % variant, what + "; 3 GETs", "garbage-" + variant, body)


# --- case 5: a relay that answers garbage ----------------------------------------------------------

def case_relay_garbage(ctx, mode):
    """mode: direct (the direct route is a candidate), slow (the same, its lab link 300 ms slower than the
    relays: they answer first) or nodirect (the map's direct: false)."""
    direct = mode != "nodirect"
    label = {"direct": "5a garbage relays, direct on", "slow": "5a garbage relays, direct slow",
             "nodirect": "5b garbage relays, direct off"}[mode]
    count = ctx.args.relay_requests
    res = Result(label, "relays via:rnd (random bytes) and via:bad999 ('HTTP/1.1 999 ???'); every request races; %d "
                 "GETs of 1 KiB / 64 KiB / 1 MiB objects + 3 races asked over the admin API%s" % (
                     count, "; the direct route's lab link has 300 ms latency" if mode == "slow" else ""))
    log("case %s: %s" % (label, res.tried))
    direct_link = stack.hops("direct")[0]
    relays = {"rnd": ScriptedServer("relay-rnd", garbage_relay("random")),
              "bad999": ScriptedServer("relay-999", garbage_relay("999"))}
    regions = [{"id": rid, "name": rid, "relay": "http://127.0.0.1:%d" % s.port} for rid, s in relays.items()]
    map_file = write_map(os.path.join(ctx.work, "garble-%s.map.json" % mode), "garble",
                         ctx.lab.origin, regions, {"default": ["rnd", "bad999"]}, direct=direct,
                         race={"route_ttl_s": 0, "retest_after_requests": 0, "first_period_s": 0})
    edge = start_edge(ctx, "garble-" + mode, [{"map": map_file, "hosts": [GARBLE_HOST]}])
    res.base_kb = edge.sampler.settled()
    if mode == "slow":
        ctx.lab.set_link(direct_link, {"latency_ms": 300})
    normal = NormalClient(edge.port, ctx.ref, "garble-normal")
    normal.start()
    races = []
    for _ in range(3):
        try:
            races.append(edge.admin_post("/api/v1/providers/garble/race", {}))
        except Exception as error:  # noqa: BLE001 - reported
            races.append({"error": str(error)})
    time.sleep(1.0)
    sizes = [1 * KIB, 64 * KIB, 1 * MIB]
    tally = {}
    broken = []
    names_routes = 0
    samples = {}
    for i in range(count):
        size = sizes[i % len(sizes)]
        r = get_once(edge.port, ctx.ref.path(size, "garble-%d" % i), GARBLE_HOST, timeout=40, keep=size + 1)
        verdict = ctx.ref.check(r, size)
        status = r.get("status")
        body_text = r.get("body", b"")[:600].decode("latin-1")
        if verdict == "ok":
            key = "200 ok"
        elif status == 502:
            key = "502"
            if "via:rnd" in body_text and "via:bad999" in body_text:
                names_routes += 1
        else:
            key = "%s (not the object)" % status if status else "no response"
            broken.append({"i": i, "size": size, "verdict": verdict, "head": r.get("head", "")[:300],
                           "body": body_text[:200]})
        tally[key] = tally.get(key, 0) + 1
        samples.setdefault(key, {"size": size, "head": r.get("head", "")[:400], "body": body_text[:400]})
    normal.finish()
    try:
        answer = stack.http_json("GET", edge.admin + "/api/v1/providers", token=edge.token)
        mine = [p for p in answer.get("providers", []) if p.get("provider") == "garble"][:1]
        res.details["provider_after"] = {k: mine[0].get(k) for k in ("optimal_route", "races", "races_failed",
                                                                      "last_trigger", "serving")} if mine else None
        res.details["optimal_route"] = mine[0].get("optimal_route") if mine else None
    except (OSError, ValueError) as error:
        res.details["optimal_route"] = "admin API: %s" % error
    if mode == "slow":
        ctx.lab.set_link(direct_link, {})
    lines = edge.access_lines("&tag=garble-")
    routes = {}
    for e in lines:
        k = "%s %s %s" % (e.get("status"), e.get("route"), e.get("outcome"))
        routes[k] = routes.get(k, 0) + 1
    relay_conns = {rid: len(s.records) for rid, s in relays.items()}
    res.details.update({"tally": tally, "broken": broken[:10], "samples": samples, "admin_races": races,
                        "access_log_by_status_route_outcome": routes, "relay_connections": relay_conns,
                        "502_naming_both_routes": names_routes})
    after = res.details.get("provider_after") or {}
    res.outcome = "%s; relays were asked %s times; access log (status route outcome): %s; races %s (%s failed)" % (
        ", ".join("%s x%d" % kv for kv in sorted(tally.items())), relay_conns, routes, after.get("races"),
        after.get("races_failed"))
    if "502" in samples:
        res.outcome += "; a 502 body: %r" % samples["502"]["body"][:200]
    if broken:
        res.outcome += "; what the client got instead of the object: %r + body %r" % (broken[0]["head"][:120],
                                                                                    broken[0]["body"][:24])
    log("  " + res.outcome)
    if broken:
        res.miss("%d of %d answers were neither the object nor a 502; the first: %s" % (
            len(broken), count, json.dumps({k: (v[:80] if isinstance(v, str) else v) for k, v in broken[0].items()})))
    if tally.get("502", 0) != names_routes:
        res.miss("%d of %d 502s do not name both relay routes" % (tally.get("502", 0) - names_routes,
                                                                  tally.get("502", 0)))
    if not direct and tally.get("502", 0) != count:
        res.miss("with direct off, %d of %d answers were not 502" % (count - tally.get("502", 0), count))
    if sum(relay_conns.values()) == 0:
        res.miss("the garbage relays were never asked (the case tested nothing)")
    finish_edge(res, edge, normal)
    for s in relays.values():
        s.stop()
    return res


# --- main -----------------------------------------------------------------------------------------

class Context:
    pass


def table(results):
    header = ["case", "tried", "outcome for that request", "others served", "edge peak RSS", "goal met"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in results:
        cells = [r.case, r.tried, r.outcome, r.others, r.rss_text(), "yes" if r.met() else "NO"]
        lines.append("| " + " | ".join(str(c).replace("|", "/").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--slowloris-worker":
        slowloris_worker(json.loads(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--relayrace", default="build/release", help="build dir (or binary) of relayrace")
    parser.add_argument("--cases", default="1,2,3,4,5", help="which cases, comma-separated (4a..4e allowed)")
    parser.add_argument("--work", default=None, help="work dir (default: a new one under the temp dir)")
    parser.add_argument("--wrk", default="wrk", help="the wrk binary")
    parser.add_argument("--wrk-connections", type=int, default=5000)
    parser.add_argument("--wrk-seconds", type=int, default=15)
    parser.add_argument("--wrk-rounds", type=int, default=2, help="wrk runs one after the other (default 2: does "
                        "the RSS of the second exceed the first's?)")
    parser.add_argument("--slowloris", type=int, default=1000, help="slowloris connections (default 1000)")
    parser.add_argument("--header-timeout-ms", type=int, default=None,
                        help="limits.header_timeout_ms for case 2 (default: the edge's own, 10000)")
    parser.add_argument("--latency-requests", type=int, default=200, help="normal GETs per measurement (default 200)")
    parser.add_argument("--slowloris-rounds", type=int, default=3,
                        help="idle-then-slowloris measurement pairs, pooled for the p99 (default 3)")
    parser.add_argument("--no-read-seconds", type=int, default=10)
    parser.add_argument("--abandon", type=int, default=100, help="3b: clients that leave mid-body (default 100)")
    parser.add_argument("--hang-ups", type=int, default=5000,
                        help="3c: clients that close right after their request (default 5000)")
    parser.add_argument("--chunked-mb", type=int, default=100)
    parser.add_argument("--linger-watch", type=int, default=20,
                        help="4b: seconds more to watch an origin connection the edge kept (default 20)")
    parser.add_argument("--relay-requests", type=int, default=30)
    args = parser.parse_args()
    wanted = [c.strip() for c in args.cases.split(",") if c.strip()]
    valid = {"1", "2", "3", "4", "5", "3a", "3b", "3c", "4a", "4b", "4c", "4d", "4e", "5a", "5b"}
    if not wanted or set(wanted) - valid:
        parser.error("--cases: unknown %s" % ", ".join(sorted(set(wanted) - valid)))

    def want(name):
        return name in wanted or name[:1] in wanted

    for tool in (args.wrk, "curl"):
        if not shutil.which(tool):
            raise SystemExit("%s is needed (apt-get install wrk curl)" % tool)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="relayrace-abuse.")
    os.makedirs(work, exist_ok=True)
    relayrace, binary = snapshot(find_binary(args.relayrace), os.path.join(work, "bin"))
    log("load and abuse: work %s; relayrace %s (built %s, sha256 %s...); open files %d" % (
        work, binary["source"], binary["mtime"], binary["sha256"], resource.getrlimit(resource.RLIMIT_NOFILE)[0]))

    def interrupted(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, interrupted)

    ctx = Context()
    ctx.args, ctx.work, ctx.relayrace, ctx.wrk = args, work, relayrace, shutil.which(args.wrk)
    began = now()
    results = []
    lab = None
    ctx.evil = None
    try:
        lab_dir = os.path.join(work, "lab")
        os.makedirs(lab_dir, exist_ok=True)
        lab = stack.Stack(relayrace, lab_dir, nginx=relayrace, haproxy=relayrace)  # this run starts neither
        lab.env = xdg_env(os.path.join(lab_dir, "xdg"))
        lab.start_lab()
        lab.set_links({})
        ctx.lab, ctx.lab_map = lab, lab.map_file
        ctx.ref = Reference(lab.origin_unimpaired)
        ctx.ref.digest(NORMAL_SIZE)
        log("lab up: control %s, origin %s" % (lab.control, lab.origin))
        ctx.evil = ScriptedServer("evil-origin", evil_origin)
        plan = [("1", case_wrk), ("2", case_slowloris), ("3a", case_no_read), ("3b", case_abandoned),
                ("3c", case_hang_up),
                ("4a", case_endless_headers), ("4b", case_endless_chunked), ("4c", case_short_cl),
                ("4c", case_long_cl), ("4d", lambda c: split_case(c, "lf")), ("4d", lambda c: split_case(c, "fold")),
                ("4e", lambda c: garbage_case(c, "random")), ("4e", lambda c: garbage_case(c, "code")),
                ("5a", lambda c: case_relay_garbage(c, "direct")), ("5a", lambda c: case_relay_garbage(c, "slow")),
                ("5b", lambda c: case_relay_garbage(c, "nodirect"))]
        for name, run in plan:
            if not want(name):
                continue
            t0 = now()
            try:
                res = run(ctx)
            except (stack.StackError, RuntimeError, OSError, ValueError, subprocess.SubprocessError) as error:
                res = Result(name, "(the case could not run)")
                res.outcome = "%s: %s" % (type(error).__name__, error)
                res.miss("the case could not run: %s" % res.outcome)
            res.details["seconds"] = round(now() - t0, 1)
            results.append(res)
            lab.alive()
            lab.set_links({})  # clean links for the next case, whatever this one left
    finally:
        for edge in EDGES:
            edge.stop()
        if ctx.evil is not None:
            ctx.evil.stop()
        if lab is not None:
            lab.stop()
    elapsed = now() - began
    ok = bool(results) and all(r.met() for r in results)
    summary = {"ok": ok, "work": work, "seconds": round(elapsed, 1), "binary": binary,
               "results": [r.as_dict() for r in results]}
    with open(os.path.join(work, "load_abuse.json"), "w") as f:
        json.dump(summary, f, indent=2, default=str)
    log("")
    log(table(results))
    log("")
    for r in results:
        if r.edge_log:
            log("edge log, %s: %s" % (r.case, " | ".join(r.edge_log)[:1200]))
    for r in results:
        for what in r.failures:
            log("goal missed: %s: %s" % (r.case, what))
    log("%s in %.0f s; details in %s" % ("every goal met" if ok else "GOALS MISSED", elapsed,
                                         os.path.join(work, "load_abuse.json")))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
