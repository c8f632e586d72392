"""measure - run one program once and measure it.

The program runs under GNU time (/usr/bin/time -f '%M %U %S' -o FILE) through
env, which puts the allocator in (LD_PRELOAD=<lib>, nothing for glibc), so
only the measured program gets the library: a 64-bit helper never gets a
32-bit one. Why not fork from Python and take os.wait4's rusage: the kernel
keeps the larger of the old and the new image's peak RSS across exec, so a
program started straight from this process would report Python's own RSS
(about 20 MiB) as its peak when its own is smaller; GNU time and env are
small. stdout and stderr go to files. Peak RSS (%M, KiB) and CPU time (user
+ system) are those of the program; wall time is taken here, around the
whole start and wait (the same few milliseconds of start-up for every
allocator).

The environment is the caller's without anything that would change what is
measured (LD_PRELOAD, MALLARD_*, PYTHON*, LUA_*), plus what the benchmark
sets.
"""

import os
import signal
import subprocess
import tempfile
import threading
import time

DROP_PREFIXES = ("MALLARD_", "PYTHON", "LUA_")
DROP_NAMES = ("LD_PRELOAD",)


def base_env():
    """os.environ without what would change the measurement."""
    return {k: v for k, v in os.environ.items()
            if k not in DROP_NAMES and not k.startswith(DROP_PREFIXES)}


class Result:
    """One run: rc (the program's exit status, as GNU time passes it on),
    wall_s, cpu_s, maxrss_kib, out and err (text), failure (None, or why
    the run does not count)."""

    def __init__(self):
        self.rc = None
        self.wall_s = self.cpu_s = 0.0
        self.maxrss_kib = 0
        self.out = self.err = ""
        self.failure = None

    def kv(self):
        """The "key value" lines of stdout as a dict (last one wins)."""
        d = {}
        for line in self.out.splitlines():
            parts = line.split()
            if len(parts) == 2:
                d[parts[0]] = parts[1]
        return d


TIME = "/usr/bin/time"
ENV = "/usr/bin/env"


def check_tools():
    """None, or why runs cannot be measured."""
    for p, pkg in ((TIME, "time"), (ENV, "coreutils")):
        if not os.access(p, os.X_OK):
            return f"{p} not found (Debian package '{pkg}')"
    return None


def run(argv, env_extra, lib, log_path, timeout_s):
    """Run ARGV with the allocator LIB preloaded ('' for none) and
    ENV_EXTRA added; append the command and its output to LOG_PATH."""
    env = base_env()
    env.update(env_extra)
    res = Result()
    with tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr, \
            tempfile.NamedTemporaryFile(mode="r") as ftime:
        cmd = [TIME, "-f", "%M %U %S", "-o", ftime.name, ENV]
        if lib:
            cmd.append(f"LD_PRELOAD={lib}")
        cmd += argv
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=fout, stderr=ferr,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        killed = []

        def kill():
            killed.append(True)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
        timer = threading.Timer(timeout_s, kill)
        timer.start()
        try:
            rc = p.wait()
        except KeyboardInterrupt:
            kill()
            p.wait()
            raise
        finally:
            timer.cancel()
        res.wall_s = time.perf_counter() - t0
        res.rc = rc
        fout.seek(0)
        ferr.seek(0)
        res.out = fout.read().decode("utf-8", "replace")
        res.err = ferr.read().decode("utf-8", "replace")
        tlines = ftime.read().splitlines()
    try:
        kib, user, sys_ = tlines[-1].split()
        res.maxrss_kib = int(kib)
        res.cpu_s = float(user) + float(sys_)
    except (IndexError, ValueError):
        res.failure = "no figures from " + TIME
    if killed:
        res.failure = f"killed after {timeout_s:.0f} s"
    elif rc == 127 and "No such file" in res.err:
        res.failure = f"cannot start {argv[0]}"
    elif rc != 0:
        res.failure = f"exit status {rc}"
    elif lib and "cannot be preloaded" in res.err:
        res.failure = f"{lib} was not preloaded"
    _log(log_path, argv, env_extra, lib, res)
    return res


def _log(path, argv, env_extra, lib, res):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    env = dict(env_extra)
    if lib:
        env["LD_PRELOAD"] = lib
    with open(path, "a") as f:
        f.write("### " + " ".join(f"{k}={v}" for k, v in env.items()) + " "
                + " ".join(argv) + "\n")
        f.write(res.out)
        if res.err:
            f.write("### stderr\n" + res.err)
        f.write(f"### rc {res.rc} wall {res.wall_s:.3f} s cpu {res.cpu_s:.3f} s "
                f"maxrss {res.maxrss_kib} KiB"
                + (f" FAILED: {res.failure}" if res.failure else "") + "\n")
