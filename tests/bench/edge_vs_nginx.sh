#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
# Benchmarks `relayrace edge` against nginx proxying the same unimpaired lab path, in the same run, with
# wrk as the client: requests/s, MiB/s, p50/p99 latency and CPU seconds per GiB for 1 KiB, 64 KiB and
# 16 MiB objects, then peak RSS with 1,000 concurrent keep-alive clients. Prints a Markdown table and
# writes it to BUILD_DIR/edge_vs_nginx.md (raw figures: BUILD_DIR/edge_vs_nginx.tsv).
#
#   bash tests/bench/edge_vs_nginx.sh [BUILD_DIR]          (default build/release)
#
# Needs: BUILD_DIR/app/relayrace, nginx (Debian's nginx-light), wrk, curl, python3, sha256sum.
# Environment: EDGE_BENCH_SECONDS (each measured wrk run, default 20), NGINX (default /usr/sbin/nginx),
# EDGE_BENCH_KEEP=1 keeps the work directory (configs, logs, wrk output) and prints where it is. The
# work directory is also kept when the script fails.
#
# The setup, and why:
# - `relayrace lab` with one http provider, no relay regions and a clean direct link (0 ms, unlimited
#   bandwidth). Its map therefore has the direct route only: no alternates to race, so the edge does
#   the same work per request as nginx (one upstream fetch over the same link) and no race traffic is
#   mixed into the figures. Whatever races the map's settings still trigger run over that one route;
#   the routes and race triggers the edge logged are reported after the table.
# - Both proxies reach the origin through the same lab link (the map's origin URL, the direct route's
#   edge-facing port), so the lab's cost is the same for both; the lab runs in its own process on the
#   same 2 cores and is not counted in either proxy's CPU (it is reported apart).
# - The edge runs its client I/O on one thread and the engine on another, so nginx gets
#   `worker_processes 2` (Qt's HTTP client also runs one thread per network access manager; the
#   per-thread CPU printed after the table shows how the edge's time splits).
# - Both write an access-log line per request (the edge its JSON lines, nginx a JSON line of similar
#   fields, unbuffered like the edge's, which flushes each line).
# - wrk runs on the same machine (-t2), so client, lab and proxy share the 2 cores; see
#   docs/benchmarks.md for what that means for the figures.
set -euo pipefail

BUILD_DIR=${1:-build/release}
SECONDS_PER_RUN=${EDGE_BENCH_SECONDS:-20}
WARMUP_SECONDS=2
HOST_NAME=bench.example
RELAYRACE=$BUILD_DIR/app/relayrace
NGINX=${NGINX:-/usr/sbin/nginx}
# object size in bytes : wrk connections. Small objects need concurrency to keep both proxies busy;
# 8 concurrent 16 MiB downloads (128 MiB in flight) already saturate the path.
SIZES=(1024 65536 16777216)
declare -A CONNECTIONS=([1024]=64 [65536]=32 [16777216]=8)
declare -A LABELS=([1024]="1 KiB" [65536]="64 KiB" [16777216]="16 MiB")
RSS_CONNECTIONS=1000

die() { echo "edge_vs_nginx: $*" >&2; exit 1; }
say() { echo "edge_vs_nginx: $*" >&2; }

[ -x "$RELAYRACE" ] || die "no relayrace binary at $RELAYRACE (build it: cmake --build BUILD_DIR --target relayrace)"
[ -x "$NGINX" ] || die "no nginx at $NGINX (apt-get install nginx-light)"
for tool in wrk curl python3 sha256sum; do
  command -v "$tool" >/dev/null || die "$tool is not installed (packaging/install-deps.sh installs it)"
done
RELAYRACE=$(cd "$(dirname "$RELAYRACE")" && pwd)/relayrace
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)

# 1,000 clients plus as many upstream connections: more descriptors than the usual 1024.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 4096 ] ||
  die "cannot raise the open-files limit to 4096 (ulimit -n is $(ulimit -n)); 1,000 clients need it"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/edge_vs_nginx.XXXXXX")
LAB_PID="" EDGE_PID="" NGINX_PID="" SAMPLER_PID="" WRK_PID=""

STOP_RC=0
stop_pid() { # stop_pid PID SIGNAL SECONDS: signal it, wait for it, then SIGKILL; its exit code in STOP_RC
  local pid=$1 sig=$2 secs=$3 i
  STOP_RC=0
  [ -n "$pid" ] || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && { say "pid $pid did not stop after SIG$sig; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || STOP_RC=$?
}
cleanup() {
  local rc=$?
  set +e
  stop_pid "$WRK_PID" TERM 2
  stop_pid "$SAMPLER_PID" TERM 2
  stop_pid "$EDGE_PID" TERM 35
  stop_pid "$NGINX_PID" QUIT 10 # graceful: workers finish, master removes its pid file
  stop_pid "$LAB_PID" TERM 10
  if [ "$rc" -ne 0 ]; then
    say "failed (exit $rc); logs in $WORK"
    for f in lab.stderr edge.stderr nginx/error.log; do
      [ -s "$WORK/$f" ] && { echo "--- $f (last lines)" >&2; tail -n 15 "$WORK/$f" >&2; }
    done
  elif [ "${EDGE_BENCH_KEEP:-0}" = 1 ]; then
    say "work directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: poll until the command succeeds
  local secs=$1 what=$2 i; shift 2
  for ((i = 0; i < secs * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  die "timed out after ${secs}s waiting for $what"
}
json_get() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$@"; }

# The relayrace processes keep their logs, failover log and history in the work directory.
RR_ENV=(env "XDG_STATE_HOME=$WORK/state" "XDG_DATA_HOME=$WORK/data" "XDG_CONFIG_HOME=$WORK/config"
        "XDG_CACHE_HOME=$WORK/cache")

# --- the lab ------------------------------------------------------------------------------------
cat >"$WORK/topology.json" <<'EOF'
{"format": "relayrace-lab", "version": 1,
 "providers": [{"id": "bench", "name": "Bench", "scheme": "http"}],
 "regions": [],
 "links": [{"from": "edge", "to": "origin:bench", "latency_ms": 0, "jitter_ms": 0, "bandwidth_bps": 0}]}
EOF
mkdir -p "$WORK/maps"
"${RR_ENV[@]}" "$RELAYRACE" lab --topology "$WORK/topology.json" --maps-dir "$WORK/maps" --json \
  >"$WORK/lab.json" 2>"$WORK/lab.stderr" &
LAB_PID=$!
lab_ready() { kill -0 "$LAB_PID" 2>/dev/null || die "relayrace lab exited: $(cat "$WORK/lab.stderr")"; [ -s "$WORK/lab.json" ] && [ -s "$WORK/maps/bench.map.json" ]; }
wait_for 30 "relayrace lab" lab_ready
sleep 0.2 # the JSON line is printed in one write; let it land completely
LAB_ORIGIN=$(json_get "$WORK/lab.json" '[p for p in d["providers"] if p["id"] == "bench"][0]["origin"]')
ORIGIN_PORT=$(json_get "$WORK/lab.json" '[p for p in d["providers"] if p["id"] == "bench"][0]["origin_unimpaired_port"]')
LINK_PORT=$(json_get "$WORK/lab.json" '[l for l in d["links"] if l["id"] == "edge>origin:bench"][0]["port"]')
MAP=$WORK/maps/bench.map.json
MAP_ORIGIN=$(json_get "$MAP" 'd["origin"]')
[ "$LAB_ORIGIN" = "http://127.0.0.1:$LINK_PORT" ] || die "the lab's origin URL $LAB_ORIGIN is not the direct link's port $LINK_PORT"
case "$MAP_ORIGIN" in "http://127.0.0.1:$LINK_PORT"|"http://127.0.0.1:$LINK_PORT/") ;;
  *) die "the map's origin $MAP_ORIGIN is not the direct link http://127.0.0.1:$LINK_PORT" ;; esac
MAP_ROUTES=$(json_get "$MAP" '("direct" if d.get("direct", True) else "") + "".join(" via:" + r for l in d.get("alternates", {}).values() for r in l)')
MAP_RACE=$(json_get "$MAP" '", ".join("%s %s" % kv for kv in sorted(d.get("race", {}).items()))')
[ "$MAP_ROUTES" = direct ] || die "the map's routes are '$MAP_ROUTES', expected the direct route only"
say "lab up: direct link 127.0.0.1:$LINK_PORT -> origin 127.0.0.1:$ORIGIN_PORT; map routes: $MAP_ROUTES; race: $MAP_RACE"

# --- the edge -----------------------------------------------------------------------------------
"${RR_ENV[@]}" "$RELAYRACE" edge --map "$MAP" --listen 127.0.0.1:0 --host "$HOST_NAME" \
  --access-log "$WORK/edge-access.jsonl" >"$WORK/edge.stdout" 2>"$WORK/edge.stderr" &
EDGE_PID=$!
edge_ready() { kill -0 "$EDGE_PID" 2>/dev/null || die "relayrace edge exited: $(cat "$WORK/edge.stderr")"; grep -q 'listening on' "$WORK/edge.stdout"; }
wait_for 30 "relayrace edge" edge_ready
EDGE_PORT=$(sed -n 's/^relayrace edge: listening on [^ ]*:\([0-9]*\) for .*/\1/p' "$WORK/edge.stdout" | head -n 1)
[ -n "$EDGE_PORT" ] && [ "$EDGE_PORT" != 0 ] || die "cannot read the edge's port from: $(cat "$WORK/edge.stdout")"

# --- nginx --------------------------------------------------------------------------------------
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/temp"
cat >"$WORK/nginx/nginx.conf" <<EOF
# Generated by tests/bench/edge_vs_nginx.sh: nginx in front of the same lab link as the edge.
daemon off;
worker_processes 2;               # the edge uses 2 threads (client I/O + engine): one worker per core
worker_rlimit_nofile $(ulimit -n);
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 8192; }
http {
    client_body_temp_path $WORK/nginx/temp/body;
    proxy_temp_path $WORK/nginx/temp/proxy;
    fastcgi_temp_path $WORK/nginx/temp/fastcgi;
    uwsgi_temp_path $WORK/nginx/temp/uwsgi;
    scgi_temp_path $WORK/nginx/temp/scgi;
    # One line per request, written at once (no buffer=), as the edge flushes each access-log line.
    log_format bench escape=json '{"time":"\$time_iso8601","client":"\$remote_addr","host":"\$host",'
        '"method":"\$request_method","path":"\$request_uri","status":\$status,"bytes":\$body_bytes_sent,'
        '"request_time":\$request_time,"upstream":"\$upstream_addr"}';
    access_log $WORK/nginx/access.jsonl bench;
    # Keep client connections as long as wrk does (nginx closes one after 1,000 requests by default;
    # the edge does not).
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    upstream lab {
        server 127.0.0.1:$LINK_PORT;  # the lab's direct link: the map's origin, the edge's direct route
        keepalive 128;                # idle upstream connections kept per worker
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        server_name $HOST_NAME;
        location / {
            proxy_pass http://lab;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host 127.0.0.1:$LINK_PORT;   # the origin's own authority, as the edge sends
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            # Buffering on, in memory only: read the upstream in 64 KiB buffers, up to 1 MiB ahead of a
            # slow client per request (the edge's bound too: a 1 MiB response stream), and never spool
            # a large object to a temp file (proxy_max_temp_file_size 0): when the buffers are full
            # nginx stops reading the upstream, which is back-pressure, not disk I/O. This is the usual
            # setting for a proxy of large objects; proxy_buffering off would send each read to the
            # client at once in proxy_buffer_size pieces.
            proxy_buffering on;
            proxy_buffer_size 64k;
            proxy_buffers 16 64k;
            proxy_busy_buffers_size 128k;
            proxy_max_temp_file_size 0;
        }
    }
}
EOF
"$NGINX" -t -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx/check.log" 2>&1 ||
  die "nginx refused the generated config: $(cat "$WORK/nginx/check.log")"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx/stdout" 2>&1 &
NGINX_PID=$!
nginx_ready() { kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited: $(cat "$WORK/nginx/error.log" "$WORK/nginx/stdout" 2>/dev/null)"; [ "$(pgrep -c -P "$NGINX_PID")" -ge 2 ] && curl -s -o /dev/null "http://127.0.0.1:$NGINX_PORT/"; }
wait_for 30 "nginx" nginx_ready

EDGE_URL=http://127.0.0.1:$EDGE_PORT
NGINX_URL=http://127.0.0.1:$NGINX_PORT
say "edge on $EDGE_URL (pid $EDGE_PID), nginx on $NGINX_URL (master $NGINX_PID, workers $(pgrep -P "$NGINX_PID" | tr '\n' ' '))"

pids_of() { # the processes whose CPU and memory count for a proxy
  case $1 in
    edge) echo "$EDGE_PID" ;;
    nginx) echo "$NGINX_PID" $(pgrep -P "$NGINX_PID") ;;
    lab) echo "$LAB_PID" ;;
  esac
}
cpu_ticks() { # utime + stime of the processes (all their threads), in clock ticks
  local who=$1 total=0 pid stat
  for pid in $(pids_of "$who"); do
    stat=$(cat "/proc/$pid/stat") || die "process $pid of $who is gone"
    stat=${stat##*) } # fields after "(comm) "; utime and stime are fields 14 and 15, here 12 and 13
    set -- $stat
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
thread_ticks() { # per thread of the edge: tid, name, utime + stime
  local t stat comm
  for t in /proc/"$EDGE_PID"/task/*; do
    stat=$(cat "$t/stat" 2>/dev/null) || continue
    comm=${stat#*(}; comm=${comm%%) *}; comm=${comm// /_}
    stat=${stat##*) }
    set -- $stat
    echo "${t##*/} $comm $((${12} + ${13}))"
  done
}
rss_kb() { # the sum of VmRSS over the processes, in kB
  local total=0 pid kb
  for pid in $(pids_of "$1"); do
    kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || kb=0
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}
url_of() { if [ "$1" = edge ]; then echo "$EDGE_URL"; else echo "$NGINX_URL"; fi; }
alive() {
  kill -0 "$EDGE_PID" 2>/dev/null || die "the edge died; its stderr: $(tail -n 20 "$WORK/edge.stderr")"
  kill -0 "$NGINX_PID" 2>/dev/null || die "nginx died"
  kill -0 "$LAB_PID" 2>/dev/null || die "the lab died; its stderr: $(tail -n 20 "$WORK/lab.stderr")"
}

# --- byte-exact check: each proxy against a fetch from the origin itself ------------------------
for size in "${SIZES[@]}"; do
  path="/obj/bench?size=$size"
  code=$(curl -sS -o "$WORK/ref.bin" -w '%{http_code}' "http://127.0.0.1:$ORIGIN_PORT$path")
  [ "$code" = 200 ] || die "the origin answered $code for $path"
  want=$(sha256sum <"$WORK/ref.bin" | cut -d' ' -f1)
  [ "$(stat -c %s "$WORK/ref.bin")" = "$size" ] || die "the origin sent $(stat -c %s "$WORK/ref.bin") bytes for $path"
  for proxy in edge nginx; do
    code=$(curl -sS -o "$WORK/got.bin" -w '%{http_code}' -H "Host: $HOST_NAME" "$(url_of $proxy)$path")
    got=$(sha256sum <"$WORK/got.bin" | cut -d' ' -f1)
    [ "$code" = 200 ] || die "$proxy answered $code for $path: $(head -c 300 "$WORK/got.bin")"
    [ "$got" = "$want" ] || die "$proxy's body for $path differs from the origin's (sha256 $got, origin $want)"
  done
  say "byte-exact: $path through edge and nginx = origin (sha256 ${want:0:16}...)"
done
rm -f "$WORK/ref.bin" "$WORK/got.bin"

# --- wrk runs -----------------------------------------------------------------------------------
cat >"$WORK/report.lua" <<'EOF'
-- Exact figures for the script: wrk's own text rounds them. errors.status counts responses >= 400.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d bytes=%d duration_us=%d p50_us=%.1f p99_us=%.1f " ..
    "status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.bytes, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
EOF
CLK_TCK=$(getconf CLK_TCK)
RESULTS=$WORK/results.tsv
printf 'proxy\tsize\tconnections\trequests\tbytes\tduration_us\tp50_us\tp99_us\tstatus_errors\tsocket_errors\tcpu_s\tlab_cpu_s\tpeak_rss_kb\n' >"$RESULTS"

result_field() { sed -n "s/^RESULT.* $2=\([0-9.]*\).*/\1/p" "$1"; }
run_wrk() { # run_wrk PROXY SIZE CONNECTIONS SECONDS OUT [SAMPLE_RSS]
  local proxy=$1 size=$2 conns=$3 secs=$4 out=$5 sample=${6:-}
  local url cpu0 lab0 cpu1 lab1 peak=0
  url="$(url_of "$proxy")/obj/bench?size=$size"
  alive
  cpu0=$(cpu_ticks "$proxy") lab0=$(cpu_ticks lab)
  [ "$proxy" = edge ] && thread_ticks >"$WORK/threads.before"
  wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s --latency -s "$WORK/report.lua" -H "Host: $HOST_NAME" "$url" \
    >"$out" 2>&1 &
  WRK_PID=$!
  if [ -n "$sample" ]; then
    local kb
    while kill -0 "$WRK_PID" 2>/dev/null; do
      kb=$(rss_kb "$proxy")
      [ "$kb" -gt "$peak" ] && peak=$kb
      sleep 0.1
    done
  fi
  wait "$WRK_PID" || die "wrk failed against $proxy: $(cat "$out")"
  WRK_PID=""
  cpu1=$(cpu_ticks "$proxy") lab1=$(cpu_ticks lab)
  if [ "$proxy" = edge ] && [ "$secs" = "$SECONDS_PER_RUN" ]; then # which of the edge threads used the CPU
    thread_ticks >"$WORK/threads.after"
    echo "$size/$conns: $(awk -v hz="$CLK_TCK" -v secs="$secs" 'NR == FNR {t[$1] = $3; next}
        {d = $3 - t[$1]; if (d > 0) {u[$2] += d; c[$2]++}}
        END {for (n in u) printf "%s %.2f %d\n", n, u[n] / hz / secs, c[n]}' "$WORK/threads.before" "$WORK/threads.after" |
        sort -k2 -rn | head -n 4 | awk '{printf "%s%s x%d %s", sep, $1, $3, $2; sep = ", "}')" >>"$WORK/threads.txt"
  fi
  alive
  grep -q '^RESULT' "$out" || die "no figures from wrk against $proxy: $(cat "$out")"
  local status socket broken
  status=$(result_field "$out" status_errors)
  socket="$(result_field "$out" connect_errors)/$(result_field "$out" read_errors)/$(result_field "$out" write_errors)/$(result_field "$out" timeouts)"
  broken=$(($(result_field "$out" connect_errors) + $(result_field "$out" read_errors) + $(result_field "$out" write_errors)))
  if [ "$broken" != 0 ]; then # refused, reset or truncated responses (a body shorter than announced)
    say "FAILURE: $proxy: $broken connect/read/write errors ($size-byte object)"
    echo "$proxy $size: $broken connect/read/write errors (truncated or reset responses)" >>"$WORK/failures"
  fi
  if [ "$status" != 0 ] || grep -q 'Non-2xx or 3xx responses' "$out"; then
    # Not fatal at once: the run goes on so the table shows it, and the script fails at the end.
    say "FAILURE: $proxy answered $status of $(result_field "$out" requests) requests with an error status ($size-byte object)"
    echo "$proxy $size: $status error statuses" >>"$WORK/failures"
  fi
  [ "$(result_field "$out" requests)" -gt 0 ] || die "no request completed through $proxy: $(cat "$out")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$proxy" "$size" "$conns" \
    "$(result_field "$out" requests)" "$(result_field "$out" bytes)" "$(result_field "$out" duration_us)" \
    "$(result_field "$out" p50_us)" "$(result_field "$out" p99_us)" "$status" "$socket" \
    "$(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", t / hz}')" \
    "$(awk -v t=$((lab1 - lab0)) -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", t / hz}')" "$peak"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
run=0
for size in "${SIZES[@]}"; do
  # Alternate which proxy goes first, so neither always runs on the warmer (or busier) machine.
  if [ $((run % 2)) -eq 0 ]; then order=(edge nginx); else order=(nginx edge); fi
  run=$((run + 1))
  for proxy in "${order[@]}"; do
    say "${LABELS[$size]}: $proxy, ${CONNECTIONS[$size]} connections, ${WARMUP_SECONDS}s warm-up + ${SECONDS_PER_RUN}s"
    run_wrk "$proxy" "$size" "${CONNECTIONS[$size]}" "$WARMUP_SECONDS" "$WORK/warmup-$proxy-$size.txt" >/dev/null
    run_wrk "$proxy" "$size" "${CONNECTIONS[$size]}" "$SECONDS_PER_RUN" "$WORK/wrk-$proxy-$size.txt" >>"$RESULTS"
  done
done
declare -A IDLE_RSS
for proxy in edge nginx; do
  IDLE_RSS[$proxy]=$(rss_kb "$proxy")
  say "RSS: $proxy, $RSS_CONNECTIONS keep-alive connections on the 1 KiB object, ${SECONDS_PER_RUN}s (RSS before: ${IDLE_RSS[$proxy]} kB)"
  run_wrk "$proxy" 1024 "$RSS_CONNECTIONS" "$SECONDS_PER_RUN" "$WORK/wrk-$proxy-rss.txt" sample >>"$RESULTS"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- stop the edge now, to read what it says on the way out ------------------------------------
stop_pid "$EDGE_PID" TERM 35
edge_rc=$STOP_RC
EDGE_PID=""
EDGE_LAG=$(grep '^relayrace edge: event-loop lag' "$WORK/edge.stderr" | sed 's/^relayrace edge: //' | paste -sd ';' - |
           sed 's/;/; /g' || true)
EDGE_THREADS=$(sed 's/$/;/' "$WORK/threads.txt" | paste -sd ' ' - | sed 's/;$//')
EDGE_WARNINGS=$(grep -c -v -e '^relayrace edge: event-loop lag' -e '^relayrace edge: stopping' "$WORK/edge.stderr" || true)
EDGE_OTHER_STDERR=$(grep -v -e '^relayrace edge: event-loop lag' -e '^relayrace edge: stopping' "$WORK/edge.stderr" |
                    sed 's/[0-9][0-9]*/N/g' | sort | uniq -c | sort -rn | head -n 5 || true)

# What the edge logged: routes, race triggers and outcomes (the access log rotates at 5 MiB x 3, so
# this is the last part of the run), and nginx's statuses.
ACCESS_SUMMARY=$(python3 - "$WORK" <<'EOF'
import collections, glob, json, os, sys
work = sys.argv[1]
lines = collections.Counter()
n = 0
for f in sorted(glob.glob(os.path.join(work, "edge-access*.jsonl"))):
    for line in open(f):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        n += 1
        lines["route " + str(e.get("route"))] += 1
        lines["race " + str(e.get("race"))] += 1
        lines["status %s/%s" % (e.get("status"), e.get("outcome"))] += 1
ng = collections.Counter()
m = 0
for line in open(os.path.join(work, "nginx", "access.jsonl")):
    m += 1
    try:
        ng["status %s" % json.loads(line).get("status")] += 1
    except ValueError:
        ng["unparsed"] += 1
def fmt(c):
    return ", ".join("%s: %d" % kv for kv in sorted(c.items()))
print("edge access log (last %d lines kept by its rotation): %s" % (n, fmt(lines)))
print("nginx access log (%d lines): %s" % (m, fmt(ng)))
EOF
)

# --- the table ----------------------------------------------------------------------------------
python3 - "$RESULTS" "$BUILD_DIR/edge_vs_nginx.md" "$RSS_CONNECTIONS" "${IDLE_RSS[edge]}" "${IDLE_RSS[nginx]}" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SECONDS_PER_RUN" "$LOAD_BEFORE" "$LOAD_AFTER" "$MAP_RACE" \
  "${EDGE_LAG:-(no event-loop lag line on stderr)}" "$ACCESS_SUMMARY" "edge exit code $edge_rc" \
  "$EDGE_WARNINGS" "$EDGE_OTHER_STDERR" "$EDGE_THREADS" <<'EOF'
import csv, sys
(results, out_path, rss_conns, idle_edge, idle_nginx, when, secs, load0, load1, race, lag, access,
 edge_exit, edge_warnings, edge_stderr, threads) = sys.argv[1:]
rows = list(csv.DictReader(open(results), delimiter="\t"))
MiB, GiB = 1024 ** 2, 1024 ** 3
label = {1024: "1 KiB", 65536: "64 KiB", 16777216: "16 MiB"}

def figures(r):
    secs_run = int(r["duration_us"]) / 1e6
    return {"rps": int(r["requests"]) / secs_run, "mibs": int(r["bytes"]) / MiB / secs_run,
            "p50": float(r["p50_us"]) / 1000, "p99": float(r["p99_us"]) / 1000,
            "cpu": float(r["cpu_s"]) / (int(r["bytes"]) / GiB), "lab": float(r["lab_cpu_s"]) / (int(r["bytes"]) / GiB),
            "sock": r["socket_errors"], "status": int(r["status_errors"]), "conns": r["connections"], "rss": int(r["peak_rss_kb"])}

timed = {(r["proxy"], int(r["size"])): figures(r) for r in rows if r["peak_rss_kb"] == "0"}
rss = {r["proxy"]: figures(r) for r in rows if r["peak_rss_kb"] != "0"}
out = []
out.append("Finished %s, %s s per run (wrk -t2, keep-alive), load average before %s, after %s" % (when, secs, load0, load1))
out.append("")
out.append("| object | proxy | conns | req/s | MiB/s | p50 ms | p99 ms | CPU s per GiB | lab CPU s per GiB | non-2xx | socket errors c/r/w/t |")
out.append("|---|---|---|---|---|---|---|---|---|---|---|")
verdicts = []
for size in sorted({s for _, s in timed}):
    e, n = timed[("edge", size)], timed[("nginx", size)]
    for name, f in (("edge", e), ("nginx", n)):
        out.append("| %s | %s | %s | %.0f | %.1f | %.2f | %.2f | %.2f | %.2f | %d | %s |" % (
            label.get(size, size), name, f["conns"], f["rps"], f["mibs"], f["p50"], f["p99"], f["cpu"], f["lab"],
            f["status"], f["sock"]))
    ratio = {k: e[k] / n[k] if n[k] else float("nan") for k in ("rps", "mibs", "p50", "p99", "cpu")}
    out.append("| %s | **edge/nginx** | | **%.2f** | **%.2f** | %.2f | %.2f | %.2f | | | |" % (
        label.get(size, size), ratio["rps"], ratio["mibs"], ratio["p50"], ratio["p99"], ratio["cpu"]))
    verdicts.append("%s: req/s %.2fx nginx (goal >= 0.8: %s), MiB/s %.2fx (goal >= 0.9: %s)" % (
        label.get(size, size), ratio["rps"], "met" if ratio["rps"] >= 0.8 else "MISSED",
        ratio["mibs"], "met" if ratio["mibs"] >= 0.9 else "MISSED"))
out.append("")
out.append("| %s keep-alive clients, 1 KiB object | peak RSS MB (before) | req/s | p50 ms | p99 ms | non-2xx | socket errors c/r/w/t |" % rss_conns)
out.append("|---|---|---|---|---|---|---|")
for name, idle in (("edge (1 process)", idle_edge), ("nginx (master + 2 workers, summed)", idle_nginx)):
    f = rss["edge" if name.startswith("edge") else "nginx"]
    out.append("| %s | %.1f (%.1f) | %.0f | %.2f | %.2f | %d | %s |" % (
        name, f["rss"] * 1024 / 1e6, int(idle) * 1024 / 1e6, f["rps"], f["p50"], f["p99"], f["status"], f["sock"]))
edge_rss_mb = rss["edge"]["rss"] * 1024 / 1e6
verdicts.append("RSS at %s clients: edge %.1f MB (goal < 300 MB: %s)" % (rss_conns, edge_rss_mb, "met" if edge_rss_mb < 300 else "MISSED"))
out.append("")
out.append("Goals: " + "; ".join(verdicts) + ".")
out.append("")
out.append("Edge map race settings: %s. %s." % (race, access))
out.append("")
out.append("Edge CPU by thread name during each run (object size/connections: thread name x busy threads of that name, cores used): %s." % threads)
out.append("")
out.append("Edge on SIGTERM: %s; %s; other edge stderr lines: %s." % (lag, edge_exit, edge_warnings or "0"))
if edge_stderr.strip():
    out.append("")
    out.append("Most frequent other edge stderr lines (count, line with numbers as N):")
    out.append("")
    out.extend("    " + l.strip() for l in edge_stderr.splitlines())
text = "\n".join(out) + "\n"
open(out_path, "w").write(text)
sys.stdout.write(text)
EOF
cp "$RESULTS" "$BUILD_DIR/edge_vs_nginx.tsv"
say "table written to $BUILD_DIR/edge_vs_nginx.md (raw figures: $BUILD_DIR/edge_vs_nginx.tsv)"
if [ -s "$WORK/failures" ]; then
  say "FAILED: error statuses or broken responses during the runs (the figures above include them):"
  sed 's/^/  /' "$WORK/failures" >&2
  exit 1
fi
