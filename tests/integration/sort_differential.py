#!/usr/bin/env python3
"""sort_differential: random SORT and SORT_RO commands sent to zkv and to
redis-server 7.0 side by side, in RESP2 and RESP3; every reply must be
byte-identical, and so must every list SORT ... STORE leaves behind.

The keyspace holds lists, sets (intset and table) and sorted sets of small
integers, floats and words, weight strings (some not numbers: "", " 2",
"0x10", "inf", "nan", "abc") and hashes for key->field, so BY, GET, LIMIT,
ASC/DESC, ALPHA, STORE, "nosort", wrong types and bad doubles all occur.
Orders Redis leaves to its hash tables are not generated: BY nosort on a set
without STORE, and ALPHA with a BY pattern on anything but a list (ties keep
the first order, which for sets and sorted sets is the table's).
Exit 0 when identical, 1 on differences, 77 (skipped) without redis-server.

Usage: sort_differential.py [--zkv PATH] [--redis PATH] [--seeds N] [--commands N]
"""
import argparse
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keyspace_differential import free_port, start  # noqa: E402
from list_differential import Connection, run_scenario  # noqa: E402

ELEMENTS = ["1", "2", "3", "10", "-5", "2.5", "007", "a", "b", "B", "abc", "", "1e3", "x y", "9223372036854775807"]
# No out-of-range double ("1e400"): Redis tests errno after strtod without
# clearing it first, so one ERANGE makes its later numeric SORTs fail until
# some other call happens to overwrite errno; zkv clears it.
WEIGHTS = ["0", "1", "-1", "2.5", "10", "3", "", " 2", "0x10", "inf", "-inf", "nan", "abc", "1e", "7"]


def populate(rng, call):
    call(["FLUSHALL"])
    for e in ELEMENTS:
        if rng.random() < 0.8:
            call(["SET", "w_" + e, rng.choice(WEIGHTS[:6] + WEIGHTS[8:11] + WEIGHTS[14:])])
        if rng.random() < 0.3:
            call(["SET", "bad_" + e, rng.choice(WEIGHTS)])
        if rng.random() < 0.7:
            call(["HSET", "h_" + e, "f", rng.choice(WEIGHTS[:6]), "g", rng.choice(ELEMENTS)])
        if rng.random() < 0.5:
            call(["SET", "o_" + e, "obj-" + e])
    numbers = [e for e in ELEMENTS if e.lstrip("-").isdigit()]
    call(["RPUSH", "l"] + [rng.choice(ELEMENTS) for _ in range(rng.randint(1, 25))])
    call(["RPUSH", "ln"] + [rng.choice(numbers + ["2.5", "1e3"]) for _ in range(rng.randint(1, 20))])
    call(["SADD", "si"] + rng.sample(["1", "2", "3", "10", "-5", "007"[1:], "42"], 5))
    call(["SADD", "sw"] + rng.sample(ELEMENTS, 8))
    pairs = []
    for e in rng.sample(ELEMENTS, 9):
        pairs += [str(rng.choice([1, 2, 3, 2.5, -1, 0])), e]
    call(["ZADD", "z"] + pairs)
    call(["SET", "str", "v"])
    call(["HSET", "hash", "a", "1"])


def sort_command(rng):
    key = rng.choice(["l", "ln", "si", "sw", "z", "missing", "str", "hash"])
    read_only = rng.random() < 0.2
    words = ["SORT_RO" if read_only else "SORT", key]
    options = []
    alpha = rng.random() < 0.4
    by = None
    if rng.random() < 0.5:
        by = rng.choice(["w_*", "h_*->f", "nosort", "bad_*", "h_*->", "o_*", "w_*->f"])
        if by == "nosort" and key.startswith("s"):
            by = "w_*"
        if alpha and key != "l" and "*" in by:
            alpha = False
        options.append(["BY", by])
    if alpha:
        options.append(["ALPHA"])
    if rng.random() < 0.5:
        options.append([rng.choice(["ASC", "DESC", "asc", "desc"])])
    # ALPHA BY with LIMIT: Redis's partial quicksort leaves ties unordered
    if rng.random() < 0.4 and not (alpha and by and "*" in by):
        options.append(["LIMIT", rng.choice(["0", "1", "-2", "3", "100", "x"]),
                        rng.choice(["0", "1", "2", "-1", "5", "100"])])
    for _ in range(rng.choice([0, 0, 1, 2])):
        options.append(["GET", rng.choice(["#", "o_*", "h_*->g", "w_*", "nokey", "h_*->f"])])
    if rng.random() < 0.3 and not read_only:
        options.append(["STORE", rng.choice(["dst", "l", "str"])])
    if by is None and rng.random() < 0.05 and not key.startswith("s"):
        options.append(["BY", "nosort", "BY", "w_*"])  # "nosort" stays in force
    rng.shuffle(options)
    for option in options:
        words += option
    if rng.random() < 0.03:  # last, so it cannot swallow the next option's word
        words.append(rng.choice(["BY", "LIMIT", "GET", "STORE", "bogus"]))
    if rng.random() < 0.1 and read_only:
        words += ["STORE", "dst"]
    return words


# SORT ... STORE writes a list, so it must serve clients blocked on it.
SCENARIOS = {
    "store-serves-blpop": [
        (0, ["BLPOP", "dst", "0"]), (1, ["RPUSH", "src", "3", "1", "2"]), (1, ["SORT", "src", "STORE", "dst"]),
        (1, ["LRANGE", "dst", "0", "-1"])],
    "store-serves-blmpop-count": [
        (0, ["BLMPOP", "0", "1", "dst", "RIGHT", "COUNT", "2"]), (1, ["SADD", "src", "b", "a", "c"]),
        (1, ["SORT", "src", "ALPHA", "STORE", "dst"]), (1, ["LRANGE", "dst", "0", "-1"])],
    "empty-store-serves-no-one": [
        (0, ["BLPOP", "dst", "1"]), (1, ["SORT", "missing", "STORE", "dst"]), ("sleep", 1.2)],
    "multi-and-blocked-resp3": [
        (0, ["HELLO", "3"]), (0, ["BLPOP", "dst", "0"]), (1, ["ZADD", "z", "1", "a", "2", "b"]), (1, ["MULTI"]),
        (1, ["SORT", "z", "BY", "nosort", "DESC", "STORE", "dst"]), (1, ["SORT_RO", "z", "ALPHA"]), (1, ["EXEC"])],
}


def run(zkv, redis, seed, commands, resp3):
    rng = random.Random(seed)
    differences = 0
    if resp3:
        zkv.call(["HELLO", "3"])
        redis.call(["HELLO", "3"])
    for step in range(commands):
        if step % 40 == 0:
            state = random.Random(seed * 100003 + step)
            populate(state, zkv.call)
            state = random.Random(seed * 100003 + step)
            populate(state, redis.call)
        arguments = sort_command(rng)
        checks = [arguments] + ([["LRANGE", "dst", "0", "-1"], ["TYPE", "dst"], ["LRANGE", "l", "0", "-1"]]
                                if "STORE" in arguments else [])
        for command in checks:
            expected, actual = redis.call(command), zkv.call(command)
            if expected != actual:
                differences += 1
                if differences <= 10:
                    print("seed %d step %d: %r\n  redis: %r\n  zkv:   %r" % (seed, step, command, expected, actual))
    return differences


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zkv", default=os.environ.get("ZKV_SERVER", "build/zkv-server"))
    parser.add_argument("--redis", default=shutil.which("redis-server"))
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--commands", type=int, default=3000)
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
            total += run(zkv, redis, seed, options.commands, seed % 2 == 0)
        scenario_differences = 0
        for name, steps in SCENARIOS.items():
            expected, actual = run_scenario(redis_port, steps), run_scenario(zkv_port, steps)
            if expected != actual:
                scenario_differences += 1
                print("SCENARIO %s differs\n  redis: %r\n  zkv:   %r" % (name, expected, actual))
        print("%d streams x %d SORT commands: %d differences; %d blocking scenarios: %d differ" %
              (options.seeds, options.commands, total, len(SCENARIOS), scenario_differences))
        return 0 if total == 0 and scenario_differences == 0 else 1
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
