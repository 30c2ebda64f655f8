#!/usr/bin/env python3
"""pubsub_differential: the same random pub/sub + keyspace-event + tracking
stream against zkv-server and redis-server, every byte each connection
receives compared.

Six connections per server (RESP2 and RESP3 subscribers, a RESP3 tracking
client, a RESP3 NOLOOP tracking client, a RESP2 tracking client redirecting
to a subscriber of __redis__:invalidate, and a writer).  Scripts that read
or write are in the stream: their keys count for the client that called
them.  After each command the script syncs every connection (PING with a
token: what came before its answer is all the command caused there) and
compares the bytes.  Replies whose
order is a hash table's (UNSUBSCRIBE with no argument, PUBSUB CHANNELS) are
not generated, and each output is compared as a sorted list of RESP frames,
because Redis delivers pattern matches in the order of its (randomly seeded)
pattern dict; client ids appear only in the set-up, never in the stream.

Usage: pubsub_differential.py ZKV_SERVER [REDIS_SERVER] [--commands N] [--seed S]
Exit 0 when every byte matched; 77 (skip) when redis-server is missing.
"""
import argparse
import os
import random
import re
import select
import shutil
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, port):
    process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"{binary} did not start")


def encode(words):
    out = b"*%d\r\n" % len(words)
    for w in words:
        w = w.encode() if isinstance(w, str) else w
        out += b"$%d\r\n%s\r\n" % (len(w), w)
    return out


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setblocking(False)

    def send(self, words):
        self.sock.sendall(encode(words))

    def sync(self, token, limit=10.0):
        """Everything the server wrote to this connection before it answered
        PING <token>, without that answer: the server handles a connection's
        requests in order, so once the answer is here nothing older is on
        its way.  Up to `limit` seconds, then what arrived."""
        self.send(["PING", token])
        marker, data, deadline = token.encode(), b"", time.time() + limit
        while time.time() < deadline:
            complete, rest = split_frames(data)
            if complete and not rest and marker in complete[-1]:
                return b"".join(complete[:-1])
            select.select([self.sock], [], [], 0.05)
            try:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            except BlockingIOError:
                pass
        return data


CHANNELS = ["c1", "c2", "news.a", "news.b", "x"]
PATTERNS = ["news.*", "c?", "*", "__keyevent@0__:*", "__keyspace@0__:k[12]"]
KEYS = ["k1", "k2", "k3"]


def random_command(rng):
    kind = rng.random()
    if kind < 0.15:
        return rng.choice(["SUBSCRIBE", "UNSUBSCRIBE"]), [rng.choice(CHANNELS) for _ in range(rng.randint(1, 3))]
    if kind < 0.25:
        return rng.choice(["PSUBSCRIBE", "PUNSUBSCRIBE"]), [rng.choice(PATTERNS) for _ in range(rng.randint(1, 2))]
    if kind < 0.30:
        return rng.choice(["SSUBSCRIBE", "SUNSUBSCRIBE"]), [rng.choice(CHANNELS)]
    if kind < 0.45:
        return "PUBLISH", [rng.choice(CHANNELS), "m%d" % rng.randint(0, 99)]
    if kind < 0.48:
        return "SPUBLISH", [rng.choice(CHANNELS), "s"]
    if kind < 0.52:
        return "PUBSUB", rng.choice([["NUMSUB"] + CHANNELS[:3], ["NUMPAT"], ["SHARDNUMSUB", "c1", "x"]])
    if kind < 0.55:
        return "PING", rng.choice([[], ["hey"]])
    key = rng.choice(KEYS)
    if kind < 0.62:
        return rng.choice([("EVAL", ["return redis.call('get', KEYS[1])", "2", key, rng.choice(KEYS)]),
                           ("EVAL", ["return redis.call('set', KEYS[1], 's')", "1", key]),
                           ("EVAL_RO", ["return redis.call('ping')", "1", key]),
                           ("EVAL_RO", ["return redis.call('exists', KEYS[1])", "1", key])])
    return rng.choice([("SET", [key, "v"]), ("GET", [key]), ("DEL", [key]), ("INCR", [key]),
                       ("APPEND", [key, "x"]), ("EXPIRE", [key, "100000"]), ("PERSIST", [key]),
                       ("SETEX", [key, "100000", "v"]), ("RENAME", [key, rng.choice(KEYS)]),
                       ("GETDEL", [key]), ("MGET", KEYS), ("EXISTS", [key]), ("COPY", [key, "k9"]),
                       ("SETRANGE", [key, "2", "ab"]), ("INCRBYFLOAT", [key, "1.5"])])


def split_frames(data):
    """Top-level RESP frames in order, and the incomplete bytes after them."""
    out, at = [], 0

    def skip(at):
        end = data.index(b"\r\n", at)
        kind, value = data[at:at + 1], data[at + 1:end]
        at = end + 2
        if kind in b"$=" and value != b"-1":
            if at + int(value) + 2 > len(data):
                raise IndexError
            return at + int(value) + 2
        if kind in b"*>~%" and value != b"-1":
            for _ in range(int(value) * (2 if kind == b"%" else 1)):
                at = skip(at)
        return at

    try:
        while at < len(data):
            start = at
            at = skip(at)
            out.append(data[start:at])
    except (ValueError, IndexError):
        return out, data[start:]
    return out, b""


def frames(data):
    """The frames of `data`, sorted for comparison (an incomplete tail as is)."""
    complete, rest = split_frames(data)
    return sorted(complete + ([rest] if rest else []))


def open_all(port):
    names = ["sub2", "sub3", "track3", "redirect_target", "track2", "writer", "noloop3"]
    conns = {n: Connection(port) for n in names}
    ids = []
    for n in names:
        conns[n].send(["CLIENT", "ID"])
        ids.append(int(re.match(rb":(\d+)", conns[n].sync("id")).group(1)))
    setup = [("sub3", ["HELLO", "3"]), ("track3", ["HELLO", "3"]), ("track3", ["CLIENT", "TRACKING", "on"]),
             ("redirect_target", ["SUBSCRIBE", "__redis__:invalidate"]),
             ("track2", ["CLIENT", "TRACKING", "on", "REDIRECT", str(ids[3])]),
             ("writer", ["CONFIG", "SET", "notify-keyspace-events", "KEA"]),
             ("noloop3", ["HELLO", "3"]), ("noloop3", ["CLIENT", "TRACKING", "on", "NOLOOP"])]
    for name, words in setup:
        conns[name].send(words)
    for c in conns.values():
        c.sync("setup")
    return conns, ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("zkv")
    parser.add_argument("redis", nargs="?", default=shutil.which("redis-server"))
    parser.add_argument("--commands", type=int, default=400)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED", "7")))
    args = parser.parse_args()
    if not args.redis or not os.path.exists(args.redis):
        print("redis-server not found: skipped")
        return 77
    ports = [free_port(), free_port()]
    servers = [start(args.zkv, ports[0]), start(args.redis, ports[1])]
    try:
        sides = [open_all(p) for p in ports]
        rng = random.Random(args.seed)
        actors = ["sub2", "sub3", "track3", "track2", "writer", "noloop3"]
        mismatches = 0
        for step in range(args.commands):
            actor = rng.choice(actors)
            name, words = random_command(rng)
            if actor in ("sub2",) and name not in ("SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE",
                                                   "SSUBSCRIBE", "SUNSUBSCRIBE", "PING"):
                actor = "writer"
            token = "sync-%d" % step
            outputs = []
            for conns, _ in sides:
                conns[actor].send([name] + words)
                output = {actor: frames(conns[actor].sync(token))}
                output.update({n: frames(c.sync(token)) for n, c in conns.items() if n != actor})
                outputs.append(output)
            for n in outputs[0]:
                if outputs[0][n] != outputs[1][n]:
                    mismatches += 1
                    print(f"step {step}: {actor} {name} {' '.join(words)}: {n} differs\n"
                          f"  zkv:   {outputs[0][n]!r}\n  redis: {outputs[1][n]!r}")
            if mismatches > 10:
                break
        print(f"{args.commands} commands, seed {args.seed}: {mismatches} mismatching outputs")
        return 1 if mismatches else 0
    finally:
        for s in servers:
            s.terminate()
            s.wait()


if __name__ == "__main__":
    sys.exit(main())
