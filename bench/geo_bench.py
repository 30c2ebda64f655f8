#!/usr/bin/env python3
"""geo_bench: GEO throughput, zkv against redis-server in the same run.

Both servers get the same 100,000 points (GEOADD in batches of 1,000, spread
over about 0.2 degrees around one city, so a 1 km search finds tens of
points), then redis-benchmark -P 16 runs GEOADD into a growing set, GEOPOS,
GEODIST, GEOSEARCH BYRADIUS 1 km COUNT 10 ASC and GEOSEARCH BYBOX 2x2 km
WITHDIST, each the median of the rounds; the ratio is zkv / redis.  GEO
values are sorted sets, so their memory is bench/zset_bench.py's.

Usage: bench/geo_bench.py [--zkv build/zkv-server] [--rounds 3] [--requests 200000]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zset_bench import encode, free_port, start  # noqa: E402  (shared helpers)


def preload(port):
    import random
    rng = random.Random(7)
    chunks = []
    for start_index in range(0, 100000, 1000):
        arguments = ["GEOADD", "bench:geo"]
        for i in range(start_index, start_index + 1000):
            arguments += ["%.6f" % (13.3 + rng.random() * 0.2), "%.6f" % (38.0 + rng.random() * 0.2), "p:%012d" % i]
        chunks.append(encode(arguments))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=b"".join(chunks), capture_output=True,
                   check=True)


def benchmark(port, requests, arguments):
    output = subprocess.run(["redis-benchmark", "-p", str(port), "-P", "16", "-r", "100000", "-n", str(requests),
                             "-c", "50", "--csv"] + arguments, capture_output=True, text=True, check=True).stdout
    lines = [line for line in output.splitlines() if line and not line.startswith('"test"')]
    return float(lines[-1].split(",")[1].strip('"'))


TESTS = [
    ("GEOADD", ["GEOADD", "bench:new", "13.361389", "38.115556", "m:__rand_int__"]),
    ("GEOPOS", ["GEOPOS", "bench:geo", "p:__rand_int__"]),
    ("GEODIST", ["GEODIST", "bench:geo", "p:000000000001", "p:__rand_int__", "km"]),
    ("GEOSEARCH BYRADIUS 1 km COUNT 10 ASC", ["GEOSEARCH", "bench:geo", "FROMLONLAT", "13.4", "38.1", "BYRADIUS",
                                               "1", "km", "COUNT", "10", "ASC"]),
    ("GEOSEARCH BYBOX 2 2 km WITHDIST", ["GEOSEARCH", "bench:geo", "FROMLONLAT", "13.4", "38.1", "BYBOX", "2", "2",
                                          "km", "WITHDIST"]),
]


def throughput(zkv, redis, rounds, requests):
    results = {name: {"zkv": [], "redis": []} for name, _ in TESTS}
    for _ in range(rounds):
        for label, binary in (("redis", redis), ("zkv", zkv)):
            port = free_port()
            process = start(binary, port)
            try:
                preload(port)
                for name, arguments in TESTS:
                    n = requests // 10 if name.startswith("GEOSEARCH") else requests
                    results[name][label].append(benchmark(port, n, arguments))
            finally:
                process.kill()
                process.wait()
    print("| test (-P 16) | Redis rps | zkv rps | zkv / redis |")
    print("|---|---|---|---|")
    for name, _ in TESTS:
        r, z = statistics.median(results[name]["redis"]), statistics.median(results[name]["zkv"])
        print("| %s | %.0f | %.0f | %.2f |" % (name, r, z, z / r), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default="build/zkv-server")
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200000)
    arguments = parser.parse_args()
    if not arguments.redis or not shutil.which("redis-benchmark"):
        print("redis-server or redis-benchmark missing: skipped")
        return 77
    throughput(arguments.zkv, arguments.redis, arguments.rounds, arguments.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
