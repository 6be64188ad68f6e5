#!/usr/bin/env python3
"""Load and measurements for tests/cluster/cluster_test.sh, from the client's
namespace. Each subcommand prints one JSON object; the shell script decides.

  limits       N requests with one API key, spread over the nodes; how many
               were admitted, and the most admitted in any 60 s window
  revocations  keys created and revoked on one node, polled on another:
               each worked before, each refused after, and the lag
  writer       creates dashboards until a stop file appears; every attempt
               logged (send time, receive time, status, id)
  readback     every acknowledged id of writer logs read back
  gap          from writer logs: the longest time without a successful
               write in the seconds after a moment (a node or the database
               killed)

Plain-HTTP bases (http://node:8080) get X-Forwarded-Proto: https (the
client's address is a trusted proxy of the nodes); https bases are HAProxy.
"""
import argparse
import http.client
import json
import os
import ssl
import threading
import time
import urllib.parse

WINDOW = 60.0


class Client:
    """One keep-alive connection to a base URL, reopened after an error."""

    def __init__(self, base, cafile=None, timeout=5.0):
        u = urllib.parse.urlsplit(base)
        self.https = u.scheme == "https"
        self.host, self.port = u.hostname, u.port or (443 if self.https else 80)
        self.timeout = timeout
        self.ctx = None
        if self.https:
            self.ctx = ssl.create_default_context(cafile=cafile)
            self.ctx.check_hostname = False  # the dev certificate names localhost; the chain is still checked
        self.conn = None

    def request(self, method, path, headers=None, body=None):
        """Returns (status, parsed body or None); status "err" on a transport error."""
        h = dict(headers or {})
        if not self.https:
            h["X-Forwarded-Proto"] = "https"
        if body is not None:
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        try:
            if self.conn is None:
                if self.https:
                    self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                            context=self.ctx)
                else:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=body, headers=h)
            r = self.conn.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                self.close()
            try:
                parsed = json.loads(data) if data else None
            except ValueError:
                parsed = None
            return r.status, parsed
        except (OSError, http.client.HTTPException):
            self.close()
            return "err", None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def auth(credential):
    if credential.startswith("claribi_sk_"):
        return {"X-API-Key": credential}
    return {"Authorization": "Bearer " + credential}


def most_in_window(admitted):
    """The most admissions surely inside one 60 s window: each admission
    happened between its send and receive times, so a set counts only when
    every receive is within 60 s of the earliest send (never more than the
    truth, so a correct limiter never shows more than its limit)."""
    admitted = sorted(admitted)
    best = 0
    for i, (s0, _) in enumerate(admitted):
        n = sum(1 for s, r in admitted[i:] if r < s0 + WINDOW)
        best = max(best, n)
    return best


def cmd_limits(a):
    bases = a.nodes.split(",")
    results = []
    lock = threading.Lock()
    counter = iter(range(a.requests))
    deadline = time.time() + a.max_seconds

    def work():
        clients = [Client(b) for b in bases]
        while time.time() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            c = clients[i % len(clients)]
            s = time.time()
            st, _ = c.request("GET", "/api/auth/status/", auth(a.key))
            r = time.time()
            with lock:
                results.append((s, r, st, i % len(clients)))
            if a.interval_ms:
                time.sleep(a.interval_ms / 1000.0)

    threads = [threading.Thread(target=work) for _ in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    by_status = {}
    per_node = [0] * len(bases)
    for _, _, st, n in results:
        by_status[str(st)] = by_status.get(str(st), 0) + 1
        if st == 200:
            per_node[n] += 1
    admitted = [(s, r) for s, r, st, _ in results if st == 200]
    span = max(r for _, r, _, _ in results) - min(s for s, _, _, _ in results) if results else 0
    print(json.dumps({"sent": len(results), "statuses": by_status, "admitted": len(admitted),
                      "admitted_per_node": per_node, "most_in_60s": most_in_window(admitted),
                      "seconds": round(span, 2)}))


def percentile(values, p):
    v = sorted(values)
    if not v:
        return None
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def cmd_revocations(a):
    admin = Client(a.revoke_node)
    worked_before = refused_after = 0
    lags = []
    failures = []
    for i in range(a.count):
        st, body = admin.request("POST", "/api/api-keys/", auth(a.token),
                                 {"name": "revocation-%d" % i, "scopes": ["dashboards:read"]})
        if st != 201:
            failures.append("key %d: create answered %s" % (i, st))
            continue
        key, key_id = body["key"], body["id"]
        poll = Client(a.poll_node)
        ok = False
        end = time.time() + 10
        while time.time() < end:
            if poll.request("GET", "/api/auth/status/", auth(key))[0] == 200:
                ok = True
                break
            time.sleep(0.002)
        if not ok:
            failures.append("key %d never worked on the polled node" % i)
            continue
        worked_before += 1
        seen = {}

        def poller():
            end = time.time() + 10
            while time.time() < end and "at" not in seen:
                st = poll.request("GET", "/api/auth/status/", auth(key))[0]
                if st == 401:
                    seen["at"] = time.time()
                elif st != 200:
                    seen.setdefault("other", st)

        t = threading.Thread(target=poller)
        t.start()
        st, _ = admin.request("POST", "/api/api-keys/%d/revoke/" % key_id, auth(a.token))
        acked = time.time()
        t.join()
        poll.close()
        if st not in (200, 204):
            failures.append("key %d: revoke answered %s" % (i, st))
            continue
        if "at" in seen:
            refused_after += 1
            lags.append((seen["at"] - acked) * 1000.0)
        else:
            failures.append("key %d still worked 10 s after its revocation (%s)" % (i, seen.get("other")))
    out = {"keys": a.count, "worked_before": worked_before, "refused_after": refused_after,
           "failures": failures[:5]}
    if lags:
        out.update({"lag_ms_p50": round(percentile(lags, 50), 2), "lag_ms_p99": round(percentile(lags, 99), 2),
                    "lag_ms_max": round(max(lags), 2)})
    print(json.dumps(out))


def cmd_writer(a):
    stop_at = time.time() + a.max_seconds
    logs = [[] for _ in range(a.threads)]

    def work(n):
        c = Client(a.base, a.cafile)
        k = 0
        while time.time() < stop_at and not os.path.exists(a.stop):
            k += 1
            s = time.time()
            st, body = c.request("POST", "/api/dashboards/", auth(a.token), {"name": "w%d-%d" % (n, k)})
            r = time.time()
            ident = body.get("id") if st == 201 and isinstance(body, dict) else None
            logs[n].append("%.6f %.6f %s %s" % (s, r, st, ident if ident is not None else "-"))
            if st != 201:
                time.sleep(0.02)  # a refused or failed write: a client's short back-off
            elif a.interval_ms:
                time.sleep(a.interval_ms / 1000.0)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(a.out, "w") as f:
        for lines in logs:
            for line in lines:
                f.write(line + "\n")
    statuses = {}
    for lines in logs:
        for line in lines:
            st = line.split()[2]
            statuses[st] = statuses.get(st, 0) + 1
    print(json.dumps({"attempts": sum(len(x) for x in logs), "statuses": statuses}))


def read_log(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            for line in f:
                s, r, st, ident = line.split()
                rows.append((float(s), float(r), st, ident))
    return rows


def cmd_readback(a):
    rows = read_log(a.logs)
    ids = [int(ident) for _, _, st, ident in rows if st == "201"]
    c = Client(a.base, a.cafile)
    found = missing = other = 0
    missing_ids = []
    for ident in ids:
        for _ in range(5):
            st, _ = c.request("GET", "/api/dashboards/%d/" % ident, auth(a.token))
            if st in (200, 404):
                break
            time.sleep(0.2)
        if st == 200:
            found += 1
        elif st == 404:
            missing += 1
            missing_ids.append(ident)
        else:
            other += 1
    print(json.dumps({"acknowledged": len(ids), "found": found, "missing": missing, "unreadable": other,
                      "missing_ids": missing_ids[:10]}))


def cmd_gap(a):
    """The longest time without a successful write from the last success
    before `at` to the first success after `at + window` (or the last one)."""
    rows = read_log(a.logs)
    ok = sorted(r for _, r, st, _ in rows if st == "201")
    before = [r for r in ok if r <= a.at]
    inside = [r for r in ok if a.at < r <= a.at + a.window]
    later = [r for r in ok if r > a.at + a.window]
    failed = sum(1 for s, _, st, _ in rows if st != "201" and a.at <= s <= a.at + a.window)
    out = {"successes_before": len(before), "successes_after": len(inside) + len(later), "failed_attempts": failed}
    if before and (inside or later):
        times = before[-1:] + inside + later[:1]
        longest = max((t2 - t1, t1) for t1, t2 in zip(times, times[1:]))
        out["gap_ms"] = round(longest[0] * 1000.0, 1)
        out["gap_starts_ms_after"] = round((longest[1] - a.at) * 1000.0, 1)
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("limits")
    s.add_argument("--nodes", required=True)
    s.add_argument("--key", required=True)
    s.add_argument("--requests", type=int, required=True)
    s.add_argument("--threads", type=int, default=3)
    s.add_argument("--interval-ms", type=float, default=0)
    s.add_argument("--max-seconds", type=float, default=120)
    s = sub.add_parser("revocations")
    s.add_argument("--revoke-node", required=True)
    s.add_argument("--poll-node", required=True)
    s.add_argument("--token", required=True)
    s.add_argument("--count", type=int, required=True)
    s = sub.add_parser("writer")
    s.add_argument("--base", required=True)
    s.add_argument("--cafile")
    s.add_argument("--token", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--stop", required=True)
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--interval-ms", type=float, default=5)
    s.add_argument("--max-seconds", type=float, default=300)
    s = sub.add_parser("readback")
    s.add_argument("--base", required=True)
    s.add_argument("--cafile")
    s.add_argument("--token", required=True)
    s.add_argument("logs", nargs="+")
    s = sub.add_parser("gap")
    s.add_argument("--at", type=float, required=True)
    s.add_argument("--window", type=float, default=10)
    s.add_argument("logs", nargs="+")
    a = p.parse_args()
    {"limits": cmd_limits, "revocations": cmd_revocations, "writer": cmd_writer, "readback": cmd_readback,
     "gap": cmd_gap}[a.cmd](a)


if __name__ == "__main__":
    main()
