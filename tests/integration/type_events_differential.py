#!/usr/bin/env python3
"""type_events_differential: the keyspace events of the list, hash, set,
sorted-set and stream commands, zkv-server against redis-server 7.0.15.

One scripted command list (every event those types publish: pushes, pops,
moves, the *STORE results, the served blocking pops, and the generic "del"
of a command that empties or deletes a key) is run on both servers with
notify-keyspace-events KEA.  A subscriber listens to __key*__:* and to a
sync channel; after each step the writer publishes a sync message, so the
bytes the subscriber got before it are exactly that step's events, and the
two servers' bytes are compared step by step (names, classes and order).

Usage: type_events_differential.py ZKV_SERVER [REDIS_SERVER]
Exit 0 when every step matched; 77 (skip) when redis-server is missing.
"""
import os
import shutil
import socket
import subprocess
import sys
import time

# A step is a command for the writer, or ("block", command, push): the
# blocker sends `command` on an empty key, then the writer sends `push`.
SCRIPT = [
    ["lpush", "l", "a", "b", "c"], ["rpush", "l", "d"], ["lpushx", "l", "e"], ["rpushx", "l", "f"],
    ["lpushx", "missing", "x"], ["linsert", "l", "before", "a", "z"], ["linsert", "l", "after", "nope", "z"],
    ["lset", "l", "0", "y"], ["lrem", "l", "0", "z"], ["lrem", "l", "0", "nope"], ["ltrim", "l", "0", "-1"],
    ["lpop", "l"], ["rpop", "l"], ["lpop", "l", "0"], ["rpop", "l", "2"], ["lmove", "l", "l2", "left", "right"],
    ["rpoplpush", "l", "l2"], ["lmove", "l2", "l2", "right", "left"], ["lmpop", "2", "none", "l2", "right"],
    ["ltrim", "l2", "5", "1"], ["rpush", "l3", "a"], ["lrem", "l3", "1", "a"], ["rpush", "l4", "a", "b"],
    ["lpop", "l4", "5"], ["rpush", "l5", "a"], ["lset", "l5", "0", "b"], ["rpoplpush", "l5", "l6"],
    ["blpop", "l6", "0"], ["rpush", "l7", "a", "b"], ["brpop", "none", "l7", "0"],
    ["blmove", "l7", "l8", "left", "left", "0"], ["blmpop", "0", "1", "l8", "left", "count", "3"],
    ("block", ["blpop", "bl", "0"], ["rpush", "bl", "v"]),
    ("block", ["brpop", "bl", "0"], ["lpush", "bl", "v", "w"]),
    ("block", ["blmove", "bm", "bmd", "right", "left", "0"], ["rpush", "bm", "v"]),
    ("block", ["blmpop", "0", "1", "bp", "right", "count", "2"], ["rpush", "bp", "v", "w", "x"]),
    ("block", ["brpoplpush", "bq", "bqd", "0"], ["rpush", "bq", "v"]),
    ["hset", "h", "f1", "1", "f2", "2"], ["hset", "h", "f1", "1"], ["hmset", "h", "f3", "3"],
    ["hsetnx", "h", "f1", "x"], ["hsetnx", "h", "f4", "4"], ["hincrby", "h", "f1", "5"],
    ["hincrbyfloat", "h", "f2", "1.5"], ["hdel", "h", "nope"], ["hdel", "h", "f1", "f2"],
    ["hdel", "h", "f3", "f4", "f5"], ["hincrby", "h2", "f", "1"], ["hincrbyfloat", "h3", "f", "2"],
    ["sadd", "s", "a", "b", "c"], ["sadd", "s", "a"], ["srem", "s", "nope"], ["srem", "s", "a"],
    ["sadd", "s2", "b", "x"], ["smove", "s", "s2", "b"], ["smove", "s", "s2", "nope"], ["smove", "s", "s", "c"],
    ["smove", "s", "s3", "c"], ["sadd", "s", "1", "2", "3", "4"], ["spop", "s"], ["spop", "s", "0"],
    ["spop", "s", "1"], ["spop", "s", "10"], ["sadd", "p", "only"], ["spop", "p"],
    ["sadd", "sa", "1", "2", "3"], ["sadd", "sb", "2", "3", "4"], ["sinterstore", "si", "sa", "sb"],
    ["sunionstore", "su", "sa", "sb"], ["sdiffstore", "sd", "sa", "sb"], ["sdiffstore", "sd", "sa", "sa"],
    ["sdiffstore", "sd", "sa", "sa"], ["sinterstore", "si", "sa", "nokey"], ["sinterstore", "si", "sa", "nokey"],
    ["sunionstore", "su", "nokey"], ["srem", "sa", "1", "2", "3"],
    ["zadd", "z", "1", "a", "2", "b", "3", "c"], ["zadd", "z", "1", "a"], ["zadd", "z", "ch", "5", "a"],
    ["zadd", "z", "incr", "1", "a"], ["zadd", "z", "nx", "incr", "1", "a"], ["zincrby", "z", "2", "d"],
    ["zadd", "z", "xx", "1", "new"], ["zrem", "z", "nope"], ["zrem", "z", "a"],
    ["zadd", "z", "4", "e", "5", "f", "6", "g", "7", "h"], ["zremrangebyrank", "z", "0", "0"],
    ["zremrangebyrank", "z", "10", "20"], ["zremrangebyscore", "z", "2", "3"],
    ["zremrangebylex", "z", "-", "+"], ["zadd", "z", "1", "a", "1", "b", "1", "c", "2", "d"],
    ["zremrangebylex", "z", "[a", "[b"], ["zpopmin", "z"], ["zpopmax", "z", "0"], ["zpopmax", "z", "5"],
    ["zpopmin", "z"], ["zadd", "za", "1", "a", "2", "b"], ["zadd", "zb", "2", "b", "3", "c"],
    ["zunionstore", "zu", "2", "za", "zb"], ["zinterstore", "zi", "2", "za", "zb"],
    ["zdiffstore", "zd", "2", "za", "zb"], ["zrangestore", "zr", "za", "0", "0"],
    ["zrangestore", "zr", "za", "5", "6"], ["zrangestore", "zr", "za", "5", "6"],
    ["zinterstore", "zi", "2", "za", "nokey"], ["zdiffstore", "zd", "1", "nokey"],
    ["zunionstore", "zu", "1", "nokey"], ["zmpop", "1", "za", "min", "count", "5"],
    ["zrem", "zb", "b", "c"], ["zadd", "bz", "1", "a", "2", "b"], ["bzpopmin", "none", "bz", "0"],
    ["bzpopmax", "bz", "0"], ["zadd", "bz", "1", "a", "2", "b"], ["bzmpop", "0", "1", "bz", "max", "count", "5"],
    ["set", "str", "x"], ["bzpopmin", "str", "bz", "0"], ["bzmpop", "0", "2", "none", "str", "min"],
    ("block", ["bzpopmin", "bz1", "bz2", "0"], ["zadd", "bz2", "1", "a", "2", "b"]),
    ("block", ["bzpopmax", "bz5", "0"], ["zadd", "bz5", "3", "c"]),
    ("block", ["bzmpop", "0", "2", "bz3", "bz4", "min", "count", "3"], ["zadd", "bz4", "1", "a", "2", "b"]),
    ["xadd", "x", "1-1", "f", "v"], ["xadd", "x", "maxlen", "1", "2-1", "f", "v"],
    ["xadd", "nox", "nomkstream", "*", "f", "v"], ["xadd", "x", "1-0", "f", "v"], ["xdel", "x", "9-9"],
    ["xdel", "x", "2-1"], ["xadd", "x", "3-1", "f", "v"], ["xtrim", "x", "maxlen", "5"],
    ["xtrim", "x", "maxlen", "0"], ["xsetid", "x", "5-0"], ["xgroup", "create", "x", "g", "$"],
    ["xgroup", "create", "x", "g", "$"], ["xgroup", "create", "x2", "g", "0", "mkstream"],
    ["xgroup", "createconsumer", "x", "g", "c"], ["xgroup", "createconsumer", "x", "g", "c"],
    ["xadd", "x", "6-0", "f", "v"], ["xreadgroup", "group", "g", "c2", "streams", "x", ">"],
    ["xack", "x", "g", "6-0"], ["xadd", "x", "7-0", "f", "v"], ["xreadgroup", "group", "g", "c", "streams", "x", ">"],
    ["xclaim", "x", "g", "c3", "0", "7-0"], ["xautoclaim", "x", "g", "c4", "0", "0"],
    ["xgroup", "setid", "x", "g", "0"], ["xgroup", "delconsumer", "x", "g", "c"],
    ["xgroup", "delconsumer", "x", "g", "nope"], ["xgroup", "destroy", "x", "g"], ["xgroup", "destroy", "x", "g"],
    ("block", ["xread", "block", "0", "streams", "bx", "$"], ["xadd", "bx", "1-1", "f", "v"]),
    ["xgroup", "create", "bg", "g", "$", "mkstream"],
    ("block", ["xreadgroup", "group", "g", "c", "block", "0", "streams", "bg", ">"], ["xadd", "bg", "1-1", "f", "v"]),
    ["del", "l2", "s2", "s3", "su", "zi"],
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def encode(words):
    out = b"*%d\r\n" % len(words)
    for w in words:
        w = w.encode()
        out += b"$%d\r\n%s\r\n" % (len(w), w)
    return out


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.settimeout(5)
        self.buffer = b""

    def send(self, words):
        self.sock.sendall(encode(words))

    def read_until(self, ending):
        """Everything received up to and including `ending` (bytes)."""
        while ending not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("connection closed")
            self.buffer += chunk
        end = self.buffer.index(ending) + len(ending)
        data, self.buffer = self.buffer[:end], self.buffer[end:]
        return data

    def read_reply(self):
        """One complete reply (enough RESP for these commands' replies)."""
        while True:
            try:
                end = reply_end(self.buffer, 0)
                data, self.buffer = self.buffer[:end], self.buffer[end:]
                return data
            except (IndexError, ValueError):
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise SystemExit("connection closed")
                self.buffer += chunk


def reply_end(data, at):
    """The offset after the RESP value at `at`; IndexError or ValueError when
    incomplete."""
    line = data.index(b"\r\n", at)
    kind, body = data[at:at + 1], data[at + 1:line]
    if kind in b"+-:,_#(":
        return line + 2
    if kind == b"$":
        n = int(body)
        if n < 0:
            return line + 2
        if len(data) < line + 2 + n + 2:
            raise IndexError
        return line + 2 + n + 2
    n = int(body)
    at = line + 2
    for _ in range(max(n, 0) * (2 if kind == b"%" else 1)):
        at = reply_end(data, at)
    return at


def blocked_clients(writer):
    writer.send(["info", "clients"])
    text = writer.read_reply().decode()
    return int(text.split("blocked_clients:")[1].split("\r\n")[0])


def run(binary):
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        writer, subscriber, blocker = Connection(port), Connection(port), Connection(port)
        writer.send(["config", "set", "notify-keyspace-events", "KEA"])
        writer.read_reply()
        subscriber.send(["psubscribe", "__key*__:*"])
        subscriber.send(["subscribe", "sync"])
        subscriber.read_until(b"$4\r\nsync\r\n:2\r\n")
        steps = []
        for n, step in enumerate(SCRIPT):
            if isinstance(step, tuple):
                _, blocking, push = step
                blocker.send(blocking)
                deadline = time.time() + 5
                while blocked_clients(writer) == 0:
                    if time.time() > deadline:
                        raise SystemExit(f"{binary}: {blocking} did not block")
                    time.sleep(0.005)
                writer.send(push)
                replies = [writer.read_reply(), blocker.read_reply()]
            else:
                writer.send(step)
                replies = [writer.read_reply()]
            marker = str(n)
            writer.send(["publish", "sync", marker])
            writer.read_reply()
            ending = b"$4\r\nsync\r\n$%d\r\n%s\r\n" % (len(marker), marker.encode())
            steps.append((step, replies, subscriber.read_until(ending)))
        return steps
    finally:
        process.terminate()
        process.wait()


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    redis = sys.argv[2] if len(sys.argv) > 2 else shutil.which("redis-server")
    if not redis or not os.path.exists(redis):
        print("redis-server not found: skipped")
        return 77
    ours, theirs = run(sys.argv[1]), run(redis)
    failures = 0
    for (step, our_replies, our_events), (_, their_replies, their_events) in zip(ours, theirs):
        if our_events != their_events:
            failures += 1
            print(f"events differ after {step}:\n  zkv:   {our_events!r}\n  redis: {their_events!r}")
        # SPOP's member is random; every other reply must match too.
        if step[0] != "spop" and our_replies != their_replies:
            failures += 1
            print(f"replies differ for {step}:\n  zkv:   {our_replies!r}\n  redis: {their_replies!r}")
    events = sum(e.count(b"pmessage") for _, _, e in theirs)
    print(f"{len(SCRIPT)} steps, {events} event messages from redis-server, {failures} differences")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
