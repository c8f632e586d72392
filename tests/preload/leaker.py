"""leaker.py SECONDS - a worker thread keeps strings (grow(), the line
marked LEAK) while the main thread makes and drops dicts: under mallard
with MALLARD_SITES, the sites must name the worker's line as the growth
(tests/preload/python.sh). Prints the number of strings kept."""

import sys
import threading
import time

kept = []


def grow(stop):
    while not stop.is_set():
        for _ in range(200):
            kept.append("x" * 300 + str(len(kept)))  # LEAK
        time.sleep(0.005)


def churn(seconds):
    end = time.time() + seconds
    while time.time() < end:
        for i in range(2000):
            d = {"k": i, "v": [i] * 8}
        del d
        time.sleep(0.005)


stop = threading.Event()
worker = threading.Thread(target=grow, args=(stop,))
worker.start()
churn(float(sys.argv[1]))
stop.set()
worker.join()
print(len(kept))
