#!/usr/bin/env python3
"""list_bench: list memory shapes and list throughput, zkv next to redis-server.

Memory (issue 15's shapes, 8-byte letter elements, 16-byte keys): for each
shape a fresh server of each kind is started (--save '' --appendonly no),
INFO used_memory is read before and 1 s after loading through pipelined
RPUSH, and the delta is divided by keys or elements:
  - 1,000,000 keys x 5 elements   (B/key)
  - 10,000 lists x 100 elements   (B/element)
  - 1 list x 1,000,000 elements   (B/element)
Throughput: redis-benchmark's list tests at -P 16 with 50 clients against
each server (one fresh server each, the two alternating for --rounds
rounds): requests per second per test and the server's CPU time per request
(from /proc), medians and zkv/redis ratios.  Two clients can send them:
  --client redis-benchmark  `redis-benchmark -t TESTS -P 16 -r 1000000 -n N`
  --client pipebench        bench/pipebench.c with the same commands, keys and
                            request model; it does not build reply objects,
                            so on 2 cores the server rather than the client
                            sets the pace (redis-benchmark spends more per
                            LRANGE reply than either server does).
With --pin (the default on 2+ CPUs) the server runs on CPU 0 and the client
on CPU 1, so neither steals the other's core.

Usage: bench/list_bench.py [--zkv build/zkv-server] [--redis redis-server]
                           [--scale 1.0] [--requests 1000000] [--skip-memory]
                           [--tests lpush,rpush,lpop,rpop,lrange] [--rounds 1]
                           [--client pipebench|redis-benchmark] [--no-pin]
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
import tempfile
import time


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, binary, port, prefix=()):
        self.port = port
        # An empty directory of its own: a dump.rdb left in the working
        # directory would otherwise be loaded (and answer -LOADING meanwhile).
        self.directory = tempfile.mkdtemp(prefix="list_bench.")
        args = list(prefix) + [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                               "no", "--dir", self.directory]
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
        shutil.rmtree(self.directory, ignore_errors=True)


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


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The commands redis-benchmark sends for its list tests (its -r does not
# touch list keys): test name -> (label, command).
PIPEBENCH_TESTS = {
    "lpush": [("LPUSH", ["LPUSH", "mylist", "xxx"])],
    "rpush": [("RPUSH", ["RPUSH", "mylist", "xxx"])],
    "lpop": [("LPOP", ["LPOP", "mylist"])],
    "rpop": [("RPOP", ["RPOP", "mylist"])],
    "lrange": [("LRANGE_%d (first %d elements)" % (n, n), ["LRANGE", "mylist", "0", str(n - 1)])
               for n in (100, 300, 500, 600)],
}


def pipebench_run(tool, port, count, command, pin):
    output = subprocess.run(pin + [tool, "--port", str(port), "--requests", str(count), "--"] + command,
                            capture_output=True, text=True, timeout=1800, check=True).stdout
    if not output.rstrip().endswith("errors=0"):
        raise RuntimeError("%s answered errors: %s" % (" ".join(command), output.strip()))
    return float(re.search(r"rps=([\d.]+)", output).group(1))


def fill(client, port, requests, test, pin):
    """The unmeasured LPUSHes a test needs first (redis-benchmark's order:
    its LPUSH test fills the list LPOP/RPOP drain; LRANGE gets its own)."""
    if test not in ("lpop", "rpop", "lrange"):
        return
    if client == "redis-benchmark":
        if test != "lrange":  # redis-benchmark's lrange tests fill the list themselves
            subprocess.run(pin + ["redis-benchmark", "-p", str(port), "-P", "16", "-n", str(requests), "-q",
                                  "-t", "lpush"], capture_output=True, timeout=1800)
    else:
        pipebench_run(client, port, requests if test != "lrange" else 600, ["LPUSH", "mylist", "xxx"], pin)


def run_redis_benchmark(port, requests, test, pin):
    output = subprocess.run(pin + ["redis-benchmark", "-p", str(port), "-P", "16", "-n", str(requests), "-q",
                                   "-t", test, "-r", "1000000"], capture_output=True, text=True,
                            timeout=1800).stdout
    rates = {}
    for line in output.replace("\r", "\n").split("\n"):
        match = re.match(r"(\S+(?: \([^)]*\))?): ([\d.]+) requests per second", line.strip())
        if match:
            rates[match.group(1)] = float(match.group(2))
    return rates


def run_pipebench(tool, port, requests, test, pin):
    return {label: pipebench_run(tool, port, requests, command, pin) for label, command in PIPEBENCH_TESTS[test]}


def benchmark(binary, requests, tests, client, pin):
    """{test: (requests per second, server CPU microseconds per request)},
    one fresh server and one client run per test, after its unmeasured fill."""
    results = {}
    server_pin = ["taskset", "-c", "0"] if pin else []
    client_pin = ["taskset", "-c", "1"] if pin else []
    for test in tests.split(","):
        server = Server(binary, free_port(), server_pin)
        try:
            fill(client, server.port, requests, test, client_pin)
            before = cpu_seconds(server.process.pid)
            if client == "redis-benchmark":
                rates = run_redis_benchmark(server.port, requests, test, client_pin)
            else:
                rates = run_pipebench(client, server.port, requests, test, client_pin)
            cpu = cpu_seconds(server.process.pid) - before
        finally:
            server.stop()
        for label, rate in rates.items():
            results[label] = (rate, cpu * 1e6 / requests / len(rates))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default="build/zkv-server")
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=1000000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--tests", default="lpush,rpush,lpop,rpop,lrange")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--client", default="pipebench",
                        help="pipebench (bench/pipebench.c, built as build/bench/pipebench) or redis-benchmark")
    parser.add_argument("--pipebench", default="build/bench/pipebench")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and client to CPUs 0 and 1")
    options = parser.parse_args()
    client = "redis-benchmark" if options.client == "redis-benchmark" else options.pipebench
    pin = not options.no_pin and (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
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
    runs = {"redis": [], "zkv": []}
    for _ in range(options.rounds):
        runs["redis"].append(benchmark(options.redis, options.requests, options.tests, client, pin))
        runs["zkv"].append(benchmark(options.zkv, options.requests, options.tests, client, pin))
    median = lambda values: sorted(values)[len(values) // 2]
    print("\n%s, %s" % ("client " + options.client, "server on CPU 0, client on CPU 1" if pin else "not pinned"))
    print("\n| test (-P 16 -r 1000000 -n %d, median of %d) | redis-server rps | zkv rps | zkv / redis "
          "| redis CPU us/req | zkv CPU us/req | zkv / redis |\n|---|---|---|---|---|---|---|" %
          (options.requests, options.rounds))
    for test in runs["redis"][0]:
        if not all(test in run for run in runs["zkv"] + runs["redis"]):
            continue
        rate = {name: median([run[test][0] for run in runs[name]]) for name in runs}
        cpu = {name: median([run[test][1] for run in runs[name]]) for name in runs}
        print("| %s | %.0f | %.0f | %.2f | %.3f | %.3f | %.2f |" % (
            test, rate["redis"], rate["zkv"], rate["zkv"] / rate["redis"], cpu["redis"], cpu["zkv"],
            cpu["zkv"] / cpu["redis"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
