"""Hashes and sets in RDB files and DUMP payloads, against redis-server
7.0.15 (run from persist_integration.py, whose servers and checks it uses).

The same commands build the same collections in both servers, across every
encoding and threshold (inline and pack hashes, listpack limits by entries
and by value length, hashtables shrunk below them, intsets of each width and
widened then shrunk, intset limits, string sets).  Then:
  - DUMP payloads are byte-identical for listpack and intset encodings (the
    order of a small hash is Redis's insertion order), and equal as content
    for hashtables (whose order is the table's);
  - each server RESTOREs the other's payload to the same value and encoding;
  - SAVE + restart and BGSAVE + restart keep values, encodings and TTLs;
  - redis-server loads zkv's file (and redis-check-rdb accepts it), zkv loads
    redis-server's file, with identical contents and encodings;
  - corrupt payloads (duplicates, odd listpacks, unsorted intsets, random
    bit flips) are refused with Redis's error and never crash zkv."""
import os
import random
import shutil
import struct
import subprocess
import time

import redis

base = None  # persist_integration's module, for its servers and checks


def build(client):
    """Runs the same collection-building commands on a server; returns the
    list of (db, key) it made."""
    rng = random.Random(23)
    keys = []
    pipe = client.pipeline(transaction=False)

    def hash_key(db, key, pairs):
        pipe.execute_command("SELECT", db)
        for field, value in pairs:
            pipe.hset(key, field, value)
        keys.append((db, key))

    hash_key(0, "h:inline", [("name", "ann"), ("age", "42"), ("city", "oslo"), ("n", "-7"), ("z", "")])
    hash_key(0, "h:ints", [("f%d" % i, str(v)) for i, v in enumerate(
        [0, 1, -1, 127, 128, -4096, 4095, 32767, -32768, 8388607, -8388608, 2**31, -2**31, 2**63 - 1, -2**63])])
    hash_key(0, "h:texts", [("007", "+1"), ("-0", "1.5"), ("1e3", " 1"), ("a" * 15, "b" * 15)])
    hash_key(0, "h:pack", [("field:%08d" % i, "value-%d" % i) for i in range(40)])
    hash_key(0, "h:64", [("a", "x" * 64), ("b", "y")])
    hash_key(0, "h:65", [("a", "x" * 65), ("b", "y")])
    hash_key(0, "h:field65", [("f" * 65, "v")])
    hash_key(0, "h:512", [("f:%d" % i, str(i * 3)) for i in range(512)])
    hash_key(0, "h:513", [("f:%d" % i, str(i * 3)) for i in range(513)])
    hash_key(0, "h:bin", [(bytes([i, 0, 255 - i]), bytes(rng.randrange(256) for _ in range(rng.randrange(40))))
                          for i in range(30)])
    hash_key(0, "h:compress", [("long", "abc" * 20), ("other", "q" * 50)])
    hash_key(1, "h:big", [("m:%06d" % i, "v" * (i % 70)) for i in range(3000)])
    # A hashtable shrunk back under the limits: saved as type 4, loaded as a
    # listpack by both.
    hash_key(2, "h:shrunk", [("f%d" % i, str(i)) for i in range(600)])
    pipe.execute_command("SELECT", 2)
    for i in range(595):
        pipe.hdel("h:shrunk", "f%d" % i)
    # Overwrites and deletes keep insertion order in both.
    hash_key(2, "h:order", [("c", "1"), ("a", "2"), ("b", "3"), ("a", "22222"), ("d", "4")])
    pipe.hdel("h:order", "c")
    pipe.hset("h:order", "c", "back")
    pipe.hincrby("h:order", "n", 5)
    pipe.hincrbyfloat("h:order", "fl", "1.25")

    def set_key(db, key, members):
        pipe.execute_command("SELECT", db)
        pipe.sadd(key, *members)
        keys.append((db, key))

    set_key(0, "s:i16", [5, -3, 100, 32767, -32768])
    set_key(0, "s:i32", [1, 70000, -70000])
    set_key(0, "s:i64", [1, 2**40, -2**63, 2**63 - 1])
    set_key(0, "s:widened", [1, 2, 3, 2**35])
    pipe.srem("s:widened", 2**35)
    set_key(0, "s:512", list(range(0, 5120, 10)))
    set_key(0, "s:513", list(range(513)))
    set_key(0, "s:strings", ["apple", "pear", "007", "x" * 100, b"\x00\x01"])
    set_key(0, "s:mixed", [1, 2, "three"])
    set_key(3, "s:big", ["member:%012d" % i for i in range(2000)])
    set_key(3, "s:bigint", list(range(100000, 103000)))
    # A hashtable set of integers only, small again: an intset after a load.
    set_key(3, "s:back", [1, 2, 3, "x"])
    pipe.execute_command("SELECT", 3)
    pipe.srem("s:back", "x")
    pipe.execute_command("SELECT", 0)
    pipe.expire("h:inline", 5000)
    pipe.pexpire("s:i16", 900000)
    pipe.execute()
    client.execute_command("SELECT", 0)
    return keys


def snapshot(client, keys):
    """Per key: type, encoding, content (as a dict or sorted list), TTL."""
    result = {}
    for db, key in keys:
        client.execute_command("SELECT", db)
        kind = client.type(key)
        if kind == b"hash":
            content = client.hgetall(key)
        elif kind == b"set":
            content = sorted(client.smembers(key))
        else:
            content = None
        ttl = client.ttl(key)
        result[(db, key)] = (kind, client.object("encoding", key), content, ttl > 0 if ttl != -1 else False)
    client.execute_command("SELECT", 0)
    return result


def same_snapshot(got, expected, label, encodings=True):
    base.check(set(got) == set(expected), "%s: keys differ" % label)
    for k, (kind, encoding, content, ttl) in expected.items():
        if k not in got:
            continue
        g = got[k]
        base.check(g[0] == kind and g[2] == content, "%s: %r content/type differ" % (label, k))
        base.check(g[3] == ttl, "%s: %r ttl differs" % (label, k))
        if encodings:
            base.check(g[1] == encoding, "%s: %r encoding %r, expected %r" % (label, k, g[1], encoding))


def reply(client, *args):
    try:
        return client.execute_command(*args)
    except redis.ResponseError as error:
        return "ERR:" + str(error)


def payload(body):
    forged = body + b"\x0a\x00"
    return forged + struct.pack("<Q", base.crc64(forged))


def test_dump(zc, rc, keys):
    for db, key in keys:
        zc.execute_command("SELECT", db)
        rc.execute_command("SELECT", db)
        zd, rd = zc.dump(key), rc.dump(key)
        encoding = rc.object("encoding", key)
        base.check(zc.object("encoding", key) == encoding, "%s: encoding %r vs redis %r" % (key, zc.object("encoding", key), encoding))
        if encoding in (b"listpack", b"intset"):
            base.check(zd == rd, "DUMP %s (%s) differs: zkv %r... redis %r..." % (key, encoding, zd[:40], rd[:40]))
        else:
            base.check(len(zd) == len(rd) and zd[0] == rd[0], "DUMP %s (hashtable): type/size %d/%d vs %d/%d"
                       % (key, zd[0], len(zd), rd[0], len(rd)))
        # Each restores the other's payload to the same value and encoding.
        for target, source, name in ((zc, rd, "zkv restores redis"), (rc, zd, "redis restores zkv")):
            base.check(reply(target, "RESTORE", "copy", 0, source, "REPLACE") == b"OK", "%s %s" % (name, key))
        got_z = snapshot(zc, [(db, "copy")])[(db, "copy")]
        got_r = snapshot(rc, [(db, "copy")])[(db, "copy")]
        original = snapshot(rc, [(db, key)])[(db, key)]
        # A hashtable under the limits comes back smaller in both servers.
        base.check(got_z[0] == original[0] and got_z[2] == original[2], "zkv RESTORE of redis's %s" % key)
        base.check(got_r[0] == original[0] and got_r[2] == original[2], "redis RESTORE of zkv's %s" % key)
        base.check(got_z[1] == got_r[1], "RESTORE %s: encoding %r, redis %r" % (key, got_z[1], got_r[1]))
        zc.delete("copy")
        rc.delete("copy")
    zc.execute_command("SELECT", 0)
    rc.execute_command("SELECT", 0)


def ziplist(entries):
    """A ziplist of short strings and 0..12 integers (what Redis 6 wrote)."""
    body, previous = b"", 0
    for entry in entries:
        if isinstance(entry, int):
            encoded = bytes([previous, 0xF1 + entry])
        else:
            header = bytes([len(entry)]) if len(entry) < 64 else bytes([0x40 | len(entry) >> 8, len(entry) & 0xFF])
            encoded = bytes([previous]) + header + entry
        tail = 10 + len(body)
        body += encoded
        previous = len(encoded)
    return struct.pack("<IIH", 10 + len(body) + 1, tail, len(entries)) + body + b"\xff"


def zipmap(pairs):
    body = bytes([len(pairs)])
    for field, value in pairs:
        body += bytes([len(field)]) + field + bytes([len(value), 0]) + value
    return body + b"\xff"


def string(blob):
    return bytes([0x40 | (len(blob) >> 8), len(blob) & 0xFF]) if len(blob) >= 64 else bytes([len(blob)])


def test_old_encodings(zc, rc):
    """Hashes from RDB files before 7.0 (ziplist, zipmap) load as Redis 7.0
    loads them."""
    small = [b"a", 1, b"bb", b"hello", b"n", 12]
    wide = [b"f", b"v" * 65]
    many = []
    for i in range(300):
        many += [b"f%d" % i, i % 13]
    for name, body in (("ziplist", b"\x0d" + string(ziplist(small)) + ziplist(small)),
                       ("ziplist long value", b"\x0d" + string(ziplist(wide)) + ziplist(wide)),
                       ("ziplist 300 fields", b"\x0d" + string(ziplist(many)) + ziplist(many)),
                       ("zipmap", b"\x09" + string(zipmap([(b"k", b"v"), (b"id", b"42")]))
                        + zipmap([(b"k", b"v"), (b"id", b"42")]))):
        zr, rr = reply(zc, "RESTORE", "old", 0, payload(body), "REPLACE"), reply(rc, "RESTORE", "old", 0, payload(body), "REPLACE")
        base.check(zr == b"OK" and zr == rr, "%s: zkv %r, redis %r" % (name, zr, rr))
        base.check(zc.hgetall("old") == rc.hgetall("old") and len(zc.hgetall("old")) > 0, "%s: contents" % name)
        base.check(zc.object("encoding", "old") == rc.object("encoding", "old"), "%s: encoding" % name)
        base.check(zc.dump("old") == rc.dump("old") or zc.object("encoding", "old") == b"hashtable",
                   "%s: DUMP after loading" % name)
    zc.delete("old")
    rc.delete("old")


def test_bad_payloads(zc, rc):
    # zkv validates every payload fully; Redis does with this setting.
    rc.config_set("sanitize-dump-payload", "yes")
    lp_dup = b"\x10" + bytes([0x15]) + b"\x15\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81a\x02\x02\x01\xff"
    cases = {
        "hash listpack with a duplicated field": lp_dup,
        "hash listpack with an odd count": b"\x10" + bytes([0x0f]) + b"\x0f\x00\x00\x00\x03\x00\x81a\x02\x01\x01\x81b\x02\xff",
        "plain hash with a duplicated field": b"\x04\x02\x01a\x01x\x01a\x01y",
        "plain hash truncated": b"\x04\x03\x01a\x01x",
        "plain set with a duplicated member": b"\x02\x02\x03abc\x03abc",
        "intset unsorted": b"\x0b\x0c" + struct.pack("<II", 2, 2) + struct.pack("<hh", 5, 1),
        "intset bad width": b"\x0b\x0c" + struct.pack("<II", 3, 2) + struct.pack("<hh", 1, 5),
        "intset size mismatch": b"\x0b\x0c" + struct.pack("<II", 2, 3) + struct.pack("<hh", 1, 5),
        "empty plain set": b"\x02\x00",
        "empty plain hash": b"\x04\x00",
        # Zipmaps Debian's 7.0.15 refuses: a short length in the 5-byte form,
        # no pair at all.
        "zipmap with a 5-byte short field length": b"\x09\x0e\x01\xfe\x04\x00\x00\x00key1\x01\x00v\xff",
        "zipmap with a 5-byte short value length": b"\x09\x0e\x01\x01k\xfe\x04\x00\x00\x00\x00val1\xff",
        "empty zipmap": b"\x09\x02\x00\xff",
    }
    for name, body in cases.items():
        zr, rr = reply(zc, "RESTORE", "bad", 0, payload(body)), reply(rc, "RESTORE", "bad", 0, payload(body))
        base.check(zr == "ERR:Bad data format", "%s: zkv %r" % (name, zr))
        base.check(zr == rr, "%s: zkv %r, redis %r" % (name, zr, rr))
    rc.config_set("sanitize-dump-payload", "no")
    rc.delete("bad")
    # Random corruption of real payloads (with a fixed CRC so the value is
    # read) never crashes zkv and never leaves a key behind on refusal.
    rng = random.Random(11)
    zc.delete("fz")
    sources = []
    for key in ("h:inline", "h:pack", "h:512", "h:65", "s:i16", "s:i64", "s:strings", "s:513"):
        sources.append(zc.dump(key)[:-10])
    for _ in range(3000):
        bad = bytearray(rng.choice(sources))
        for _ in range(rng.randrange(1, 4)):
            bad[rng.randrange(len(bad))] = rng.randrange(256)
        if rng.random() < 0.2:
            bad = bad[:rng.randrange(1, len(bad))]
        result = reply(zc, "RESTORE", "fz", 0, payload(bytes(bad)), "REPLACE")
        if result == b"OK":
            kind = zc.type("fz")
            if kind == b"hash":
                zc.hgetall("fz")
                zc.hlen("fz")
            elif kind == b"set":
                zc.smembers("fz")
            zc.delete("fz")
        else:
            base.check(result == "ERR:Bad data format", "corrupt payload: %r" % result)
    base.check(zc.ping() is True, "zkv alive after corrupt collection payloads")


def wait_bgsave(client):
    for _ in range(800):
        if client.info("persistence")["rdb_bgsave_in_progress"] == 0:
            return
        time.sleep(0.025)


def run(module, zkv, redis_server, work):
    global base
    base = module
    directory = os.path.join(work, "collections")
    rdir = os.path.join(work, "collections-redis")
    os.makedirs(directory)
    os.makedirs(rdir)
    z, r = base.Server(zkv, directory), base.Server(redis_server, rdir)
    keys = build(z.client)
    build(r.client)
    expected = snapshot(r.client, keys)
    same_snapshot(snapshot(z.client, keys), expected, "zkv built like redis")
    test_dump(z.client, r.client, keys)
    test_old_encodings(z.client, r.client)
    test_bad_payloads(z.client, r.client)

    # SAVE, restart: the same values, encodings and TTLs (both servers turn a
    # small type-4 hash or type-2 integer set into listpack / intset).
    base.check(z.client.save() is True, "SAVE with collections")
    r.client.save()
    z.stop()
    r.stop()
    r = base.Server(redis_server, rdir)
    expected = snapshot(r.client, keys)
    z = base.Server(zkv, directory)
    same_snapshot(snapshot(z.client, keys), expected, "zkv after SAVE and restart")
    # BGSAVE, restart.
    z.client.execute_command("SELECT", 1)
    z.client.hset("h:big", "after", "bgsave")
    r.client.execute_command("SELECT", 1)
    r.client.hset("h:big", "after", "bgsave")
    expected = snapshot(r.client, keys)
    base.check(z.client.bgsave() is True, "BGSAVE with collections")
    wait_bgsave(z.client)
    base.check(z.client.info("persistence")["rdb_last_bgsave_status"] == "ok", "BGSAVE ok")
    z.stop()
    z = base.Server(zkv, directory)
    same_snapshot(snapshot(z.client, keys), expected, "zkv after BGSAVE and restart")
    z.stop()

    zkv_file = os.path.join(directory, "dump.rdb")
    checker = shutil.which("redis-check-rdb")
    if checker:
        result = subprocess.run([checker, zkv_file], capture_output=True, text=True)
        base.check(result.returncode == 0 and "RDB looks OK" in result.stdout,
                   "redis-check-rdb on collections: " + result.stdout[-300:])
    # redis-server on zkv's file, zkv on redis-server's file.
    r.client.save()
    r.stop()
    cross = os.path.join(work, "collections-cross")
    os.makedirs(cross)
    shutil.copy(zkv_file, os.path.join(cross, "dump.rdb"))
    r2 = base.Server(redis_server, cross)
    same_snapshot(snapshot(r2.client, keys), expected, "redis-server on zkv's file")
    r2.stop()
    size_zkv, size_redis = os.path.getsize(zkv_file), os.path.getsize(os.path.join(rdir, "dump.rdb"))
    base.check(abs(size_zkv - size_redis) <= size_redis // 100, "collection file sizes %d vs %d" % (size_zkv, size_redis))
    back = os.path.join(work, "collections-back")
    os.makedirs(back)
    shutil.copy(os.path.join(rdir, "dump.rdb"), os.path.join(back, "dump.rdb"))
    z2 = base.Server(zkv, back)
    same_snapshot(snapshot(z2.client, keys), expected, "zkv on redis-server's file")
    z2.stop()
