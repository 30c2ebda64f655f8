#!/usr/bin/python3
"""RDB persistence, zkv next to redis-server in one run: SAVE time, load at
start (exec to first PONG), file size, and BGSAVE under a redis-benchmark
write load (peak extra memory = parent RSS growth + child Private_Dirty,
writer throughput during / before).

    bench/persist_bench.py [--zkv build/zkv-server] [--keys 1000000] [--sizes 3,100]
                           [--bgsave-only] [--rounds 3] [--pin]

Writer throughput swings with whatever else the machine runs, so the BGSAVE
rounds also report the server's CPU time per command (user + system of every
thread, and of Redis's child) during the save and before it: the ratio of the
two is the throughput a server with a core of its own would keep, and holds
still on a shared machine.  --pin runs the server (and its child) on CPU 0 and
redis-benchmark on CPU 1, so neither steals the other's core; --rounds gives
the median of several BGSAVEs under load (--bgsave-only skips SAVE and load).
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


def start(binary, directory, pin=False):
    port = free_port()
    t0 = time.time()
    process = subprocess.Popen((["taskset", "-c", "0"] if pin else []) + [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
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


def cpu_seconds(pid):
    """user + system time of a process and of its children still running."""
    total = 0.0
    for p in [pid] + children(pid):
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


def commands(client):
    return client.info("stats")["total_commands_processed"]


def bgsave_under_load(client, process, port, size, pin=False, after=False):
    load = subprocess.Popen((["taskset", "-c", "1"] if pin else []) + ["redis-benchmark", "-p", str(port), "-t", "set", "-r", "1000000", "-n", "100000000",
                             "-d", str(size), "-P", "16", "-c", "20", "-q"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(2)
    c0, t0, u0 = commands(client), time.time(), cpu_seconds(process.pid)
    time.sleep(2)
    c1, t1, u1 = commands(client), time.time(), cpu_seconds(process.pid)
    before = (c1 - c0) / (t1 - t0)
    cpu_before = (u1 - u0) / (c1 - c0)
    base_rss = rss(process.pid)
    used = client.info("memory")["used_memory"]
    child_cpu = 0.0
    client.bgsave()
    peak = 0
    while True:
        extra = max(0, rss(process.pid) - base_rss) + sum(private_dirty(c) for c in children(process.pid))
        peak = max(peak, extra)
        child_cpu = max(child_cpu, cpu_seconds(process.pid) - cpu_seconds_self(process.pid))
        if client.info("persistence")["rdb_bgsave_in_progress"] == 0:
            break
        time.sleep(0.005)
    c2, t2 = commands(client), time.time()
    u2 = cpu_seconds_self(process.pid) + child_cpu
    during = (c2 - c1) / (t2 - t1)
    cpu_during = (u2 - u1) / (c2 - c1)
    if after:
        # The machine's load drifts: "outside" is the mean of a window
        # before the save and one after it.
        time.sleep(0.5)
        c3, t3, u3 = commands(client), time.time(), cpu_seconds(process.pid)
        time.sleep(2)
        c4, t4, u4 = commands(client), time.time(), cpu_seconds(process.pid)
        before = (before + (c4 - c3) / (t4 - t3)) / 2
        cpu_before = (cpu_before + (u4 - u3) / (c4 - c3)) / 2
    load.kill()
    load.wait()
    return peak, used, before, during, t2 - t1, cpu_before, cpu_during


def cpu_seconds_self(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def run_bgsave_only(name, binary, keys, size, work, rounds, pin):
    directory = os.path.join(work, "%s-%d" % (name, size))
    os.makedirs(directory)
    process, client, port, _ = start(binary, directory, pin)
    populate(port, keys, size, os.path.join(work, "cmds-%d.txt" % size))
    results = []
    for _ in range(rounds):
        peak, used, before, during, seconds, cpu_before, cpu_during = bgsave_under_load(client, process, port, size, pin, True)
        results.append({"peak_extra": peak, "used": used, "before": before, "during": during, "bgsave_s": seconds,
                        "cpu_before": cpu_before * 1e6, "cpu_during": cpu_during * 1e6,
                        "writer_ratio": during / before, "cpu_ratio": cpu_before / cpu_during})
    client.shutdown(nosave=True)
    process.wait()
    return results


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
    peak, used, before, during, bg_seconds, _, _ = bgsave_under_load(client, process, port, size)
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
    parser.add_argument("--bgsave-only", action="store_true")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--pin", action="store_true")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="zkv-persist-bench-")
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            if args.bgsave_only:
                print("== %d keys, %d-byte values, BGSAVE under load, %d rounds%s (median)" %
                      (args.keys, size, args.rounds, ", pinned" if args.pin else ""))
                both = {}
                for name, binary in (("zkv", args.zkv), ("redis", args.redis)):
                    both[name] = run_bgsave_only(name, binary, args.keys, size, work, args.rounds, args.pin)
                    for i, r in enumerate(both[name]):
                        print("  %-5s round %d: writer ops/s outside %9.0f during %9.0f (x%.2f); server CPU us/command "
                              "outside %.3f during %.3f (x%.2f); save %.2f s; peak extra %.3f of used_memory" %
                              (name, i + 1, r["before"], r["during"], r["writer_ratio"], r["cpu_before"], r["cpu_during"],
                               r["cpu_ratio"], r["bgsave_s"], r["peak_extra"] / r["used"]), flush=True)
                for field, label in (("writer_ratio", "writer during / before"), ("cpu_ratio", "CPU/command before / during"),
                                     ("bgsave_s", "BGSAVE under load s")):
                    z = sorted(r[field] for r in both["zkv"])[len(both["zkv"]) // 2]
                    r_ = sorted(r[field] for r in both["redis"])[len(both["redis"]) // 2]
                    print("%-28s zkv %.2f  redis %.2f" % (label, z, r_), flush=True)
                continue
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
