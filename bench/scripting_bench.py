#!/usr/bin/env python3
"""scripting_bench: EVALSHA on zkv and redis-server 7.0.15, side by side.

    bench/scripting_bench.py [--zkv build/zkv-server] [--redis /usr/bin/redis-server]
                             [--rounds 3] [--requests 200000]

Two scripts, loaded with SCRIPT LOAD: one command (`return
redis.call('GET', KEYS[1])`) and ten string/keyspace commands.  Each is
driven by redis-benchmark at -P 1 and -P 16 (50 clients) against both
servers, started alike and alternating per round.  Per run: throughput
(redis-benchmark's rps) and the server's CPU time per call (utime+stime
from /proc/<pid>/stat around the run).  The summary gives zkv's and
redis's medians and their ratio.  Servers are stopped by PID on exit.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ONE = "return redis.call('GET', KEYS[1])"
TEN = """local v = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
redis.call('GET', KEYS[2])
redis.call('EXISTS', KEYS[1])
redis.call('STRLEN', KEYS[1])
redis.call('TTL', KEYS[1])
redis.call('TYPE', KEYS[1])
redis.call('GETRANGE', KEYS[1], 0, 2)
return redis.call('DEL', KEYS[3])"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Servers run in an empty directory of their own: a dump.rdb left in the
# working directory would otherwise be loaded (answering -LOADING meanwhile).
SERVER_DIRECTORY = tempfile.TemporaryDirectory(prefix="zkv-bench.")


def start(binary, port):
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                "no", "--dir", SERVER_DIRECTORY.name],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("could not start " + binary)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli(port, *arguments):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(arguments), capture_output=True, text=True,
                          check=True).stdout.strip()


def run(port, pid, sha, keys, pipeline, requests):
    command = ["redis-benchmark", "-p", str(port), "-n", str(requests), "-c", "50", "-P", str(pipeline), "-q",
               "EVALSHA", sha, str(len(keys))] + keys + ["value"]
    before = cpu_seconds(pid)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    used = cpu_seconds(pid) - before
    rps = float(re.findall(r"([0-9.]+) requests per second", out)[-1])
    return rps, used / requests * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.path.join(os.path.dirname(__file__), "..", "build", "zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200000)
    options = parser.parse_args()
    servers = {}
    try:
        for name, binary in (("zkv", options.zkv), ("redis", options.redis)):
            port = free_port()
            servers[name] = (port, start(binary, port))
        results = {}
        for name, (port, process) in servers.items():
            cli(port, "SET", "k1", "hello world")
            shas = {"1 command": (cli(port, "SCRIPT", "LOAD", ONE), ["k1"]),
                    "10 commands": (cli(port, "SCRIPT", "LOAD", TEN), ["k1", "counter", "tmp"])}
            servers[name] = (port, process, shas)
        for _ in range(options.rounds):
            for script in ("1 command", "10 commands"):
                for pipeline in (1, 16):
                    for name in ("zkv", "redis"):
                        port, process, shas = servers[name]
                        sha, keys = shas[script]
                        rps, cpu_us = run(port, process.pid, sha, keys, pipeline, options.requests)
                        results.setdefault((script, pipeline, name), []).append((rps, cpu_us))
        print("%-12s %-4s %12s %12s %7s %14s %14s %7s" % ("script", "-P", "zkv rps", "redis rps", "ratio",
                                                         "zkv cpu us", "redis cpu us", "ratio"))
        for script in ("1 command", "10 commands"):
            for pipeline in (1, 16):
                zkv = results[(script, pipeline, "zkv")]
                redis = results[(script, pipeline, "redis")]
                zr, rr = statistics.median(r for r, _ in zkv), statistics.median(r for r, _ in redis)
                zc, rc = statistics.median(c for _, c in zkv), statistics.median(c for _, c in redis)
                print("%-12s %-4d %12.0f %12.0f %7.2f %14.2f %14.2f %7.2f" % (script, pipeline, zr, rr, zr / rr,
                                                                           zc, rc, zc / rc))
    finally:
        for entry in servers.values():
            entry[1].terminate()
            entry[1].wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
