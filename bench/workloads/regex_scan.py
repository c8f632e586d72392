#!/usr/bin/env python3
"""regex_scan.py - regular-expression CPython workload.

    PYTHONMALLOC=malloc python3 regex_scan.py [--scale F]

Per round: generates a synthetic web-server/application log (a few
thousand lines: timestamps, IPs, methods, paths with query strings, status
codes, user agents, key=value fields), then scans it with a set of
compiled patterns: finditer with named groups (one match object and its
group strings per hit), findall, split, sub with a replacement string and
with a Python callback, fullmatch per line, and a tokenizer driven by one
alternation pattern with lastgroup. Also compiles a batch of new patterns
each round (more than re's cache holds, so compiled code objects are made
and dropped). Many short-lived small strings, tuples and match objects.

Deterministic: random.Random(seed). Prints `checksum`, `peak_rss_kib`,
`rss_end_kib`.
"""

import random
import re

import common

METHODS = ("GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD")
PATHS = ("/", "/index.html", "/api/v1/users", "/api/v1/orders", "/static/app.js",
         "/static/style.css", "/login", "/search", "/img/logo.png", "/api/v2/items")
AGENTS = ("Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "python-requests/2.31",
          "Wget/1.21", "Googlebot/2.1 (+http://www.google.com/bot.html)")
LEVELS = ("DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR")

ACCESS = re.compile(
    r'(?P<ip>\d{1,3}(?:\.\d{1,3}){3}) - (?P<user>\S+) \[(?P<ts>[^\]]+)\] '
    r'"(?P<method>[A-Z]+) (?P<path>[^ ?"]*)(?:\?(?P<query>[^ "]*))? HTTP/1\.[01]" '
    r'(?P<status>\d{3}) (?P<size>\d+|-) "(?P<agent>[^"]*)"')
APP = re.compile(r'^(?P<ts>\S+) (?P<level>[A-Z]+) \[(?P<mod>[\w.]+)\] (?P<msg>.*)$')
KV = re.compile(r'(\w+)=("[^"]*"|\S+)')
QUERY = re.compile(r'([^&=]+)=([^&]*)')
NUM = re.compile(r'\b\d+(?:\.\d+)?\b')
TOKEN = re.compile(r'(?P<num>\d+(?:\.\d+)?)|(?P<word>[A-Za-z_]\w*)|(?P<str>"[^"]*")'
                   r'|(?P<op>[-+*/=<>!]=?|[()\[\]{},;:])|(?P<ws>\s+)|(?P<other>.)')


def make_log(rng, n):
    lines = []
    for i in range(n):
        ts = "2025-03-%02dT%02d:%02d:%02d" % (1 + i // 5000 % 28, i // 360 % 24, i // 6 % 60, i % 60)
        if rng.random() < 0.6:
            q = ""
            if rng.random() < 0.5:
                q = "?" + "&".join("%s=%d" % (rng.choice(("id", "page", "q", "sort", "limit")),
                                              rng.randrange(1000))
                                   for _ in range(rng.randint(1, 4)))
            lines.append('%d.%d.%d.%d - %s [%s] "%s %s%s HTTP/1.1" %d %s "%s"' % (
                rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(256),
                rng.choice(("-", "alice", "bob", "carol")), ts, rng.choice(METHODS),
                rng.choice(PATHS), q, rng.choice((200, 200, 200, 304, 404, 500)),
                rng.choice(("-", str(rng.randrange(100000)))), rng.choice(AGENTS)))
        else:
            kvs = " ".join('%s=%s' % (k, rng.choice((str(rng.randrange(10000)), '"a b c"', "ok", "x%d" % i)))
                           for k in rng.sample(("user", "took_ms", "rows", "status", "err", "shard"),
                                               rng.randint(1, 5)))
            lines.append("%s %s [%s] request done %s" % (
                ts, rng.choice(LEVELS), rng.choice(("app.db", "app.http", "worker.q", "auth")), kvs))
    return lines


def tokenize(text):
    out = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group()))
    return out


def one_round(rng, ck, r, n):
    lines = make_log(rng, n)
    text = "\n".join(lines)
    status = {}
    paths = {}
    params = 0
    for m in ACCESS.finditer(text):
        d = m.groupdict()
        status[d["status"]] = status.get(d["status"], 0) + 1
        paths[d["path"]] = paths.get(d["path"], 0) + int(d["size"]) if d["size"] != "-" else paths.get(d["path"], 0)
        if d["query"]:
            params += len(QUERY.findall(d["query"]))
    ck.add(sorted(status.items()), sorted(paths.items()), params)

    levels = {}
    kvcount = 0
    for line in lines:
        m = APP.fullmatch(line)
        if m:
            levels[m["level"]] = levels.get(m["level"], 0) + 1
            kvcount += len(dict(KV.findall(m["msg"])))
    ck.add(sorted(levels.items()), kvcount)

    nums = NUM.findall(text)
    ck.add(len(nums), sum(len(x) for x in nums))
    masked = re.sub(r'\d{1,3}(?:\.\d{1,3}){3}', "IP", text)
    doubled = NUM.sub(lambda m: str(int(float(m.group())) * 2), masked)
    ck.add(len(masked), len(doubled))
    words = re.split(r'[\s"\[\]]+', text)
    ck.add(len(words))

    toks = tokenize(doubled[: len(doubled) // 4])
    kinds = {}
    for k, _ in toks:
        kinds[k] = kinds.get(k, 0) + 1
    ck.add(sorted(kinds.items()))

    # more patterns than re's cache (512) holds: compiled and dropped
    hits = 0
    for i in range(600):
        pat = r'%s=(\d{%d,})' % (rng.choice(("user", "took_ms", "rows", "id", "page")), 1 + i % 4)
        pat += "(?:x{0,%d})" % (i % 97)
        hits += len(re.findall(pat, lines[i % len(lines)]))
    ck.add(hits)


def main():
    scale = common.parse_args("regular expressions over a synthetic log")
    rounds = common.count(scale, 6)
    rng = random.Random(77031)
    ck = common.Checksum()
    for r in range(rounds):
        one_round(rng, ck, r, 4000)
    common.report(ck, rounds=rounds)


if __name__ == "__main__":
    main()
