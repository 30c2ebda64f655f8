#!/usr/bin/env python3
"""migrate_differential: MIGRATE from zkv against MIGRATE from redis-server 7.0.15.

Three source -> target pairs run the same cases: redis-server -> redis-server
(the reference), zkv -> redis-server and zkv -> zkv.  Before each case both
sides are flushed and given the same keys (every type, TTLs, two databases);
then the MIGRATE reply, the source's keys and the target's keys (DUMP
payloads where Redis's bytes are deterministic, TTLs within a second) must
equal the reference's.  Cases: one key, KEYS with present and missing keys,
NOKEY, COPY, REPLACE, BUSYKEY from the target, another database, AUTH and
AUTH2 (right and wrong credentials), a refused port, argument errors in
Redis's order, connections kept per target (INFO migrate_cached_sockets; the
targets close them between cases, so both sources retry on a new one), a timeout against a listener that never answers (the reply
and its wording are compared, as is the elapsed time being >= the timeout),
and COMMAND GETKEYS / ACL DRYRUN of MIGRATE forms.

zkv-only checks (Redis blocks its whole loop while MIGRATE waits, zkv must
not): another client's PING is answered while a MIGRATE waits on a silent
target; commands pipelined behind a MIGRATE are answered after it, in
order; a client that disconnects while its MIGRATE waits leaves the server
healthy; inside MULTI, where nothing may wait, MIGRATE answers an error.
SLOWLOG's redaction of AUTH/AUTH2 arguments is compared with Redis's.

Servers are started on free ports of 127.0.0.1 and killed by PID.  Exit 0
when everything matches, 1 otherwise, 77 without redis-server.

Usage: migrate_differential.py [--zkv PATH] [--redis PATH]
"""
import argparse
import os
import shutil
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import Connection, free_port, start  # noqa: E402

FAILURES = []
CHECKS = [0]


def check(condition, message):
    CHECKS[0] += 1
    if not condition:
        FAILURES.append(message)


def text(reply):
    """A reply as comparable Python data (bulk bytes, arrays as lists)."""
    if isinstance(reply, tuple):
        return [text(r) for r in reply[1]]
    head, _, rest = reply.partition(b"\r\n")
    if head[:1] == b"$":
        return None if head == b"$-1" else rest[:-2]
    return head


class SilentListener:
    """Accepts connections and never answers (a target that hangs)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


SETUP = [
    ["SET", "s", "hello"], ["SET", "n", "12345"], ["SET", "big", "x" * 5000],
    ["RPUSH", "l", "a", "b", "c", "1", "2"], ["HSET", "h", "f1", "v1", "f2", "2"],
    ["SADD", "st", "1", "2", "3"], ["SADD", "sw", "a", "b"], ["ZADD", "z", "1", "a", "2.5", "b"],
    ["XADD", "x", "1-1", "f", "v"], ["PFADD", "hl", "a", "b", "c"],
    ["SET", "ttl", "t"], ["PEXPIRE", "ttl", "500000"],
]
KEYS = ["s", "n", "big", "l", "h", "st", "sw", "z", "x", "hl", "ttl", "missing"]


def state(conn, db="0"):
    """Every probe key of database `db`: DUMP and a coarse TTL."""
    conn.call(["SELECT", db])
    out = []
    for key in KEYS:
        ttl = int(text(conn.call(["PTTL", key])).decode()[1:])
        # a hashtable set's DUMP follows Redis's hash order: its members instead
        value = sorted(text(conn.call(["SMEMBERS", key]))) if key == "sw" else text(conn.call(["DUMP", key]))
        out.append((key, value, ttl if ttl < 0 else round(ttl / 100000)))
    conn.call(["SELECT", "0"])
    return out


def prepare(source, target, target_setup):
    for conn in (source, target):
        conn.call(["SELECT", "0"])
        conn.call(["FLUSHALL"])
    for command in SETUP:
        source.call(command)
    for command in target_setup:
        target.call(command)


def cases(target_port, refused_port):
    host, port = "127.0.0.1", str(target_port)
    busy = [["SET", "s", "old"]]
    return [
        ("one key", [], ["MIGRATE", host, port, "s", "0", "5000"]),
        ("every type with KEYS", [], ["MIGRATE", host, port, "", "0", "5000", "KEYS"] + KEYS),
        ("missing key", [], ["MIGRATE", host, port, "missing", "0", "5000"]),
        ("KEYS all missing", [], ["MIGRATE", host, port, "", "0", "5000", "KEYS", "m1", "m2"]),
        ("COPY", [], ["MIGRATE", host, port, "l", "0", "5000", "COPY"]),
        ("BUSYKEY", busy, ["MIGRATE", host, port, "s", "0", "5000"]),
        ("BUSYKEY in KEYS", busy, ["MIGRATE", host, port, "", "0", "5000", "KEYS", "n", "s", "h"]),
        ("REPLACE", busy, ["MIGRATE", host, port, "s", "0", "5000", "REPLACE"]),
        ("COPY REPLACE", busy, ["MIGRATE", host, port, "", "0", "5000", "COPY", "REPLACE", "KEYS", "s", "z"]),
        ("bad database", [], ["MIGRATE", host, port, "h", "99", "5000"]),
        ("another database", [], ["MIGRATE", host, port, "h", "3", "5000"]),
        ("TTL kept", [], ["MIGRATE", host, port, "ttl", "0", "5000"]),
        ("AUTH without password", [], ["MIGRATE", host, port, "s", "0", "5000", "AUTH", "pw"]),
        ("AUTH right", [["CONFIG", "SET", "requirepass", "pw"]],
         ["MIGRATE", host, port, "s", "0", "5000", "AUTH", "pw"]),
        ("AUTH wrong", [["CONFIG", "SET", "requirepass", "pw"]],
         ["MIGRATE", host, port, "s", "0", "5000", "AUTH", "nope"]),
        ("no AUTH when needed", [["CONFIG", "SET", "requirepass", "pw"]],
         ["MIGRATE", host, port, "s", "0", "5000"]),
        ("AUTH2", [["ACL", "SETUSER", "mover", "on", ">secret", "~*", "+@all"]],
         ["MIGRATE", host, port, "", "0", "5000", "AUTH2", "mover", "secret", "KEYS", "s", "l"]),
        ("AUTH2 wrong", [["ACL", "SETUSER", "mover", "on", ">secret", "~*", "+@all"]],
         ["MIGRATE", host, port, "s", "0", "5000", "AUTH2", "mover", "bad"]),
        ("AUTH2 without the right", [["ACL", "SETUSER", "mover", "on", ">secret", "~*", "+@all", "-restore"]],
         ["MIGRATE", host, port, "s", "0", "5000", "AUTH2", "mover", "secret"]),
        ("refused port", [], ["MIGRATE", host, str(refused_port), "s", "0", "2000"]),
        ("refused port, key missing", [], ["MIGRATE", host, str(refused_port), "missing", "0", "2000"]),
        ("KEYS with a key", [], ["MIGRATE", host, port, "s", "0", "5000", "KEYS", "n"]),
        ("syntax", [], ["MIGRATE", host, port, "s", "0", "5000", "FOO"]),
        ("AUTH without value", [], ["MIGRATE", host, port, "s", "0", "5000", "AUTH"]),
        ("AUTH2 short", [], ["MIGRATE", host, port, "s", "0", "5000", "AUTH2", "u"]),
        ("bad timeout", [], ["MIGRATE", host, port, "s", "0", "x"]),
        ("bad db", [], ["MIGRATE", host, port, "s", "y", "5000"]),
        ("both bad", [], ["MIGRATE", host, port, "s", "y", "x"]),
        ("arity", [], ["MIGRATE", host, port, "s", "0"]),
        ("negative timeout", [], ["MIGRATE", host, port, "s", "0", "-5"]),
    ]


def reset_target(target):
    target.call(["AUTH", "pw"])
    target.call(["CONFIG", "SET", "requirepass", ""])
    target.call(["ACL", "DELUSER", "mover"])
    # Redis keeps its connection to a target (authenticated, in the database
    # it chose) for ten seconds and zkv connects anew each time: closing it
    # makes redis-server reconnect too, so every case starts alike.
    target.call(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"])


def run_pair(source, target, target_port, refused_port):
    results = {}
    for name, target_setup, command in cases(target_port, refused_port):
        prepare(source, target, target_setup)
        reply = text(source.call(command))
        results[name] = (reply, state(source), state(target), state(target, "3"))
        reset_target(target)
    return results


def probes():
    forms = [
        ["MIGRATE", "h", "1", "k", "0", "5"],
        ["MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b"],
        ["MIGRATE", "h", "1", "", "0", "5", "AUTH", "KEYS", "KEYS", "a"],
        ["MIGRATE", "h", "1", "", "0", "5", "AUTH2", "KEYS", "x", "KEYS", "a"],
        ["MIGRATE", "h", "1", "k", "0", "5", "KEYS", "a"],
        ["MIGRATE", "h", "1", "", "0", "5", "COPY", "REPLACE", "KEYS", "a"],
    ]
    out = []
    for form in forms:
        out.append(["COMMAND", "GETKEYS"] + form)
        out.append(["COMMAND", "GETKEYSANDFLAGS"] + form)
        for key in ("rw", "read", "write"):
            out.append(["ACL", "DRYRUN", "mig"] + [key if a == "a" or a == "k" else a for a in form])
    out.append(["COMMAND", "INFO", "MIGRATE"])
    return out


def zkv_only(zkv_path):
    """The loop keeps serving while a MIGRATE waits; pipelines stay in order."""
    listener = SilentListener()
    process, sock = start([zkv_path], free_port())
    try:
        waiting = Connection(sock)
        waiting.call(["SET", "k", "v"])
        other = Connection(socket.create_connection(sock.getpeername(), timeout=10))
        started = time.time()
        sock.sendall(b"".join(encode_all([["MIGRATE", "127.0.0.1", str(listener.port), "k", "0", "1500"],
                                          ["GET", "k"], ["PING"]])))
        time.sleep(0.2)
        check(text(other.call(["PING"])) == b"+PONG", "zkv: another client waited for MIGRATE")
        check(time.time() - started < 1.0, "zkv: PING during MIGRATE took too long")
        replies = [text(waiting_read(waiting)) for _ in range(3)]
        elapsed = time.time() - started
        check(replies == [b"-IOERR error or timeout reading to target instance", b"v", b"+PONG"],
              "zkv: pipeline behind MIGRATE: %r" % replies)
        check(1.4 <= elapsed < 10, "zkv: MIGRATE timeout took %.2fs for 1500 ms" % elapsed)
        # A client that leaves while its MIGRATE waits.
        leaving = socket.create_connection(sock.getpeername(), timeout=10)
        leaving.sendall(b"".join(encode_all([["MIGRATE", "127.0.0.1", str(listener.port), "k", "0", "3000"]])))
        time.sleep(0.2)
        leaving.close()
        time.sleep(0.2)
        check(text(other.call(["GET", "k"])) == b"v", "zkv: key lost after the MIGRATE client left")
        check(text(other.call(["PING"])) == b"+PONG", "zkv: unhealthy after the MIGRATE client left")
        # A failure known at once (host name too long) answers in order.
        other.sock.sendall(b"".join(encode_all([["MIGRATE", "h" * 300, "1", "k", "0", "100"], ["PING"]])))
        replies = [text(waiting_read(other)) for _ in range(2)]
        check(replies == [b"-IOERR error or timeout connecting to the client", b"+PONG"],
              "zkv: pipeline behind an immediate MIGRATE failure: %r" % replies)
        # Where a command cannot wait (MULTI, scripts), MIGRATE refuses.
        other.call(["MULTI"])
        other.call(["MIGRATE", "127.0.0.1", str(listener.port), "k", "0", "100"])
        check(text(other.call(["EXEC"])) == [b"-ERR MIGRATE cannot wait for the target inside MULTI or a script"],
              "zkv: MIGRATE inside MULTI")
        check(process.poll() is None, "zkv exited")
    finally:
        listener.close()
        process.kill()
        process.wait()


def encode_all(commands):
    from keyspace_differential import encode
    return [encode(c) for c in commands]


def waiting_read(conn):
    from keyspace_differential import read_reply
    return read_reply(conn.stream)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    args = parser.parse_args()
    if not args.redis:
        print("redis-server not found: skipped")
        return 77
    processes, conns, ports = {}, {}, {}
    try:
        for name, path in (("redis_source", args.redis), ("redis_target", args.redis), ("zkv_source", args.zkv),
                           ("zkv_target", args.zkv)):
            ports[name] = free_port()
            process, sock = start([path], ports[name])
            processes[name] = process
            conns[name] = Connection(sock)
        refused_port = free_port()
        reference = run_pair(conns["redis_source"], conns["redis_target"], ports["redis_target"], refused_port)
        for label, source, target in (("zkv -> redis", "zkv_source", "redis_target"),
                                      ("zkv -> zkv", "zkv_source", "zkv_target")):
            got = run_pair(conns[source], conns[target], ports[target], refused_port)
            for case, expected in reference.items():
                check(got[case] == expected, "%s, %s:\n  got      %.600r\n  expected %.600r" %
                      (label, case, got[case], expected))
        # Connections are kept per target, as Redis keeps them: one for
        # redis-server's source, one per target for zkv's.
        for name, kept in (("redis_source", 1), ("zkv_source", 2)):
            info = text(conns[name].call(["INFO", "stats"]))
            check("migrate_cached_sockets:%d\r\n" % kept in info.decode(),
                  "%s: migrate_cached_sockets is not %d" % (name, kept))
        for name in ("redis_source", "zkv_source"):
            conns[name].call(["ACL", "SETUSER", "mig", "on", "nopass", "+@all", "%R~read*", "%W~write*", "%RW~rw*"])
        for probe in probes():
            got, expected = text(conns["zkv_source"].call(probe)), text(conns["redis_source"].call(probe))
            check(got == expected, "%r:\n  zkv   %r\n  redis %r" % (probe, got, expected))
        # Credentials are redacted in SLOWLOG as Redis redacts them.
        entries = {}
        for name in ("redis_source", "zkv_source"):
            conn = conns[name]
            conn.call(["CONFIG", "SET", "slowlog-log-slower-than", "0"])
            conn.call(["SLOWLOG", "RESET"])
            conn.call(["MIGRATE", "127.0.0.1", str(refused_port), "", "0", "100", "AUTH", "secret1", "AUTH2",
                       "user2", "secret2", "KEYS", "AUTH", "k"])
            entries[name] = text(conn.call(["SLOWLOG", "GET", "1"]))[0][3]
            conn.call(["CONFIG", "SET", "slowlog-log-slower-than", "10000"])
        check(entries["zkv_source"] == entries["redis_source"], "SLOWLOG arguments: %r" % entries)
        # A target that never answers: same words after the same wait.
        listener = SilentListener()
        for name in ("redis_source", "zkv_source"):
            conns[name].call(["SET", "k", "v"])
        replies = {}
        for name in ("redis_source", "zkv_source"):
            started = time.time()
            replies[name] = text(conns[name].call(["MIGRATE", "127.0.0.1", str(listener.port), "k", "0", "700"]))
            check(time.time() - started >= 0.65, "%s: timeout answered early" % name)
        listener.close()
        check(replies["zkv_source"] == replies["redis_source"], "silent target: %r" % replies)
    finally:
        for process in processes.values():
            process.kill()
            process.wait()
    zkv_only(args.zkv)
    for failure in FAILURES[:40]:
        print("FAIL:", failure)
    print("%d checks, %d differences" % (CHECKS[0], len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
