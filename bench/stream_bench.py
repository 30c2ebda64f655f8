#!/usr/bin/env python3
"""stream_bench: stream memory and throughput, zkv against redis-server in
the same run.

Memory (the issue's shapes): the same RESP stream of XADDs (`*` IDs, one
5-byte field "field", 8-letter values) is piped into a fresh zkv and a fresh
redis-server with `redis-cli --pipe`; used_memory is read before and 1.5 s
after loading, and the delta is divided by entries.  Throughput:
redis-benchmark -P 16 -r 1000000 on XADD (appends to one stream) and on
XRANGE of 100 entries of a preloaded 100,000-entry stream; each figure is
the median of the rounds, and the ratio is zkv / redis.

Usage: bench/stream_bench.py [--zkv build/zkv-server] [--rounds 3] [--requests 1000000] [--skip-memory]
"""
import argparse
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zset_bench import benchmark, cli, encode, free_port, start, used_memory  # noqa: E402  (shared helpers)


def shape_stream(keys, entries_per_key, seed):
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    chunks = []
    for k in range(keys):
        key = "key:%012d" % k
        for _ in range(entries_per_key):
            chunks.append(encode(["XADD", key, "*", "field", "".join(rng.choice(letters) for _ in range(8))]))
    return b"".join(chunks)


SHAPES = [
    ("one stream of 1,000,000 entries", 1, 1000000, "entry", 21.0, 1.0),
    ("10,000 streams of 100 entries", 10000, 100, "entry", 43.3, 0.7),
]


def measure_shape(binary, stream_path, keys, members):
    port = free_port()
    process = start(binary, port)
    try:
        before = used_memory(port)
        with open(stream_path, "rb") as stream:
            subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=stream, capture_output=True, check=True)
        time.sleep(1.5)
        after = used_memory(port)
        encoding = cli(port, "OBJECT", "ENCODING", "key:%012d" % 0).strip()
        card = int(cli(port, "XLEN", "key:%012d" % (keys - 1)).strip())
        if card != members:
            raise RuntimeError("%s: XLEN %d, expected %d" % (binary, card, members))
        return after - before, encoding
    finally:
        process.kill()
        process.wait()


def memory(zkv, redis):
    print("| shape | Redis 7.0.15 (B) | zkv (B) | zkv / redis | target | encodings |")
    print("|---|---|---|---|---|---|")
    for name, keys, members, unit, issue_figure, target in SHAPES:
        with tempfile.NamedTemporaryFile(delete=False) as handle:
            handle.write(shape_stream(keys, members, 42))
            path = handle.name
        try:
            redis_bytes, redis_encoding = measure_shape(redis, path, keys, members)
            zkv_bytes, zkv_encoding = measure_shape(zkv, path, keys, members)
        finally:
            os.unlink(path)
        per = keys * members
        print("| %s (per %s) | %.1f | %.1f | %.2f | <= %.2f | %s / %s |" % (
            name, unit, redis_bytes / per, zkv_bytes / per, zkv_bytes / redis_bytes, target, redis_encoding,
            zkv_encoding), flush=True)


def preload(port):
    entries = 100000
    stream = b"".join(encode(["XADD", "bench:s", "*", "field", "v%07d" % i]) for i in range(entries))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=stream, capture_output=True, check=True)


TESTS = [
    ("XADD (one stream)", ["XADD", "bench:add", "*", "field", "__rand_int__"], 1.3),
    ("XRANGE - + COUNT 100", ["XRANGE", "bench:s", "-", "+", "COUNT", "100"], 1.0),
]


def throughput(zkv, redis, rounds, requests):
    results = {name: {"zkv": [], "redis": []} for name, _, _ in TESTS}
    for _ in range(rounds):
        for label, binary in (("redis", redis), ("zkv", zkv)):
            port = free_port()
            process = start(binary, port)
            try:
                preload(port)
                for name, arguments, _ in TESTS:
                    n = requests // 10 if name.startswith("XRANGE") else requests
                    results[name][label].append(benchmark(port, n, arguments))
            finally:
                process.kill()
                process.wait()
    print("| test (-P 16 -r 1000000) | Redis rps | zkv rps | zkv / redis | target |")
    print("|---|---|---|---|---|")
    for name, _, target in TESTS:
        r, z = statistics.median(results[name]["redis"]), statistics.median(results[name]["zkv"])
        print("| %s | %.0f | %.0f | %.2f | >= %.1f |" % (name, r, z, z / r, target), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default="build/zkv-server")
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=1000000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    arguments = parser.parse_args()
    if not arguments.redis or not shutil.which("redis-benchmark"):
        print("redis-server or redis-benchmark missing: skipped")
        return 77
    if not arguments.skip_memory:
        memory(arguments.zkv, arguments.redis)
    if not arguments.skip_throughput:
        throughput(arguments.zkv, arguments.redis, arguments.rounds, arguments.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
