#!/usr/bin/python3
"""RDB persistence against zkv-server and, when installed, Debian's
redis-server 7.0.15 and redis-check-rdb: save/restart round trips, files and
DUMP payloads moved both ways, function libraries (FUNCTION2 records) both ways,
RESTORE's errors byte for byte, corrupt files
refused at start with the file named, MISCONF and SHUTDOWN faults.

Exit 0 on success, 1 on a failure, 77 when redis-server is missing (the
cross-compatibility half cannot run)."""
import argparse
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import redis

import persist_collections
import persist_functions
import persist_lists_zsets
import persist_streams

FAILURES = []
LOG_DIRECTORY = [tempfile.gettempdir()]


def check(condition, what):
    if not condition:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, directory, extra=(), expect_start=True):
        self.port = free_port()
        self.directory = directory
        self.log = os.path.join(LOG_DIRECTORY[0], "server-%d.log" % self.port)
        argv = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", directory,
                "--appendonly", "no"] + list(extra)
        if "--save" not in extra:
            argv += ["--save", ""]
        self.process = subprocess.Popen(argv, stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        self.client = None
        if not expect_start:
            return
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                self.client = redis.Redis(port=self.port, socket_timeout=30)
                self.client.ping()
                return
            except (redis.ConnectionError, redis.BusyLoadingError):
                if self.process.poll() is not None:
                    raise RuntimeError("server exited: " + open(self.log).read())
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def exit_code(self, timeout=10):
        return self.process.wait(timeout)

    def stop(self, sig=signal.SIGKILL):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(30)

    def log_text(self):
        return open(self.log).read()


def crc64(data, crc=0):
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
    return crc


def fill(client):
    """Strings of every encoding, TTLs, 16 databases; returns what was set."""
    rng = random.Random(17)
    data = {}
    values = ["0", "-1", "127", "-128", "128", "32767", "-32768", "32768", "2147483647", "-2147483648",
              "2147483648", "9223372036854775807", "007", "+1", " 1", "", "x" * 20, "x" * 21, "x" * 100,
              "ab" * 3000, bytes(rng.randrange(256) for _ in range(5000)), b"bin\x00ary\r\n",
              "y" * 300, "1.5"]
    for db in range(16):
        client.execute_command("SELECT", db)
        for i, value in enumerate(values):
            key = "k:%d:%d" % (db, i)
            client.set(key, value)
            data[(db, key)] = (value if isinstance(value, bytes) else value.encode(), -1)
        for i in range(50):
            key = "ttl:%d:%d" % (db, i)
            ms = rng.randrange(100000, 10000000)
            client.set(key, "v%d" % i, px=ms)
            data[(db, key)] = (("v%d" % i).encode(), ms)
    client.execute_command("SELECT", 0)
    return data


def compare(client, data, label):
    total = 0
    for db in range(16):
        client.execute_command("SELECT", db)
        total += client.dbsize()
    client.execute_command("SELECT", 0)
    check(total == len(data), "%s: %d keys, expected %d" % (label, total, len(data)))
    for (db, key), (value, ms) in data.items():
        client.execute_command("SELECT", db)
        got = client.get(key)
        if got != value:
            check(False, "%s: db %d key %s value %r != %r" % (label, db, key, got[:40] if got else got, value[:40]))
            return
        pttl = client.pttl(key)
        if ms < 0:
            check(pttl == -1, "%s: %s pttl %d, expected none" % (label, key, pttl))
        elif not (ms - 60000 <= pttl <= ms):
            check(False, "%s: %s pttl %d, expected about %d" % (label, key, pttl, ms))
            return
    client.execute_command("SELECT", 0)


def test_round_trip(zkv, work):
    directory = os.path.join(work, "round")
    os.makedirs(directory)
    server = Server(zkv, directory)
    data = fill(server.client)
    check(server.client.object("encoding", "k:0:5") in (b"int", "int"), "int encoding before save")
    check(server.client.save() is True, "SAVE replies OK")
    info = server.client.info("persistence")
    check(info["rdb_changes_since_last_save"] == 0 and info["rdb_saves"] == 1, "INFO after SAVE: %r" % info)
    server.stop()
    server = Server(zkv, directory)
    compare(server.client, data, "zkv restart")
    check(server.client.object("encoding", "k:0:5") in (b"int", "int"), "int encoding after load")
    check("keys loaded: %d" % len(data) in server.log_text(), "load log line")
    info = server.client.info("persistence")
    check(info["rdb_last_load_keys_loaded"] == len(data), "rdb_last_load_keys_loaded")
    # BGSAVE: the child writes the same data.
    server.client.set("after", "bgsave")
    data[(0, "after")] = (b"bgsave", -1)
    check(server.client.bgsave() is True, "BGSAVE")
    for _ in range(400):
        if server.client.info("persistence")["rdb_bgsave_in_progress"] == 0:
            break
        time.sleep(0.025)
    info = server.client.info("persistence")
    check(info["rdb_last_bgsave_status"] == "ok" and info["rdb_saves"] == 1, "BGSAVE finished ok: %r" % info)
    check(not [f for f in os.listdir(directory) if f.startswith("temp-")], "no temp file left")
    server.client.shutdown(nosave=True)
    server.exit_code()
    server = Server(zkv, directory)
    compare(server.client, data, "zkv after BGSAVE")
    server.stop()
    return os.path.join(directory, "dump.rdb"), data


def test_cross(zkv, redis_server, work, zkv_file, data):
    checker = shutil.which("redis-check-rdb")
    if checker:
        result = subprocess.run([checker, zkv_file], capture_output=True, text=True)
        check(result.returncode == 0 and "RDB looks OK" in result.stdout, "redis-check-rdb: " + result.stdout[-300:])
    directory = os.path.join(work, "redis-loads-zkv")
    os.makedirs(directory)
    shutil.copy(zkv_file, os.path.join(directory, "dump.rdb"))
    server = Server(redis_server, directory)
    compare(server.client, data, "redis-server on zkv's file")
    # Redis writes the same data: its file loads in zkv, and the sizes agree.
    server.client.save()
    server.stop()
    redis_file = os.path.join(directory, "dump.rdb")
    size_zkv, size_redis = os.path.getsize(zkv_file), os.path.getsize(redis_file)
    check(abs(size_zkv - size_redis) <= size_redis // 100, "file sizes %d vs %d" % (size_zkv, size_redis))
    back = os.path.join(work, "zkv-loads-redis")
    os.makedirs(back)
    shutil.copy(redis_file, os.path.join(back, "dump.rdb"))
    server = Server(zkv, back)
    compare(server.client, data, "zkv on redis-server's file")
    server.stop()


def test_dump_restore(zkv, redis_server, work):
    directory = os.path.join(work, "dump")
    os.makedirs(directory)
    z, r = Server(zkv, directory), Server(redis_server, directory)
    zc, rc = z.client, r.client
    for value in ["hello", "12345", "-7", "x" * 100, "2147483648", "", b"\x00\xff" * 40]:
        zc.set("v", value)
        rc.set("v", value)
        zd, rd = zc.dump("v"), rc.dump("v")
        check(zd == rd, "DUMP of %r: %r vs %r" % (value[:10], zd[:20], rd[:20]))
        check(zc.restore("w", 0, rd, replace=True) in (True, b"OK") and zc.get("w") == rc.get("v"),
              "zkv restores redis DUMP")
        check(rc.restore("w", 0, zd, replace=True) in (True, b"OK") and rc.get("w") == zc.get("v"),
              "redis restores zkv DUMP")
    payload = rc.dump("v")

    def reply(client, *args):
        try:
            return client.execute_command(*args)
        except redis.ResponseError as error:
            return "ERR:" + str(error)

    cases = [("RESTORE", "v", 0, payload), ("RESTORE", "n", -1, payload), ("RESTORE", "n", "x", payload),
             ("RESTORE", "n", 0, b"garbage"), ("RESTORE", "n", 0, payload[:-1] + b"\x00"),
             ("RESTORE", "n", 0, payload, "IDLETIME", -1), ("RESTORE", "n", 0, payload, "FREQ", 256),
             ("RESTORE", "n", 0, payload, "IDLETIME", 1, "FREQ", 1), ("RESTORE", "n", 0, payload, "BOGUS"),
             ("RESTORE", "n", 0, payload, "IDLETIME"), ("RESTORE", "n", 0, b"\x00\x05hel\x0a\x00" + b"\x00" * 8),
             ("DUMP", "missing"), ("RESTORE", "v", 0, payload, "REPLACE", "ABSTTL"),
             ("RESTORE", "p", 1, payload, "ABSTTL"), ("EXISTS", "p")]
    for case in cases:
        zr, rr = reply(zc, *case), reply(rc, *case)
        check(zr == rr, "%r: zkv %r, redis %r" % (case[:3], zr, rr))
    # Bad data behind a right checksum: an unknown type byte, a truncated value.
    for body in [b"\x63\x01a", b"\x00\x85ab", b"\x00\xc3\x05\x40\x64\x01xx"]:
        forged = body + b"\x0a\x00"
        forged += struct.pack("<Q", crc64(forged))
        zr, rr = reply(zc, "RESTORE", "f", 0, forged), reply(rc, "RESTORE", "f", 0, forged)
        check(zr == "ERR:Bad data format" and zr == rr, "forged payload %r: zkv %r redis %r" % (body, zr, rr))
    # Random corruption never crashes zkv.
    rng = random.Random(5)
    zc.set("big", "abc" * 500)
    good = zc.dump("big")
    for _ in range(2000):
        bad = bytearray(good)
        for _ in range(rng.randrange(1, 3)):
            bad[rng.randrange(len(bad))] = rng.randrange(256)
        reply(zc, "RESTORE", "fuzz", 0, bytes(bad), "REPLACE")
    check(zc.ping() is True, "zkv alive after corrupt RESTOREs")
    z.stop()
    r.stop()


def build_file(body, version=b"0010", checksum=True):
    data = b"REDIS" + version + body + b"\xff"
    return data + struct.pack("<Q", crc64(data) if checksum else 0)


def test_bad_files(zkv, work):
    good = build_file(b"\xfe\x00\xfb\x02\x00\x00\x01a\x05hello\x00\x01b\x05world")
    duplicated = build_file(b"\xfe\x00\x00\x01a\x01x\x00\x01a\x01y")
    flipped = bytearray(good)
    flipped[-12] ^= 1
    cases = {"truncated": (good[:-15], "Unexpected EOF"), "crc": (bytes(flipped), "RDB CRC error"),
             "garbage": (b"hello world, not an rdb file\n", "Wrong signature"),
             "empty": (b"", "Short read"), "version": (b"REDIS0012" + good[9:], "Can't handle RDB format version 12"),
             "duplicated": (duplicated, "RDB has duplicated key 'a' in DB 0"),
             "module aux": (build_file(b"\xf7\x01"), "AUX module data"),
             # A stream of no nodes cut before its counters (streams load since issue 23).
             "stream": (build_file(b"\xfe\x00\x13\x01s\x00"), "RDB type 19): Unexpected string encoding")}
    for name, (content, reason) in cases.items():
        directory = os.path.join(work, "bad-" + name.replace(" ", "-"))
        os.makedirs(directory)
        with open(os.path.join(directory, "dump.rdb"), "wb") as f:
            f.write(content)
        server = Server(zkv, directory, expect_start=False)
        try:
            code = server.exit_code(15)
        except subprocess.TimeoutExpired:
            server.stop()
            code = None
        log = server.log_text()
        check(code == 1, "%s file: exit code %r" % (name, code))
        check("dump.rdb" in log and reason in log, "%s file: log %r" % (name, log[-300:]))
        if name not in ("garbage", "empty", "version"):  # refused past the header: Redis's lines too
            check("Internal error in RDB reading offset" in log and
                  "Terminating server after rdb file reading failure." in log, "%s file: Redis's lines" % name)
    test_empty_keys(zkv, work)
    test_key_load_delay(zkv, work)
    # A file saved without checksum loads; a stale temp file is removed.
    directory = os.path.join(work, "nocrc")
    os.makedirs(directory)
    with open(os.path.join(directory, "dump.rdb"), "wb") as f:
        f.write(build_file(b"\xfe\x00\x00\x01a\x05hello", checksum=False))
    with open(os.path.join(directory, "temp-999999.rdb"), "wb") as f:
        f.write(b"partial")
    server = Server(zkv, directory)
    check(server.client.get("a") == b"hello", "file without checksum loads")
    check(not os.path.exists(os.path.join(directory, "temp-999999.rdb")), "stale temp file removed")
    server.stop()


def test_empty_keys(zkv, work):
    """Empty collections in a file (written by old Redis bugs) are skipped
    with Redis's log lines, the rest of the file loads."""
    empty_listpack = struct.pack("<IH", 7, 0) + b"\xff"
    empty_ziplist = struct.pack("<IIH", 11, 10, 0) + b"\xff"
    body = (b"\xfe\x00\x02\x03set\x00" + b"\x04\x04hash\x00" + b"\x05\x04zset\x00" +
            b"\x12\x02ql\x00" + b"\x12\x03ql2\x01\x02" + bytes([len(empty_listpack)]) + empty_listpack +
            b"\x0e\x03qlz\x01" + bytes([len(empty_ziplist)]) + empty_ziplist +
            b"\x10\x02hl" + bytes([len(empty_listpack)]) + empty_listpack +
            b"\x11\x02zl" + bytes([len(empty_listpack)]) + empty_listpack +
            b"\x0a\x02lz" + bytes([len(empty_ziplist)]) + empty_ziplist + b"\x00\x04kept\x01v")
    directory = os.path.join(work, "empty-keys")
    os.makedirs(directory)
    with open(os.path.join(directory, "dump.rdb"), "wb") as f:
        f.write(build_file(body))
    server = Server(zkv, directory)
    check(server.client.dbsize() == 1 and server.client.get("kept") == b"v", "empty keys skipped, the rest loads")
    log = server.log_text()
    for key in ("set", "hash", "zset", "ql", "ql2", "qlz", "hl", "zl", "lz"):
        check("rdbLoadObject skipping empty key: %s\n" % key in log, "empty key %s logged" % key)
    check("Done loading RDB, keys loaded: 1, keys expired: 0, empty keys skipped: 9." in log,
          "empty keys counted: " + log[-400:])
    server.stop()


def test_key_load_delay(zkv, work):
    """key-load-delay (Redis's testing aid) makes a small file load slowly:
    a client connecting meanwhile is accepted (the port is bound before the
    load, as in Redis) and gets -LOADING, INFO says loading:1."""
    directory = os.path.join(work, "slow-load")
    os.makedirs(directory)
    body = b"\xfe\x00" + b"".join(b"\x00" + bytes([len(k)]) + k + b"\x01v" for k in
                                   (b"key:%04d" % i for i in range(600)))
    with open(os.path.join(directory, "dump.rdb"), "wb") as f:
        f.write(build_file(body))
    server = Server(zkv, directory, ["--key-load-delay", "2000", "--loading-process-events-interval-bytes", "1024"],
                    expect_start=False)
    started = time.time()
    client = redis.Redis(port=server.port, socket_timeout=30)
    replies, loading = [], []
    while time.time() - started < 20:
        try:
            replies.append(client.ping())
            break
        except redis.BusyLoadingError as error:
            replies.append(str(error))
            loading.append(client.info("persistence")["loading"])  # the last may see the end
            time.sleep(0.05)
        except redis.ConnectionError:
            time.sleep(0.01)
    check("Redis is loading the dataset in memory" in replies, "-LOADING while a slow file loads: %r" % replies[:3])
    check(1 in loading, "INFO loading:1 while loading: %r" % loading)
    check(replies[-1] is True and client.dbsize() == 600, "the slow file loaded")
    check(time.time() - started >= 1.0, "key-load-delay slowed the load")
    server.stop()


MISCONF = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. "
           "Commands that may modify the data set are disabled, because this instance is configured to report "
           "errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check "
           "the Redis logs for details about the RDB error.")


def test_faults(zkv, work):
    directory = os.path.join(work, "faults")
    os.makedirs(directory)
    doomed = os.path.join(directory, "doomed")
    os.makedirs(doomed)
    server = Server(zkv, directory, ["--save", "3600 1"])
    server.stop()
    # A server whose directory then disappears: saves fail.
    server = Server(zkv, doomed, ["--save", "3600 1"])
    c = server.client
    c.set("a", "1")
    os.rmdir(doomed) if not os.listdir(doomed) else shutil.rmtree(doomed)
    try:
        c.save()
        check(False, "SAVE into a deleted directory succeeded")
    except redis.ResponseError as error:
        # redis-py strips the "ERR" code: the reply was a bare "-ERR".
        check(str(error) == "", "SAVE failure reply %r" % str(error))
    c.bgsave()
    for _ in range(200):
        if c.info("persistence")["rdb_bgsave_in_progress"] == 0:
            break
        time.sleep(0.025)
    check(c.info("persistence")["rdb_last_bgsave_status"] == "err", "bgsave status err")
    for command in [("SET", "b", "2"), ("PING",)]:
        try:
            c.execute_command(*command)
            check(False, "%r accepted under MISCONF" % (command,))
        except redis.ResponseError as error:
            check(str(error) == MISCONF, "MISCONF text: %r" % str(error))
    check(c.get("a") == b"1", "reads still work under MISCONF")
    try:
        c.shutdown()
        check(False, "SHUTDOWN succeeded without a disk")
    except redis.ResponseError as error:
        check(str(error) == "Errors trying to SHUTDOWN. Check logs.", "SHUTDOWN failure: %r" % str(error))
    except redis.ConnectionError:
        check(False, "SHUTDOWN exited without a disk")
    check("Error trying to save the DB, can't exit." in server.log_text(), "shutdown failure logged")
    c.config_set("stop-writes-on-bgsave-error", "no")
    check(c.set("b", "2") is True, "writes resume with stop-writes-on-bgsave-error no")
    try:
        c.config_set("dir", directory)
        check(False, "CONFIG SET dir allowed by default")
    except redis.ResponseError as error:
        check("can't set protected config" in str(error), "protected dir: %r" % str(error))
    server.stop()
    # SIGTERM with save points saves; SHUTDOWN NOSAVE does not.
    target = os.path.join(work, "sigterm")
    os.makedirs(target)
    server = Server(zkv, target, ["--save", "3600 1"])
    server.client.set("kept", "yes")
    server.stop(signal.SIGTERM)
    server = Server(zkv, target)
    check(server.client.get("kept") == b"yes", "SIGTERM saved the data")
    server.client.set("lost", "yes")
    server.client.shutdown(nosave=True)
    server.exit_code()
    server = Server(zkv, target)
    check(server.client.get("lost") is None, "SHUTDOWN NOSAVE did not save")
    # FLUSHALL with save points writes the empty dataset.
    server.client.config_set("save", "3600 1")
    check(server.client.config_get("save")["save"] == "3600 1", "CONFIG GET save")
    server.client.flushall()
    server.stop()
    server = Server(zkv, target)
    check(server.client.dbsize() == 0, "FLUSHALL saved the empty dataset")
    server.stop()


SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def check_sanitizer_reports(work):
    """A sanitizer build reports into the servers' logs, not through exit
    codes the tests see: any report fails the run."""
    for name in sorted(os.listdir(work)):
        if not name.endswith(".log"):
            continue
        text = open(os.path.join(work, name), errors="replace").read()
        marks = [mark for mark in SANITIZER_MARKS if mark in text]
        check(not marks, "%s holds a sanitizer report (%s):\n%s" % (name, ", ".join(marks), text[-4000:]))


LIBRARIES = {
    "mylib": "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)",
    "rolib": "#!lua name=rolib\nredis.register_function{function_name='ro', callback=function() return 2 end, "
             "flags={'no-writes'}}",
}


def library_names(client):
    names = []
    for library in client.execute_command("FUNCTION", "LIST"):
        fields = dict(zip(library[::2], library[1::2]))
        name = fields.get(b"library_name", fields.get("library_name"))
        names.append(name.decode() if isinstance(name, bytes) else name)
    return sorted(names)


def test_function_libraries(zkv, redis_server, work):
    """Function libraries are saved as FUNCTION2 records (SAVE, BGSAVE),
    come back at start-up and with DEBUG RELOAD, and files go both ways
    with redis-server."""
    directory = os.path.join(work, "libraries")
    os.makedirs(directory)
    server = Server(zkv, directory, ["--enable-debug-command", "yes"])
    for code in LIBRARIES.values():
        server.client.execute_command("FUNCTION", "LOAD", code)
    check(server.client.save() is True, "SAVE with libraries")
    check(server.client.execute_command("DEBUG", "RELOAD") in (b"OK", "OK", True), "DEBUG RELOAD")
    check(library_names(server.client) == sorted(LIBRARIES), "libraries after DEBUG RELOAD")
    server.stop()
    server = Server(zkv, directory)
    check(library_names(server.client) == sorted(LIBRARIES), "libraries after restart")
    check(server.client.execute_command("FCALL", "myfunc", 0, "hi") in (b"hi", "hi"), "FCALL after restart")
    check(server.client.execute_command("FCALL_RO", "ro", 0) == 2, "FCALL_RO after restart")
    server.client.execute_command("FUNCTION", "DELETE", "rolib")
    check(server.client.bgsave() is True, "BGSAVE with libraries")
    for _ in range(400):
        if server.client.info("persistence")["rdb_bgsave_in_progress"] == 0:
            break
        time.sleep(0.025)
    server.stop()
    server = Server(redis_server, directory)
    check(library_names(server.client) == ["mylib"], "redis-server loads zkv's libraries")
    server.client.execute_command("FUNCTION", "LOAD", LIBRARIES["rolib"])
    server.client.save()
    server.stop()
    server = Server(zkv, directory)
    check(library_names(server.client) == sorted(LIBRARIES), "zkv loads redis-server's libraries")
    server.stop()
    # The FUNCTION record of Redis 7.0's release candidates (name, engine,
    # description, code without shebang) loads in both servers.
    def string(text):
        return bytes([len(text)]) + text
    blob = b"redis.register_function('rcf', function() return 'rc' end)"
    candidate = build_file(b"\xf6" + string(b"rclib") + string(b"LUA") + b"\x01" + string(b"old") + string(blob))
    for binary, label in ((zkv, "zkv"), (redis_server, "redis-server")):
        rc_directory = os.path.join(work, "functions-rc-" + label)
        os.makedirs(rc_directory)
        with open(os.path.join(rc_directory, "dump.rdb"), "wb") as f:
            f.write(candidate)
        server = Server(binary, rc_directory)
        check(server.client.execute_command("FCALL", "rcf", 0) in (b"rc", "rc"), "%s: release-candidate record" % label)
        server.stop()
    # A library that does not load refuses the file, naming the reason.
    broken = os.path.join(work, "functions-broken")
    os.makedirs(broken)
    with open(os.path.join(broken, "dump.rdb"), "wb") as f:
        f.write(build_file(b"\xf5" + string(b"#!lua name=bad\nthis is not lua")))
    server = Server(zkv, broken, expect_start=False)
    try:
        code = server.exit_code(15)
    except subprocess.TimeoutExpired:
        server.stop()
        code = None
    check(code == 1 and "Failed loading library, " in server.log_text(), "broken library: %r" % code)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    args = parser.parse_args()
    if not args.redis:
        print("redis-server not found: skipped")
        return 77
    work = tempfile.mkdtemp(prefix="zkv-persist-")
    LOG_DIRECTORY[0] = work
    try:
        zkv_file, data = test_round_trip(args.zkv, work)
        test_cross(args.zkv, args.redis, work, zkv_file, data)
        test_dump_restore(args.zkv, args.redis, work)
        test_function_libraries(args.zkv, args.redis, work)
        persist_collections.run(sys.modules[__name__], args.zkv, args.redis, work)
        persist_lists_zsets.run(sys.modules[__name__], args.zkv, args.redis, work)
        persist_streams.run(sys.modules[__name__], args.zkv, args.redis, work)
        persist_functions.run(sys.modules[__name__], args.zkv, args.redis, work)
        test_bad_files(args.zkv, work)
        test_faults(args.zkv, work)
    finally:
        check_sanitizer_reports(work)
        shutil.rmtree(work, ignore_errors=True)
    print("%d failures" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
