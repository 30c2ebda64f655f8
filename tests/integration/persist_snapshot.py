#!/usr/bin/python3
"""BGSAVE is a snapshot of one instant, however writes interleave with it.

A writer runs numbered steps while a BGSAVE walks a dataset big enough to
take many slices.  Step n overwrites one filler key, deletes another, sets
a TTL on a third, appends to a log key, adds to a sum, sets marker:n, and last sets counter to
n.  The saved file, loaded by redis-server 7.0.15 (so the file is Redis's
format too), must hold exactly the state after steps 1..C (C = the saved
counter) plus some prefix of step C+1's commands: anything else means a key
was written with a value from another instant.  Also: the server's memory
while the save runs stays within a few MB of used_memory (no copy), and
FLUSHDB/FLUSHALL/SWAPDB during a save behave (FLUSHALL abandons it).

    persist_snapshot.py --zkv build/zkv-server [--redis redis-server]
"""
import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis

FILLERS = 200000
FAILURES = []
LOGS_DIRECTORY = [tempfile.gettempdir()]


def check(condition, what):
    if not condition:
        FAILURES.append(what)
        print("FAIL: " + what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOGS = []
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def start(binary, directory, extra=()):
    port = free_port()
    LOGS.append(os.path.join(LOGS_DIRECTORY[0], "server-%d.log" % port))
    log = open(LOGS[-1], "w")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                                "--appendonly", "no", "--enable-debug-command", "yes"] + list(extra), stdout=log, stderr=subprocess.STDOUT)
    client = redis.Redis(port=port, socket_timeout=60)
    for _ in range(2000):
        try:
            client.ping()
            return process, client
        except (redis.ConnectionError, redis.BusyLoadingError):
            time.sleep(0.01)
    raise RuntimeError("server did not start")


def stop(process, client):
    try:
        client.shutdown(nosave=True)
    except redis.ConnectionError:
        pass
    process.wait(timeout=30)


def fill(client, count):
    pipe = client.pipeline(transaction=False)
    for i in range(count):
        pipe.set("filler:%d" % i, "init-%d" % i)
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()


def step_commands(n):
    """The commands of step n, in order: (name, args) and their effect on a dict."""
    rng = random.Random(n)
    overwrite, delete, expire = (rng.randrange(FILLERS) for _ in range(3))
    return [("SET", "filler:%d" % overwrite, "step-%d" % n),
            ("DEL", "filler:%d" % delete),
            ("EXPIRE", "filler:%d" % expire, "100000"),
            ("APPEND", "log:%d" % (n % 50), "%d," % n),
            ("INCRBY", "sum", str(n)),
            ("SET", "marker:%d" % n, "1"),
            ("SET", "counter", str(n))]


def apply(state, command):
    name, key = command[0], command[1]
    if name == "SET":
        state[key] = command[2]
    elif name == "DEL":
        state.pop(key, None)
    elif name == "APPEND":
        state[key] = state.get(key, "") + command[2]
    elif name == "INCRBY":
        state[key] = str(int(state.get(key, "0")) + int(command[2]))


def writer(port, stop_event, steps):
    client = redis.Redis(port=port, socket_timeout=60)
    n = 0
    while not stop_event.is_set():
        pipe = client.pipeline(transaction=False)
        for _ in range(20):
            n += 1
            for command in step_commands(n):
                pipe.execute_command(*command)
        pipe.execute()
        steps[0] = n


def read_state(client):
    state = {}
    for key in client.scan_iter(count=1000):
        state[key.decode()] = client.get(key).decode()
    return state


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def wait_bgsave(client, process=None):
    peak = 0
    while client.info("persistence")["rdb_bgsave_in_progress"]:
        if process:
            peak = max(peak, rss(process.pid))
        time.sleep(0.002)
    return peak


def test_consistency(zkv, redis_server, work):
    directory = os.path.join(work, "consistency")
    os.makedirs(directory)
    process, client = start(zkv, directory)
    fill(client, FILLERS)
    initial = {"filler:%d" % i: "init-%d" % i for i in range(FILLERS)}
    stop_event, steps = threading.Event(), [0]
    thread = threading.Thread(target=writer, args=(int(process.args[2]), stop_event, steps))
    thread.start()
    while steps[0] < 200:
        time.sleep(0.01)
    base_rss = rss(process.pid)
    first_step = steps[0]
    client.bgsave()
    peak = wait_bgsave(client, process)
    last_step = steps[0]
    stop_event.set()
    thread.join()
    info = client.info("persistence")
    check(info["rdb_last_bgsave_status"] == "ok", "BGSAVE under writes ok: %r" % info)
    check(last_step - first_step > 100, "writes ran during the save (%d steps)" % (last_step - first_step))
    check(peak - base_rss < 16 * 1024 * 1024, "RSS grew %d bytes during the save" % (peak - base_rss))
    stop(process, client)

    process, client = start(redis_server, directory)
    saved = read_state(client)
    stop(process, client)
    counter = int(saved.get("counter", "0"))
    check(first_step <= counter <= last_step, "counter %d within the writes [%d, %d]" % (counter, first_step, last_step))
    state = dict(initial)
    for n in range(1, counter + 1):
        for command in step_commands(n):
            apply(state, command)
    matched = state == saved
    for command in step_commands(counter + 1):
        if matched:
            break
        apply(state, command)
        matched = state == saved
    if not matched:
        differing = sorted(k for k in set(state) | set(saved) if state.get(k) != saved.get(k))
        check(False, "snapshot at counter %d differs in %d keys, e.g. %r" % (counter, len(differing), [
            (k, state.get(k), saved.get(k)) for k in differing[:5]]))
    print("consistency: counter %d, %d steps during the save, RSS +%d bytes" %
          (counter, last_step - first_step, peak - base_rss), flush=True)


def test_flushes(zkv, work):
    directory = os.path.join(work, "flushes")
    os.makedirs(directory)
    process, client = start(zkv, directory)
    fill(client, FILLERS)
    c1 = redis.Redis(port=int(process.args[2]), db=1)
    c1.set("one", "1")
    c2 = redis.Redis(port=int(process.args[2]), db=2)
    c2.set("two", "2")
    # FLUSHDB and SWAPDB while the save runs: the file holds the data of the
    # instant BGSAVE was called.
    client.bgsave()
    client.flushdb()
    client.swapdb(1, 2)
    client.set("after", "x")
    wait_bgsave(client)
    check(client.info("persistence")["rdb_last_bgsave_status"] == "ok", "BGSAVE with FLUSHDB ok")
    stop(process, client)
    process, client = start(zkv, directory)
    check(client.dbsize() == FILLERS, "FLUSHDB during BGSAVE: %d keys saved" % client.dbsize())
    check(client.get("after") is None, "a key set after BGSAVE is not in the file")
    check(redis.Redis(port=int(process.args[2]), db=1).get("one") == b"1", "SWAPDB after BGSAVE: db 1 as it was")
    # FLUSHALL abandons the running save (Redis kills its child) at once and,
    # with no save points, leaves the old file.
    mtime = os.path.getmtime(os.path.join(directory, "dump.rdb"))
    saves = client.info("persistence")["rdb_saves"]
    client.bgsave()
    started = time.time()
    client.flushall()
    check(time.time() - started < 1.0, "FLUSHALL during a save took %.3f s" % (time.time() - started))
    check(client.info("persistence")["rdb_bgsave_in_progress"] == 0, "FLUSHALL ended the save")
    check(client.info("persistence")["rdb_saves"] == saves, "the abandoned save did not count")
    check(client.info("persistence")["rdb_last_bgsave_status"] == "ok", "an abandoned save is not an error")
    check(os.path.getmtime(os.path.join(directory, "dump.rdb")) == mtime, "the old file is intact")
    check(not [f for f in os.listdir(directory) if f.startswith("temp-")], "no temp file left")
    client.set("k", "v")
    client.bgsave()
    wait_bgsave(client)
    check(client.info("persistence")["rdb_last_bgsave_status"] == "ok", "the next BGSAVE works")
    stop(process, client)


def test_disk_full(zkv, redis_server, work):
    """A save that runs out of space, on a 4 MB tmpfs holding a 3 MB ballast
    file (skipped where mount is not allowed): the error is logged with the
    reason, the old file stays, no temp file is left, rdb_last_bgsave_status
    is err and writes get MISCONF (save points set); once the ballast is
    gone the next save clears it.  Replies compared with redis-server's."""
    directory = os.path.join(work, "full")
    os.makedirs(directory)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", directory], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        print("disk full: mount not permitted here, skipped", flush=True)
        return
    process = None
    try:
        results = {}
        for name, binary in (("zkv", zkv), ("redis", redis_server)):
            for entry in os.listdir(directory):
                os.unlink(os.path.join(directory, entry))
            ballast = os.path.join(directory, "ballast")
            with open(ballast, "wb") as f:
                f.write(b"\0" * (3 << 20))
            extra = ["--save", "3600 1", "--rdbcompression", "no"]
            process, client = start(binary, directory, extra)
            client.execute_command("DEBUG", "POPULATE", "10")
            client.save()
            small = os.path.getsize(os.path.join(directory, "dump.rdb"))
            client.execute_command("DEBUG", "POPULATE", "20000", "big", "100")
            replies = []
            try:
                client.save()
                replies.append("SAVE ok")
            except redis.ResponseError as error:
                replies.append("SAVE -" + str(error))
            client.bgsave()
            wait_bgsave(client)
            replies.append(client.info("persistence")["rdb_last_bgsave_status"])
            try:
                client.set("x", "1")
                replies.append("SET ok")
            except redis.ResponseError as error:
                replies.append("SET -" + str(error)[:8])
            replies.append(client.get("big:1")[:7].decode())
            check(os.path.getsize(os.path.join(directory, "dump.rdb")) == small, name + ": the old file is intact")
            check(not [f for f in os.listdir(directory) if f.startswith("temp-")], name + ": no temp file left")
            os.unlink(ballast)
            client.bgsave()
            wait_bgsave(client)
            replies.append(client.info("persistence")["rdb_last_bgsave_status"])
            replies.append("SET ok" if client.set("x", "1") else "SET failed")
            log = open(LOGS[-1]).read()
            check("No space left on device" in log, name + ": the reason is logged")
            stop(process, client)
            process = None
            results[name] = replies
        print("disk full: %r" % results["zkv"], flush=True)
        check(results["zkv"] == results["redis"], "disk full: zkv %r, redis-server %r" % (results["zkv"], results["redis"]))
        check(results["zkv"] == ["SAVE -", "err", "SET -MISCONF ", "value:1", "ok", "SET ok"], "disk full sequence")
    finally:
        if process:
            process.kill()
            process.wait()
        subprocess.run(["umount", directory])


def test_loading(zkv, work):
    """A dump too big to load before the listeners open is loaded from the
    loop: meanwhile PING gets Redis's -LOADING error, INFO says loading:1
    with the loading_* fields, and the data is complete afterwards."""
    directory = os.path.join(work, "loading")
    os.makedirs(directory)
    process, client = start(zkv, directory)
    client.execute_command("DEBUG", "POPULATE", "2000000", "key", "100")
    client.save()
    stop(process, client)
    size = os.path.getsize(os.path.join(directory, "dump.rdb"))
    port = free_port()
    LOGS.append(os.path.join(LOGS_DIRECTORY[0], "server-%d.log" % port))
    process = subprocess.Popen([zkv, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                                "--enable-debug-command", "yes"], stdout=open(LOGS[-1], "w"), stderr=subprocess.STDOUT)
    client = redis.Redis(port=port, socket_timeout=60)
    errors, infos = set(), []
    while True:
        try:
            if client.execute_command("PING"):
                break
        except redis.BusyLoadingError as error:
            errors.add(str(error))
            infos.append(client.info("persistence"))
        except redis.ConnectionError:
            pass
        time.sleep(0.002)
    check(errors == {"Redis is loading the dataset in memory"}, "LOADING replies: %r" % errors)
    during = [i for i in infos if i["loading"] == 1]  # the last INFO may come after the end
    check(len(during) > 0 and all(i["loading_total_bytes"] == size and 0 <= i["loading_loaded_bytes"] <= size and
                                  i["loading_loaded_perc"] <= 100 for i in during),
          "INFO while loading: %r" % infos[:1])
    info = client.info("persistence")
    check(info["loading"] == 0 and "loading_total_bytes" not in info, "INFO after loading: %r" % info.get("loading"))
    check(client.dbsize() == 2000000, "all keys loaded: %d" % client.dbsize())
    check(info["rdb_last_load_keys_loaded"] == 2000000, "rdb_last_load_keys_loaded")
    print("loading: %d LOADING replies while loading" % len(infos), flush=True)
    stop(process, client)


def check_sanitizer_reports():
    """A sanitizer build reports into the servers' logs: any report fails."""
    for path in LOGS:
        text = open(path, errors="replace").read() if os.path.exists(path) else ""
        marks = [mark for mark in SANITIZER_MARKS if mark in text]
        check(not marks, "%s holds a sanitizer report (%s):\n%s" % (path, ", ".join(marks), text[-4000:]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    args = parser.parse_args()
    if not args.redis:
        print("redis-server not found: skipped")
        return 77
    work = tempfile.mkdtemp(prefix="zkv-snapshot-")
    LOGS_DIRECTORY[0] = work
    try:
        test_consistency(args.zkv, args.redis, work)
        test_flushes(args.zkv, work)
        test_disk_full(args.zkv, args.redis, work)
        test_loading(args.zkv, work)
    finally:
        check_sanitizer_reports()
        if FAILURES:
            for path in LOGS:
                print("== " + path + "\n" + open(path, errors="replace").read()[-3000:])
        shutil.rmtree(work, ignore_errors=True)
    print("%d failures" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
