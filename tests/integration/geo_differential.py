#!/usr/bin/env python3
"""geo_differential: random GEO command streams sent to zkv and to
redis-server 7.0 side by side, in RESP2 and RESP3; every reply must be
byte-identical (distances to the fourth decimal, coordinates to the
seventeenth, the order of points at equal distances).

Both servers are started here on free ports of 127.0.0.1 and killed by PID at
the end.  Points come in clusters (a few km across, so searches find many),
on exact duplicates (ties in distance), near the poles, the antimeridian and
the Mercator limits, and as raw ZADD scores outside the geohash range.
Queries use every option of GEORADIUS, GEORADIUSBYMEMBER, their _RO forms,
GEOSEARCH and GEOSEARCHSTORE (radii from 0 to 20,000 km, boxes, units,
COUNT with and without ANY, ASC/DESC, STORE/STOREDIST), plus malformed
arguments.  Stored results are compared with ZRANGE ... WITHSCORES.  Half the
seeds keep sets packed (listpack), half push them past 128 members.
Exit 0 when identical, 1 on differences, 77 (skipped) without redis-server.

Usage: geo_differential.py [--zkv PATH] [--redis PATH] [--seeds N] [--commands N]
"""
import argparse
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import free_port  # noqa: E402
from zset_differential import Connection, start  # noqa: E402

CENTRES = [(13.36, 38.11), (-122.27, 37.80), (0.0, 0.0), (179.99, 10.0), (-179.99, -10.0), (2.35, 48.85),
           (151.2, -33.86), (25.0, 84.9), (-60.0, -85.0), (100.0, 70.0)]


def number(rng, centre, spread):
    return "%.*f" % (rng.choice([0, 3, 6, 9, 12]), centre + rng.uniform(-spread, spread))


def run(zkv_port, redis_port, seed, count):
    rng = random.Random(seed)
    differences = 0
    connections = [(Connection(zkv_port, p), Connection(redis_port, p)) for p in (2, 3)]
    zkv2, redis2 = connections[0]
    for connection in connections[0]:
        connection.call(["FLUSHALL"])
    keys = ["g0", "g1", "g2"]
    members = ["m%d" % i for i in range(60 if seed % 2 == 0 else 400)]
    key = lambda: rng.choice(keys)
    member = lambda: rng.choice(members) if rng.random() < 0.95 else "missing"
    unit = lambda: rng.choice(["m", "km", "ft", "mi", "KM", "Mi", "yd"] if rng.random() < 0.05 else
                              ["km", "km", "m", "ft", "mi"])
    duplicates = {}

    def position():
        if rng.random() < 0.004:
            return [rng.choice(["180", "-180", "0", "181", "-180.0001", "abc", "inf"]),
                    rng.choice(["85.05112878", "-85.05112878", "85.06", "0", "-90", "nan"])]
        lon, lat = rng.choice(CENTRES)
        spread = rng.choice([0.01, 0.1, 1, 5])
        lon_text = number(rng, lon, spread)
        lat_text = number(rng, lat, spread)
        if not -180 <= float(lon_text) <= 180:
            lon_text = "%.6f" % max(-180, min(180, float(lon_text)))
        if not -85.05112878 <= float(lat_text) <= 85.05112878:
            lat_text = "%.6f" % max(-85.05, min(85.05, float(lat_text)))
        return [lon_text, lat_text]

    def geoadd():
        options = [o for o in ["NX", "XX", "CH"] if rng.random() < 0.1]
        arguments = ["GEOADD", key()] + options
        for _ in range(rng.randint(1, 40)):
            if duplicates and rng.random() < 0.2:
                where = rng.choice(list(duplicates.values()))
            else:
                where = position()
            name = member()
            duplicates[name] = where
            arguments += where + [name]
        if rng.random() < 0.03:
            arguments = arguments[:-1]
        return arguments

    def radius():
        if rng.random() < 0.03:
            return [rng.choice(["-1", "x", "inf", "1e400"]), unit()]
        return [rng.choice(["0", "1", "10", "100", "500", "1000", "5000", "20000", "0.5"])
                if rng.random() < 0.8 else str(rng.uniform(0, 3000)), unit()]

    def options(store_allowed, geosearch_store=False):
        extra = []
        for word in ["WITHDIST", "WITHHASH", "WITHCOORD"]:
            if rng.random() < 0.4 and not geosearch_store:
                extra.append([word])
        if rng.random() < 0.5:
            extra.append(["COUNT", rng.choice(["1", "2", "3", "5", "10", "50"] if rng.random() < 0.95 else
                                              ["0", "-1", "x"])]
                         + (["ANY"] if rng.random() < 0.3 else []))
        elif rng.random() < 0.02:
            extra.append(["ANY"])
        if rng.random() < 0.5:
            extra.append([rng.choice(["ASC", "DESC"])])
        if store_allowed and rng.random() < 0.3 and not any(e[0].startswith("WITH") for e in extra):
            extra.append([rng.choice(["STORE", "STOREDIST"]), rng.choice(["dst", "g2"])])
        if geosearch_store and rng.random() < 0.4:
            extra.append(["STOREDIST"])
        if rng.random() < 0.03:
            extra.append([rng.choice(["ANY", "BOGUS", "STORE"])])
        rng.shuffle(extra)
        return sum(extra, [])

    def source():
        if rng.random() < 0.5:
            return ["FROMMEMBER", member()]
        return ["FROMLONLAT"] + position()

    def shape():
        if rng.random() < 0.5:
            return ["BYRADIUS"] + radius()
        return ["BYBOX", rng.choice(["1", "100", "1000", "5000", "40000", "-1"]),
                rng.choice(["1", "100", "1000", "5000", "40000"]), unit()]

    def geosearch(store):
        parts = [source(), shape()]
        rng.shuffle(parts)
        if rng.random() < 0.03:
            parts = parts[:1]
        head = ["GEOSEARCHSTORE", rng.choice(["dst", "g2"]), key()] if store else ["GEOSEARCH", key()]
        return head + sum(parts, []) + options(False, store)

    table = [
        (14, geoadd),
        (3, lambda: ["GEODIST", key(), member(), member()] + ([unit()] if rng.random() < 0.5 else [])),
        (3, lambda: ["GEOHASH", key()] + [member() for _ in range(rng.randint(1, 4))]),
        (3, lambda: ["GEOPOS", key()] + [member() for _ in range(rng.randint(1, 4))]),
        (8, lambda: [rng.choice(["GEORADIUS", "GEORADIUS_RO"]), key()] + position() + radius()
         + options(True)),
        (8, lambda: [rng.choice(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"]), key(), member()] + radius()
         + options(True)),
        (10, lambda: geosearch(False)),
        (5, lambda: geosearch(True)),
        (1, lambda: ["ZADD", key(), rng.choice(["-1", "1e20", "9007199254740993", "-1e30", "inf", "4503599627370495",
                                                 "4503599627370496"]), member()]),
        (1, lambda: ["ZREM", key(), member()]),
        (1, lambda: ["SET", "str", "x"]),
        (1, lambda: [rng.choice(["GEOADD", "GEOPOS", "GEOSEARCH"]), "str", "1", "2", "x", "BYRADIUS", "1", "km"]),
        (1, lambda: ["GEORADIUS", "str", "1", "2", "3", "km"]),
    ]
    weights = [w for w, _ in table]
    for step in range(count):
        arguments = rng.choices(table, weights)[0][1]()
        zkv, redis = rng.choice(connections)
        expected = redis.call(arguments)
        actual = zkv.call(arguments)
        if expected != actual:
            differences += 1
            if differences <= 10:
                print("seed %d step %d: %r\n  redis: %r\n  zkv:   %r" % (seed, step, arguments, expected, actual))
        if arguments[0] in ("GEORADIUS", "GEORADIUSBYMEMBER", "GEOSEARCHSTORE") or step % 50 == 0:
            for k in keys + ["dst"]:
                probe = ["ZRANGE", k, "0", "-1", "WITHSCORES"]
                expected, actual = redis2.call(probe), zkv2.call(probe)
                if expected != actual:
                    differences += 1
                    if differences <= 10:
                        print("seed %d step %d: %s differs after %r\n  redis: %r\n  zkv:   %r"
                              % (seed, step, k, arguments, expected, actual))
    return differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--commands", type=int, default=2000)
    arguments = parser.parse_args()
    if not arguments.redis:
        print("redis-server not found: skipped")
        return 77
    zkv_port, redis_port = free_port(), free_port()
    zkv = start([arguments.zkv], zkv_port)
    redis = start([arguments.redis, "--appendonly", "no"], redis_port)
    try:
        differences = 0
        for seed in range(arguments.seeds):
            differences += run(zkv_port, redis_port, seed, arguments.commands)
    finally:
        zkv.kill()
        redis.kill()
        zkv.wait()
        redis.wait()
    print("%d differences" % differences)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
