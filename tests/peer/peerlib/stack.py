# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""The processes of the peer comparison: the lab (its own process, its links changed over its
control API), the relayrace edge, nginx and HAProxy, all on 127.0.0.1 ports chosen at run time."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PEER_DIR = os.path.dirname(HERE)
PROVIDER = "peer"
HOST_NAME = "peer.example"
REGIONS = ["tyo", "sfo"]
ROUTES = ["direct"] + ["via:" + r for r in REGIONS]
PEERS = ["relayrace", "nginx", "haproxy"]
MIB = 1024 * 1024

# What the comparison's map changes in the lab map's race settings: nothing. The method's re-tests
# (T1 60 s, T2 600 s, N 1,000 requests) plus the failover and degradation triggers of served traffic
# (docs/race-policy.md), as a map made by `relayrace map make` would have them.
RACE_SETTINGS = {}


class StackError(RuntimeError):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hops(route):
    """The lab links a route crosses, edge-facing hop first."""
    if route == "direct":
        return ["edge>origin:" + PROVIDER]
    region = route.split(":", 1)[1]
    return ["edge>relay:" + region, "relay:%s>origin:%s" % (region, PROVIDER)]


def wait_until(seconds, what, check, proc=None, log=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = open(log).read()[-2000:] if log and os.path.exists(log) else ""
            raise StackError("%s exited with %s: %s" % (what, proc.returncode, tail))
        try:
            if check():
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise StackError("timed out after %ss waiting for %s" % (seconds, what))


def http_json(method, url, body=None, token=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def render(template, values):
    text = open(os.path.join(PEER_DIR, template)).read()
    for key, value in values.items():
        text = text.replace("@%s@" % key, str(value))
    if "@" in "".join(line.split("#")[0] for line in text.splitlines() if "@" in line.split("#")[0]):
        raise StackError("%s: a placeholder was left unfilled" % template)
    return text


class Stack:
    def __init__(self, relayrace, work, nginx="/usr/sbin/nginx", haproxy="/usr/sbin/haproxy"):
        self.relayrace = os.path.abspath(relayrace)
        self.work = work
        self.nginx_bin = nginx
        self.haproxy_bin = haproxy
        self.procs = {}
        self.env = dict(os.environ, XDG_STATE_HOME=work + "/state", XDG_DATA_HOME=work + "/data",
                        XDG_CONFIG_HOME=work + "/config", XDG_CACHE_HOME=work + "/cache")
        for binary in (self.relayrace, nginx, haproxy):
            if not os.access(binary, os.X_OK):
                raise StackError("no executable at %s (packaging/install-deps.sh installs the peers; "
                                 "cmake --build BUILD --target relayrace builds relayrace)" % binary)

    # --- processes -------------------------------------------------------------------------
    def spawn(self, name, argv):
        out = open(os.path.join(self.work, name + ".out"), "w")
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=self.env,
                                cwd=self.work, start_new_session=True)
        self.procs[name] = proc
        return proc

    def log(self, name):
        return os.path.join(self.work, name + ".out")

    def alive(self):
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise StackError("%s died (exit %s): %s" % (name, proc.returncode,
                                                            open(self.log(name)).read()[-2000:]))

    def stop(self):
        for name in ["haproxy", "nginx", "edge", "lab"]:
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
            try:
                proc.wait(timeout=35)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def start(self):
        self.start_lab()
        self.start_edge()
        self.start_nginx()
        self.start_haproxy()
        self.alive()

    def start_lab(self):
        topology = {"format": "relayrace-lab", "version": 1,
                    "providers": [{"id": PROVIDER, "name": "Peer comparison", "scheme": "http"}],
                    "regions": [{"id": r, "name": r, "relay": "lab"} for r in REGIONS],
                    "links": []}
        with open(os.path.join(self.work, "topology.json"), "w") as f:
            json.dump(topology, f)
        os.makedirs(os.path.join(self.work, "maps"), exist_ok=True)
        argv = [self.relayrace, "lab", "--topology", "topology.json", "--maps-dir", "maps", "--json",
                "--control", "127.0.0.1:0"]
        lab_json = os.path.join(self.work, "lab.json")
        with open(lab_json, "w") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=open(self.log("lab"), "w"), env=self.env,
                                    cwd=self.work, start_new_session=True)
        self.procs["lab"] = proc
        wait_until(30, "relayrace lab", lambda: json.load(open(lab_json)), proc, self.log("lab"))
        lab = json.load(open(lab_json))
        self.control = lab["control"]
        provider = [p for p in lab["providers"] if p["id"] == PROVIDER][0]
        self.origin = provider["origin"]
        self.origin_host = urllib.parse.urlsplit(self.origin).netloc
        self.origin_unimpaired = "http://127.0.0.1:%d" % provider["origin_unimpaired_port"]
        self.link_ports = {l["id"]: l["port"] for l in lab["links"]}
        # Each route as a plain HTTP upstream: its edge-facing hop's port. A lab relay takes an
        # origin-form request for the origin's Host over its own relay>origin hop.
        self.path_ports = {route: self.link_ports[hops(route)[0]] for route in ROUTES}
        self.route_by_port = {"127.0.0.1:%d" % port: route for route, port in self.path_ports.items()}
        lab_map = json.load(open(os.path.join(self.work, "maps", PROVIDER + ".map.json")))
        lab_map["race"].update(RACE_SETTINGS)
        self.map_file = os.path.join(self.work, "peer.map.json")
        with open(self.map_file, "w") as f:
            json.dump(lab_map, f, indent=2)
        self.map = lab_map

    def start_edge(self):
        self.admin_token = "peer-comparison-token"
        with open(os.path.join(self.work, "admin.token"), "w") as f:
            f.write(self.admin_token + "\n")
        os.chmod(os.path.join(self.work, "admin.token"), 0o600)
        self.access_log = os.path.join(self.work, "edge-access.jsonl")
        proc = self.spawn("edge", [self.relayrace, "edge", "--map", self.map_file, "--listen", "127.0.0.1:0",
                                   "--host", HOST_NAME, "--admin", "127.0.0.1:0", "--admin-token-file",
                                   "admin.token", "--access-log", self.access_log])

        def ports():
            text = open(self.log("edge")).read()
            found = {}
            for line in text.splitlines():
                if line.startswith("relayrace edge: listening on "):
                    found["edge"] = int(line.split()[4].rsplit(":", 1)[1])
                if line.startswith("relayrace edge: admin listening on "):
                    found["admin"] = int(line.split()[5].rsplit(":", 1)[1])
            return found if len(found) == 2 else None
        wait_until(30, "relayrace edge", ports, proc, self.log("edge"))
        found = ports()
        self.urls = {"relayrace": "http://127.0.0.1:%d" % found["edge"]}
        self.admin = "http://127.0.0.1:%d" % found["admin"]

    def render_config(self, template, name, port, server_line):
        relays = "\n".join(server_line(route, self.path_ports[route]) for route in ROUTES[1:])
        text = render(template, {"WORK": self.work, "PORT": port, "ORIGIN_HOST": self.origin_host,
                                 "DIRECT": "127.0.0.1:%d" % self.path_ports["direct"],
                                 "RELAY_SERVERS": relays})
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start_nginx(self):
        port = free_port()
        os.makedirs(os.path.join(self.work, "nginx-temp"), exist_ok=True)
        conf = self.render_config("nginx.conf.in", "nginx.conf", port, lambda route, p:
                                  "        server 127.0.0.1:%d max_fails=1 fail_timeout=10s;      # %s"
                                  % (p, route))
        check = subprocess.run([self.nginx_bin, "-t", "-p", self.work, "-c", conf], capture_output=True, text=True)
        if check.returncode != 0:
            raise StackError("nginx refused %s: %s" % (conf, check.stderr))
        proc = self.spawn("nginx", [self.nginx_bin, "-p", self.work, "-c", conf])
        self.urls["nginx"] = "http://127.0.0.1:%d" % port
        wait_until(30, "nginx", lambda: self.answers("nginx"), proc, self.log("nginx"))

    def start_haproxy(self):
        port = free_port()
        conf = self.render_config("haproxy.cfg.in", "haproxy.cfg", port, lambda route, p:
                                  "    server %s 127.0.0.1:%d" % (route.replace(":", "-"), p))
        check = subprocess.run([self.haproxy_bin, "-c", "-f", conf], capture_output=True, text=True)
        if check.returncode != 0:
            raise StackError("haproxy refused %s: %s" % (conf, check.stdout + check.stderr))
        proc = self.spawn("haproxy", [self.haproxy_bin, "-db", "-f", conf])
        self.urls["haproxy"] = "http://127.0.0.1:%d" % port
        wait_until(30, "haproxy", lambda: self.answers("haproxy"), proc, self.log("haproxy"))

    def answers(self, peer):
        request = urllib.request.Request(self.urls[peer] + "/sureroute-test-object.html",
                                         headers={"Host": HOST_NAME})
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200

    # --- the lab's links ---------------------------------------------------------------------
    def set_link(self, link_id, impairment):
        url = "%s/links/%s" % (self.control, urllib.parse.quote(link_id, safe=""))
        return http_json("PUT", url, impairment)

    def set_links(self, impairments):
        """Every link's whole impairment: the ones named here, the others clean."""
        for link_id in sorted(self.link_ports):
            self.set_link(link_id, impairments.get(link_id, {}))

    # --- what the edge says ------------------------------------------------------------------
    def optimal_route(self):
        answer = http_json("GET", self.admin + "/api/v1/providers", token=self.admin_token)
        for provider in answer["providers"]:
            if provider["provider"] == PROVIDER:
                return provider.get("optimal_route")
        return None

    def access_by_path(self):
        """The edge's access-log lines by request target, the rotated files included (oldest first, so
        a target seen twice keeps its last line)."""
        found = {}
        base = self.access_log[:-len(".jsonl")]
        files = ["%s.%d.jsonl" % (base, i) for i in range(9, 0, -1)] + [self.access_log]
        for name in files:
            if not os.path.exists(name):
                continue
            for line in open(name):
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line being written
                found[entry.get("path")] = entry
        return found

    def route_of(self, peer, upstream):
        """The route a peer's X-Upstream header names (its last attempt when it retried)."""
        if not upstream:
            return None
        last = upstream.split(",")[-1].strip()
        if peer == "nginx":
            return self.route_by_port.get(last, last)
        return last.replace("-", ":", 1) if last.startswith("via-") else last


def find_binary(name, fallback):
    return shutil.which(name) or fallback
