#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""Crash safety: what a SIGKILL leaves behind, and whether the next start copes with it.

Three cases, each killed at a random moment, over and over, on the same files:

  edge     `relayrace edge` on the map of a `relayrace lab` (its own process, with a control API),
           with a fixed --history and --access-log in the work dir. Each round starts the edge, checks
           that its first request is answered 200, drives traffic from 4 client threads (GETs of 1 KiB to
           4 MiB objects with the provider's Host; now and then the optimal route's edge-facing lab link
           is made to reset mid-body, so failovers get written; races every 200-600 ms through the admin
           API, so races are written too) and SIGKILLs the edge 0.3-3 s after it answered that first
           request.
  console  `relayrace-console --demo` headless (QT_QPA_PLATFORM=offscreen), its XDG dirs fixed across
           rounds so the history persists, SIGKILLed 1-6 s after it started; each start must be alive
           after 3 s (a round killed sooner must be alive when killed; one extra start after the last
           round is checked at 3 s and then killed too).
  fetch    `relayrace fetch -o OUT` of a 64 MiB object over a lab route shaped slow, SIGKILLed
           mid-download: OUT must not exist (the body goes to OUT.part-XXXXXX, renamed at the end); the
           OUT.part-* files left behind are counted and reported.

After every kill: the history (SQLite, opened read-only) must pass `PRAGMA integrity_check` and
`PRAGMA foreign_key_check`, every row of its tables (races first) must read, and no table's row count
may go down from one round to the next (nothing deletes rows in a run this short); every line of the JSON-lines logs
(access.jsonl, failover.jsonl and their rotated siblings NAME.N.jsonl) must be a JSON object, except a
last line without its newline (a write cut short), which is counted as a "partial last line" and
allowed (should the next start append to it, the line it becomes is unparsable and counted). A bad or
partial line is counted once, the round it first appears. The process output of every start is
scanned for error-level log lines (reported, not counted).

The binaries are copied into the work dir first, so a rebuild in the tree during the run does not
swap them mid-way. The summary (markdown) is printed at the end and written as JSON to
WORK/crash_safety.json. Exit 0 only when nothing was lost: no integrity failure, no unparsable line
other than partial last lines, every restart worked, no process died on its own, OUT never present
after a kill.

    python3 tests/reliability/crash_safety.py [--relayrace build/release] [--console build/dev]
        [--rounds 50] [--fetch-rounds 5] [--cases edge,console,fetch] [--seed N] [--work DIR]

--relayrace and --console take a build dir (the binary is BUILD/app/relayrace, BUILD/app/relayrace-console)
or the binary itself; relative paths are tried from the current dir, then from the source tree's root.
Python 3 standard library only; needs Qt's offscreen platform plugin for the console. About 5 minutes
for the default 50 + 50 + 5 rounds on 2 cores.
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "peer"))
from peerlib import stack  # noqa: E402

KIB = 1024
MIB = 1024 * KIB
CLIENT_THREADS = 4
BIG_OBJECT = 64 * MIB
# The lab's edge-facing links while the edge case runs: a little latency and a bandwidth cap, so bodies
# are under way when the kill comes and the run stays light on CPU (a CI may share the machine).
EDGE_LINK_BASE = {"latency_ms": 4, "bandwidth_bps": 24 * MIB}
# The fetch case's links: 64 MiB take about 16 s, the kill comes in the first seconds.
FETCH_LINK_BASE = {"bandwidth_bps": 4 * MIB}
ERROR_LINE = re.compile(r"^\s*(\[[^\]]*\]\s*)*(error|critical|fatal)\b", re.IGNORECASE)


def log(message):
    print(message, flush=True)


# --- binaries ----------------------------------------------------------------------------------

def find_binary(option, default_build, name):
    """A build dir (BUILD/app/NAME) or the binary itself; relative to the cwd, then to the tree's root."""
    value = option or default_build
    candidates = [value] if os.path.isabs(value) else [os.path.abspath(value), os.path.join(ROOT, value)]
    for base in candidates:
        for path in (base, os.path.join(base, "app", name)):
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    raise SystemExit("no %s under %s (give --%s BUILD_DIR or the binary)" % (
        name, " or ".join(candidates), "console" if name == "relayrace-console" else "relayrace"))


def snapshot(binary, bin_dir):
    """A private copy of the binary, so a relink in the build tree cannot change it under the run."""
    os.makedirs(bin_dir, exist_ok=True)
    copy = os.path.join(bin_dir, os.path.basename(binary))
    shutil.copy2(binary, copy)
    digest = hashlib.sha256()
    with open(copy, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return copy, {"source": binary, "mtime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(
        os.path.getmtime(binary))), "sha256": digest.hexdigest()[:16]}


def xdg_env(base, extra=None):
    runtime = os.path.join(base, "runtime")
    for sub in ("state", "data", "config", "cache"):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    os.chmod(runtime, 0o700)
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(base, "state"), XDG_DATA_HOME=os.path.join(base, "data"),
               XDG_CONFIG_HOME=os.path.join(base, "config"), XDG_CACHE_HOME=os.path.join(base, "cache"),
               XDG_RUNTIME_DIR=runtime)
    env.update(extra or {})
    return env


def tail(path, chars=1500):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data[-chars:].decode(errors="replace")
    except OSError:
        return ""


def error_lines(path):
    try:
        with open(path, "rb") as f:
            text = f.read().decode(errors="replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if ERROR_LINE.match(line)]


def sigkill(proc):
    """SIGKILL the process itself (not its group) and reap it; True when it was alive to be killed."""
    alive = proc.poll() is None
    if alive:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            alive = False
    proc.wait()
    return alive


def reap_group(proc):
    """Whatever the killed process left in its session (it should leave nothing): counted and killed."""
    left = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == proc.pid and fields[0] != "Z":  # fields[3]: session id
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    left.append((int(entry), f.read().replace(b"\0", b" ").decode(errors="replace").strip()))
        except (OSError, IndexError, ValueError):
            continue
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


# --- what a kill leaves behind ------------------------------------------------------------------

class Case:
    """One case's counts, and the details behind them."""

    def __init__(self, name):
        self.name = name
        self.rounds = 0
        self.kills = 0
        self.integrity_failures = 0
        self.unparsable_lines = 0
        self.partial_last_lines = 0
        self.restart_failures = 0
        self.died_on_their_own = 0
        self.problems = []  # what counts against the run, with its round and evidence
        self.notes = []  # what is reported but allowed
        self.rounds_detail = []
        self.extra = {}
        self.seen_bad_lines = set()
        self.last_counts = {}
        self.history_seen = False

    def problem(self, round_no, what, detail):
        entry = {"round": round_no, "what": what, "detail": detail}
        self.problems.append(entry)
        log("  PROBLEM round %s: %s: %s" % (round_no, what, detail if isinstance(detail, str) else
                                              json.dumps(detail)[:1500]))

    def note(self, round_no, what, detail):
        self.notes.append({"round": round_no, "what": what, "detail": detail})

    def row(self):
        return {"case": self.name, "rounds": self.rounds, "kills": self.kills,
                "integrity_failures": self.integrity_failures, "unparsable_log_lines": self.unparsable_lines,
                "partial_last_lines": self.partial_last_lines, "restart_failures": self.restart_failures,
                "died_on_their_own": self.died_on_their_own}

    def clean(self):
        return not (self.integrity_failures or self.unparsable_lines or self.restart_failures
                    or self.died_on_their_own or self.extra.get("out_present_after_kill", 0))


def check_history(case, round_no, path):
    """PRAGMA integrity_check and reading the tables, on a read-only connection (so the check does not
    checkpoint or otherwise repair what the killed process left). Returns a short record."""
    record = {"exists": os.path.exists(path)}
    if not record["exists"]:
        if case.history_seen:
            case.integrity_failures += 1
            case.problem(round_no, "history missing", "%s existed in an earlier round and is gone" % path)
        else:
            case.note(round_no, "no history yet", path)
        return record
    case.history_seen = True
    record["files"] = {os.path.basename(p): os.path.getsize(p) for p in (path, path + "-wal", path + "-shm")
                       if os.path.exists(p)}
    failures = []
    try:
        db = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path), uri=True, timeout=10)
        try:
            rows = db.execute("PRAGMA integrity_check").fetchall()
            record["integrity_check"] = "; ".join(str(r[0]) for r in rows)
            if rows != [("ok",)]:
                failures.append("PRAGMA integrity_check: " + record["integrity_check"][:2000])
            fk = db.execute("PRAGMA foreign_key_check").fetchall()
            if fk:
                failures.append("PRAGMA foreign_key_check: %d rows, first %r" % (len(fk), fk[:3]))
            record["user_version"] = db.execute("PRAGMA user_version").fetchone()[0]
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            record["tables"] = tables
            if "races" not in tables:
                failures.append("no races table (tables: %s)" % ", ".join(tables))
            counts = {}
            for table in ["races"] + [t for t in tables if t != "races" and not t.startswith("sqlite_")]:
                if table not in tables:
                    continue
                rows = db.execute('SELECT * FROM "%s"' % table.replace('"', '""')).fetchall()  # every row read
                counts[table] = len(rows)
            record["rows"] = counts
        finally:
            db.close()
    except sqlite3.Error as error:
        failures.append("sqlite3: %s: %s" % (type(error).__name__, error))
    for table, count in record.get("rows", {}).items():  # nothing here deletes rows: counts only grow
        before = case.last_counts.get(table)
        if before is not None and count < before:
            failures.append("%s went down from %d to %d rows (committed rows were lost)" % (table, before, count))
        case.last_counts[table] = count
    if failures:
        case.integrity_failures += 1
        case.problem(round_no, "history %s" % path, {"failures": failures, "record": record})
    record["ok"] = not failures
    return record


def jsonl_family(path):
    """The log and its rotated siblings (spdlog's rotating sink: NAME.jsonl, NAME.1.jsonl, NAME.2.jsonl ...)."""
    directory, base = os.path.split(path)
    stem, ext = os.path.splitext(base)
    pattern = re.compile(r"^%s(\.\d+)?%s$" % (re.escape(stem), re.escape(ext)))
    if not os.path.isdir(directory):
        return []
    names = [n for n in os.listdir(directory) if pattern.match(n)]

    def order(name):  # oldest first: NAME.3, NAME.2, NAME.1, NAME
        m = pattern.match(name)
        return -int(m.group(1)[1:]) if m.group(1) else 0
    return [os.path.join(directory, n) for n in sorted(names, key=order)]


def check_jsonl(case, round_no, path):
    """Every line of the log and its rotated siblings must be a JSON object, but a last line without its
    newline. A bad line is counted the first round it is seen. Returns per-file counts."""
    record = {}
    for name in jsonl_family(path):
        with open(name, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        partial = lines.pop()  # b"" when the file ends with a newline
        good = 0
        for number, line in enumerate(lines, 1):
            try:
                ok = isinstance(json.loads(line.decode("utf-8")), dict)
            except (UnicodeDecodeError, ValueError):
                ok = False
            if ok:
                good += 1
                continue
            key = hashlib.sha256(os.path.basename(path).encode() + b"\0" + line).hexdigest()
            if key in case.seen_bad_lines:
                continue
            case.seen_bad_lines.add(key)
            case.unparsable_lines += 1
            case.problem(round_no, "unparsable line", {"file": name, "line": number, "of_lines": len(lines),
                                                       "bytes": len(line), "text": line[:400].decode(errors="replace"),
                                                       "text_end": line[-200:].decode(errors="replace")})
        entry = {"lines": good}
        if partial:
            entry["partial_last_line"] = partial[:300].decode(errors="replace")
            key = hashlib.sha256(os.path.basename(path).encode() + b"\0partial\0" + partial).hexdigest()
            if key not in case.seen_bad_lines:  # one still there a round later is the same one
                case.seen_bad_lines.add(key)
                case.partial_last_lines += 1
                case.note(round_no, "partial last line", {"file": name, "bytes": len(partial),
                                                          "text": entry["partial_last_line"]})
                log("  partial last line in %s (%d bytes, allowed)" % (os.path.basename(name), len(partial)))
        record[os.path.basename(name)] = entry
    return record


# --- the edge -----------------------------------------------------------------------------------

class Lab:
    """`relayrace lab` in its own process, through peerlib.stack (its lab part only)."""

    def __init__(self, relayrace, work):
        os.makedirs(work, exist_ok=True)
        # stack.Stack checks that nginx and HAProxy exist; this run starts neither, so it is handed the
        # relayrace binary for both.
        self.stack = stack.Stack(relayrace, work, nginx=relayrace, haproxy=relayrace)
        self.stack.env = xdg_env(os.path.join(work, "xdg"))
        self.stack.start_lab()
        self.map_file = self.stack.map_file
        self.edge_hops = sorted(stack.hops(route)[0] for route in stack.ROUTES)
        self.base = {}

    def set_base(self, impairment):
        self.base = dict(impairment)
        self.reset_links()

    def reset_links(self):
        for link_id in sorted(self.stack.link_ports):
            self.stack.set_link(link_id, self.base if link_id in self.edge_hops else {})

    def set_hop(self, link_id, extra):
        impairment = dict(self.base if link_id in self.edge_hops else {})
        impairment.update(extra)
        self.stack.set_link(link_id, impairment)

    def stop(self):
        self.stack.stop()


def get(conn, path, timeout):
    conn.timeout = timeout
    conn.request("GET", path, headers={"Host": stack.HOST_NAME})
    response = conn.getresponse()
    length = response.getheader("Content-Length")
    received = 0
    while True:
        piece = response.read(64 * KIB)
        if not piece:
            break
        received += len(piece)
    if length is not None and int(length) != received:
        raise http.client.IncompleteRead(b"", int(length) - received)
    return response.status, received, response.will_close


class Traffic:
    """CLIENT_THREADS clients GETting objects of 1 KiB to 4 MiB through the edge, keep-alive, and a
    troublemaker that now and then makes the optimal route's edge-facing lab link reset mid-body."""

    def __init__(self, lab, port, admin, token, round_no, rng):
        self.lab, self.port, self.admin, self.token, self.round_no = lab, port, admin, token, round_no
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts = {"ok": 0, "bad_status": 0, "errors": 0, "bytes": 0, "resets": 0}
        self.seeds = [rng.randrange(1 << 30) for _ in range(CLIENT_THREADS + 1)]
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(CLIENT_THREADS)]
        self.threads.append(threading.Thread(target=self.troublemaker, daemon=True))

    def start(self, race_interval_ms):
        for t in self.threads:
            t.start()
        # Races too, so the history's races and race_routes are being written when the kill comes.
        try:
            stack.http_json("POST", self.admin + "/api/v1/race-interval", {"interval_ms": race_interval_ms},
                            token=self.token, timeout=5)
            stack.http_json("POST", self.admin + "/api/v1/providers/%s/race" % stack.PROVIDER, {},
                            token=self.token, timeout=5)
        except (OSError, ValueError, http.client.HTTPException) as error:
            log("  (asking the edge to race failed: %s)" % error)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def client(self, index):
        rng = random.Random(self.seeds[index])
        conn = None
        serial = 0
        while not self.stop.is_set():
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            size = int(2 ** rng.uniform(10, 22))  # 1 KiB .. 4 MiB, as many small as large
            serial += 1
            path = "/obj/crash-r%d-c%d-%d?size=%d" % (self.round_no, index, serial, size)
            try:
                status, received, close = get(conn, path, 15)
                if self.stop.is_set():
                    break
                self.add("ok" if status == 200 else "bad_status")
                self.add("bytes", received)
                if close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if self.stop.is_set():
                    break
                self.add("errors")  # a failover the client saw, or the kill
                conn.close()
                conn = None
                time.sleep(0.05)
        if conn is not None:
            conn.close()

    def troublemaker(self):
        rng = random.Random(self.seeds[-1])
        while not self.stop.wait(rng.uniform(0.3, 0.9)):
            try:
                route = self.optimal_route() or "direct"
                hop = stack.hops(route)[0]
                self.lab.set_hop(hop, {"reset_after_bytes": rng.randrange(64 * KIB, 1536 * KIB)})
                self.add("resets")
                self.stop.wait(rng.uniform(0.3, 1.0))
                self.lab.set_hop(hop, {})
            except (OSError, ValueError, http.client.HTTPException):
                pass  # the edge is gone (the kill came) or a change failed: the links are reset after the round

    def optimal_route(self):
        answer = stack.http_json("GET", self.admin + "/api/v1/providers", token=self.token, timeout=2)
        for provider in answer.get("providers", []):
            if provider.get("provider") == stack.PROVIDER:
                return provider.get("optimal_route")
        return None


def wait_for_ports(proc, out, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = {}
        for line in tail(out, 20000).splitlines():
            if line.startswith("relayrace edge: listening on "):
                found["edge"] = int(line.split()[4].rsplit(":", 1)[1])
            if line.startswith("relayrace edge: admin listening on "):
                found["admin"] = int(line.split()[5].rsplit(":", 1)[1])
        if len(found) == 2:
            return found
        if proc.poll() is not None:
            return None
        time.sleep(0.05)
    return None


def run_edge(args, relayrace, work, rng, lab):
    case = Case("edge")
    base = os.path.join(work, "edge")
    os.makedirs(base, exist_ok=True)
    env = xdg_env(os.path.join(base, "xdg"))
    history = os.path.join(base, "history.sqlite")
    access = os.path.join(base, "access.jsonl")
    failover = os.path.join(env["XDG_STATE_HOME"], "relayrace", "failover.jsonl")  # the edge's default
    token = "crash-safety-token-0123456789"
    token_file = os.path.join(base, "admin.token")
    with open(token_file, "w") as f:
        f.write(token + "\n")
    os.chmod(token_file, 0o600)
    case.extra.update({"history": history, "access_log": access, "failover_log": failover})
    lab.set_base(EDGE_LINK_BASE)
    totals = {"ok": 0, "bad_status": 0, "errors": 0, "bytes": 0, "resets": 0}
    for round_no in range(1, args.rounds + 1):
        case.rounds += 1
        detail = {"round": round_no}
        out = os.path.join(base, "edge-r%02d.out" % round_no)
        with open(out, "w") as sink:
            proc = subprocess.Popen([relayrace, "edge", "--map", lab.map_file, "--listen", "127.0.0.1:0",
                                     "--host", stack.HOST_NAME, "--admin", "127.0.0.1:0", "--admin-token-file",
                                     token_file, "--history", history, "--access-log", access],
                                    stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=base, start_new_session=True)
        started = time.monotonic()
        try:
            ports = wait_for_ports(proc, out, 30)
            first = None
            if ports:
                conn = http.client.HTTPConnection("127.0.0.1", ports["edge"], timeout=20)
                try:
                    status, received, _ = get(conn, "/obj/crash-first-r%d?size=%d" % (round_no, 16 * KIB), 20)
                    first = "%d (%d bytes)" % (status, received)
                    if status != 200:
                        ports = None
                except (OSError, http.client.HTTPException) as error:
                    first = "%s: %s" % (type(error).__name__, error)
                    ports = None
                finally:
                    conn.close()
            answered = time.monotonic()
            detail["start_s"] = round(answered - started, 3)
            detail["first_request"] = first
            if not ports:
                case.restart_failures += 1
                case.problem(round_no, "edge did not start and serve", {
                    "first_request": first, "exit": proc.poll(), "output": tail(out)})
                sigkill(proc)
                reap_group(proc)
                continue
            traffic = Traffic(lab, ports["edge"], "http://127.0.0.1:%d" % ports["admin"], token, round_no, rng)
            traffic.start(rng.randrange(200, 600))
            delay = rng.uniform(0.3, 3.0)
            time.sleep(max(0.0, answered + delay - time.monotonic()))
            exit_before = proc.poll()
            traffic.stop.set()  # what fails from here on is the kill, not counted as client errors
            killed = sigkill(proc)
            traffic.finish()
            left = reap_group(proc)
        finally:
            if proc.poll() is None:
                sigkill(proc)
        lab.reset_links()
        detail.update({"kill_after_s": round(delay, 3), "traffic": dict(traffic.counts)})
        for key, value in traffic.counts.items():
            totals[key] += value
        if killed:
            case.kills += 1
        else:
            case.died_on_their_own += 1
            case.problem(round_no, "edge exited on its own before the kill", {"exit": exit_before,
                                                                              "output": tail(out)})
        if left:
            case.note(round_no, "processes left in the edge's session", left)
        errors = error_lines(out)
        if errors:
            detail["error_lines"] = errors[:10]
            case.note(round_no, "error lines in the edge's output", errors[:10])
        detail["history"] = check_history(case, round_no, history)
        detail["access_log"] = check_jsonl(case, round_no, access)
        detail["failover_log"] = check_jsonl(case, round_no, failover)
        case.rounds_detail.append(detail)
        log("edge round %d/%d: started in %.2fs, killed %.2fs after the first answer; %d ok, %d errors, %d resets; "
            "history races/race_routes/failover_events %s; %s" % (
                round_no, args.rounds, detail["start_s"], delay, traffic.counts["ok"], traffic.counts["errors"],
                traffic.counts["resets"], "/".join(str(detail["history"].get("rows", {}).get(t, "-"))
                                                   for t in ("races", "race_routes", "failover_events")),
                "history ok" if detail["history"].get("ok") else "HISTORY NOT OK"))
    case.extra["traffic"] = totals
    case.extra["access_lines"] = sum(e["lines"] for e in check_jsonl(Case("recount"), 0, access).values())
    case.extra["failover_lines"] = sum(e["lines"] for e in check_jsonl(Case("recount"), 0, failover).values())
    return case


# --- the console --------------------------------------------------------------------------------

def run_console(args, console, work, rng):
    case = Case("console")
    base = os.path.join(work, "console")
    os.makedirs(base, exist_ok=True)
    env = xdg_env(os.path.join(base, "xdg"), {"QT_QPA_PLATFORM": "offscreen"})
    history = os.path.join(env["XDG_DATA_HOME"], "relayrace", "history.sqlite")  # HistoryStore::defaultPath()
    failover = os.path.join(env["XDG_STATE_HOME"], "relayrace-console", "failover.jsonl")  # FailoverLog::defaultPath
    case.extra.update({"history": history, "failover_log": failover})
    alive_checks = 0
    for round_no in range(1, args.rounds + 2):
        verification = round_no == args.rounds + 1  # one more start, checked at 3 s, after the last round
        if not verification:
            case.rounds += 1
        detail = {"round": round_no}
        out = os.path.join(base, "console-r%02d.out" % round_no)
        with open(out, "w") as sink:
            proc = subprocess.Popen([console, "--demo"], stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=base,
                                    start_new_session=True)
        started = time.monotonic()
        delay = 3.2 if verification else rng.uniform(1.0, 6.0)
        try:
            alive_at_3 = None
            if delay >= 3.0:
                time.sleep(max(0.0, started + 3.0 - time.monotonic()))
                alive_at_3 = proc.poll() is None
                alive_checks += 1
            time.sleep(max(0.0, started + delay - time.monotonic()))
            exit_before = proc.poll()
            killed = sigkill(proc)
            left = reap_group(proc)
        finally:
            if proc.poll() is None:
                sigkill(proc)
        detail.update({"kill_after_s": round(delay, 3), "alive_at_3s": alive_at_3, "alive_when_killed": killed})
        if not killed or alive_at_3 is False:
            case.restart_failures += 1
            case.problem(round_no, "console did not stay up" + (" (verification start)" if verification else ""),
                         {"exit": exit_before, "alive_at_3s": alive_at_3, "output": tail(out)})
        elif not verification:
            case.kills += 1
        if left:
            case.note(round_no, "processes left in the console's session", left)
        errors = error_lines(out)
        if errors:
            detail["error_lines"] = errors[:10]
            case.note(round_no, "error lines in the console's output", errors[:10])
        detail["history"] = check_history(case, round_no, history)
        detail["failover_log"] = check_jsonl(case, round_no, failover)
        case.rounds_detail.append(detail)
        log("console %s: killed %.2fs after start (alive at 3 s: %s); races %s; %s" % (
            "verification start" if verification else "round %d/%d" % (round_no, args.rounds), delay,
            "-" if alive_at_3 is None else alive_at_3, detail["history"].get("rows", {}).get("races", "-"),
            "history ok" if detail["history"].get("ok") else "HISTORY NOT OK"))
    case.extra["alive_at_3s_checks"] = alive_checks
    case.extra["failover_lines"] = sum(e["lines"] for e in check_jsonl(Case("recount"), 0, failover).values())
    return case


# --- relayrace fetch -o OUT ---------------------------------------------------------------------

def run_fetch(args, relayrace, work, rng, lab):
    case = Case("fetch")
    base = os.path.join(work, "fetch")
    os.makedirs(base, exist_ok=True)
    env = xdg_env(os.path.join(base, "xdg"))
    out_file = os.path.join(base, "big.bin")
    failover = os.path.join(base, "failover.jsonl")
    case.extra.update({"out": out_file, "object_bytes": BIG_OBJECT, "out_present_after_kill": 0,
                       "part_files_left": 0})
    lab.set_base(FETCH_LINK_BASE)

    def parts():
        prefix = os.path.basename(out_file) + ".part-"
        return sorted(n for n in os.listdir(base) if n.startswith(prefix))

    for round_no in range(1, args.fetch_rounds + 1):
        case.rounds += 1
        before = set(parts())
        detail = {"round": round_no}
        log_path = os.path.join(base, "fetch-r%02d.out" % round_no)
        with open(log_path, "w") as sink:
            proc = subprocess.Popen([relayrace, "fetch", "--map", lab.map_file, "-o", out_file, "--failover-log",
                                     failover, "--timeout", "120", "/obj/crash-big?size=%d" % BIG_OBJECT],
                                    stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=base, start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            part = None
            while time.monotonic() < deadline and proc.poll() is None:
                new = [n for n in parts() if n not in before]
                if new and os.path.getsize(os.path.join(base, new[0])) > 0:
                    part = new[0]
                    break
                time.sleep(0.05)
            if part is None:
                case.restart_failures += 1
                case.problem(round_no, "fetch wrote no body to an OUT.part-* file", {"exit": proc.poll(),
                                                                                     "output": tail(log_path)})
            delay = rng.uniform(0.5, 3.0)
            time.sleep(delay)
            exit_before = proc.poll()
            size_at_kill = os.path.getsize(os.path.join(base, part)) if part and os.path.exists(
                os.path.join(base, part)) else None
            killed = sigkill(proc)
            reap_group(proc)
        finally:
            if proc.poll() is None:
                sigkill(proc)
        if killed:
            case.kills += 1
        else:
            case.died_on_their_own += 1
            case.problem(round_no, "fetch exited before the kill", {"exit": exit_before, "output": tail(log_path)})
        present = os.path.exists(out_file)
        left = parts()
        detail.update({"kill_after_first_bytes_s": round(delay, 3), "part": part, "part_bytes_at_kill": size_at_kill,
                       "out_present": present, "part_files": left})
        if present:
            case.extra["out_present_after_kill"] += 1
            case.problem(round_no, "OUT exists after the kill", {"out": out_file, "bytes": os.path.getsize(out_file)})
            os.remove(out_file)  # so the next round tells its own story
        detail["failover_log"] = check_jsonl(case, round_no, failover)
        case.rounds_detail.append(detail)
        log("fetch round %d/%d: killed %.2fs after its first bytes (%s of %d bytes in %s); OUT %s; %d OUT.part-* "
            "files in the dir" % (round_no, args.fetch_rounds, delay, size_at_kill, BIG_OBJECT, part,
                                  "PRESENT" if present else "absent", len(left)))
    case.extra["part_files_left"] = len(parts())
    case.extra["part_files"] = parts()
    lab.set_base({})
    # The next fetch to the same OUT removes the part files nobody has written to for 10 minutes
    # (PartFile::kStalePartS): aged here instead of waited for.
    an_hour_ago = time.time() - 3600
    for name in parts():
        os.utime(os.path.join(base, name), (an_hour_ago, an_hour_ago))
    cleanup_log = os.path.join(base, "fetch-cleanup.out")
    with open(cleanup_log, "w") as sink:
        done = subprocess.run([relayrace, "fetch", "--map", lab.map_file, "-o", out_file, "--failover-log", failover,
                               "/obj/crash-small?size=100000"], stdout=sink, stderr=subprocess.STDOUT, env=env,
                              cwd=base, timeout=120)
    case.extra["part_files_after_next_fetch"] = len(parts())
    if done.returncode != 0 or not os.path.exists(out_file) or os.path.getsize(out_file) != 100000:
        case.restart_failures += 1
        case.problem(0, "the fetch after the kills did not complete", {"exit": done.returncode, "output": tail(cleanup_log)})
    if parts():
        case.problem(0, "part files of killed fetches are still there after the next fetch", {"files": parts()})
    return case


# --- the summary --------------------------------------------------------------------------------

def notes_of(case):
    if case.name == "fetch":
        return "OUT present after a kill: %d/%d; OUT.part-* left by the kills: %d, after the next fetch: %d" % (
            case.extra["out_present_after_kill"], case.kills, case.extra["part_files_left"],
            case.extra.get("part_files_after_next_fetch", -1))
    parts = []
    if case.name == "edge":
        t = case.extra.get("traffic", {})
        parts.append("%d requests ok, %d client errors, %d link resets; %d access lines, %d failover lines" % (
            t.get("ok", 0), t.get("errors", 0), t.get("resets", 0), case.extra.get("access_lines", 0),
            case.extra.get("failover_lines", 0)))
    if case.name == "console":
        parts.append("alive-at-3s checks: %d (incl. 1 verification start); %d failover lines" % (
            case.extra.get("alive_at_3s_checks", 0), case.extra.get("failover_lines", 0)))
    parts.append("history rows: %s" % (", ".join("%s %d" % kv for kv in sorted(case.last_counts.items())) or "none"))
    if case.died_on_their_own:
        parts.append("DIED ON THEIR OWN: %d" % case.died_on_their_own)
    return "; ".join(parts)


def table(cases):
    header = ["case", "rounds", "kills", "integrity failures", "unparsable log lines", "partial last lines",
              "restart failures", "notes"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for case in cases:
        r = case.row()
        lines.append("| " + " | ".join(str(v) for v in [r["case"], r["rounds"], r["kills"], r["integrity_failures"],
                                                           r["unparsable_log_lines"], r["partial_last_lines"],
                                                           r["restart_failures"], notes_of(case)]) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--relayrace", default="build/release", help="build dir (or binary) of relayrace")
    parser.add_argument("--console", default="build/dev", help="build dir (or binary) of relayrace-console")
    parser.add_argument("--rounds", type=int, default=50, help="kills of the edge and of the console (default 50)")
    parser.add_argument("--fetch-rounds", type=int, default=5, help="kills of relayrace fetch (default 5)")
    parser.add_argument("--cases", default="edge,console,fetch", help="which cases, comma-separated")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    parser.add_argument("--work", default=None, help="work dir (default: a new one under the temp dir)")
    args = parser.parse_args()
    cases_wanted = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(cases_wanted) - {"edge", "console", "fetch"}
    if unknown or not cases_wanted:
        parser.error("--cases: unknown %s" % ", ".join(sorted(unknown)))
    seed = args.seed if args.seed is not None else int(time.time() * 1000) % 1000000007
    rng = random.Random(seed)
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="relayrace-crash.")
    os.makedirs(work, exist_ok=True)
    binaries = {}
    relayrace = console = None
    if "edge" in cases_wanted or "fetch" in cases_wanted:
        relayrace, binaries["relayrace"] = snapshot(find_binary(args.relayrace, "build/release", "relayrace"),
                                                    os.path.join(work, "bin"))
    if "console" in cases_wanted:
        console, binaries["relayrace-console"] = snapshot(
            find_binary(args.console, "build/dev", "relayrace-console"), os.path.join(work, "bin"))
    log("crash safety: work %s, seed %d, cases %s, %d rounds (fetch %d)" % (work, seed, ",".join(cases_wanted),
                                                                           args.rounds, args.fetch_rounds))
    for name, info in binaries.items():
        log("  %s: %s (built %s, sha256 %s...)" % (name, info["source"], info["mtime"], info["sha256"]))

    def interrupted(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, interrupted)

    began = time.monotonic()
    cases = []
    lab = None
    try:
        if "edge" in cases_wanted or "fetch" in cases_wanted:
            lab = Lab(relayrace, os.path.join(work, "lab"))
            log("lab up: control %s, map %s" % (lab.stack.control, lab.map_file))
        for name in ["edge", "console", "fetch"]:
            if name not in cases_wanted:
                continue
            t0 = time.monotonic()
            if name == "edge":
                case = run_edge(args, relayrace, work, rng, lab)
            elif name == "console":
                case = run_console(args, console, work, rng)
            else:
                case = run_fetch(args, relayrace, work, rng, lab)
            case.extra["seconds"] = round(time.monotonic() - t0, 1)
            cases.append(case)
    finally:
        if lab is not None:
            lab.stop()
    elapsed = time.monotonic() - began
    ok = all(case.clean() for case in cases)
    summary = {"ok": ok, "seed": seed, "work": work, "seconds": round(elapsed, 1), "binaries": binaries,
               "rows": [dict(case.row(), notes=notes_of(case)) for case in cases],
               "cases": {case.name: {"row": case.row(), "extra": case.extra, "problems": case.problems,
                                     "notes": case.notes, "rounds": case.rounds_detail} for case in cases}}
    with open(os.path.join(work, "crash_safety.json"), "w") as f:
        json.dump(summary, f, indent=2)
    log("")
    log(table(cases))
    log("")
    for case in cases:
        for p in case.problems:
            log("problem: %s round %s: %s: %s" % (case.name, p["round"], p["what"],
                                                  p["detail"] if isinstance(p["detail"], str)
                                                  else json.dumps(p["detail"])[:3000]))
    log("%s in %.0f s; seed %d; details in %s" % ("nothing lost" if ok else "PROBLEMS FOUND", elapsed, seed,
                                                 os.path.join(work, "crash_safety.json")))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
