#!/usr/bin/env python3
"""aof_crash: kill -9 while writing, then compare what was acknowledged with
what the restarted server loaded.

- Under a pipelined write load (SET of new keys and INCR of counters) with
  appendfsync everysec and always: every acknowledged SET is there and each
  counter is at least its last acknowledged value (a command may have run
  and been logged without its reply reaching the client).  kill -9 loses
  the process, not the kernel's page cache, so everysec loses nothing
  acknowledged either.
- During BGREWRITEAOF (slowed with rdb-key-save-delay so the kill lands
  inside it, at several points): the directory loads and holds every
  acknowledged write, and redis-check-aof accepts it.

Exit 0 on success, 1 on a failure.
Usage: aof_crash.py [--zkv PATH] [--rounds N]
"""
import argparse
import threading
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aof_differential import Server, encode, read_reply  # noqa: E402

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL: " + what)


def write_load(server, seconds, rng, acknowledged, counters, prefix):
    """Pipelines batches of writes for about `seconds`, recording replies."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    stream = sock.makefile("rb")
    end = time.time() + seconds
    n = 0
    try:
        while time.time() < end:
            batch = []
            for _ in range(32):
                n += 1
                if rng.random() < 0.5:
                    batch.append(("set", "%s:%d" % (prefix, n), str(n)))
                else:
                    batch.append(("incr", "counter:%d" % rng.randint(0, 9), None))
            sock.sendall(b"".join(encode(["SET", k, v]) if op == "set" else encode(["INCR", k]) for op, k, v in batch))
            for op, key, value in batch:
                reply = read_reply(stream)
                if op == "set" and reply == b"OK":
                    acknowledged[key] = value
                elif op == "incr" and isinstance(reply, int):
                    counters[key] = max(counters.get(key, 0), reply)
    except (OSError, RuntimeError):
        pass  # the server was killed under us
    sock.close()


def verify(zkv, directory, acknowledged, counters, label):
    server = Server([zkv], directory, ["--appendonly", "yes"])
    try:
        missing = [k for k, v in acknowledged.items() if server.call(["GET", k]) != v.encode()]
        behind = [k for k, v in counters.items() if int(server.call(["GET", k]) or 0) < v]
    finally:
        server.stop()
    check(not missing and not behind, "%s: %d acknowledged SETs missing, %d counters behind (of %d, %d)" % (
        label, len(missing), len(behind), len(acknowledged), len(counters)) + (" e.g. %r" % missing[:3] if missing else ""))
    return len(acknowledged)


def crash_under_load(zkv, root, policy, rounds, rng):
    directory = os.path.join(root, "load-" + policy)
    os.mkdir(directory)
    acknowledged, counters = {}, {}
    for round_number in range(rounds):
        server = Server([zkv], directory, ["--appendonly", "yes", "--appendfsync", policy])
        worker = threading.Thread(target=write_load, args=(server, 5, rng, acknowledged, counters,
                                                           "r%d" % round_number))
        worker.start()
        time.sleep(rng.uniform(0.3, 1.5))
        server.stop()  # SIGKILL
        worker.join()
        verify(zkv, directory, acknowledged, counters, "%s round %d" % (policy, round_number))
    print("%s: %d acknowledged SETs checked after %d kills" % (policy, len(acknowledged), rounds))


def crash_during_rewrite(zkv, root, rounds, rng, redis_check):
    directory = os.path.join(root, "rewrite")
    os.mkdir(directory)
    acknowledged, counters = {}, {}
    server = Server([zkv], directory, ["--appendonly", "yes"])
    server.call(["DEBUG", "POPULATE", "20000", "base"])
    server.stop()
    for round_number in range(rounds):
        server = Server([zkv], directory, ["--appendonly", "yes", "--rdb-key-save-delay", "50"])
        worker = threading.Thread(target=write_load, args=(server, 4, rng, acknowledged, counters,
                                                           "w%d" % round_number))
        worker.start()
        time.sleep(0.2)
        check(server.call(["BGREWRITEAOF"]) == b"Background append only file rewriting started",
              "BGREWRITEAOF starts")
        time.sleep(rng.uniform(0.05, 1.0))
        server.stop()
        worker.join()
        verify(zkv, directory, acknowledged, counters, "rewrite round %d" % round_number)
        if redis_check:
            result = subprocess.run([redis_check, os.path.join(directory, "appendonlydir",
                                                               "appendonly.aof.manifest")],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            check(result.returncode == 0, "redis-check-aof after a kill during rewrite: %r" %
                  result.stdout.decode(errors="replace")[-300:])
    # One rewrite allowed to finish, then a kill: the new base is used.
    server = Server([zkv], directory, ["--appendonly", "yes"])
    server.call(["BGREWRITEAOF"])
    deadline = time.time() + 60
    while b"aof_rewrite_in_progress:0" not in server.call(["INFO", "persistence"]) and time.time() < deadline:
        time.sleep(0.05)
    server.call(["SET", "after-rewrite", "1"])
    acknowledged["after-rewrite"] = "1"
    # The replaced files are deleted by the helper thread, soon after.
    deadline = time.time() + 10
    names = []
    while time.time() < deadline:
        names = os.listdir(os.path.join(directory, "appendonlydir"))
        if len([n for n in names if ".base." in n]) == 1:
            break
        time.sleep(0.05)
    server.stop()
    check(len([n for n in names if ".base." in n]) == 1, "one base file after the rewrite: %r" % names)
    verify(zkv, directory, acknowledged, counters, "after a finished rewrite")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    rng = random.Random(7)
    root = tempfile.mkdtemp(prefix="aof-crash-")
    try:
        for policy in ("everysec", "always"):
            crash_under_load(options.zkv, root, policy, options.rounds, rng)
        crash_during_rewrite(options.zkv, root, options.rounds, rng, shutil.which("redis-check-aof"))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
