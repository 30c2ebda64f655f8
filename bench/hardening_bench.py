#!/usr/bin/env python3
"""hardening_bench: issue 21's figures (items 3, 4, 6 and 9), zkv next to
redis-server from one run.  Each scenario runs on a fresh redis-server, then
on a fresh zkv, alternately, with the same requests:

 3  busy client: one client sends a 5 MB MSET of 100,000 pairs (10-byte
    keys, 30-byte values), FLUSHALL SYNC, then PING every 200 ms; used_memory
    above the baseline (read before the MSET by a second client) after 5 s.
 4a maxmemory 18mb, allkeys-lru: 10,000 SETs of 1 KB (pipelined by 100);
    the keys kept (DBSIZE).  Redis needs ~12 MB for them: none should go.
 4b maxmemory 107mb, allkeys-lru: 1,000,000 SETs (3-byte values, pipelined
    by 10,000) from a loader that stays connected; CONFIG SET maxmemory 10mb,
    the keys kept once eviction stops (DBSIZE still for 1 s); then the loader's SET, FLUSHALL, and SET again (a database
    with nothing left to evict must accept writes).
 6  memory back to the system: a client queues ~100 MB of replies it never
    reads (100 GETRANGEs of a 1 MB value), used_memory is seen to hold them,
    the client leaves; seconds until the server's RSS (/proc) is within 10 MB
    of its RSS before, on an idle server (60 s at most).
 9  latency while loading: build/bench/pinger sends PING every 1 ms while
    build/bench/loadgen sets 4,000,000 keys (3-byte values); the longest PING
    and the p99.9, median of the rounds (redis and zkv alternate each round).

Timing figures depend on the machine's load (it is shared: the load average
is printed before and after); memory figures and key counts do not.

Usage: bench/hardening_bench.py [--zkv build/zkv-server] [--tools-dir build/bench] [--rounds 5]
                                [--scenarios 3,4,6,9]
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zset_bench import encode, free_port  # noqa: E402  (shared helpers)


class Connection:
    """A blocking RESP2 client: no library, so nothing hides what is sent."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.reader = self.sock.makefile("rb")

    def send(self, data):
        self.sock.sendall(data)

    def reply(self):
        line = self.reader.readline()
        if not line:
            raise ConnectionError("closed")
        kind, rest = line[:1], line[1:-2]
        if kind in (b"+", b"-"):
            return (kind + rest).decode()
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            return None if length < 0 else self.reader.read(length + 2)[:-2]
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self.reply() for _ in range(count)]
        raise ValueError("bad reply %r" % line)

    def call(self, *arguments):
        self.send(encode([str(a) for a in arguments]))
        return self.reply()

    def close(self):
        self.reader.close()
        self.sock.close()


def start(binary, *extra):
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"] + list(extra),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("could not start " + binary)


def stop(process):
    process.kill()
    process.wait()


def info_field(connection, section, field):
    text = connection.call("INFO", section).decode()
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split(":")[1])
    raise RuntimeError("no " + field)


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def pipeline(connection, commands):
    connection.send(b"".join(commands))
    return [connection.reply() for _ in commands]


# ---- item 3


def busy_client(binary):
    process, port = start(binary)
    try:
        client, observer = Connection(port), Connection(port)
        base = info_field(observer, "memory", "used_memory")
        arguments = ["MSET"]
        for i in range(100000):
            arguments += ["key:%06d" % i, "v" * 30]
        assert client.call(*arguments) == "+OK"
        assert client.call("FLUSHALL", "SYNC") == "+OK"
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            assert client.call("PING") == "+PONG"
            time.sleep(0.2)
        return info_field(observer, "memory", "used_memory") - base
    finally:
        stop(process)


# ---- item 4


def kept_under_18mb(binary):
    process, port = start(binary, "--maxmemory", "18mb", "--maxmemory-policy", "allkeys-lru")
    try:
        client = Connection(port)
        value = "x" * 1024
        for start_id in range(0, 10000, 100):
            replies = pipeline(client, [encode(["SET", "key:%06d" % i, value])
                                        for i in range(start_id, start_id + 100)])
            assert all(r == "+OK" for r in replies), replies[:3]
        return client.call("DBSIZE")
    finally:
        stop(process)


def lowered_maxmemory(binary):
    process, port = start(binary, "--maxmemory", "107mb", "--maxmemory-policy", "allkeys-lru")
    try:
        loader, admin = Connection(port), Connection(port)
        for start_id in range(0, 1000000, 10000):
            replies = pipeline(loader, [encode(["SET", "key:%07d" % i, "abc"])
                                        for i in range(start_id, start_id + 10000)])
            errors = [r for r in replies if r != "+OK"]
            if errors:
                raise RuntimeError("load refused: %s" % errors[0])
        loaded = admin.call("DBSIZE")
        assert admin.call("CONFIG", "SET", "maxmemory", "10mb") == "+OK"
        # Both evict in time-bounded steps (Redis from a timer after CONFIG
        # SET, then per command): the count once it holds still for 1 s.
        kept, still_since, deadline = admin.call("DBSIZE"), time.monotonic(), time.monotonic() + 30
        while time.monotonic() - still_since < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
            now = admin.call("DBSIZE")
            if now != kept:
                kept, still_since = now, time.monotonic()
        set_after = loader.call("SET", "after", "x")
        assert admin.call("FLUSHALL") == "+OK"
        set_after_flush = loader.call("SET", "after-flush", "x")
        return loaded, kept, set_after, set_after_flush
    finally:
        stop(process)


# ---- item 6


def rss_return_seconds(binary, limit=60.0):
    process, port = start(binary)
    try:
        admin = Connection(port)
        assert admin.call("SET", "big", "v" * (1 << 20)) == "+OK"
        time.sleep(1)
        base_rss = rss_bytes(process.pid)
        base_used = info_field(admin, "memory", "used_memory")
        reader = Connection(port)
        reader.send(encode(["GETRANGE", "big", "0", "-1"]) * 100)
        held = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until ~90 MB wait in its output buffer
            held = info_field(admin, "memory", "used_memory") - base_used
            if held > 90 << 20:
                break
            time.sleep(0.1)
        peak_rss = rss_bytes(process.pid)
        reader.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        reader.close()  # reset: the unsent replies are dropped
        left = time.monotonic()
        while time.monotonic() - left < limit:
            if rss_bytes(process.pid) <= base_rss + (10 << 20):
                return time.monotonic() - left, base_rss, peak_rss, held
            time.sleep(0.1)
        return None, base_rss, peak_rss, held
    finally:
        stop(process)


# ---- item 9


def loading_latency(binary, tools, keys):
    process, port = start(binary)
    try:
        with tempfile.NamedTemporaryFile(suffix=".txt") as out:
            pinger = subprocess.Popen([os.path.join(tools, "pinger"), "--port", str(port), "--out", out.name,
                                       "--interval-us", "1000", "--max-secs", "600"],
                                      stdout=subprocess.PIPE, text=True)
            time.sleep(0.5)
            subprocess.run([os.path.join(tools, "loadgen"), "set", "--port", str(port), "--count", str(keys),
                            "--size", "3"], check=True, capture_output=True)
            time.sleep(0.2)
            pinger.send_signal(signal.SIGTERM)
            summary = pinger.communicate(timeout=60)[0]
        fields = dict(item.split("=") for item in summary.split() if "=" in item)
        return float(fields["max_us"]) / 1000, float(fields["p999_us"]) / 1000
    finally:
        stop(process)


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def row(item, measure, redis_value, zkv_value, ratio=True):
    shown = "%.2f" % (zkv_value / redis_value) if ratio and redis_value else "-"
    print("| %s | %s | %s | %s | %s |" % (item, measure, redis_value, zkv_value, shown), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default="build/zkv-server")
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--tools-dir", default="build/bench")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keys", type=int, default=4000000)
    parser.add_argument("--scenarios", default="3,4,6,9")
    arguments = parser.parse_args()
    if not arguments.redis:
        print("redis-server missing: skipped")
        return 77
    chosen = set(arguments.scenarios.split(","))
    servers = (("redis", arguments.redis), ("zkv", arguments.zkv))
    print("load average before: %s" % load_average())
    print("| item | measure | Redis 7.0.15 | zkv | zkv / redis |")
    print("|---|---|---|---|---|")
    if "3" in chosen:
        held = {label: busy_client(binary) for label, binary in servers}
        row(3, "used_memory above baseline 5 s after a 5 MB MSET + FLUSHALL, PING every 200 ms (KB)",
            round(held["redis"] / 1024, 1), round(held["zkv"] / 1024, 1))
    if "4" in chosen:
        kept = {label: kept_under_18mb(binary) for label, binary in servers}
        row(4, "keys kept of 10,000 x 1 KB SETs, maxmemory 18mb allkeys-lru", kept["redis"], kept["zkv"])
        lowered = {label: lowered_maxmemory(binary) for label, binary in servers}
        row(4, "keys loaded of 1,000,000 under maxmemory 107mb", lowered["redis"][0], lowered["zkv"][0])
        row(4, "keys kept after CONFIG SET maxmemory 10mb (loader connected)", lowered["redis"][1],
            lowered["zkv"][1])
        row(4, "the loader's SET then", lowered["redis"][2], lowered["zkv"][2], ratio=False)
        row(4, "the loader's SET after FLUSHALL", lowered["redis"][3], lowered["zkv"][3], ratio=False)
    if "6" in chosen:
        back = {label: rss_return_seconds(binary) for label, binary in servers}
        for label in ("redis", "zkv"):
            seconds, base, peak, held = back[label]
            print("  %s: RSS %.1f MB before, %.1f MB with %.1f MB of unsent replies" % (
                label, base / 2**20, peak / 2**20, held / 2**20))
        shown = {label: (round(back[label][0], 1) if back[label][0] is not None else "> 60") for label in back}
        both = all(back[label][0] is not None for label in back)
        row(6, "seconds until RSS is within 10 MB of before, after a client with ~100 MB of unsent replies leaves",
            shown["redis"], shown["zkv"], ratio=both)
    if "9" in chosen:
        results = {"redis": [], "zkv": []}
        for _ in range(arguments.rounds):
            for label, binary in servers:
                results[label].append(loading_latency(binary, arguments.tools_dir, arguments.keys))
        for label in ("redis", "zkv"):
            print("  %s rounds (max ms, p99.9 ms): %s" % (
                label, ", ".join("(%.1f, %.1f)" % pair for pair in results[label])))
        median_max = {label: statistics.median(r[0] for r in results[label]) for label in results}
        median_p999 = {label: statistics.median(r[1] for r in results[label]) for label in results}
        row(9, "longest PING (ms) while loading %d keys, median of %d rounds" % (arguments.keys, arguments.rounds),
            round(median_max["redis"], 1), round(median_max["zkv"], 1))
        row(9, "p99.9 PING (ms), median of the rounds", round(median_p999["redis"], 2),
            round(median_p999["zkv"], 2))
    print("load average after: %s" % load_average())
    return 0


if __name__ == "__main__":
    sys.exit(main())
