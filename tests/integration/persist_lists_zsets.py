"""Lists and sorted sets in RDB files and DUMP payloads, against
redis-server 7.0.15 (run from persist_integration.py, whose servers and
checks it uses, with persist_collections' payload helpers).

The same commands build the same values in both servers: lists of one
node and of many (8 KiB listpack nodes, elements past a node's size,
integers of every width, LZF-friendly text), a list built by head pushes;
sorted sets at and past zset-max-listpack-entries/-value, scores that print
as integers, as %.17g text, infinities and -0, a skiplist shrunk back under
the limits.  Then:
  - DUMP payloads are byte-identical for tail-built lists (Redis's node
    cuts) and listpack sorted sets; skiplist payloads have Redis's type byte
    and length; each server RESTOREs the other's payload to the same value
    and encoding;
  - payloads of Redis 6 and older (ziplist list, quicklist v1, plain list,
    ziplist and text-score sorted sets) load as Redis 7.0 loads them;
  - SAVE + restart and BGSAVE + restart keep values, encodings and TTLs;
    redis-server loads zkv's file (redis-check-rdb accepts it) and zkv
    loads redis-server's, with identical contents and encodings;
  - corrupt payloads are refused with Redis's error and never crash zkv."""
import os
import random
import shutil
import struct
import subprocess

import persist_collections as pc

base = None  # persist_integration's module

# Keys whose DUMP bytes may legitimately differ (none: a list built by
# head pushes is cut from the tail as Redis's is).  A list RESTOREd from an
# old payload keeps the file's node boundaries in Redis but not in zkv: only
# its contents are compared.
HISTORY_DEPENDENT = set()


def build(client):
    rng = random.Random(41)
    keys = []
    pipe = client.pipeline(transaction=False)

    def list_key(db, key, elements, head=False):
        pipe.execute_command("SELECT", db)
        for i in range(0, len(elements), 500):
            (pipe.lpush if head else pipe.rpush)(key, *elements[i:i + 500])
        keys.append((db, key))

    def zset_key(db, key, pairs):
        pipe.execute_command("SELECT", db)
        for i in range(0, len(pairs), 500):
            args = []
            for score, member in pairs[i:i + 500]:
                args += [score, member]
            pipe.execute_command("ZADD", key, *args)
        keys.append((db, key))

    list_key(0, "l:small", ["a", "b", "1", "2", "-3", "", "007"])
    list_key(0, "l:ints", [str(v) for v in [0, 1, -1, 127, 128, -4096, 4095, 32767, -32768, 8388607,
                                            -8388608, 2**31, -2**31, 2**63 - 1, -2**63, 2**63, -2**63 - 1]])
    list_key(0, "l:nodes", ["element-%06d" % i for i in range(20000)])
    list_key(0, "l:mixed", [rng.choice([str(rng.randrange(-10**12, 10**12)), "x" * rng.randrange(0, 300),
                                        bytes(rng.randrange(256) for _ in range(rng.randrange(30)))])
                            for _ in range(3000)])
    list_key(0, "l:huge", ["h" * 9000, "small", "i" * 20000, "j" * 8170, "k" * 8171, "tail"])
    list_key(1, "l:compress", ["abc" * rng.randrange(7, 200) for _ in range(500)])
    list_key(1, "l:lpush", ["left-%d" % i for i in range(5000)], head=True)
    zset_key(0, "z:small", [(1, "a"), (2.5, "b"), (-3, "c"), (0, "007"), (7, "12")])
    zset_key(0, "z:scores", [("inf", "pinf"), ("-inf", "ninf"), ("-0", "negzero"), ("1e20", "big"),
                             ("0.1", "tenth"), (2**62, "p62"), (-2**62, "n62"), (2**62 + 4096, "past62"),
                             ("4503599627370497", "p52"), ("1e-300", "tiny"), ("123456789012", "int"),
                             ("0.30000000000000004", "sum"), ("-1.5e-7", "neg")])
    zset_key(0, "z:128", [(i * 0.5, "m%03d" % i) for i in range(128)])
    zset_key(0, "z:129", [(i, "m%03d" % i) for i in range(129)])
    zset_key(0, "z:64", [(1, "x" * 64), (2, "y")])
    zset_key(0, "z:65", [(1, "x" * 65), (2, "y")])
    zset_key(0, "z:intmembers", [(i, str(i * 1000)) for i in range(-20, 20)])
    zset_key(2, "z:big", [(rng.uniform(-1e9, 1e9), "member:%08d" % i) for i in range(3000)])
    zset_key(2, "z:ties", [(5, "m%04d" % i) for i in range(400)])
    # A skiplist shrunk under the limits: saved as type 5, loaded as a listpack.
    zset_key(2, "z:shrunk", [(i, "s%d" % i) for i in range(300)])
    pipe.execute_command("SELECT", 2)
    pipe.zremrangebyrank("z:shrunk", 0, 289)
    pipe.execute_command("SELECT", 0)
    pipe.expire("l:small", 5000)
    pipe.pexpire("z:small", 900000)
    pipe.execute()
    client.execute_command("SELECT", 0)
    return keys


def snapshot(client, keys):
    """Per key: type, encoding, content, whether it has a TTL."""
    result = {}
    for db, key in keys:
        client.execute_command("SELECT", db)
        kind = client.type(key)
        if kind == b"list":
            content = client.lrange(key, 0, -1)
        elif kind == b"zset":
            content = client.zrange(key, 0, -1, withscores=True)
        else:
            content = None
        ttl = client.ttl(key)
        result[(db, key)] = (kind, client.object("encoding", key), content, ttl > 0 if ttl != -1 else False)
    client.execute_command("SELECT", 0)
    return result


def test_dump(zc, rc, keys):
    identical = 0
    for db, key in keys:
        zc.execute_command("SELECT", db)
        rc.execute_command("SELECT", db)
        zd, rd = zc.dump(key), rc.dump(key)
        encoding = rc.object("encoding", key)
        base.check(zc.object("encoding", key) == encoding, "%s: encoding %r vs redis %r"
                   % (key, zc.object("encoding", key), encoding))
        if encoding in (b"quicklist", b"listpack") and key not in HISTORY_DEPENDENT:
            base.check(zd == rd, "DUMP %s (%s) differs: zkv %r... redis %r..." % (key, encoding, zd[:40], rd[:40]))
            identical += zd == rd
        else:
            base.check(zd[0] == rd[0] and abs(len(zd) - len(rd)) <= len(rd) // 100,
                       "DUMP %s: type/size %d/%d vs %d/%d" % (key, zd[0], len(zd), rd[0], len(rd)))
            if key not in HISTORY_DEPENDENT:
                base.check(len(zd) == len(rd), "DUMP %s: size %d vs %d" % (key, len(zd), len(rd)))
        for target, source, name in ((zc, rd, "zkv restores redis"), (rc, zd, "redis restores zkv")):
            base.check(pc.reply(target, "RESTORE", "copy", 0, source, "REPLACE") == b"OK", "%s %s" % (name, key))
        # What zkv loaded dumps to the same bytes again.
        if key not in HISTORY_DEPENDENT and encoding in (b"quicklist", b"listpack"):
            base.check(zc.dump("copy") == zd, "DUMP of restored %s" % key)
        got_z = snapshot(zc, [(db, "copy")])[(db, "copy")]
        got_r = snapshot(rc, [(db, "copy")])[(db, "copy")]
        original = snapshot(rc, [(db, key)])[(db, key)]
        base.check(got_z[0] == original[0] and got_z[2] == original[2], "zkv RESTORE of redis's %s" % key)
        base.check(got_r[0] == original[0] and got_r[2] == original[2], "redis RESTORE of zkv's %s" % key)
        base.check(got_z[1] == got_r[1], "RESTORE %s: encoding %r, redis %r" % (key, got_z[1], got_r[1]))
        zc.delete("copy")
        rc.delete("copy")
    zc.execute_command("SELECT", 0)
    rc.execute_command("SELECT", 0)
    base.check(identical > 10, "identical DUMP payloads: %d" % identical)


def text_double(value):
    if value == float("inf"):
        return b"\xfe"
    if value == float("-inf"):
        return b"\xff"
    text = repr(value).encode()
    return bytes([len(text)]) + text


def test_old_encodings(zc, rc):
    """Lists and sorted sets as Redis before 7.0 wrote them."""
    small = [b"a", 1, b"bb", b"hello", 12, b"x" * 70]
    quicklist_v1 = b"\x0e\x02" + pc.string(pc.ziplist(small)) + pc.ziplist(small) \
        + pc.string(pc.ziplist([b"tail", 3])) + pc.ziplist([b"tail", 3])
    plain_list = b"\x01\x03\x01a\xc0\x05\x03xyz"
    # In rank order: Redis keeps a packed set's blob order as it is.
    zset_zl = [b"c", b"-inf", b"a", 1, b"b", b"2.5", b"n", b"10"]
    zset_zl_many = []
    for i in range(200):
        zset_zl_many += [b"m%d" % i, i % 13]
    zset_text = b"\x03\x04" + b"".join(pc.string(m) + m + text_double(s) for m, s in
                                       ((b"one", 1.0), (b"half", 0.5), (b"top", float("inf")), (b"low", -2.25)))
    zset_text_long = b"\x03\x02" + pc.string(b"w" * 70) + b"w" * 70 + text_double(1.0) + b"\x01s" + text_double(2.0)
    cases = (("list ziplist", "list", b"\x0a" + pc.string(pc.ziplist(small)) + pc.ziplist(small)),
             ("list quicklist v1", "list", quicklist_v1),
             ("plain list", "list", plain_list),
             ("zset ziplist", "zset", b"\x0c" + pc.string(pc.ziplist(zset_zl)) + pc.ziplist(zset_zl)),
             ("zset ziplist 200", "zset", b"\x0c" + pc.string(pc.ziplist(zset_zl_many)) + pc.ziplist(zset_zl_many)),
             ("zset text scores", "zset", zset_text),
             ("zset text scores, long member", "zset", zset_text_long))
    for name, kind, body in cases:
        zr = pc.reply(zc, "RESTORE", "old", 0, pc.payload(body), "REPLACE")
        rr = pc.reply(rc, "RESTORE", "old", 0, pc.payload(body), "REPLACE")
        base.check(zr == b"OK" and zr == rr, "%s: zkv %r, redis %r" % (name, zr, rr))
        got_z, got_r = snapshot(zc, [(0, "old")]), snapshot(rc, [(0, "old")])
        base.check(got_z == got_r and got_z[(0, "old")][0] == kind.encode(), "%s: %r vs redis %r" % (name, got_z, got_r))
        if kind == "zset" and zc.object("encoding", "old") == b"listpack":
            base.check(zc.dump("old") == rc.dump("old"), "%s: DUMP after loading" % name)
    zc.delete("old")
    rc.delete("old")


def listpack(entries):
    """A listpack of short strings (< 64 bytes) and 0..127 integers."""
    body = b""
    for entry in entries:
        encoded = bytes([entry]) if isinstance(entry, int) else bytes([0x80 | len(entry)]) + entry
        body += encoded + bytes([len(encoded)])
    return struct.pack("<IH", 6 + len(body) + 1, len(entries)) + body + b"\xff"


def test_bad_payloads(zc, rc):
    rc.config_set("sanitize-dump-payload", "yes")
    zc.config_set("loglevel", "verbose")  # RESTORE's reasons, as Redis logs them

    def blob(type_byte, lp):
        return bytes([type_byte]) + pc.string(lp) + lp
    # Both servers refuse these.
    cases = {
        "zset listpack with a duplicated member": blob(0x11, listpack([b"a", 1, b"a", 2])),
        "zset listpack with an odd count": blob(0x11, listpack([b"a", 1, b"b"])),
        "zset_2 with a duplicated member": b"\x05\x02\x01a" + struct.pack("<d", 1) + b"\x01a" + struct.pack("<d", 2),
        "zset_2 with a NaN score": b"\x05\x01\x01a" + struct.pack("<d", float("nan")),
        "zset_2 truncated": b"\x05\x02\x01a" + struct.pack("<d", 1),
        "empty zset_2": b"\x05\x00",
        "empty quicklist": b"\x12\x00",
        "quicklist of one empty node": b"\x12\x01\x02" + pc.string(listpack([])) + listpack([]),
        "quicklist plain node of length 0": b"\x12\x01\x01\x00",
        "quicklist packed node of length 0": b"\x12\x01\x02\x00",
        "quicklist container 3": b"\x12\x01\x03" + pc.string(listpack([b"a"])) + listpack([b"a"]),
        "quicklist truncated": b"\x12\x02\x02" + pc.string(listpack([b"a"])) + listpack([b"a"]),
        "quicklist bad listpack size": b"\x12\x01\x02" + pc.string(listpack([b"a"])) + b"\x09" + listpack([b"a"])[1:],
        "plain list truncated": b"\x01\x03\x01a",
    }
    for name, body in cases.items():
        zr, rr = pc.reply(zc, "RESTORE", "bad", 0, pc.payload(body)), pc.reply(rc, "RESTORE", "bad", 0, pc.payload(body))
        base.check(zr == "ERR:Bad data format", "%s: zkv %r" % (name, zr))
        base.check(zr == rr, "%s: zkv %r, redis %r" % (name, zr, rr))
    # Redis does not read a listpack score's text before it is used; zkv
    # refuses a score that is not a number at once.
    for score in (b"abc", b"nan", b"1x"):
        zr = pc.reply(zc, "RESTORE", "bad", 0, pc.payload(blob(0x11, listpack([b"a", score]))))
        base.check(zr == "ERR:Bad data format", "zset listpack score %r: zkv %r" % (score, zr))
    rc.config_set("sanitize-dump-payload", "no")
    rc.delete("bad")
    base.check(zc.exists("bad") == 0, "no key left by refused payloads")
    rng = random.Random(13)
    zc.delete("fz")
    sources = [zc.dump(key)[:-10] for key in ("l:small", "l:ints", "l:huge", "z:small", "z:scores", "z:129")]
    zc.execute_command("SELECT", 2)
    sources.append(zc.dump("z:shrunk")[:-10])
    zc.execute_command("SELECT", 0)
    for _ in range(3000):
        bad = bytearray(rng.choice(sources))
        for _ in range(rng.randrange(1, 4)):
            bad[rng.randrange(len(bad))] = rng.randrange(256)
        if rng.random() < 0.2:
            bad = bad[:rng.randrange(1, len(bad))]
        result = pc.reply(zc, "RESTORE", "fz", 0, pc.payload(bytes(bad)), "REPLACE")
        if result == b"OK":
            kind = zc.type("fz")
            if kind == b"list":
                zc.lrange("fz", 0, -1)
                zc.lpop("fz")
            elif kind == b"zset":
                zc.zrange("fz", 0, -1, withscores=True)
                zc.zadd("fz", {"new": 1})
            zc.delete("fz")
        else:
            base.check(result == "ERR:Bad data format", "corrupt payload: %r" % result)
    base.check(zc.ping() is True, "zkv alive after corrupt list/zset payloads")


def run(module, zkv, redis_server, work):
    global base
    base = module
    pc.base = module
    directory = os.path.join(work, "lists-zsets")
    rdir = os.path.join(work, "lists-zsets-redis")
    os.makedirs(directory)
    os.makedirs(rdir)
    z, r = base.Server(zkv, directory), base.Server(redis_server, rdir)
    keys = build(z.client)
    build(r.client)
    expected = snapshot(r.client, keys)
    pc.same_snapshot(snapshot(z.client, keys), expected, "zkv built like redis")
    test_dump(z.client, r.client, keys)
    test_old_encodings(z.client, r.client)
    test_bad_payloads(z.client, r.client)
    z.client.config_set("loglevel", "notice")
    log = z.log_text()
    for reason in ("Zset listpack integrity check failed: listpack with dup elements (duplicated sorted set member)",
                   "Listpack integrity check failed: listpack", "Quicklist integrity check failed",
                   "Duplicate zset fields detected", "Zset with NAN score detected"):
        base.check("Internal error in RDB reading offset 0, function at rdb.c:0 -> " + reason in log,
                   "RESTORE's reason logged as Redis words it: " + reason)

    base.check(z.client.save() is True, "SAVE with lists and sorted sets")
    r.client.save()
    z.stop()
    r.stop()
    r = base.Server(redis_server, rdir)
    expected = snapshot(r.client, keys)
    z = base.Server(zkv, directory)
    pc.same_snapshot(snapshot(z.client, keys), expected, "lists/zsets after SAVE and restart")
    for client in (z.client, r.client):
        client.execute_command("SELECT", 2)
        client.zadd("z:big", {"after": 0.25})
        client.execute_command("SELECT", 0)
        client.rpush("l:nodes", "after-bgsave")
    expected = snapshot(r.client, keys)
    base.check(z.client.bgsave() is True, "BGSAVE with lists and sorted sets")
    pc.wait_bgsave(z.client)
    base.check(z.client.info("persistence")["rdb_last_bgsave_status"] == "ok", "BGSAVE ok")
    z.stop()
    z = base.Server(zkv, directory)
    pc.same_snapshot(snapshot(z.client, keys), expected, "lists/zsets after BGSAVE and restart")
    z.stop()

    zkv_file = os.path.join(directory, "dump.rdb")
    checker = shutil.which("redis-check-rdb")
    if checker:
        result = subprocess.run([checker, zkv_file], capture_output=True, text=True)
        base.check(result.returncode == 0 and "RDB looks OK" in result.stdout,
                   "redis-check-rdb on lists/zsets: " + result.stdout[-300:])
    r.client.save()
    r.stop()
    cross = os.path.join(work, "lists-zsets-cross")
    os.makedirs(cross)
    shutil.copy(zkv_file, os.path.join(cross, "dump.rdb"))
    r2 = base.Server(redis_server, cross)
    pc.same_snapshot(snapshot(r2.client, keys), expected, "redis-server on zkv's list/zset file")
    r2.stop()
    redis_file = os.path.join(rdir, "dump.rdb")
    size_zkv, size_redis = os.path.getsize(zkv_file), os.path.getsize(redis_file)
    base.check(abs(size_zkv - size_redis) <= size_redis // 100, "list/zset file sizes %d vs %d" % (size_zkv, size_redis))
    back = os.path.join(work, "lists-zsets-back")
    os.makedirs(back)
    shutil.copy(redis_file, os.path.join(back, "dump.rdb"))
    z2 = base.Server(zkv, back)
    pc.same_snapshot(snapshot(z2.client, keys), expected, "zkv on redis-server's list/zset file")
    z2.stop()
