#!/usr/bin/env python3
"""collections_bench: issue 14's hash and set figures, zkv next to
redis-server in one run (same machine, same moment, alternating).

Memory: for each shape of the issue's table the collections are loaded
through pipelined variadic commands and the growth of INFO used_memory is
divided by the elements (or keys): the method of
/work/shared/reference/collections.md.  Throughput: redis-benchmark
(`-t hset,sadd,spop -r 1000000 -P 16`, HGETALL of 100-field hashes, SINTER of
two 10,000-member sets) with the server's CPU time per request read from
/proc/<pid>/stat around each run.  Every figure is printed with zkv / redis.

Usage: bench/collections_bench.py [--zkv build/zkv-server] [--redis PATH]
                                  [--scale 1.0] [--skip-memory] [--skip-throughput]
"""
import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf("SC_CLK_TCK")


# Servers run in an empty directory of their own: a dump.rdb left in the
# working directory would otherwise be loaded (answering -LOADING meanwhile).
SERVER_DIRECTORY = tempfile.TemporaryDirectory(prefix="zkv-bench.")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, name, argv):
        self.name, self.port = name, free_port()
        self.process = subprocess.Popen(argv + ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                                "--appendonly", "no", "--dir", SERVER_DIRECTORY.name],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port))
                break
            except OSError:
                time.sleep(0.05)
        self.stream = self.sock.makefile("rb")

    def stop(self):
        self.process.kill()
        self.process.wait()

    def pipeline(self, commands):
        out = bytearray()
        for arguments in commands:
            out += b"*%d\r\n" % len(arguments)
            for a in arguments:
                data = a if isinstance(a, bytes) else str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(out)
        for _ in commands:
            self.read()

    def read(self):
        line = self.stream.readline()
        kind = line[:1]
        if kind == b"$":
            n = int(line[1:-2])
            return line if n < 0 else self.stream.read(n + 2)[:-2]
        if kind in (b"*", b"~", b"%"):
            return [self.read() for _ in range(int(line[1:-2]) * (2 if kind == b"%" else 1))]
        if kind == b"-":
            raise RuntimeError("%s: %s" % (self.name, line))
        return line

    def call(self, *arguments):
        self.pipeline([arguments])
        return None

    def used_memory(self):
        self.sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")
        text = self.read().decode()
        return int(re.search(r"used_memory:(\d+)", text).group(1))

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.process.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS


def letters(rng, n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def batched(commands, size=1000):
    for i in range(0, len(commands), size):
        yield commands[i:i + size]


def shapes(scale):
    s = lambda n: max(1, int(n * scale))
    rng = random.Random(14)

    def many_small_hashes():
        keys = s(1000000)
        cmds = [["HSET", "key:%012d" % i] + [x for f in range(1, 6) for x in ("f%d" % f, letters(rng, 8))]
                for i in range(keys)]
        return cmds, keys

    def big_hash():
        n = s(1000000)
        cmds = [["HSET", "bighash"] + [x for i in range(j, min(j + 1000, n)) for x in ("f:%08d" % i, letters(rng, 8))]
                for j in range(0, n, 1000)]
        return cmds, n

    def hashes_513():
        keys = s(2000)
        cmds = [["HSET", "key:%012d" % k] + [x for f in range(513) for x in ("f:%08d" % f, letters(rng, 8))]
                for k in range(keys)]
        return cmds, keys * 513

    def big_set():
        n = s(1000000)
        members = ["m:" + letters(rng, 14) for _ in range(n)]
        return [["SADD", "bigset"] + members[j:j + 1000] for j in range(0, n, 1000)], len(set(members))

    def sets_100():
        keys = s(10000)
        return [["SADD", "key:%012d" % k] + ["m:" + letters(rng, 14) for _ in range(100)]
                for k in range(keys)], keys * 100

    def integer_set():
        n = s(1000000)
        return [["SADD", "intset"] + [str(i) for i in range(j, min(j + 1000, n))] for j in range(0, n, 1000)], n

    def intsets_500():
        keys = s(2000)
        return [["SADD", "key:%012d" % k] + [str(v) for v in rng.sample(range(32768), 500)]
                for k in range(keys)], keys * 500

    return [
        ("1M keys x hash of 5 small fields (per key)", many_small_hashes, 168.5, 0.60),
        ("one hash of 1M fields (per field)", big_hash, 72.5, 0.55),
        ("2K hashes of 513 fields (per field)", hashes_513, 80.4, 0.50),
        ("one set of 1M 16-byte members (per member)", big_set, 71.4, 0.50),
        ("10K sets of 100 16-byte members (per member)", sets_100, 75.9, 0.50),
        ("one set of the integers 0..999,999 (per member)", integer_set, 48.5, 0.25),
        ("2K sets of 500 small integers (per member)", intsets_500, 2.3, 1.0),
    ]


def memory(servers, scale):
    print("%-50s %9s %9s %7s %7s" % ("memory shape", "zkv B", "redis B", "ratio", "target"))
    for title, make, _, target in shapes(scale):
        cmds, elements = make()
        figures = {}
        for server in servers:
            server.call("FLUSHALL")
            time.sleep(1.0)
            before = server.used_memory()
            for batch in batched(cmds, 200):
                server.pipeline(batch)
            time.sleep(1.5)
            figures[server.name] = (server.used_memory() - before) / elements
        ratio = figures["zkv"] / figures["redis"]
        print("%-50s %9.1f %9.1f %7.3f %7s %s" % (title, figures["zkv"], figures["redis"], ratio,
                                                   "<=%.2f" % target, "ok" if ratio <= target else "MISSED"),
              flush=True)


def benchmark(server, arguments):
    before = server.cpu_seconds()
    out = subprocess.run(["redis-benchmark", "-p", str(server.port), "--csv"] + arguments,
                         capture_output=True, text=True, timeout=600).stdout
    cpu = server.cpu_seconds() - before
    rows = [line.split(",") for line in out.splitlines()[1:] if line.strip()]
    return {row[0].strip('"'): (float(row[1].strip('"')), cpu) for row in rows}


def throughput(servers, requests, rounds):
    print("%-34s %12s %12s %7s %12s" % ("throughput (median of %d)" % rounds, "zkv rps", "redis rps",
                                        "ratio", "CPU/req ratio"))
    runs = [
        ("-t hset,sadd,spop -r 1000000 -P 16", ["-t", "hset,sadd,spop", "-r", "1000000", "-P", "16",
                                                 "-n", str(requests)], None),
        ("HGETALL 100-field hashes -P 16", ["-r", "1000", "-P", "16", "-n", str(requests // 4),
                                            "HGETALL", "hk:__rand_int__"], "hgetall"),
        ("SINTER two 10,000-member sets", ["-n", str(max(200, requests // 500)), "SINTER", "sa", "sb"], "sinter"),
    ]
    rng = random.Random(7)
    for title, arguments, setup in runs:
        results = {}
        for server in servers:
            server.call("FLUSHALL")
            if setup == "hgetall":
                for batch in batched([["HSET", "hk:%012d" % k] + [x for f in range(100) for x in ("f:%08d" % f, letters(rng, 8))]
                                      for k in range(1000)], 100):
                    server.pipeline(batch)
            if setup == "sinter":
                common = ["m:%014d" % i for i in range(5000)]
                server.pipeline([["SADD", "sa"] + common + ["a:%014d" % i for i in range(5000)],
                                 ["SADD", "sb"] + common + ["b:%014d" % i for i in range(5000)]])
        for _ in range(rounds):
            for server in servers:
                for test, figures in benchmark(server, arguments).items():
                    results.setdefault((test, server.name), []).append(figures)
        tests = sorted({test for test, _ in results})
        for test in tests:
            med = lambda xs: sorted(xs)[len(xs) // 2]
            z = results[(test, "zkv")]
            r = results[(test, "redis")]
            zkv_rps, redis_rps = med([x[0] for x in z]), med([x[0] for x in r])
            zkv_cpu = med([x[1] for x in z]) / (requests if setup is None else 1)
            redis_cpu = med([x[1] for x in r]) / (requests if setup is None else 1)
            name = (title + ": " + test) if setup is None else title
            print("%-34s %12.0f %12.0f %7.2f %12.2f" % (name[:60], zkv_rps, redis_rps, zkv_rps / redis_rps,
                                                       zkv_cpu / redis_cpu if redis_cpu else float("nan")),
                  flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--zkv", default="build/zkv-server")
    p.add_argument("--redis", default=shutil.which("redis-server"))
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--requests", type=int, default=1000000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--skip-throughput", action="store_true")
    args = p.parse_args()
    servers = [Server("zkv", [args.zkv]), Server("redis", [args.redis])]
    try:
        if not args.skip_memory:
            memory(servers, args.scale)
        if not args.skip_throughput:
            throughput(servers, args.requests, args.rounds)
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
