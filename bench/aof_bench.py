#!/usr/bin/python3
"""The append-only file, zkv next to redis-server 7.0.15 in one run:

- SET throughput (redis-benchmark -t set -r 1000000) with appendonly yes:
  appendfsync everysec at -P 16, appendfsync always at -P 1 and -P 16
  (50 clients each, so always's group commit has company);
- replay at start of one AOF of N SET commands (written by redis-server,
  the same files copied to both): exec to first PONG;
- BGREWRITEAOF of N keys under a SET write load: zkv's peak extra memory
  (RSS and used_memory growth over the rewrite, sampled every 10 ms) and
  redis-server's (parent RSS growth + child Private_Dirty, and INFO's
  aof_last_cow_size), with the writers' throughput before and during.

    bench/aof_bench.py [--zkv build/zkv-server] [--keys 1000000] [--requests 1000000]
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL).stdout.decode().strip()


def start(binary, directory, extra=()):
    port = free_port()
    t0 = time.time()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                                "--appendonly", "yes", "--enable-debug-command", "yes"] + list(extra), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    while True:
        if call(port, "ping") == "PONG":
            return process, port, time.time() - t0
        if process.poll() is not None:
            raise RuntimeError("%s did not start" % binary)
        time.sleep(0.002)


def stop(process, port):
    call(port, "shutdown", "nosave")
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def benchmark(port, pipeline, requests, clients=50):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-r", "1000000", "-n", str(requests),
                          "-P", str(pipeline), "-c", str(clients), "-q"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode()
    match = re.search(r"SET: ([\d.]+) requests per second", out.replace("\r", "\n"))
    return float(match.group(1)) if match else 0.0


def throughput(binaries, policy, pipeline, requests):
    results = {}
    for name, binary in binaries:
        directory = tempfile.mkdtemp(prefix="aofb-")
        process, port, _ = start(binary, directory, ["--appendfsync", policy])
        results[name] = benchmark(port, pipeline, requests)
        stop(process, port)
        shutil.rmtree(directory)
    return results


def rss(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def private_dirty(pid):
    total = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Private_Dirty:"):
                    total += int(line.split()[1]) * 1024
    except OSError:
        pass
    return total


def children(pid):
    try:
        return [int(p) for p in open("/proc/%d/task/%d/children" % (pid, pid)).read().split()]
    except OSError:
        return []


def info(port, field):
    for line in call(port, "info", "persistence").splitlines() + call(port, "info", "memory").splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    return ""


def replay(binaries, keys):
    """One AOF of `keys` SETs, written by redis-server, loaded by both."""
    redis = dict(binaries)["redis"]
    source = tempfile.mkdtemp(prefix="aofb-src-")
    process, port, _ = start(redis, source)
    with open(os.path.join(source, "cmds"), "w") as f:
        for i in range(keys):
            key = "key:%012d" % i
            f.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$3\r\nxxx\r\n" % (len(key), key))
    subprocess.run("redis-cli -p %d --pipe < %s" % (port, os.path.join(source, "cmds")), shell=True,
                   stdout=subprocess.DEVNULL, check=True)
    stop(process, port)
    size = sum(os.path.getsize(os.path.join(source, "appendonlydir", n))
               for n in os.listdir(os.path.join(source, "appendonlydir")))
    results = {}
    for name, binary in binaries:
        directory = tempfile.mkdtemp(prefix="aofb-")
        shutil.copytree(os.path.join(source, "appendonlydir"), os.path.join(directory, "appendonlydir"))
        best = None
        for _ in range(2):
            process, port, seconds = start(binary, directory)
            loaded = call(port, "dbsize")
            stop(process, port)
            best = seconds if best is None else min(best, seconds)
        results[name] = (best, loaded)
        shutil.rmtree(directory)
    shutil.rmtree(source)
    return size, results


def rewrite_under_load(binaries, keys, requests):
    results = {}
    for name, binary in binaries:
        directory = tempfile.mkdtemp(prefix="aofb-")
        process, port, _ = start(binary, directory)
        call(port, "debug", "populate", str(keys), "key", "100")
        call(port, "bgrewriteaof")  # a first base with the data
        while info(port, "aof_rewrite_in_progress") != "0":
            time.sleep(0.05)
        before_rate = benchmark(port, 16, requests // 2)
        used_before = int(info(port, "used_memory"))
        rss_before = rss(process.pid)
        peak = {"rss": rss_before, "used": used_before, "child": 0}
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak["rss"] = max(peak["rss"], rss(process.pid))
                used = info(port, "used_memory")
                if used:
                    peak["used"] = max(peak["used"], int(used))
                for child in children(process.pid):
                    peak["child"] = max(peak["child"], private_dirty(child))
                time.sleep(0.01)

        load = {}
        writer = threading.Thread(target=lambda: load.update(rate=benchmark(port, 16, requests)))
        writer.start()
        time.sleep(0.5)
        sampler = threading.Thread(target=sample)
        sampler.start()
        t0 = time.time()
        call(port, "bgrewriteaof")
        time.sleep(0.05)
        while info(port, "aof_rewrite_in_progress") != "0":
            time.sleep(0.01)
        seconds = time.time() - t0
        done.set()
        sampler.join()
        writer.join()
        results[name] = dict(seconds=seconds, used_before=used_before, rss_extra=peak["rss"] - rss_before,
                             used_extra=peak["used"] - used_before, child_dirty=peak["child"],
                             cow=int(info(port, "aof_last_cow_size") or 0), before=before_rate,
                             during=load.get("rate", 0.0))
        stop(process, port)
        shutil.rmtree(directory)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default="build/zkv-server")
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--keys", type=int, default=1000000)
    parser.add_argument("--requests", type=int, default=1000000)
    options = parser.parse_args()
    binaries = [("zkv", options.zkv), ("redis", options.redis)]
    print("load average: %s" % open("/proc/loadavg").read().split()[:3])
    for policy, pipeline in (("everysec", 16), ("always", 1), ("always", 16)):
        r = throughput(binaries, policy, pipeline, options.requests if pipeline > 1 else options.requests // 10)
        print("SET appendfsync %-8s -P %-2d  zkv %10.0f rps  redis %10.0f rps  ratio %.2f" % (
            policy, pipeline, r["zkv"], r["redis"], r["zkv"] / r["redis"] if r["redis"] else 0))
    size, r = replay(binaries, options.keys)
    print("replay of %d SETs (%d bytes of AOF): zkv %.3f s (%s keys)  redis %.3f s (%s keys)  ratio %.2f" % (
        options.keys, size, r["zkv"][0], r["zkv"][1], r["redis"][0], r["redis"][1], r["zkv"][0] / r["redis"][0]))
    r = rewrite_under_load(binaries, options.keys, options.requests)
    for name in ("zkv", "redis"):
        x = r[name]
        extra = x["rss_extra"] + x["child_dirty"]
        print("BGREWRITEAOF %s: %.2f s, used_memory %d, extra RSS %d (+child dirty %d) = %.1f%% of used_memory, "
              "used_memory growth %.1f%%, aof_last_cow_size %d, writers %.0f rps during vs %.0f before (%.2f)" % (
                  name, x["seconds"], x["used_before"], x["rss_extra"], x["child_dirty"],
                  100.0 * extra / x["used_before"], 100.0 * x["used_extra"] / x["used_before"], x["cow"],
                  x["during"], x["before"], x["during"] / x["before"] if x["before"] else 0))


if __name__ == "__main__":
    main()
