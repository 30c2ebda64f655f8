#!/usr/bin/env python3
"""zset_bench: sorted-set memory and throughput, zkv against redis-server in
the same run.

Memory: for each shape the same RESP stream (16-byte members "m:" + 14
letters, scores repr(random()*1000), ZADD with up to 1000 pairs) is piped
into a fresh zkv and a fresh redis-server with `redis-cli --pipe`;
used_memory is read before and 1.5 s after loading, and the delta is
divided by members (or keys).  Throughput: redis-benchmark -P 16 -r 1000000
on ZADD and ZPOPMIN (its built-in tests), ZRANGE 0 99 WITHSCORES and ZRANK
on a preloaded set of 100,000 members; each figure is the median of the
rounds, and the ratio is zkv / redis.

Usage: bench/zset_bench.py [--zkv build/zkv-server] [--rounds 3] [--requests 1000000] [--skip-memory]
"""
import argparse
import os
import random
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Servers run in an empty directory of their own: a dump.rdb left in the
# working directory would otherwise be loaded (answering -LOADING meanwhile).
SERVER_DIRECTORY = tempfile.TemporaryDirectory(prefix="zkv-bench.")


def start(binary, port):
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", SERVER_DIRECTORY.name],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("could not start " + binary)


def cli(port, *arguments):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(arguments), capture_output=True,
                          text=True, check=True).stdout


def used_memory(port):
    for line in cli(port, "INFO", "memory").splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    raise RuntimeError("no used_memory")


def encode(arguments):
    out = [b"*%d\r\n" % len(arguments)]
    for argument in arguments:
        data = argument.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def shape_stream(keys, members_per_key, seed):
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    chunks = []
    for k in range(keys):
        key = "key:%012d" % k
        left = members_per_key
        while left:
            batch = min(left, 1000)
            arguments = ["ZADD", key]
            for _ in range(batch):
                arguments += [repr(rng.random() * 1000), "m:" + "".join(rng.choice(letters) for _ in range(14))]
            chunks.append(encode(arguments))
            left -= batch
    return b"".join(chunks)


SHAPES = [
    ("one zset of 1,000,000 members", 1, 1000000, "member", 123.8, 0.45),
    ("8,000 zsets of 129 members", 8000, 129, "member", 139.8, 0.45),
    ("10,000 zsets of 100 members", 10000, 100, "member", 42.0, 0.70),
    ("1,000,000 zsets of 5 members", 1000000, 5, "key", 312.5, 0.45),
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
        card = int(cli(port, "ZCARD", "key:%012d" % (keys - 1)).strip())
        if card != members:
            raise RuntimeError("%s: ZCARD %d, expected %d" % (binary, card, members))
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
        per = keys * members if unit == "member" else keys
        print("| %s (per %s) | %.1f | %.1f | %.2f | <= %.2f | %s / %s |" % (
            name, unit, redis_bytes / per, zkv_bytes / per, zkv_bytes / redis_bytes, target, redis_encoding,
            zkv_encoding), flush=True)


def benchmark(port, requests, arguments):
    output = subprocess.run(["redis-benchmark", "-p", str(port), "-P", "16", "-r", "1000000", "-n", str(requests),
                             "-c", "50", "--csv"] + arguments, capture_output=True, text=True, check=True).stdout
    lines = [line for line in output.splitlines() if line and not line.startswith('"test"')]
    return float(lines[-1].split(",")[1].strip('"'))


def preload(port):
    members = 100000
    stream = b"".join(encode(["ZADD", "bench:z"] + sum(
        [[str(i), "m:%012d" % i] for i in range(start, min(start + 1000, members))], []))
        for start in range(0, members, 1000))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=stream, capture_output=True, check=True)


TESTS = [
    ("ZADD", ["-t", "zadd"], 1.3),
    ("ZPOPMIN", ["-t", "zadd,zpopmin"], 1.3),
    ("ZRANGE 0 99 WITHSCORES", ["ZRANGE", "bench:z", "0", "99", "WITHSCORES"], 1.0),
    ("ZRANK", ["ZRANK", "bench:z", "m:__rand_int__"], 1.0),
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
                    n = requests // 10 if name.startswith("ZRANGE") else requests
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
