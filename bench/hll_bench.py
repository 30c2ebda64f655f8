#!/usr/bin/env python3
"""hll_bench: HyperLogLog memory and throughput, zkv against redis-server in
the same run.

Memory: the same RESP stream (PFADD of 100 distinct 12-byte elements per
key, or 5,000 for the dense shape) is piped into a fresh zkv and a fresh
redis-server with `redis-cli --pipe`; used_memory is read before and 1.5 s
after loading, and the delta is divided by keys.  Both hold the same bytes
(the values are Redis's HLL strings); the difference is how each stores a
string of a few hundred bytes (Redis: an sds grown greedily by PFADD's
sdsMakeRoomFor, zkv: the exact length).  Throughput: redis-benchmark -P 16
on PFADD into 10,000 sparse keys, PFADD into one dense key, PFCOUNT of one
key and of three keys (the union path), the median of the rounds; the ratio
is zkv / redis.

Usage: bench/hll_bench.py [--zkv build/zkv-server] [--rounds 3] [--requests 1000000]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zset_bench import cli, encode, free_port, start, used_memory  # noqa: E402  (shared helpers)


def shape_stream(keys, elements_per_key):
    chunks = []
    for k in range(keys):
        arguments = ["PFADD", "key:%012d" % k] + ["el:%09d" % (k * 7919 + i) for i in range(elements_per_key)]
        chunks.append(encode(arguments))
    return b"".join(chunks)


SHAPES = [
    ("10,000 sparse HLLs of 100 elements", 10000, 100),
    ("1,000 dense HLLs of 5,000 elements", 1000, 5000),
]


def measure_shape(binary, stream_path, keys):
    port = free_port()
    process = start(binary, port)
    try:
        before = used_memory(port)
        with open(stream_path, "rb") as stream:
            subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=stream, capture_output=True, check=True)
        time.sleep(1.5)
        after = used_memory(port)
        encoding = cli(port, "PFDEBUG", "ENCODING", "key:%012d" % 0).strip()
        count = int(cli(port, "PFCOUNT", "key:%012d" % (keys - 1)).strip())
        return after - before, encoding, count
    finally:
        process.kill()
        process.wait()


def memory(zkv, redis):
    print("| shape | Redis 7.0.15 (B/key) | zkv (B/key) | zkv / redis | encoding | PFCOUNT of the last key |")
    print("|---|---|---|---|---|---|")
    for name, keys, elements in SHAPES:
        with tempfile.NamedTemporaryFile(delete=False) as handle:
            handle.write(shape_stream(keys, elements))
            path = handle.name
        try:
            redis_bytes, redis_encoding, redis_count = measure_shape(redis, path, keys)
            zkv_bytes, zkv_encoding, zkv_count = measure_shape(zkv, path, keys)
        finally:
            os.unlink(path)
        if redis_count != zkv_count or redis_encoding != zkv_encoding:
            raise RuntimeError("%s: redis %s/%d, zkv %s/%d" % (name, redis_encoding, redis_count, zkv_encoding,
                                                             zkv_count))
        print("| %s | %.1f | %.1f | %.2f | %s | %d |" % (name, redis_bytes / keys, zkv_bytes / keys,
                                                        zkv_bytes / redis_bytes, zkv_encoding, zkv_count), flush=True)


def benchmark(port, requests, random_range, arguments):
    output = subprocess.run(["redis-benchmark", "-p", str(port), "-P", "16", "-r", str(random_range), "-n",
                             str(requests), "-c", "50", "--csv"] + arguments, capture_output=True, text=True,
                            check=True).stdout
    lines = [line for line in output.splitlines() if line and not line.startswith('"test"')]
    return float(lines[-1].split(",")[1].strip('"'))


def preload(port):
    for key in ("bench:a", "bench:b", "bench:dense"):
        stream = b"".join(encode(["PFADD", key] + ["%s:%d" % (key, i) for i in range(start, start + 1000)])
                          for start in range(0, 20000, 1000))
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=stream, capture_output=True, check=True)


TESTS = [
    ("PFADD into 10,000 sparse keys", 10000, ["PFADD", "hll:__rand_int__", "e:__rand_int__"]),
    ("PFADD into one dense key", 1000000, ["PFADD", "bench:dense", "e:__rand_int__"]),
    ("PFCOUNT of one key", 1000000, ["PFCOUNT", "bench:a"]),
    ("PFCOUNT of three keys", 1000000, ["PFCOUNT", "bench:a", "bench:b", "bench:dense"]),
]


def throughput(zkv, redis, rounds, requests):
    results = {name: {"zkv": [], "redis": []} for name, _, _ in TESTS}
    for _ in range(rounds):
        for label, binary in (("redis", redis), ("zkv", zkv)):
            port = free_port()
            process = start(binary, port)
            try:
                preload(port)
                for name, random_range, arguments in TESTS:
                    n = requests // 20 if "three" in name else requests
                    results[name][label].append(benchmark(port, n, random_range, arguments))
            finally:
                process.kill()
                process.wait()
    print("| test (-P 16) | Redis rps | zkv rps | zkv / redis |")
    print("|---|---|---|---|")
    for name, _, _ in TESTS:
        r, z = statistics.median(results[name]["redis"]), statistics.median(results[name]["zkv"])
        print("| %s | %.0f | %.0f | %.2f |" % (name, r, z, z / r), flush=True)


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
