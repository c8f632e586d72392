#!/usr/bin/python3
"""service_daemon.py - scenario: a multithreaded Python daemon whose RES creeps up.

The service of docs/INVESTIGATION.md in miniature. Run with PYTHONMALLOC=malloc
and mallard preloaded (or on the CPython bench/cpython/build links with
mallard, which needs neither):

    PYTHONMALLOC=malloc LD_PRELOAD=.../libmallard.so \\
        python3 diag/scenarios/service_daemon.py [--seconds S] [--long] [--close] [--close-after S]

Three kinds of threads, as in the daemon it reproduces:

- WORKERS request threads take requests from a queue. Each opens a Session
  (an ORM session in miniature: an identity map that keeps every row it
  loaded until it is closed), loads a page of rows, renders a JSON
  response, keeps the rendered response in a shared LRU cache of
  CACHE_ENTRIES entries (filled by CACHE_ENTRIES requests before the first
  tick: the daemon has been up a while), and closes the session. Rows and responses of all sizes
  come and go, across threads: churn, flat on average.
- The poller thread watches an upstream service for changes through a
  generator, poll_changes(), that opens one Session and yields each batch
  of changed rows. The thread keeps the generator and calls next() on it
  every tick, for the life of the process: the generator is never closed,
  so neither is its session, whose identity map holds every row ever
  polled. That is the leak, spread so that a run of any length leaks about
  LEAK_MIB in all.
- The main thread feeds the queue on a 10 ms tick schedule.

--close: the poller takes each batch from a fresh generator and closes it
(contextlib.closing), so the session is closed after every batch: no leak.
--close-after S: leak for S seconds, then close the generator (its session
goes with it) and poll as --close does: the live set drops back.

Expected verdict: leak without --close (allocated rising in a straight
line, about LEAK_MIB over the run, in the classes of the rows' dicts and
strings); stable with --close. Prints one summary line.
"""

import collections
import contextlib
import json
import queue
import sys
import threading
import time
import traceback

import service_common  # beside this file: the common options and the tick schedule

WORKERS = 3
ROWS_PER_REQUEST = 40
CACHE_ENTRIES = 400  # rendered responses kept (LRU)
LEAK_MIB = 8  # about what the never-closed session holds at the end
ROW_BYTES = 1100  # about what one polled row costs in the identity map (64-bit)


class Row:
    """A mapped object: attributes in a __dict__, like an ORM's."""

    def __init__(self, table, key, values):
        self.table = table
        self.key = key
        self.__dict__.update(values)


class Database:
    """A fake database: rows made up from their key, so the same query gives
    the same rows whatever the thread or the timing."""

    def row_values(self, table, key):
        return {
            "name": f"{table}-{key:07d}",
            "owner": f"user{(key * 7919) % 100000:05d}",
            "state": ("new", "open", "closed", "stale")[key % 4],
            "labels": [f"label{(key + k) % 23}" for k in range(1 + key % 5)],
            "body": "lorem ipsum " * (2 + key % 12),
            "score": (key * 37) % 1000 / 10.0,
        }


class Session:
    """An ORM session in miniature: every row it loads stays in its identity
    map until close(), so that loading a row twice gives the same object."""

    def __init__(self, db):
        self.db = db
        self.identity_map = {}

    def get(self, table, key):
        row = self.identity_map.get((table, key))
        if row is None:
            row = Row(table, key, self.db.row_values(table, key))
            self.identity_map[(table, key)] = row
        return row

    def close(self):
        self.identity_map.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LruCache:
    """A bounded cache shared by the request threads."""

    def __init__(self, entries):
        self.entries = entries
        self.data = collections.OrderedDict()
        self.lock = threading.Lock()

    def put(self, key, value):
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.entries:
                self.data.popitem(last=False)


def handle_request(db, cache, request):
    """One request: a session, a page of rows, a rendered response."""
    base = (request * 7727) % 1_000_000
    with Session(db) as session:
        rows = [session.get("ticket", base + i) for i in range(ROWS_PER_REQUEST)]
        body = json.dumps([{k: v for k, v in vars(r).items()} for r in rows])
    cache.put(request % (CACHE_ENTRIES * 2), body)
    return len(body)


def worker(db, cache, requests, served, failures):
    """Serves requests until it gets None; a request that fails is recorded
    and the thread goes on, so the queue never stops draining."""
    while True:
        request = requests.get()
        if request is None:
            return
        try:
            handle_request(db, cache, request)
            served.append(1)
        except Exception:  # a bug in the scenario: main() reports it
            failures.append(traceback.format_exc())


def poll_changes(db, rows_per_poll, first_key):
    """Watches upstream for changes: one session for the life of the
    generator, closed only when the generator is closed."""
    session = Session(db)
    key = first_key
    try:
        while True:
            batch = [session.get("change", key + i) for i in range(rows_per_poll)]
            key += rows_per_poll
            yield [(r.key, r.state) for r in batch]
    finally:
        session.close()


class Poller:
    """The poller thread's state: the generator it keeps between ticks."""

    def __init__(self, db, rows_per_poll, close):
        self.db, self.rows_per_poll, self.close = db, rows_per_poll, close
        self.changes = None if close else poll_changes(db, rows_per_poll, 0)
        self.next_key = 0
        self.seen = 0

    def poll(self):
        if self.changes is not None:
            batch = next(self.changes)  # the kept generator: its session grows
        else:
            with contextlib.closing(poll_changes(self.db, self.rows_per_poll, self.next_key)) as changes:
                batch = next(changes)
        self.next_key += self.rows_per_poll
        self.seen += len(batch)

    def close_generator(self):
        """The fix, mid-run: close the kept generator (its finally closes
        the session) and poll with a fresh one each time from now on."""
        if self.changes is not None:
            self.changes.close()
            self.changes = None


def poller_thread(poller, ticks, start, close_after_tick, stop, failures):
    try:
        for tick in range(ticks):
            if stop.is_set():
                return
            service_common.wait_for_tick(start, tick)
            if tick == close_after_tick:
                poller.close_generator()
            poller.poll()
    except Exception:  # a bug in the scenario: main() reports it
        failures.append(traceback.format_exc())


def parse_args(argv):
    p = service_common.make_parser("service_daemon", __doc__.splitlines()[0],
                                   "close the poller's generator after every batch (the fix)")
    p.add_argument("--close-after", type=service_common.positive_seconds, metavar="S",
                   help="leak for S seconds, then close the poller's generator and poll as --close does")
    a = service_common.parse_with(p, argv)
    if a.close and a.close_after is not None:
        p.error("--close and --close-after exclude each other")
    return a


def main(argv):
    a = parse_args(argv)
    ticks = service_common.ticks_of(a.seconds)
    rows_per_poll = max(1, round(LEAK_MIB * 1048576 / ROW_BYTES / ticks))
    close_after_tick = service_common.ticks_of(a.close_after) if a.close_after is not None else -1
    db, cache = Database(), LruCache(CACHE_ENTRIES)
    requests, served, failures = queue.Queue(maxsize=64), [], []
    poller, stop = Poller(db, rows_per_poll, a.close), threading.Event()
    workers = [threading.Thread(target=worker, args=(db, cache, requests, served, failures),
                                name=f"worker-{i}") for i in range(WORKERS)]
    for t in workers:
        t.start()
    # A daemon that has been up a while: the workers warm the cache first.
    for request in range(-CACHE_ENTRIES, 0):
        requests.put(request)
    while len(served) + len(failures) < CACHE_ENTRIES:
        time.sleep(service_common.TICK_S)
    start = time.monotonic()
    pthread = threading.Thread(target=poller_thread, name="poller",
                               args=(poller, ticks, start, close_after_tick, stop, failures))
    pthread.start()
    threads = workers + [pthread]
    try:
        for tick in range(ticks):
            service_common.wait_for_tick(start, tick)
            for k in range(WORKERS):
                requests.put(tick * WORKERS + k)
    finally:
        stop.set()
        for _ in range(WORKERS):
            requests.put(None)
        for t in threads:
            t.join()
    if failures:
        print(f"service_daemon: {len(failures)} failure(s); the first:\n{failures[0]}", file=sys.stderr, end="")
        return 1
    held = len(poller.changes.gi_frame.f_locals["session"].identity_map) if poller.changes else 0
    print(f"service_daemon: {ticks} ticks in {time.monotonic() - start:.1f} s, {WORKERS} workers served "
          f"{len(served) - CACHE_ENTRIES} requests, poller saw {poller.seen} changes; "
          + (f"its open session holds {held} rows" if poller.changes else "its generator is closed"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
