#!/usr/bin/python3
"""RDB persistence, zkv next to redis-server in one run: SAVE time, load at
start (exec to first PONG), file size, and BGSAVE under a redis-benchmark
write load (peak extra memory = parent RSS growth + child Private_Dirty,
writer throughput during / before).

    bench/persist_bench.py [--zkv build/zkv-server] [--keys 1000000] [--sizes 3,100]
"""
import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import redis


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, directory):
    port = free_port()
    t0 = time.time()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_timeout=120)
    while True:
        try:
            if client.ping():
                return process, client, port, time.time() - t0
        except (redis.ConnectionError, redis.BusyLoadingError):
            time.sleep(0.005)


def populate(port, keys, size, path):
    value = "x" * size if size <= 3 else None
    with open(path, "w") as f:
        for i in range(keys):
            v = value or os.urandom(size * 3 // 4).hex()[:size]
            key = "key:%012d" % i
            f.write("*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(v), v))
    subprocess.run("redis-cli -p %d --pipe < %s" % (port, path), shell=True, stdout=subprocess.DEVNULL, check=True)


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
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            return sum(int(line.split()[1]) * 1024 for line in f if line.startswith("Private_Dirty:"))
    except OSError:
        return 0


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def bgsave_under_load(client, process, port, size):
    load = subprocess.Popen(["redis-benchmark", "-p", str(port), "-t", "set", "-r", "1000000", "-n", "100000000",
                             "-d", str(size), "-P", "16", "-c", "20", "-q"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(2)
    c0, t0 = client.info("stats")["total_commands_processed"], time.time()
    time.sleep(2)
    before = (client.info("stats")["total_commands_processed"] - c0) / (time.time() - t0)
    base_rss = rss(process.pid)
    used = client.info("memory")["used_memory"]
    c1, t1 = client.info("stats")["total_commands_processed"], time.time()
    client.bgsave()
    peak = 0
    while True:
        extra = max(0, rss(process.pid) - base_rss) + sum(private_dirty(c) for c in children(process.pid))
        peak = max(peak, extra)
        if client.info("persistence")["rdb_bgsave_in_progress"] == 0:
            break
        time.sleep(0.005)
    during = (client.info("stats")["total_commands_processed"] - c1) / (time.time() - t1)
    load.kill()
    load.wait()
    return peak, used, before, during, time.time() - t1


def run(name, binary, keys, size, work):
    directory = os.path.join(work, "%s-%d" % (name, size))
    os.makedirs(directory)
    process, client, port, _ = start(binary, directory)
    populate(port, keys, size, os.path.join(work, "cmds-%d.txt" % size))
    saves = []
    for _ in range(3):
        t = time.time()
        client.save()
        saves.append(time.time() - t)
    file_size = os.path.getsize(os.path.join(directory, "dump.rdb"))
    idle = []
    for _ in range(3):
        t = time.time()
        client.bgsave()
        while client.info("persistence")["rdb_bgsave_in_progress"] == 1:
            time.sleep(0.005)
        idle.append(time.time() - t)
    client.shutdown(nosave=True)
    process.wait()
    loads = []
    for _ in range(3):
        process, client, port, seconds = start(binary, directory)
        loads.append(seconds)
        dbsize = client.dbsize()
        if _ < 2:
            client.shutdown(nosave=True)
            process.wait()
    peak, used, before, during, bg_seconds = bgsave_under_load(client, process, port, size)
    client.shutdown(nosave=True)
    process.wait()
    return {"save": sorted(saves)[1], "bgsave_idle": sorted(idle)[1], "load": sorted(loads)[1], "file": file_size, "keys": dbsize,
            "peak_extra": peak, "used": used, "before": before, "during": during, "bgsave_s": bg_seconds}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.path.join(os.path.dirname(__file__), "..", "build", "zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--keys", type=int, default=1000000)
    parser.add_argument("--sizes", default="3,100")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="zkv-persist-bench-")
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            z = run("zkv", args.zkv, args.keys, size, work)
            r = run("redis", args.redis, args.keys, size, work)
            print("== %d keys, %d-byte values (random for 100 B)" % (args.keys, size))
            for field, label in [("save", "SAVE s"), ("bgsave_idle", "BGSAVE idle s"), ("load", "load at start s"), ("file", "dump.rdb bytes"),
                                 ("bgsave_s", "BGSAVE under load s"), ("peak_extra", "BGSAVE peak extra bytes"),
                                 ("used", "used_memory"), ("before", "writer ops/s before"),
                                 ("during", "writer ops/s during")]:
                ratio = z[field] / r[field] if r[field] else float("nan")
                print("%-26s zkv %14.3f  redis %14.3f  ratio %.2f" % (label, z[field], r[field], ratio))
            print("%-26s zkv %.2f  redis %.2f" % ("peak extra / used_memory", z["peak_extra"] / z["used"],
                                                 r["peak_extra"] / r["used"]))
            print("%-26s zkv %.2f  redis %.2f" % ("writer during / before", z["during"] / z["before"],
                                                 r["during"] / r["before"]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
