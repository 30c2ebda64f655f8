#!/usr/bin/env python3
"""list_differential: the list commands against zkv and redis-server 7.0.

Two parts, both compared reply for reply, byte for byte:
  1. random streams of every non-blocking list command (and a few keyspace
     commands that move or retype list keys) over a handful of keys, with
     negative and huge indexes and counts, bad numbers, wrong types and
     integers of every width as elements; once in RESP2 and once in RESP3,
     under small chunk sizes too so long lists span many chunks;
  2. scripted scenarios with two or three connections for the blocking
     commands: each step sends a command on one connection and reads the
     replies that arrived on every connection within a short wait, so the
     order in which waiters are served is compared as well.
Exit 0 when identical, 1 on differences, 77 (skipped) without redis-server.

Usage: list_differential.py [--zkv PATH] [--redis PATH] [--seeds N] [--commands N]
"""
import argparse
import os
import random
import shutil
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import encode, free_port, normalised, start  # noqa: E402


def read_reply(stream):
    """One RESP2 or RESP3 reply: aggregates as (header, [items])."""
    line = stream.readline()
    if not line:
        raise RuntimeError("connection closed")
    kind = line[:1]
    if kind in b"$=!":
        length = int(line[1:-2])
        return line if length < 0 else line + stream.read(length + 2)
    if kind in b"*~>%|":
        count = int(line[1:-2])
        count = count * 2 if kind in b"%|" else count
        return (line, [read_reply(stream) for _ in range(max(count, 0))])
    return line


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.stream = sock.makefile("rb")

    def call(self, arguments):
        self.sock.sendall(encode(arguments))
        return read_reply(self.stream)


def list_generators(rng):
    keys = ["l%d" % i for i in range(5)] + ["s"]
    key = lambda: rng.choice(keys)
    element = lambda: rng.choice(["a", "b", "c", "", "0", "1", "-1", "63", "64", "-129", "007", "-0", "x" * 130,
                                  "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                                  "3.5", "hello world", str(rng.randint(-10**12, 10**12))])
    index = lambda: rng.choice([str(rng.randint(-12, 12)), "0", "-1", "9223372036854775807",
                                "-9223372036854775808", "abc", "1.5", str(rng.randint(-300, 300))])
    count = lambda: rng.choice([str(rng.randint(0, 5)), "0", "-1", "abc", "9223372036854775807", "100"])
    end = lambda: rng.choice(["LEFT", "RIGHT", "left", "right", "middle"])
    elements = lambda: [element() for _ in range(rng.randint(1, 6))]
    many = lambda: [element() for _ in range(rng.randint(20, 120))]
    return [
        lambda: ["LPUSH", key()] + elements(),
        lambda: ["RPUSH", key()] + elements(),
        lambda: ["RPUSH", key()] + many(),
        lambda: ["LPUSH", key()] + many(),
        lambda: ["LPUSHX", key()] + elements(),
        lambda: ["RPUSHX", key()] + elements(),
        lambda: ["LPOP", key()],
        lambda: ["RPOP", key()],
        lambda: ["LPOP", key(), count()],
        lambda: ["RPOP", key(), count()],
        lambda: ["LPOP", key(), "1", "2"],
        lambda: ["LLEN", key()],
        lambda: ["LINDEX", key(), index()],
        lambda: ["LRANGE", key(), index(), index()],
        lambda: ["LRANGE", key(), "0", "-1"],
        lambda: ["LSET", key(), index(), element()],
        lambda: ["LINSERT", key(), rng.choice(["BEFORE", "AFTER", "after", "x"]), element(), element()],
        lambda: ["LREM", key(), rng.choice(["0", "1", "-1", "2", "-2", "abc"]), element()],
        lambda: ["LTRIM", key(), index(), index()],
        lambda: ["LPOS", key(), element()],
        lambda: ["LPOS", key(), element()] + rng.choice([["RANK", index()], ["COUNT", count()], ["MAXLEN", count()],
                                                         ["RANK", "-1", "COUNT", "0"], ["COUNT", "2", "MAXLEN", "5"],
                                                         ["RANK"], ["FOO", "1"], ["RANK", "0"]]),
        lambda: ["LMOVE", key(), key(), end(), end()],
        lambda: ["RPOPLPUSH", key(), key()],
        lambda: ["LMPOP", rng.choice(["1", "2", "0", "abc", "9"]), key(), key(), end()],
        lambda: ["LMPOP", "2", key(), key(), end(), "COUNT", count()],
        lambda: ["LMPOP", "1", key(), end(), "COUNT", "1", "COUNT", "2"],
        lambda: ["BLPOP", key(), key(), rng.choice(["0.01", "abc", "-1", "1e400"])],
        lambda: ["BRPOP", key(), rng.choice(["0.01", "0.001"])],
        lambda: ["BLMOVE", key(), key(), end(), end(), "0.01"],
        lambda: ["BRPOPLPUSH", key(), key(), "0.01"],
        lambda: ["BLMPOP", "0.01", "2", key(), key(), end(), "COUNT", count()],
        lambda: ["SET", "s", element()],
        lambda: ["TYPE", key()],
        lambda: ["OBJECT", "ENCODING", key()],
        lambda: ["EXISTS", key()],
        lambda: ["DEL", key()],
        lambda: ["RENAME", key(), key()],
        lambda: ["COPY", key(), key(), "REPLACE"],
        lambda: ["GET", key()],
        lambda: ["APPEND", key(), "z"],
    ]


def run_random(zkv, redis, seed, count, resp3, fill):
    rng = random.Random(seed)
    generators = list_generators(rng)
    differences = 0
    for connection in (zkv, redis):
        connection.call(["FLUSHALL"])
        connection.call(["HELLO", "3" if resp3 else "2"])  # same server fields differ: not compared
        connection.call(["CONFIG", "SET", "list-max-ziplist-size", fill])
    for _ in range(count):
        arguments = rng.choice(generators)()
        expected = redis.call(arguments)
        try:
            actual = zkv.call(arguments)
        except TimeoutError:
            print("TIMEOUT %r (redis: %r)" % (arguments, expected))
            raise
        if normalised(expected, False) == normalised(actual, False):
            continue
        differences += 1
        if differences <= 10:
            print("DIFF %r\n  redis: %r\n  zkv:   %r" % (arguments, expected, actual))
    for connection in (zkv, redis):
        connection.call(["HELLO", "2"])
        connection.call(["CONFIG", "SET", "list-max-ziplist-size", "-2"])
    return differences


# ---------------------------------------------------------------- blocking scenarios

def parse_reply(buffer, position):
    """One complete reply from buffer[position:]: (reply, next position), or
    None when more bytes are needed.  Same shapes as read_reply."""
    line_end = buffer.find(b"\r\n", position)
    if line_end < 0:
        return None
    line = buffer[position:line_end + 2]
    position = line_end + 2
    kind = line[:1]
    if kind in b"$=!":
        length = int(line[1:-2])
        if length < 0:
            return line, position
        if len(buffer) < position + length + 2:
            return None
        return line + buffer[position:position + length + 2], position + length + 2
    if kind in b"*~>%|":
        count = int(line[1:-2])
        count = count * 2 if kind in b"%|" else count
        items = []
        for _ in range(max(count, 0)):
            parsed = parse_reply(buffer, position)
            if parsed is None:
                return None
            item, position = parsed
            items.append(item)
        return (line, items), position
    return line, position


class Peer:
    """A connection whose replies are collected as they arrive."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""

    def send(self, arguments):
        self.sock.sendall(encode(arguments))

    def pending(self, wait):
        """Every complete reply that arrives within `wait` seconds."""
        self.sock.settimeout(wait)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                self.buffer += data
                self.sock.settimeout(0.02)
        except (socket.timeout, TimeoutError):
            pass
        replies = []
        while True:
            parsed = parse_reply(self.buffer, 0)
            if parsed is None:
                break
            reply, used = parsed
            replies.append(reply)
            self.buffer = self.buffer[used:]
        return replies

    def close(self):
        self.sock.close()


# Each step: (connection, command) or ("sleep", seconds).  After each step the
# replies that arrived on every connection are recorded.
SCENARIOS = {
    "fifo-one-push-serves-two": [
        (0, ["BLPOP", "q", "0"]), (1, ["BLPOP", "q", "0"]), (2, ["RPUSH", "q", "1", "2", "3"]),
        (2, ["LRANGE", "q", "0", "-1"])],
    "first-key-with-data-wins": [
        (0, ["BLPOP", "k1", "k2", "k3", "0"]), (1, ["RPUSH", "k3", "c"]), (1, ["RPUSH", "k2", "b"]),
        (1, ["LRANGE", "k2", "0", "-1"])],
    "existing-data-in-key-order": [
        (1, ["RPUSH", "k2", "x"]), (1, ["RPUSH", "k3", "y"]), (0, ["BLPOP", "k1", "k3", "k2", "1"])],
    "wrongtype-reached-first": [
        (1, ["SET", "s", "v"]), (0, ["BLPOP", "s", "l", "1"]), (1, ["RPUSH", "l", "a"]), (0, ["BLPOP", "l", "s", "1"])],
    "timeout-null": [(0, ["BLPOP", "none", "0.05"]), ("sleep", 0.2), (0, ["BRPOPLPUSH", "none", "x", "0.05"]),
                     ("sleep", 0.2), (0, ["BLMPOP", "0.05", "1", "none", "LEFT"]), ("sleep", 0.2)],
    "timeout-null-resp3": [(0, ["HELLO", "3"]), (0, ["BLPOP", "none", "0.05"]), ("sleep", 0.2),
                           (0, ["BLMOVE", "none", "x", "LEFT", "LEFT", "0.05"]), ("sleep", 0.2)],
    "multi-does-not-block": [
        (0, ["MULTI"]), (0, ["BLPOP", "none", "0"]), (0, ["BRPOPLPUSH", "none", "x", "0"]),
        (0, ["BLMPOP", "0", "1", "none", "LEFT"]), (0, ["EXEC"])],
    "served-after-exec": [
        (0, ["BLPOP", "m1", "0"]), (1, ["MULTI"]), (1, ["RPUSH", "m1", "x"]), (1, ["LPOP", "m1"]),
        (1, ["RPUSH", "m1", "z"]), (1, ["EXEC"]), (1, ["EXISTS", "m1"])],
    "blmove-chain": [
        (0, ["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"]), (1, ["BLPOP", "dst", "0"]), (2, ["RPUSH", "src", "z"]),
        (2, ["EXISTS", "src", "dst"])],
    "brpoplpush-rotate": [
        (0, ["BRPOPLPUSH", "r", "r", "0"]), (1, ["RPUSH", "r", "a"]), (1, ["LRANGE", "r", "0", "-1"])],
    "blmove-target-wrongtype": [
        (1, ["SET", "t", "v"]), (0, ["BLMOVE", "src", "t", "LEFT", "LEFT", "0"]), (1, ["RPUSH", "src", "a"]),
        (1, ["LRANGE", "src", "0", "-1"])],
    "type-change-while-waiting": [
        (0, ["BLPOP", "k", "0"]), (1, ["SET", "k", "str"]), (1, ["DEL", "k"]), (1, ["RPUSH", "k", "v"])],
    "lpushx-serves-no-one": [(0, ["BLPOP", "x", "0.1"]), (1, ["LPUSHX", "x", "a"]), ("sleep", 0.3)],
    "rename-serves": [
        (0, ["BLPOP", "target", "0"]), (1, ["RPUSH", "other", "a", "b"]), (1, ["RENAME", "other", "target"]),
        (1, ["LRANGE", "target", "0", "-1"])],
    "lmove-serves": [
        (0, ["BRPOP", "dst", "0"]), (1, ["RPUSH", "src", "a"]), (1, ["LMOVE", "src", "dst", "LEFT", "LEFT"])],
    "blmpop-count": [
        (0, ["BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"]), (1, ["RPUSH", "b", "1", "2", "3"]),
        (1, ["LRANGE", "b", "0", "-1"])],
    "copy-and-move-serve": [
        (0, ["BLPOP", "c1", "0"]), (1, ["RPUSH", "orig", "v"]), (1, ["COPY", "orig", "c1"]), (2, ["SELECT", "1"]),
        (2, ["RPUSH", "m", "w"]), (0, ["BLPOP", "m", "0"]), (2, ["MOVE", "m", "0"])],
    "swapdb-serves": [
        (0, ["BLPOP", "sw", "0"]), (1, ["SELECT", "1"]), (1, ["RPUSH", "sw", "v"]), (1, ["SWAPDB", "0", "1"])],
    "client-unblock": [
        (0, ["CLIENT", "ID"]), (0, ["BLPOP", "u", "0"]), (1, ["CLIENT", "UNBLOCK", "$ID0", "ERROR"]),
        (0, ["BLPOP", "u", "0"]), (1, ["CLIENT", "UNBLOCK", "$ID0"]), (1, ["CLIENT", "UNBLOCK", "$ID0"])],
    "blocked-count-and-flag": [
        (0, ["BLPOP", "w", "0"]), (1, ["INFO", "clients"]), (1, ["RPUSH", "w", "a"]), (1, ["INFO", "clients"])],
    "flushall-keeps-waiters": [
        (0, ["BLPOP", "f", "0"]), (1, ["FLUSHALL"]), (1, ["RPUSH", "f", "a"])],
    "pipelined-after-block": [
        (0, ["BLPOP", "p", "0"]), (0, ["RPUSH", "p2", "x"]), (1, ["RPUSH", "p", "a"]), (1, ["LRANGE", "p2", "0", "-1"])],
    "duplicate-keys": [(0, ["BLPOP", "d", "d", "0"]), (1, ["RPUSH", "d", "1", "2"]), (1, ["LLEN", "d"])],
}


def blocked_field(reply):
    """INFO clients reduced to the fields both servers must agree on."""
    text = reply.decode(errors="replace")
    return [line for line in text.split("\r\n") if line.startswith("blocked_clients")]


def run_scenario(port, steps):
    peers = [Peer(port) for _ in range(3)]
    ids = {}
    transcript = []
    try:
        peers[0].send(["FLUSHALL"])
        peers[0].pending(0.5)
        for step in steps:
            if step[0] == "sleep":
                import time
                time.sleep(step[1])
            else:
                who, arguments = step
                arguments = [ids.get(a, a) for a in arguments]
                peers[who].send(arguments)
            for n, peer in enumerate(peers):
                for reply in peer.pending(0.08):
                    if isinstance(reply, bytes) and reply.startswith(b"$") and b"blocked_clients" in reply:
                        reply = blocked_field(reply)
                    if step[0] == n and step[1][0] == "HELLO":
                        reply = b"<hello>"  # holds the connection id
                    if step[0] == n and step[1][:2] == ["CLIENT", "ID"]:
                        ids["$ID%d" % n] = reply[1:-2].decode()
                        reply = b":<id>"
                    transcript.append((n, reply))
    finally:
        for peer in peers:
            peer.close()
    return transcript


def run_scenarios(zkv_port, redis_port):
    differences = 0
    for name, steps in SCENARIOS.items():
        expected, actual = run_scenario(redis_port, steps), run_scenario(zkv_port, steps)
        if expected != actual:
            differences += 1
            print("SCENARIO %s differs\n  redis: %r\n  zkv:   %r" % (name, expected, actual))
    return differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--commands", type=int, default=4000)
    options = parser.parse_args()
    if not options.redis:
        print("redis-server not found: skipped")
        return 77
    processes = []
    try:
        zkv_port, redis_port = free_port(), free_port()
        zkv_process, zkv_socket = start([options.zkv], zkv_port)
        processes.append(zkv_process)
        redis_process, redis_socket = start([options.redis, "--daemonize", "no"], redis_port)
        processes.append(redis_process)
        zkv, redis = Connection(zkv_socket), Connection(redis_socket)
        total = 0
        for seed in range(1, options.seeds + 1):
            for resp3 in (False, True):
                for fill in ("-2", "4"):
                    total += run_random(zkv, redis, seed * 10 + resp3 * 2 + (fill == "4"), options.commands,
                                        resp3, fill)
        scenario_differences = run_scenarios(zkv_port, redis_port)
        print("%d random streams x %d commands: %d differences; %d blocking scenarios: %d differ" %
              (options.seeds * 4, options.commands, total, len(SCENARIOS), scenario_differences))
        return 0 if total == 0 and scenario_differences == 0 else 1
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
