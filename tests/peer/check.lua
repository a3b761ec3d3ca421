-- SPDX-FileCopyrightText: 2026 relayrace maintainers
-- SPDX-License-Identifier: MIT
-- wrk script of the peer comparison (tests/peer/peers.py): every response is checked against the
-- origin's bytes (a file named after `--`): a status other than 200 counts as an error, a 200 whose
-- body is not exactly the origin's as a bad body (byte for byte: the same check as a sha256).
-- wrk's own socket errors (connect, read, write, timeout) are reported beside them.

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    local f = assert(io.open(args[1], "rb"))
    expected = f:read("*a")
    f:close()
    not_ok = 0
    bad_body = 0
end

function response(status, headers, body)
    if status ~= 200 then
        not_ok = not_ok + 1
    elseif body ~= expected then
        bad_body = bad_body + 1
    end
end

function done(summary, latency, requests)
    local not_ok, bad_body = 0, 0
    for _, thread in ipairs(threads) do
        not_ok = not_ok + thread:get("not_ok")
        bad_body = bad_body + thread:get("bad_body")
    end
    local e = summary.errors
    io.write(string.format("RESULT requests=%d bytes=%d duration_us=%d p50_us=%.1f p99_us=%.1f " ..
        "not_ok=%d bad_body=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
        summary.requests, summary.bytes, summary.duration, latency:percentile(50),
        latency:percentile(99), not_ok, bad_body, e.connect, e.read, e.write, e.timeout))
end
