#!/usr/bin/env python3
"""aof_faults: damaged AOF directories at start, and a full disk while
appending, with Redis 7.0's outcomes:

- a truncated last command loads (and the file is cut back) with
  aof-load-truncated yes, and stops start-up with it off;
- an unfinished MULTI at the end is dropped whole;
- garbage in the middle, a manifest naming a missing file, and a garbled
  manifest stop start-up with a message naming the file and the line;
- a single-file AOF of Redis < 7 (commands, or an RDB preamble and
  commands) is moved into the directory and loaded;
- redis-check-aof accepts what zkv wrote;
- a background fsync slower than a second (DEBUG AOF-FSYNC-DELAY) holds no
  reply and counts in aof_delayed_fsync;
- the disk filling up (a 1 MB tmpfs, when mount is allowed) turns writes
  into "-MISCONF Errors writing to the AOF file: No space left on device";
  once space is back they are accepted again, and everything acknowledged
  is there after a restart.

Servers are started on free ports and killed by PID.  Exit 0 on success,
1 on a failure.
Usage: aof_faults.py [--zkv PATH]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aof_differential import Server, encode  # noqa: E402

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL: " + what)


def start_fails(zkv, directory, extra=()):
    """Runs zkv expecting it to refuse to start; its output."""
    result = subprocess.run([zkv, "--port", "0", "--save", "", "--dir", directory, "--appendonly", "yes"]
                            + list(extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    return result.returncode, result.stdout.decode(errors="replace")


def fresh(zkv, root, name, commands):
    """A directory whose AOF holds `commands` (written by zkv, then killed)."""
    directory = os.path.join(root, name)
    os.mkdir(directory)
    server = Server([zkv], directory, ["--appendonly", "yes", "--appendfsync", "always"])
    for command in commands:
        server.call(command)
    server.stop()
    return directory


def incr_path(directory):
    return os.path.join(directory, "appendonlydir", "appendonly.aof.1.incr.aof")


def load(zkv, directory, extra=()):
    server = Server([zkv], directory, ["--appendonly", "yes"] + list(extra))
    try:
        return {key: server.call(["GET", key]) for key in sorted(server.call(["KEYS", "*"]))}
    finally:
        server.stop()


def test_truncated(zkv, root):
    directory = fresh(zkv, root, "truncated", [["SET", "a", "1"], ["SET", "b", "2"]])
    path = incr_path(directory)
    size = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$2\r\n3")
    code, output = start_fails(zkv, directory, ["--aof-load-truncated", "no"])
    check(code != 0 and "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" in output,
          "truncated tail with aof-load-truncated no refuses to start: %r" % output[-300:])
    check(load(zkv, directory) == {b"a": b"1", b"b": b"2"}, "truncated tail loads the whole commands")
    check(os.path.getsize(path) == size, "the truncated tail is cut back")
    log = open(os.path.join(directory, "server.log")).read()
    check("AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled" in log,
          "the truncation is logged")


def test_unfinished_multi(zkv, root):
    directory = fresh(zkv, root, "multi", [["SET", "a", "1"]])
    with open(incr_path(directory), "ab") as f:
        f.write(encode(["MULTI"]) + encode(["SET", "b", "2"]))
    check(load(zkv, directory) == {b"a": b"1"}, "an unfinished MULTI is dropped whole")


def test_corrupt_middle(zkv, root):
    directory = fresh(zkv, root, "corrupt", [["SET", "a", "1"]])
    path = incr_path(directory)
    data = open(path, "rb").read()
    open(path, "wb").write(data + b"garbage\r\n" + encode(["SET", "b", "2"]))
    code, output = start_fails(zkv, directory)
    check(code != 0 and "Bad file format reading the append only file appendonly.aof.1.incr.aof (line" in output,
          "garbage in the middle refuses to start naming file and line: %r" % output[-300:])
    open(path, "wb").write(data + encode(["NOSUCHCOMMAND", "x"]))
    code, output = start_fails(zkv, directory)
    check(code != 0 and "Unknown command 'NOSUCHCOMMAND' reading the append only file" in output,
          "an unknown command refuses to start: %r" % output[-300:])


def test_manifest_faults(zkv, root):
    directory = fresh(zkv, root, "manifest", [["SET", "a", "1"]])
    manifest = os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")
    original = open(manifest).read()
    open(manifest, "w").write(original + "file appendonly.aof.9.incr.aof seq 9 type i\n")
    code, output = start_fails(zkv, directory)
    check(code != 0 and "appendonly.aof.9.incr.aof" in output and "doesn't exist" in output,
          "a missing file refuses to start naming it: %r" % output[-300:])
    open(manifest, "w").write(original + "this is not a manifest line\n")
    code, output = start_fails(zkv, directory)
    check(code != 0 and "line 3" in output and "Invalid AOF manifest file format" in output,
          "a garbled manifest refuses to start naming the line: %r" % output[-300:])
    open(manifest, "w").write(original + "file x seq 1 type q\n")
    code, output = start_fails(zkv, directory)
    check(code != 0 and "Unknown AOF file type" in output, "an unknown type refuses: %r" % output[-300:])
    open(manifest, "w").write(original)
    check(load(zkv, directory) == {b"a": b"1"}, "the repaired manifest loads")


def test_upgrade(zkv, redis_check, root):
    directory = os.path.join(root, "upgrade")
    os.mkdir(directory)
    open(os.path.join(directory, "appendonly.aof"), "wb").write(encode(["SELECT", "0"]) + encode(["SET", "old", "1"]))
    check(load(zkv, directory) == {b"old": b"1"}, "a single-file AOF is upgraded and loaded")
    check(not os.path.exists(os.path.join(directory, "appendonly.aof")) and
          os.path.exists(os.path.join(directory, "appendonlydir", "appendonly.aof")), "the old file moved in")
    manifest = open(os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")).read()
    check(manifest.startswith("file appendonly.aof seq 1 type b\n"), "the old file is the base: %r" % manifest)
    # An RDB preamble followed by commands (Redis 4-6 with aof-use-rdb-preamble).
    directory = os.path.join(root, "preamble")
    os.mkdir(directory)
    server = Server([zkv], directory, ["--appendonly", "no"])
    server.call(["SET", "in-rdb", "1"])
    server.call(["SAVE"])
    server.stop()
    rdb = open(os.path.join(directory, "dump.rdb"), "rb").read()
    os.unlink(os.path.join(directory, "dump.rdb"))
    open(os.path.join(directory, "appendonly.aof"), "wb").write(rdb + encode(["SET", "in-tail", "2"]))
    check(load(zkv, directory) == {b"in-rdb": b"1", b"in-tail": b"2"}, "an RDB-preamble AOF loads both parts")
    if redis_check:
        result = subprocess.run([redis_check, os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        check(result.returncode == 0, "redis-check-aof accepts the upgraded directory")


def test_check_tool(zkv, redis_check, root):
    if not redis_check:
        return
    directory = fresh(zkv, root, "check", [["SET", "a", "1"], ["MULTI"], ["INCR", "n"], ["LPUSH", "l", "x"],
                                           ["EXEC"], ["EXPIRE", "a", "100"], ["BGREWRITEAOF"]])
    result = subprocess.run([redis_check, os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = result.stdout.decode(errors="replace")
    check(result.returncode == 0 and "All AOF files and manifest are valid" in output,
          "redis-check-aof accepts zkv's directory: %r" % output[-300:])


def wait_info(server, field, value, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if ("%s:%s" % (field, value)).encode() in server.call(["INFO", "persistence"]):
            return True
        time.sleep(0.05)
    return False


def test_auto_rewrite_and_enable(zkv, root):
    directory = os.path.join(root, "auto")
    os.mkdir(directory)
    server = Server([zkv], directory, ["--appendonly", "yes", "--auto-aof-rewrite-percentage", "100",
                                       "--auto-aof-rewrite-min-size", "64kb"])
    try:
        for i in range(200):
            server.call(["SET", "key:%d" % i, "v" * 1000])
        check(wait_info(server, "aof_rewrites", "1"), "the AOF past 64kb and twice its base is rewritten")
        check(wait_info(server, "aof_rewrite_in_progress", "0"), "the automatic rewrite ends")
        manifest = open(os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")).read()
        check(manifest == "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n",
              "the manifest names the new base and incr only: %r" % manifest)
        # Turning logging off and on at run time writes a new base first.
        check(server.call(["CONFIG", "SET", "appendonly", "no"]) == b"OK", "CONFIG SET appendonly no")
        server.call(["SET", "while-off", "1"])
        server.call(["CONFIG", "SET", "rdb-key-save-delay", "20000"])
        check(server.call(["CONFIG", "SET", "appendonly", "yes"]) == b"OK", "CONFIG SET appendonly yes")
        check(server.call(["SHUTDOWN"]) == b"-ERR Errors trying to SHUTDOWN. Check logs.",
              "SHUTDOWN refused while the first base is written")
        server.call(["CONFIG", "SET", "rdb-key-save-delay", "0"])
        check(wait_info(server, "aof_rewrite_in_progress", "0"), "the first rewrite ends")
        server.call(["SET", "after-on", "1"])
    finally:
        server.stop()
    loaded = load(zkv, directory)
    check(loaded.get(b"while-off") == b"1" and loaded.get(b"after-on") == b"1" and len(loaded) == 202,
          "the data written while off and after is in the AOF (%d keys)" % len(loaded))
    log = open(os.path.join(directory, "server.log")).read()
    check("Writing initial AOF, can't exit." in log, "the refusal is logged")


def test_slow_fsync(zkv, root):
    """appendfsync everysec with fsyncs of 2.5 s (DEBUG AOF-FSYNC-DELAY):
    the loop goes on answering, aof_delayed_fsync counts the overdue
    fsyncs, and every acknowledged write is in the file."""
    directory = os.path.join(root, "slow-fsync")
    os.mkdir(directory)
    server = Server([zkv], directory, ["--appendonly", "yes", "--appendfsync", "everysec"])
    written, slowest = 0, 0.0
    try:
        check(server.call(["DEBUG", "AOF-FSYNC-DELAY", "2500000"]) == b"OK", "DEBUG AOF-FSYNC-DELAY")
        start = time.time()
        while time.time() - start < 6:
            before = time.time()
            reply = server.call(["SET", "key:%d" % written, "v"])
            slowest = max(slowest, time.time() - before)
            check(reply == b"OK", "SET during slow fsyncs: %r" % reply)
            written += 1
        info = server.call(["INFO", "persistence"]).decode()
        delayed = int(info.split("aof_delayed_fsync:")[1].split("\r\n")[0])
        check(delayed >= 1, "aof_delayed_fsync counts the overdue fsyncs (%d)" % delayed)
        check(slowest < 0.5, "no reply waits for the slow fsync (slowest %.3f s)" % slowest)
        server.call(["DEBUG", "AOF-FSYNC-DELAY", "0"])
    finally:
        server.stop()
    loaded = load(zkv, directory)
    check(len(loaded) == written, "every acknowledged write is in the AOF (%d of %d)" % (len(loaded), written))


def test_disk_full(zkv, root):
    directory = os.path.join(root, "full")
    os.mkdir(directory)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", directory],
                      stderr=subprocess.DEVNULL).returncode != 0:
        print("disk full: mount not allowed here, skipped")
        return
    try:
        server = Server([zkv], directory, ["--appendonly", "yes"])
        acknowledged = {}
        refused = None
        value = "v" * 1000
        try:
            for i in range(5000):
                reply = server.call(["SET", "key:%d" % i, value])
                if reply == b"OK":
                    acknowledged["key:%d" % i] = value
                elif reply.startswith(b"-MISCONF"):
                    refused = reply
                    break
            check(refused == b"-MISCONF Errors writing to the AOF file: No space left on device",
                  "a full disk refuses writes with Redis's MISCONF: %r" % refused)
            info = server.call(["INFO", "persistence"])
            check(b"aof_last_write_status:err" in info, "INFO shows the write error")
            check(server.call(["GET", "key:0"]) == value.encode(), "reads still work")
            # Room again: the tmpfs grows.
            subprocess.run(["mount", "-o", "remount,size=64m", directory], check=True)
            deadline = time.time() + 10
            while time.time() < deadline and server.call(["SET", "after", "1"]) != b"OK":
                time.sleep(0.2)
            check(server.call(["GET", "after"]) == b"1", "writes are accepted again once there is room")
            acknowledged["after"] = "1"
        finally:
            server.stop()
        server = Server([zkv], directory, ["--appendonly", "yes"])
        try:
            missing = [k for k, v in acknowledged.items() if server.call(["GET", k]) != v.encode()]
        finally:
            server.stop()
        check(not missing, "every acknowledged write survives (%d missing)" % len(missing))
    finally:
        subprocess.run(["umount", "-l", directory])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    options = parser.parse_args()
    redis_check = shutil.which("redis-check-aof")
    root = tempfile.mkdtemp(prefix="aof-faults-")
    try:
        test_truncated(options.zkv, root)
        test_slow_fsync(options.zkv, root)
        test_unfinished_multi(options.zkv, root)
        test_corrupt_middle(options.zkv, root)
        test_manifest_faults(options.zkv, root)
        test_upgrade(options.zkv, redis_check, root)
        test_check_tool(options.zkv, redis_check, root)
        test_auto_rewrite_and_enable(options.zkv, root)
        test_disk_full(options.zkv, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
