#!/usr/bin/env python3
"""service_loop.py - a long-running service loop.

    PYTHONMALLOC=malloc python3 service_loop.py [--scale F]

Simulates a request-serving process over a fixed number of requests with a
simulated clock (integer milliseconds advanced by the loop, never read from
the system, so the work does not depend on speed): each request is a raw
HTTP-like text that is parsed into a method, path, query dict and header
dict; a session store (dict of session objects with a TTL, expired in
sweeps) and a response cache (LRU with per-entry TTL and a size bound) are
consulted; handlers build response bodies (templated HTML, JSON), a rate
limiter keeps per-client deques of timestamps, and a bounded access log
(deque) and per-route metrics (histograms) accumulate. The long-lived
structures churn slowly while per-request garbage is freed at once: the
steady state of a real server, where RSS creep shows.

Deterministic: random.Random(seed). Prints `checksum`, `peak_rss_kib`,
`rss_end_kib`.
"""

import json
import random
from collections import OrderedDict, deque
from urllib.parse import parse_qsl, quote

import common

ROUTES = ("/", "/login", "/logout", "/profile", "/search", "/item", "/cart", "/api/stats")
AGENTS = ("Mozilla/5.0", "curl/8.5", "bench-client/1.0", "Safari/605.1")


class Session:
    def __init__(self, sid, user, now):
        self.sid = sid
        self.user = user
        self.created = now
        self.touched = now
        self.data = {"cart": [], "views": 0, "history": deque(maxlen=20)}


class TTLCache:
    def __init__(self, max_entries, ttl):
        self.max_entries = max_entries
        self.ttl = ttl
        self.entries = OrderedDict()
        self.hits = self.misses = self.expired = 0

    def get(self, key, now):
        e = self.entries.get(key)
        if e is None:
            self.misses += 1
            return None
        if e[0] <= now:
            del self.entries[key]
            self.expired += 1
            self.misses += 1
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return e[1]

    def put(self, key, value, now):
        self.entries[key] = (now + self.ttl, value)
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)


class Service:
    def __init__(self, rng):
        self.rng = rng
        self.now = 0
        self.sessions = {}
        self.session_ttl = 30000
        self.cache = TTLCache(2000, 5000)
        self.rate = {}
        self.log = deque(maxlen=10000)
        self.metrics = {}
        self.next_sid = 0
        self.items = {i: {"id": i, "name": "item %d" % i, "price": (i * 37) % 1000,
                          "desc": "lorem ipsum " * (1 + i % 20)} for i in range(3000)}

    # -- parsing
    def parse(self, raw):
        head, _, body = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        method, target, _ = lines[0].split(" ")
        path, _, qs = target.partition("?")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        cookies = {}
        for part in headers.get("cookie", "").split(";"):
            if "=" in part:
                k, _, v = part.strip().partition("=")
                cookies[k] = v
        return {"method": method, "path": path, "query": dict(parse_qsl(qs)),
                "headers": headers, "cookies": cookies, "body": body}

    # -- housekeeping
    def sweep(self):
        dead = [sid for sid, s in self.sessions.items() if s.touched + self.session_ttl <= self.now]
        for sid in dead:
            del self.sessions[sid]
        for client in [c for c, q in self.rate.items() if not q or q[-1] + 10000 <= self.now]:
            del self.rate[client]
        return len(dead)

    def limited(self, client):
        q = self.rate.get(client)
        if q is None:
            q = self.rate[client] = deque()
        while q and q[0] + 1000 <= self.now:
            q.popleft()
        q.append(self.now)
        return len(q) > 20

    # -- handlers
    def handle(self, req):
        path = req["path"]
        sess = self.sessions.get(req["cookies"].get("sid", ""))
        if sess is not None:
            sess.touched = self.now
            sess.data["views"] += 1
            sess.data["history"].append(path)
        if path == "/login":
            self.next_sid += 1
            sid = "s%08x" % (self.next_sid * 2654435761 & 0xffffffff)
            self.sessions[sid] = Session(sid, req["query"].get("user", "anon"), self.now)
            return 302, "", {"set-cookie": "sid=" + sid}
        if path == "/logout" and sess is not None:
            del self.sessions[sess.sid]
            return 200, "bye", {}
        if path == "/item":
            key = "item:" + req["query"].get("id", "0")
            body = self.cache.get(key, self.now)
            if body is None:
                it = self.items.get(int(req["query"].get("id", "0")) % 3000)
                body = "<html><body><h1>%s</h1><p>%s</p><b>%d</b></body></html>" % (
                    it["name"], it["desc"], it["price"])
                self.cache.put(key, body, self.now)
            if sess is not None and req["method"] == "POST":
                sess.data["cart"].append(int(req["query"].get("id", "0")))
                if len(sess.data["cart"]) > 50:
                    sess.data["cart"] = sess.data["cart"][-25:]
            return 200, body, {"content-type": "text/html"}
        if path == "/search":
            q = req["query"].get("q", "")
            key = "search:" + q
            body = self.cache.get(key, self.now)
            if body is None:
                hits = [it["id"] for it in list(self.items.values())[:: 7] if q in it["name"]][:50]
                body = json.dumps({"q": q, "hits": hits})
                self.cache.put(key, body, self.now)
            return 200, body, {"content-type": "application/json"}
        if path == "/cart" and sess is not None:
            cart = sess.data["cart"]
            total = sum(self.items[i % 3000]["price"] for i in cart)
            return 200, json.dumps({"user": sess.user, "items": cart, "total": total}), {}
        if path == "/api/stats":
            return 200, json.dumps({"sessions": len(self.sessions), "cache": len(self.cache.entries),
                                    "routes": sorted(self.metrics)}), {}
        if path == "/profile" and sess is not None:
            return 200, "<p>%s: %d views, last %s</p>" % (
                sess.user, sess.data["views"], ",".join(sess.data["history"])), {}
        return 200 if path == "/" else 404, "<html>home</html>", {}

    def serve(self, raw, client):
        req = self.parse(raw)
        if self.limited(client):
            status, body, hdrs = 429, "slow down", {}
        else:
            status, body, hdrs = self.handle(req)
        resp = "HTTP/1.1 %d X\r\n%s\r\ncontent-length: %d\r\n\r\n%s" % (
            status, "".join("%s: %s\r\n" % kv for kv in hdrs.items()), len(body), body)
        m = self.metrics.setdefault(req["path"], {"n": 0, "bytes": 0, "status": {}})
        m["n"] += 1
        m["bytes"] += len(resp)
        m["status"][status] = m["status"].get(status, 0) + 1
        self.log.append("%d %s %s %d %d" % (self.now, client, req["path"], status, len(resp)))
        return resp


class Client:
    def __init__(self, cid):
        self.cid = cid
        self.sid = None


def make_request(rng, client):
    path = rng.choice(ROUTES)
    method = "POST" if path in ("/login", "/cart") or rng.random() < 0.1 else "GET"
    q = {}
    if path == "/login":
        q["user"] = "user%d" % client.cid
    elif path == "/item":
        q["id"] = str(int(rng.paretovariate(1.2)) % 3000)
    elif path == "/search":
        q["q"] = str(rng.randrange(100))
    q["r"] = str(rng.randrange(1 << 20))
    qs = "&".join("%s=%s" % (k, quote(v)) for k, v in q.items())
    headers = ["Host: example.test", "User-Agent: " + rng.choice(AGENTS),
               "Accept: */*", "X-Request-Id: %x" % rng.randrange(1 << 30)]
    if client.sid:
        headers.append("Cookie: sid=%s; theme=dark; lang=en" % client.sid)
    return "%s %s?%s HTTP/1.1\r\n%s\r\n\r\n%s" % (
        method, path, qs, "\r\n".join(headers), "x" * rng.randrange(0, 300) if method == "POST" else "")


def main():
    scale = common.parse_args("long-running service loop with sessions and TTL caches")
    requests = common.count(scale, 40000)
    rng = random.Random(8088)
    svc = Service(rng)
    clients = [Client(i) for i in range(800)]
    ck = common.Checksum()
    swept = 0
    for n in range(requests):
        svc.now += rng.randint(0, 4)
        client = clients[int(rng.paretovariate(1.1)) % len(clients)]
        resp = svc.serve(make_request(rng, client), "c%d" % client.cid)
        if "set-cookie: sid=" in resp:
            client.sid = resp.split("set-cookie: sid=", 1)[1].split("\r\n", 1)[0]
        elif client.sid and client.sid not in svc.sessions:
            client.sid = None
        if n % 1000 == 999:
            swept += svc.sweep()
            ck.add(n, len(svc.sessions), len(svc.cache.entries), len(svc.rate), len(resp))
    ck.add(swept, svc.cache.hits, svc.cache.misses, svc.cache.expired,
           sorted((k, v["n"], v["bytes"], sorted(v["status"].items())) for k, v in svc.metrics.items()),
           list(svc.log)[-5:])
    common.report(ck, requests=requests, sessions=len(svc.sessions))


if __name__ == "__main__":
    main()
