"""Turns one run directory into bench/results/REPORT.md and chart data.

    python3 -m harness.report RUN_DIR RESULTS_DIR DATA_DIR

Reads summary.tsv, meta.json, problems.tsv and the series/ files of a run;
writes REPORT.md (targets, per-scenario tables, the charts report.sh draws,
and the hand-written analysis from RESULTS_DIR/NOTES.md when it exists) and
the gnuplot input files into DATA_DIR.  Kept apart from the harness so a
report can be redrawn from old raw data without rerunning anything.
"""
import csv
import glob
import json
import os
import sys

REFERENCE = "redis"

# (what the issue asks, scenario, figure, goal for zkv/redis, "max" or "min")
TARGETS = [
    ("used_memory per key, 16 B key + 3 B value", "memory", "16B key + 3B value used_memory",
     0.45, "max"),
    ("used_memory per key, same with TTL", "memory", "16B key + 3B value +TTL used_memory",
     0.40, "max"),
    ("SET rps at pipeline 16", "throughput", "P16 SET rps", 1.3, "min"),
    ("GET rps at pipeline 16", "throughput", "P16 GET rps", 1.3, "min"),
    ("SET rps at pipeline 64", "throughput", "P64 SET rps", 2.0, "min"),
    ("GET rps at pipeline 64", "throughput", "P64 GET rps", 2.0, "min"),
    ("server CPU per SET at pipeline 1", "throughput", "P1 SET cpu", 0.85, "max"),
    ("server CPU per GET at pipeline 1", "throughput", "P1 GET cpu", 0.85, "max"),
    ("max PING latency during growth", "growth", "PING max", 1.0, "max"),
    ("mem_fragmentation_ratio after MEMORY PURGE", "fragmentation",
     "purged mem_fragmentation_ratio", 1.0, "max"),
]

MEMORY_CASES = ["16B key + 3B value", "16B key + 3B value +TTL", "100B value", "1-512B value"]


def load_summary(run_dir):
    rows = {}
    with open(os.path.join(run_dir, "summary.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            rows.setdefault((row["scenario"], row["figure"]), {})[row["server"]] = row
    return rows


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def servers_in(rows, scenario):
    names = []
    for (scen, _fig), per_server in rows.items():
        if scen == scenario:
            names += [n for n in per_server if n not in names]
    return [n for n in names if n != REFERENCE] + ([REFERENCE] if REFERENCE in names else [])


def with_unit(row):
    if not row or number(row["median"]) is None:
        return row["median"] if row else "n/a"
    return "%s %s" % (row["median"], row["unit"])


def round_ratios(run_dir):
    """{(scenario, figure): [zkv/redis of each round]}: the spread behind a median ratio."""
    values = {}
    with open(os.path.join(run_dir, "figures.tsv")) as f:
        for line in f:
            scenario, figure, _unit, _better, server, rnd, value = line.rstrip("\n").split("\t")
            values.setdefault((scenario, figure, rnd), {})[server] = number(value)
    ratios = {}
    for (scenario, figure, _rnd), per_server in values.items():
        zkv, ref = per_server.get("zkv"), per_server.get(REFERENCE)
        if zkv is not None and ref:
            ratios.setdefault((scenario, figure), []).append(zkv / ref)
    return ratios


def targets_table(rows, ratios):
    out = ["| target | zkv | redis | zkv/redis | per round | goal | status |",
           "|---|---|---|---|---|---|---|"]
    for label, scenario, figure, goal, kind in TARGETS:
        spread = ratios.get((scenario, figure))
        spread = "%.2f..%.2f" % (min(spread), max(spread)) if spread else "n/a"
        per_server = rows.get((scenario, figure), {})
        zkv, ref = per_server.get("zkv"), per_server.get(REFERENCE)
        ratio = number(zkv["ratio"]) if zkv else None
        if ratio is None:
            status = "n/a"
        elif (ratio <= goal) if kind == "max" else (ratio >= goal):
            status = "**met**"
        else:
            status = "not met"
        out.append("| %s | %s | %s | %s | %s | %s %s | %s |" % (
            label, with_unit(zkv), with_unit(ref),
            "%.2f" % ratio if ratio is not None else "n/a", spread, "≤" if kind == "max" else "≥",
            goal, status))
    return out


def scenario_table(rows, scenario):
    names = servers_in(rows, scenario)
    two_way = len(names) == 2 and REFERENCE in names
    if two_way:
        head = "| figure | unit | %s | %s | ratio | %s min..max | %s min..max |" % (
            names[0], REFERENCE, names[0], REFERENCE)
        out = [head, "|---" * 7 + "|"]
    else:
        out = ["| figure | unit | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
    for (scen, figure), per_server in rows.items():
        if scen != scenario:
            continue
        unit = next(iter(per_server.values()))["unit"]
        if two_way:
            a, r = per_server.get(names[0]), per_server.get(REFERENCE)
            cells = [a["median"] if a else "-", r["median"] if r else "-",
                     a["ratio"] if a else "-",
                     "%s..%s" % (a["min"], a["max"]) if a else "-",
                     "%s..%s" % (r["min"], r["max"]) if r else "-"]
        else:
            cells = []
            for n in names:
                row = per_server.get(n)
                if not row:
                    cells.append("-")
                elif n == REFERENCE or row["ratio"] == "n/a":
                    cells.append(row["median"])
                else:
                    cells.append("%s (%s×)" % (row["median"], row["ratio"]))
        out.append("| %s | %s | %s |" % (figure, unit, " | ".join(cells)))
    return out


def write_chart_data(rows, run_dir, data_dir):
    """Gnuplot inputs: bars.dat files with a header row, and series copies."""
    os.makedirs(data_dir, exist_ok=True)
    # Bytes per key: one row per case, one column per server (main run, then backends).
    columns = [("memory", n) for n in servers_in(rows, "memory")]
    columns += [("allocators: memory", n) for n in servers_in(rows, "allocators: memory")
                if n != REFERENCE]
    with open(os.path.join(data_dir, "bytes_per_key.dat"), "w") as f:
        f.write("case " + " ".join('"%s"' % n for _s, n in columns) + "\n")
        for case in MEMORY_CASES:
            cells = []
            for scenario, name in columns:
                row = rows.get((scenario, case + " used_memory"), {}).get(name)
                value = number(row["median"]) if row else None
                cells.append("%.1f" % value if value is not None else "NaN")
            f.write('"%s" %s\n' % (case, " ".join(cells)))
    # Throughput and CPU per request: one row per test and depth, columns zkv, redis.
    names = servers_in(rows, "throughput")
    for metric, fname in (("rps", "throughput.dat"), ("cpu", "cpu.dat")):
        with open(os.path.join(data_dir, fname), "w") as f:
            f.write("test " + " ".join('"%s"' % n for n in names) + "\n")
            for (scen, figure), per_server in rows.items():
                if scen != "throughput" or not figure.endswith(" " + metric):
                    continue
                if not any(t in figure for t in (" SET ", " GET ")):
                    continue
                cells = [per_server.get(n, {}).get("median") for n in names]
                cells = ["%.4g" % number(c) if number(c) is not None else "NaN" for c in cells]
                f.write('"%s" %s\n' % (figure.rsplit(" ", 1)[0], " ".join(cells)))
    # Series of round 0: fragmentation RSS/used over time, PING timelines.
    series = {}
    for kind, scenario in (("frag", "fragmentation"), ("ping", "growth")):
        charted = servers_in(rows, scenario)  # not scenario 5's backends
        for path in sorted(glob.glob(os.path.join(run_dir, "series", "%s-*-r0.txt" % kind))):
            server = os.path.basename(path)[len(kind) + 1:-len("-r0.txt")]
            if server in charted:
                series.setdefault(kind, []).append((server, path))
    return series


def phase_changes(path):
    """"t:phase" where a fragmentation sampler series enters a new phase."""
    changes, last = [], None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4 and parts[3] != last:
                last = parts[3]
                changes.append("%s:%s" % (parts[0], last))
    return changes


def main(run_dir, results_dir, data_dir):
    rows = load_summary(run_dir)
    with open(os.path.join(run_dir, "meta.json")) as f:
        meta = json.load(f)
    problems = []
    if os.path.exists(os.path.join(run_dir, "problems.tsv")):
        with open(os.path.join(run_dir, "problems.tsv")) as f:
            problems = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    series = write_chart_data(rows, run_dir, data_dir)
    with open(os.path.join(data_dir, "series.txt"), "w") as f:
        for kind, entries in series.items():
            for server, path in entries:
                marks = {}
                if os.path.exists(path + ".json"):
                    with open(path + ".json") as j:
                        marks = json.load(j)
                f.write("%s %s %s %.0f %.0f %s\n" % (
                    kind, server, path, marks.get("load_start_ms", 0),
                    marks.get("load_end_ms", 0), " ".join(phase_changes(path))))

    md = ["# zkv vs redis-server: benchmark report", ""]
    md.append("Generated by `bench/report.sh` from a `bench/bench.py` run. Every figure is the "
              "median over rounds in which the two servers alternated; **ratio = zkv / redis** in "
              "the same run, which is what counts on this shared, noisy 2-core machine.")
    md.append("")
    md.append("- run: %s, mode **%s**, %s round(s), scenarios %s, git `%s`, %s CPUs, kernel %s" % (
        meta["date"], meta["mode"], meta["rounds"], ",".join(map(str, meta["scenarios"])),
        meta["git"], meta["cpus"], meta["kernel"]))
    for name, server in meta["servers"].items():
        md.append("- %s: `%s` (%s)" % (name, server["binary"], server["version"]))
    md.append("- both servers: 127.0.0.1, maxmemory %s noeviction, no persistence; sizes: %s; "
              "redis-benchmark -n per pipeline depth: %s" % (
                  meta["maxmemory"], ", ".join("%s=%s" % kv for kv in meta["sizes"].items()),
                  meta["bench_requests"]))
    md.append("- command: `%s`" % meta["command"])
    md += ["", "## Targets (issue 8)", "",
           "zkv/redis is the ratio of the medians; *per round* is the range of the ratio "
           "within each round, where the two servers ran back to back.", ""]
    md += targets_table(rows, round_ratios(run_dir))
    if problems:
        md += ["", "## Verification problems", ""]
        md += ["- %s, %s: %s" % tuple(p[:3]) for p in problems]
    sections = [
        ("throughput", "1. Throughput (redis-benchmark -c 50 -d 3 -r 1000000, -P 1/16/64)",
         ["throughput.png", "cpu.png"]),
        ("memory", "2. Memory per key (growth of used_memory and RSS over N keys)",
         ["bytes_per_key.png"]),
        ("fragmentation", "3. Fragmentation (20-400 B values; delete 50%, overwrite 25%, "
         "MEMORY PURGE)", ["fragmentation.png"]),
        ("growth", "4. PING latency while loading (1 PING/ms, pipelined writer)",
         ["ping_timeline.png"]),
        ("allocators: memory", "5a. Allocator backends: memory per key", []),
        ("allocators: fragmentation", "5b. Allocator backends: fragmentation", []),
    ]
    present = {scen for scen, _fig in rows}
    for scenario, title, charts in sections:
        md += ["", "## " + title, ""]
        if scenario not in present:
            md.append("Not run in this report's run.")
            continue
        md += scenario_table(rows, scenario)
        for chart in charts:
            md += ["", "![%s](%s)" % (chart[:-4], chart)]
    notes = os.path.join(results_dir, "NOTES.md")
    if os.path.exists(notes):
        with open(notes) as f:
            md += ["", f.read().rstrip()]
    with open(os.path.join(results_dir, "REPORT.md"), "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
