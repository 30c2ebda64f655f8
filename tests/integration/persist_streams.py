"""Streams in RDB files and DUMP payloads, against redis-server 7.0.15 (run
from persist_integration.py, whose servers and checks it uses, with
persist_collections' payload helpers).

The same commands build the same streams in both servers: one entry, many
nodes (1,000 entries with changing field sets), integer values of every
width, values past stream-node-max-bytes, an empty stream made by XGROUP
CREATE MKSTREAM, counters set by XSETID, consumer groups with consumers and
pending entries (delivered, claimed, acknowledged).  Then:
  - DUMP payloads are byte-identical for streams without groups (Redis's
    listpack nodes, tombstones of deleted entries included; group payloads
    hold each server's delivery times); each server RESTOREs the other's
    payload to the same entries, counters, nodes, groups and PELs, delivery
    and seen times included;
  - a type-15 payload (Redis 6) loads as Redis 7.0 loads it;
  - SAVE + restart keeps everything; redis-server loads zkv's file
    (redis-check-rdb accepts it) and zkv loads redis-server's;
  - corrupt payloads are refused with Redis's error and never crash zkv."""
import os
import random
import shutil
import struct
import subprocess

import persist_collections as pc

base = None  # persist_integration's module

TIMES = (b"seen-time",)


def build(client):
    rng = random.Random(7)
    keys = []
    pipe = client.pipeline(transaction=False)

    def add(key, entries):
        for entry_id, fields in entries:
            pipe.execute_command("XADD", key, entry_id, *fields)
        keys.append((0, key))

    add("x:one", [("1-1", ["f", "v"])])
    add("x:nodes", [("%d-%d" % (1000 + i // 3, i % 3), ["a", str(i)] if i % 7 else ["a", "x", "b", "y" * (i % 50)])
                    for i in range(1000)])
    ints = [0, 1, -1, 127, 128, -4096, 4095, 32767, -32768, 8388607, -8388608, 2**31, -2**31, 2**63 - 1, -2**63]
    add("x:ints", [("%d-0" % (i + 1), ["n", str(v), str(v), "007"]) for i, v in enumerate(ints)])
    add("x:big", [("%d-0" % (i + 1), ["blob", "z" * rng.choice([10, 3000, 5000])]) for i in range(20)])
    add("x:deleted", [("%d-0" % (i + 1), ["f", "v%d" % i]) for i in range(300)])
    pipe.execute_command("XDEL", "x:deleted", "1-0", "150-0", "299-0", "300-0")
    pipe.execute_command("XTRIM", "x:deleted", "MAXLEN", "250")
    pipe.execute_command("XGROUP", "CREATE", "x:empty", "g", "$", "MKSTREAM")
    keys.append((0, "x:empty"))
    add("x:setid", [("5-5", ["f", "v"])])
    pipe.execute_command("XSETID", "x:setid", "9-9", "ENTRIESADDED", "40", "MAXDELETEDID", "7-0")
    add("x:groups", [("%d-0" % (i + 1), ["f", "v%d" % i]) for i in range(50)])
    pipe.execute_command("XGROUP", "CREATE", "x:groups", "g1", "0")
    pipe.execute_command("XGROUP", "CREATE", "x:groups", "g2", "$", "ENTRIESREAD", "50")
    pipe.execute_command("XGROUP", "CREATE", "x:groups", "g0", "10-0")
    pipe.execute_command("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "20", "STREAMS", "x:groups", ">")
    pipe.execute_command("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "10", "STREAMS", "x:groups", ">")
    pipe.execute_command("XACK", "x:groups", "g1", "3-0", "4-0", "25-0")
    pipe.execute_command("XCLAIM", "x:groups", "g1", "carol", "0", "5-0", "22-0", "RETRYCOUNT", "9")
    pipe.execute_command("XGROUP", "CREATECONSUMER", "x:groups", "g0", "idle")
    pipe.execute_command("XDEL", "x:groups", "6-0")
    pipe.execute()
    return keys


def normalised_info(reply):
    """XINFO STREAM FULL with the times taken out (they differ between
    servers built at different moments)."""
    if isinstance(reply, list):
        out = list(reply)
        for i in range(len(out) - 1):
            if out[i] in TIMES:
                out[i + 1] = "T"
        # PEL rows: [id, consumer, delivery time, count] and [id, time, count].
        if len(out) in (3, 4) and isinstance(out[0], bytes) and b"-" in out[0] and isinstance(out[-2], int):
            out[-2] = "T"
        return [normalised_info(item) for item in out]
    return reply


def snapshot(client, keys, times=False):
    result = {}
    for db, key in keys:
        client.execute_command("SELECT", db)
        info = client.execute_command("XINFO", "STREAM", key, "FULL", "COUNT", "0")
        info = [item for i, item in enumerate(info) if i < 2 or info[i - 1] != b"radix-tree-nodes"
                and info[i] != b"radix-tree-nodes"]
        result[(db, key)] = (client.type(key), client.object("encoding", key), info if times else normalised_info(info),
                             client.ttl(key) > 0)
    client.execute_command("SELECT", 0)
    return result


def test_dump(zc, rc, keys):
    identical = 0
    for db, key in keys:
        zd, rd = zc.dump(key), rc.dump(key)
        base.check(zd[0] == rd[0] == 19, "DUMP %s: type %d, redis %d" % (key, zd[0], rd[0]))
        plain = not zc.execute_command("XINFO", "GROUPS", key)
        if plain:
            base.check(zd == rd, "DUMP %s differs: zkv %r... redis %r..." % (key, zd[:60], rd[:60]))
            identical += zd == rd
        for target, source, original, name in ((zc, rd, rc, "zkv restores redis"), (rc, zd, zc, "redis restores zkv")):
            base.check(pc.reply(target, "RESTORE", "copy", 0, source, "REPLACE") == b"OK", "%s %s" % (name, key))
            got = snapshot(target, [(db, "copy")], times=True)[(db, "copy")]
            want = snapshot(original, [(db, key)], times=True)[(db, key)]
            base.check(got == want, "%s %s: %r\n  vs %r" % (name, key, got, want))
            target.delete("copy")
    base.check(identical >= 6, "identical stream DUMP payloads: %d" % identical)


def listpack(entries):
    """A listpack of short strings (< 64 bytes) and 0..127 integers."""
    body = b""
    for entry in entries:
        encoded = bytes([entry]) if isinstance(entry, int) else bytes([0x80 | len(entry)]) + entry
        body += encoded + bytes([len(encoded)])
    return struct.pack("<IH", 6 + len(body) + 1, len(entries)) + body + b"\xff"


def stream_v1(lp, length, last, groups=b"\x00"):
    key = struct.pack(">QQ", 5, 0)
    return (b"\x0f\x01" + pc.string(key) + key + pc.string(lp) + lp + bytes([length]) + bytes([last[0], last[1]])
            + groups)


def test_old_and_bad(zc, rc):
    # Master entry (count 2, deleted 1, fields [f]), entries 5-0 (same
    # fields), 5-1 deleted, 6-0 with its own fields.
    lp = listpack([2, 1, 1, b"f", 0, 2, 0, 0, b"v", 4, 3, 0, 1, b"w", 4, 0, 1, 0, 2, b"g", b"h", b"i", b"j", 8])
    group = b"\x01" + pc.string(b"grp") + b"grp" + b"\x05\x00" + b"\x00" + b"\x00"
    for name, body in (("type 15", stream_v1(lp, 2, (6, 0))), ("type 15 with a group", stream_v1(lp, 2, (6, 0), group))):
        zr = pc.reply(zc, "RESTORE", "old", 0, pc.payload(body), "REPLACE")
        rr = pc.reply(rc, "RESTORE", "old", 0, pc.payload(body), "REPLACE")
        base.check(zr == b"OK" and zr == rr, "%s: zkv %r, redis %r" % (name, zr, rr))
        got_z, got_r = snapshot(zc, [(0, "old")], True), snapshot(rc, [(0, "old")], True)
        base.check(got_z == got_r, "%s: %r vs redis %r" % (name, got_z, got_r))
    zc.delete("old")
    rc.delete("old")
    rc.config_set("sanitize-dump-payload", "yes")
    bad_count = listpack([2, 1, 1, b"f", 0, 2, 0, 0, b"v", 4, 3, 0, 1, b"w", 4, 0, 1, 0, 2, b"g", b"h", b"i", b"j", 7])
    cases = {
        "bad lp-count": stream_v1(bad_count, 2, (6, 0)),
        "length mismatch": stream_v1(lp, 3, (6, 0)),
        "truncated": stream_v1(lp, 2, (6, 0))[:-3],
        "last id below entries": stream_v1(lp, 2, (5, 0)),
    }
    for name, body in cases.items():
        zr = pc.reply(zc, "RESTORE", "bad", 0, pc.payload(body))
        base.check(zr == "ERR:Bad data format", "%s: zkv %r" % (name, zr))
    rc.config_set("sanitize-dump-payload", "no")
    rng = random.Random(23)
    sources = [zc.dump(key)[:-10] for key in ("x:one", "x:ints", "x:groups", "x:setid", "x:deleted")]
    for _ in range(3000):
        bad = bytearray(rng.choice(sources))
        for _ in range(rng.randrange(1, 4)):
            bad[rng.randrange(len(bad))] = rng.randrange(256)
        if rng.random() < 0.2:
            bad = bad[:rng.randrange(1, len(bad))]
        result = pc.reply(zc, "RESTORE", "fz", 0, pc.payload(bytes(bad)), "REPLACE")
        if result == b"OK":
            if zc.type("fz") == b"stream":
                zc.execute_command("XINFO", "STREAM", "fz", "FULL")
                zc.execute_command("XRANGE", "fz", "-", "+")
                zc.execute_command("XREVRANGE", "fz", "+", "-")
                pc.reply(zc, "XADD", "fz", "*", "f", "v")
                pc.reply(zc, "XTRIM", "fz", "MAXLEN", "1")
            zc.delete("fz")
        else:
            base.check(result == "ERR:Bad data format", "corrupt payload: %r" % result)
    base.check(zc.ping() is True, "zkv alive after corrupt stream payloads")


def run(module, zkv, redis_server, work):
    global base
    base = module
    pc.base = module
    directory = os.path.join(work, "streams")
    rdir = os.path.join(work, "streams-redis")
    os.makedirs(directory)
    os.makedirs(rdir)
    z, r = base.Server(zkv, directory), base.Server(redis_server, rdir)
    keys = build(z.client)
    build(r.client)
    expected = snapshot(r.client, keys)
    pc.same_snapshot(snapshot(z.client, keys), expected, "zkv built streams like redis")
    test_dump(z.client, r.client, keys)
    test_old_and_bad(z.client, r.client)

    base.check(z.client.save() is True, "SAVE with streams")
    z.stop()
    zkv_file = os.path.join(directory, "dump.rdb")
    z = base.Server(zkv, directory)
    pc.same_snapshot(snapshot(z.client, keys), expected, "streams after SAVE and restart")
    z.stop()
    checker = shutil.which("redis-check-rdb")
    if checker:
        result = subprocess.run([checker, zkv_file], capture_output=True, text=True)
        base.check(result.returncode == 0 and "RDB looks OK" in result.stdout,
                   "redis-check-rdb on streams: " + result.stdout[-300:])
    r.client.save()
    r.stop()
    cross = os.path.join(work, "streams-cross")
    os.makedirs(cross)
    shutil.copy(zkv_file, os.path.join(cross, "dump.rdb"))
    r2 = base.Server(redis_server, cross)
    pc.same_snapshot(snapshot(r2.client, keys), expected, "redis-server on zkv's stream file")
    r2.stop()
    back = os.path.join(work, "streams-back")
    os.makedirs(back)
    shutil.copy(os.path.join(rdir, "dump.rdb"), os.path.join(back, "dump.rdb"))
    z2 = base.Server(zkv, back)
    pc.same_snapshot(snapshot(z2.client, keys), expected, "zkv on redis-server's stream file")
    z2.stop()
