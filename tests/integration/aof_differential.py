#!/usr/bin/env python3
"""aof_differential: the same commands to zkv and to redis-server 7.0.15, both
with appendonly yes; their incremental AOF files must hold the same commands
(what Redis propagates: PEXPIREAT for relative TTLs, SET ... PXAT, LPOP for a
served BLPOP, SREM for SPOP, MULTI/EXEC around transactions and scripts, DEL
for expired keys, SELECT when the database changes), then each server's
directory must load in the other server and in a restarted zkv to the same
data.

Absolute times a server computes from its own clock (PXAT/PEXPIREAT of a
relative TTL) may differ by the time between the two servers receiving the
command: such numbers are compared within 10 s.  SPOP picks members at
random, so its SREMs are compared by shape (count, key) and the data after
it by value.  Active expiry is switched off on both (DEBUG SET-ACTIVE-EXPIRE
0) so an expired key's DEL comes from the same command on both.

Exit 0 when identical, 1 on differences, 77 (skipped) without redis-server.
Usage: aof_differential.py [--zkv PATH] [--redis PATH] [--seeds N] [--commands N]
"""
import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import command_generators, encode, free_port  # noqa: E402


def read_reply(stream):
    line = stream.readline()
    if not line:
        raise RuntimeError("connection closed")
    kind = line[:1]
    if kind == b"$":
        length = int(line[1:-2])
        return None if length < 0 else stream.read(length + 2)[:-2]
    if kind == b"*":
        count = int(line[1:-2])
        return None if count < 0 else [read_reply(stream) for _ in range(count)]
    if kind == b":":
        return int(line[1:-2])
    if kind == b"+":
        return line[1:-2]
    return line[:-2]  # an error keeps its '-'


class Server:
    def __init__(self, argv, directory, extra=()):
        self.port = free_port()
        self.directory = directory
        self.log = open(os.path.join(directory, "server.log"), "ab")
        self.process = subprocess.Popen(argv + ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                                "--dir", directory, "--enable-debug-command", "yes"] + list(extra),
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                break
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise RuntimeError("could not start %s in %s" % (argv[0], directory))
                time.sleep(0.05)
        self.stream = self.sock.makefile("rb")
        while self.call(["PING"]) != b"PONG":  # -LOADING while a big file loads
            time.sleep(0.05)

    def call(self, arguments):
        self.sock.sendall(encode(arguments))
        return read_reply(self.stream)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def shutdown(self):
        try:
            self.sock.sendall(encode(["SHUTDOWN", "NOSAVE"]))
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.stop()


def collection_generators(rng):
    keys = ["c%d" % i for i in range(6)]
    key = lambda: rng.choice(keys)
    member = lambda: rng.choice(["a", "b", "c", "1", "2", "300", "x" * 30])
    score = lambda: rng.choice(["1", "2.5", "-1", "10", "inf"])
    return [
        lambda: ["RPUSH", key()] + [member() for _ in range(rng.randint(1, 3))],
        lambda: ["LPUSH", key(), member()], lambda: ["LPOP", key()] + rng.choice([[], ["2"]]),
        lambda: ["BLPOP", key(), key(), "0.01"], lambda: ["BRPOP", key(), "0.01"],
        lambda: ["BLMOVE", key(), key(), rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"]), "0.01"],
        lambda: ["BRPOPLPUSH", key(), key(), "0.01"], lambda: ["LMPOP", "2", key(), key(), "LEFT", "COUNT", "2"],
        lambda: ["BLMPOP", "0.01", "1", key(), "RIGHT", "COUNT", "5"],
        lambda: ["LMOVE", key(), key(), "LEFT", "RIGHT"], lambda: ["LSET", key(), "0", member()],
        lambda: ["LTRIM", key(), "0", "2"], lambda: ["LREM", key(), "0", member()],
        lambda: ["SADD", key()] + [member() for _ in range(rng.randint(1, 3))], lambda: ["SREM", key(), member()],
        lambda: ["SMOVE", key(), key(), member()], lambda: ["SINTERSTORE", key(), key(), key()],
        lambda: ["HSET", key(), member(), member()], lambda: ["HDEL", key(), member()],
        lambda: ["HINCRBY", key(), member(), "3"], lambda: ["HINCRBYFLOAT", key(), member(), "1.5"],
        lambda: ["ZADD", key(), score(), member()], lambda: ["ZINCRBY", key(), "2", member()],
        lambda: ["ZPOPMIN", key()], lambda: ["ZPOPMAX", key(), "2"], lambda: ["BZPOPMIN", key(), "0.01"],
        lambda: ["BZPOPMAX", key(), key(), "0.01"], lambda: ["ZMPOP", "1", key(), "MIN", "COUNT", "2"],
        lambda: ["BZMPOP", "0.01", "2", key(), key(), "MAX"], lambda: ["ZREM", key(), member()],
        lambda: ["ZUNIONSTORE", key(), "2", key(), key()],
    ]


def transaction_generators(rng, simple):
    def multi():
        return [["MULTI"]] + [rng.choice(simple)() for _ in range(rng.randint(0, 4))] + [["EXEC"]]

    def script():
        body = "redis.call('incr', KEYS[1]) redis.call('set', KEYS[2], ARGV[1]) return 1"
        return [["EVAL", body, "2", "s1", "s2", str(rng.randint(0, 9))]]

    def short_ttl():
        k = "t%d" % rng.randint(0, 2)
        return [["SET", k, "v", "PX", "1"], ["__SLEEP__"], [rng.choice(["GET", "INCR", "EXISTS"]), k]]

    return [multi, script, short_ttl]


def parse_aof(path):
    """The commands of an AOF file, #TS annotations skipped."""
    commands = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = data.index(b"\r\n", pos)
        count = int(data[pos + 1:end])
        pos = end + 2
        command = []
        for _ in range(count):
            end = data.index(b"\r\n", pos)
            length = int(data[pos + 1:end])
            command.append(data[end + 2:end + 2 + length])
            pos = end + 2 + length + 2
        commands.append(command)
    return commands


def incr_files(directory):
    manifest = open(os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")).read().split("\n")
    names = [line.split()[1] for line in manifest if line.endswith("type i")]
    return [os.path.join(directory, "appendonlydir", name) for name in names]


def same_argument(a, b):
    if a == b:
        return True
    try:
        x, y = int(a), int(b)
    except ValueError:
        return False
    return x > 10 ** 12 and abs(x - y) <= 10000


def compare_aofs(expected, actual):
    differences = 0
    if len(expected) != len(actual):
        print("AOF command counts differ: redis %d, zkv %d" % (len(expected), len(actual)))
        differences += 1
    for index, (e, a) in enumerate(zip(expected, actual)):
        same = len(e) == len(a) and all(same_argument(x, y) for x, y in zip(e, a))
        if not same and e[:1] == [b"SREM"] and a[:1] == [b"SREM"] and len(e) == len(a) and e[1] == a[1]:
            same = True  # SPOP's member is random
        if not same:
            differences += 1
            if differences <= 10:
                context = expected[max(0, index - 3):index]
                print("AOF DIFF at command %d (after %r)\n  redis: %r\n  zkv:   %r" % (index, context, e, a))
    return differences


def dump(server):
    """Every key of databases 0-2 with its type, value and whether it has a TTL."""
    data = {}
    for database in range(3):
        server.call(["SELECT", str(database)])
        for key in server.call(["KEYS", "*"]):
            kind = server.call(["TYPE", key])
            if kind == b"string":
                value = server.call(["GET", key])
            elif kind == b"list":
                value = server.call(["LRANGE", key, "0", "-1"])
            elif kind == b"set":
                value = sorted(server.call(["SMEMBERS", key]))
            elif kind == b"hash":
                flat = server.call(["HGETALL", key])
                value = sorted(zip(flat[::2], flat[1::2]))
            else:
                value = server.call(["ZRANGE", key, "0", "-1", "WITHSCORES"])
            data[(database, key)] = (kind, value, server.call(["TTL", key]) > 0)
    server.call(["SELECT", "0"])
    return data


def serve_blocked(server):
    """Blocked clients served by another client's push: logged as the pop or
    move they did (LPOP, LMOVE, RPOPLPUSH, ZPOPMIN, LPOP/ZPOPMAX with count)."""
    waiter = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    stream = waiter.makefile("rb")
    for block, push in ((["BLPOP", "w1", "5"], ["RPUSH", "w1", "a", "b"]),
                        (["BLMOVE", "w2", "w3", "RIGHT", "LEFT", "5"], ["RPUSH", "w2", "x"]),
                        (["BRPOPLPUSH", "w4", "w3", "5"], ["RPUSH", "w4", "y"]),
                        (["BZPOPMIN", "w5", "5"], ["ZADD", "w5", "1", "m", "2", "n"]),
                        (["BLMPOP", "5", "1", "w6", "LEFT", "COUNT", "5"], ["RPUSH", "w6", "p", "q"]),
                        (["BZMPOP", "5", "1", "w7", "MAX", "COUNT", "1"], ["ZADD", "w7", "1", "m"])):
        waiter.sendall(encode(block))
        deadline = time.time() + 5
        while b"blocked_clients:1" not in server.call(["INFO", "clients"]) and time.time() < deadline:
            time.sleep(0.01)
        server.call(push)
        read_reply(stream)
    waiter.close()


def run_stream(servers, seed, count):
    rng = random.Random(seed)
    simple = command_generators(rng) + collection_generators(rng)
    composite = transaction_generators(rng, simple)
    for server in servers:
        server.call(["DEBUG", "SET-ACTIVE-EXPIRE", "0"])
    for _ in range(count):
        batch = rng.choice(composite)() if rng.random() < 0.1 else [rng.choice(simple)()]
        for arguments in batch:
            if arguments == ["__SLEEP__"]:
                time.sleep(0.005)
                continue
            for server in servers:
                server.call(arguments)
    # SPOP after the stream: random members, compared by shape.
    for server in servers:
        server.call(["SELECT", "0"])
        serve_blocked(server)
        server.call(["SADD", "spopped", "1", "2", "3", "4", "5", "6", "7", "8"])
        server.call(["SPOP", "spopped"])
        server.call(["SPOP", "spopped", "3"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--commands", type=int, default=3000)
    options = parser.parse_args()
    if not options.redis:
        print("redis-server not found: skipped")
        return 77
    failures = 0
    for seed in range(1, options.seeds + 1):
        with tempfile.TemporaryDirectory(prefix="aof-diff-") as root:
            zdir, rdir = os.path.join(root, "zkv"), os.path.join(root, "redis")
            os.mkdir(zdir)
            os.mkdir(rdir)
            zkv = Server([options.zkv], zdir, ["--appendonly", "yes"])
            redis = Server([options.redis], rdir, ["--appendonly", "yes"])
            try:
                run_stream([redis, zkv], seed, options.commands)
                expected_data, actual_data = dump(redis), dump(zkv)
            finally:
                redis.shutdown()
                zkv.shutdown()
            expected = sum((parse_aof(p) for p in incr_files(rdir)), [])
            actual = sum((parse_aof(p) for p in incr_files(zdir)), [])
            differences = compare_aofs(expected, actual)
            spopped = (0, b"spopped")
            if {k: v for k, v in expected_data.items() if k != spopped} != \
                    {k: v for k, v in actual_data.items() if k != spopped}:
                differences += 1
                print("seed %d: the data differs after the stream" % seed)
            # Each directory loads in the other server and in zkv again.
            for argv, directory, label in (([options.zkv], zdir, "zkv on zkv's files"),
                                           ([options.redis], zdir, "redis-server on zkv's files"),
                                           ([options.zkv], rdir, "zkv on redis-server's files")):
                server = Server(argv, directory, ["--appendonly", "yes"])
                try:
                    loaded = dump(server)
                finally:
                    server.shutdown()
                reference = expected_data if directory == rdir else actual_data
                if loaded != reference:
                    differences += 1
                    missing = set(map(repr, reference.items())) ^ set(map(repr, loaded.items()))
                    print("seed %d: %s: data differs (%d entries, e.g. %r)" % (seed, label, len(missing),
                                                                              sorted(missing)[:3]))
            print("seed %d: %d commands compared, %d differences" % (seed, len(expected), differences))
            failures += differences
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
