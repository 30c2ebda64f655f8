#!/usr/bin/env python3
"""list_bench: list memory shapes and list throughput, zkv next to redis-server.

Memory (issue 15's shapes, 8-byte letter elements, 16-byte keys): for each
shape a fresh server of each kind is started (--save '' --appendonly no),
INFO used_memory is read before and 1 s after loading through pipelined
RPUSH, and the delta is divided by keys or elements:
  - 1,000,000 keys x 5 elements   (B/key)
  - 10,000 lists x 100 elements   (B/element)
  - 1 list x 1,000,000 elements   (B/element)
Throughput: `redis-benchmark -t lpush,rpush,lpop,rpop,lrange -P 16 -r 1000000
-n N -q` against each server in the same run (one fresh server each),
requests per second per test and the zkv/redis ratio.

Usage: bench/list_bench.py [--zkv build/zkv-server] [--redis redis-server]
                           [--scale 1.0] [--requests 1000000] [--skip-memory]
Servers are killed by PID at the end.
"""
import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, binary, port):
        self.port = port
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.stream = self.sock.makefile("rb")

    def used_memory(self):
        self.sock.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n")
        length = int(self.stream.readline()[1:-2])
        text = self.stream.read(length + 2).decode()
        return int(re.search(r"used_memory:(\d+)", text).group(1))

    def pipeline(self, commands):
        """Sends RESP-encoded commands in batches and drains the replies."""
        batch = []
        for command in commands:
            batch.append(command)
            if len(batch) == 2000:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)

    def _flush(self, batch):
        self.sock.sendall(b"".join(batch))
        for _ in batch:
            line = self.stream.readline()
            if line[:1] == b"-":
                raise RuntimeError(line)

    def stop(self):
        self.sock.close()
        self.process.kill()
        self.process.wait(timeout=10)


def rpush(key, elements):
    parts = [b"*%d\r\n$5\r\nRPUSH\r\n$%d\r\n%s\r\n" % (len(elements) + 2, len(key), key)]
    parts += [b"$%d\r\n%s\r\n" % (len(e), e) for e in elements]
    return b"".join(parts)


def letters(rng):
    return bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(8))


def shapes(scale):
    keys_small = int(1000000 * scale)
    lists_medium = int(10000 * scale)
    long_length = int(1000000 * scale)
    return [
        ("%d keys x 5 elements" % keys_small, keys_small, "key",
         lambda rng: (rpush(b"key:%012d" % i, [letters(rng) for _ in range(5)]) for i in range(keys_small))),
        ("%d lists x 100 elements" % lists_medium, lists_medium * 100, "element",
         lambda rng: (rpush(b"key:%012d" % i, [letters(rng) for _ in range(100)]) for i in range(lists_medium))),
        ("1 list x %d elements" % long_length, long_length, "element",
         lambda rng: (rpush(b"key:000000000001", [letters(rng) for _ in range(1000)])
                      for _ in range(long_length // 1000))),
    ]


def measure_memory(binary, generator, divisor):
    server = Server(binary, free_port())
    try:
        time.sleep(0.3)
        before = server.used_memory()
        server.pipeline(generator(random.Random(7)))
        time.sleep(1.0)
        return (server.used_memory() - before) / divisor
    finally:
        server.stop()


def benchmark(binary, requests):
    server = Server(binary, free_port())
    try:
        output = subprocess.run(["redis-benchmark", "-p", str(server.port), "-t", "lpush,rpush,lpop,rpop,lrange",
                                 "-P", "16", "-r", "1000000", "-n", str(requests), "-q"],
                                capture_output=True, text=True, timeout=1800).stdout
    finally:
        server.stop()
    rates = {}
    for line in output.replace("\r", "\n").split("\n"):
        match = re.match(r"(\S+(?: \([^)]*\))?): ([\d.]+) requests per second", line.strip())
        if match:
            rates[match.group(1)] = float(match.group(2))
    return rates


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default="build/zkv-server")
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=1000000)
    parser.add_argument("--skip-memory", action="store_true")
    options = parser.parse_args()
    if not options.redis:
        print("redis-server not found")
        return 77
    if not options.skip_memory:
        print("| shape | unit | redis-server | zkv | zkv / redis |\n|---|---|---|---|---|")
        for label, divisor, unit, generator in shapes(options.scale):
            redis = measure_memory(options.redis, generator, divisor)
            zkv = measure_memory(options.zkv, generator, divisor)
            print("| %s | B/%s | %.1f | %.1f | %.2f |" % (label, unit, redis, zkv, zkv / redis))
            sys.stdout.flush()
    redis_rates = benchmark(options.redis, options.requests)
    zkv_rates = benchmark(options.zkv, options.requests)
    print("\n| test (-P 16 -r 1000000 -n %d) | redis-server rps | zkv rps | zkv / redis |\n|---|---|---|---|" %
          options.requests)
    for test, rate in redis_rates.items():
        if test in zkv_rates:
            print("| %s | %.0f | %.0f | %.2f |" % (test, rate, zkv_rates[test], zkv_rates[test] / rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
