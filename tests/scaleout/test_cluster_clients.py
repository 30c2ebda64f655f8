"""Real Redis Cluster clients against three zkv nodes with a static topology.

First examples/cluster/run.sh must pass (redis-cli --cluster check, -c,
redis-benchmark --cluster).  Then three nodes share one topology file
(0-5460, 5461-10922, 10923-16383).  Checks, each with exact expected values:
  - redis-cli -c sets keys through one node and reads them through every
    node, following -MOVED; every node ends up holding some of them;
  - redis-benchmark --cluster -t set,get finishes with no error;
  - redis-py's RedisCluster reads the topology (CLUSTER SLOTS) and writes
    and reads back 10,000 keys; the keys spread over the three nodes
    exactly as CLUSTER KEYSLOT says they should.
"""
import os
import re
import sys

sys.dont_write_bytecode = True  # keep the source tree clean when run from it
import scaleout  # noqa: E402

RANGES = [(0, 5460), (5461, 10922), (10923, 16383)]
RUN_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "cluster", "run.sh")


def check_example():
    out = scaleout.run(["bash", RUN_SH], timeout=240)
    scaleout.check(out.rstrip().endswith("PASSED"), f"examples/cluster/run.sh did not pass:\n{out}")
    print("examples/cluster/run.sh: passed")


def start_cluster(processes):
    ports = scaleout.free_ports(3)
    topology = processes.path("cluster.topology")
    with open(topology, "w") as file:
        file.write("# three zkv nodes\n")
        for port, (first, last) in zip(ports, RANGES):
            file.write(f"127.0.0.1:{port} {first}-{last}\n")
    for index, port in enumerate(ports):
        processes.start_zkv(f"node{index}", port, "--cluster-enabled", "yes", "--cluster-topology-file", topology)
    return ports


def owner_index(slot):
    return next(i for i, (first, last) in enumerate(RANGES) if first <= slot <= last)


def check_redis_cli(ports):
    for i in range(30):
        out = scaleout.run(["redis-cli", "-c", "-p", str(ports[0]), "SET", f"cli:{i}", f"value-{i}"])
        scaleout.check(out == "OK\n", f"SET cli:{i} through redis-cli -c answered {out!r}")
    for port in ports:
        for i in range(30):
            out = scaleout.run(["redis-cli", "-c", "-p", str(port), "GET", f"cli:{i}"])
            scaleout.check(out == f"value-{i}\n", f"GET cli:{i} via port {port} answered {out!r}")
    sizes = [int(scaleout.run(["redis-cli", "-p", str(port), "DBSIZE"])) for port in ports]
    scaleout.check(sum(sizes) == 30 and min(sizes) > 0, f"keys per node {sizes}, expected 30 spread over all")
    print(f"redis-cli -c: 30 keys written and read back through every node; per node {sizes}")


def check_redis_benchmark(ports):
    out = scaleout.run(["redis-benchmark", "--cluster", "-p", str(ports[0]), "-t", "set,get", "-n", "20000",
                        "-r", "100000", "-q"], timeout=120)
    scaleout.check("error" not in out.lower(), f"redis-benchmark --cluster reported errors:\n{out}")
    results = dict(re.findall(r"(SET|GET): ([0-9.]+) requests per second", out))
    scaleout.check(set(results) == {"SET", "GET"}, f"redis-benchmark --cluster output lacks results:\n{out}")
    print(f"redis-benchmark --cluster: SET {results['SET']} rps, GET {results['GET']} rps")


def check_redis_py(ports):
    import redis
    from redis.cluster import RedisCluster

    client = RedisCluster(host="127.0.0.1", port=ports[1], socket_timeout=5)
    slots = client.cluster_slots()
    scaleout.check(len(slots) == 3, f"redis-py read {len(slots)} slot ranges: {slots}")
    nodes = [redis.Redis(host="127.0.0.1", port=port, socket_timeout=5) for port in ports]
    before = [node.dbsize() for node in nodes]
    expected = [0, 0, 0]
    for i in range(10000):
        key = f"py:{i}"
        client.set(key, f"value-{i}")
        expected[owner_index(client.keyslot(key))] += 1
    wrong = [i for i in range(10000) if client.get(f"py:{i}") != f"value-{i}".encode()]
    scaleout.check(not wrong, f"{len(wrong)} keys read back wrong through RedisCluster, e.g. {wrong[:5]}")
    added = [node.dbsize() - b for node, b in zip(nodes, before)]
    scaleout.check(added == expected, f"keys per node {added}, CLUSTER KEYSLOT says {expected}")
    for i in (0, 1234, 9999):
        owner = nodes[owner_index(client.keyslot(f"py:{i}"))]
        scaleout.check(owner.get(f"py:{i}") == f"value-{i}".encode(), f"py:{i} is not on its slot's node")
    print(f"redis-py RedisCluster: 10000 keys written and read back; per node {added}")


def main():
    scaleout.require_tools("redis-cli", "redis-benchmark")
    scaleout.require_redis_py()
    os.environ["ZKV_SERVER"] = scaleout.zkv_binary()
    check_example()
    processes = scaleout.Processes()
    try:
        ports = start_cluster(processes)
        check_redis_cli(ports)
        check_redis_benchmark(ports)
        check_redis_py(ports)
    finally:
        processes.stop_all()
    print("PASSED")


if __name__ == "__main__":
    sys.exit(main())
