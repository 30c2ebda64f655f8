"""Recording figures, and reducing rounds to medians and ratios.

Every measurement is one row (scenario, figure, unit, better, server, round,
value) appended to figures.tsv as soon as it is taken, so a crashed run
still leaves its data.  A value is a number or a word: "n/a" when the
server lacks what the figure needs, "invalid" when its data failed
verification.  summarize() reduces the rounds per server to median, min
and max, and divides each server's median by the reference server's
(redis) median: the ratio is the figure that counts on a noisy machine.
"""
import os
import statistics

REFERENCE = "redis"


def fmt(value):
    if isinstance(value, str):
        return value
    if value == 0 or abs(value) >= 100:
        return "%.0f" % value
    if abs(value) >= 10:
        return "%.1f" % value
    if abs(value) >= 0.1:
        return "%.2f" % value
    return "%.3g" % value


class Results:
    def __init__(self, run_dir):
        self.run_dir = run_dir
        self.rows = []
        self.problems = []  # (server, scenario, detail) for failed verification
        os.makedirs(os.path.join(run_dir, "series"), exist_ok=True)
        self._tsv = open(os.path.join(run_dir, "figures.tsv"), "w")

    def record(self, scenario, figure, unit, better, server, rnd, value):
        """better: "lower" or "higher"; value: a number, "n/a" or "invalid"."""
        row = (scenario, figure, unit, better, server, rnd, value)
        self.rows.append(row)
        self._tsv.write("\t".join(str(x) for x in row) + "\n")
        self._tsv.flush()

    def problem(self, server, scenario, detail):
        detail = " ".join(detail.split())[:300]
        self.problems.append((server, scenario, detail))
        print("  !! %s/%s: %s" % (server, scenario, detail), flush=True)

    def series_path(self, name):
        return os.path.join(self.run_dir, "series", name)

    def summarize(self):
        """Writes summary.tsv and returns its rows as dicts, in recording order."""
        groups = {}
        for scenario, figure, unit, better, server, _rnd, value in self.rows:
            key = (scenario, figure)
            group = groups.setdefault(key, {"unit": unit, "better": better, "servers": {}})
            group["servers"].setdefault(server, []).append(value)
        summary = []
        for (scenario, figure), group in groups.items():
            medians = {}
            for server, values in group["servers"].items():
                numbers = [v for v in values if not isinstance(v, str)]
                if "invalid" in values:
                    medians[server] = ("invalid", "invalid", "invalid", len(values))
                elif numbers:
                    medians[server] = (statistics.median(numbers), min(numbers), max(numbers),
                                       len(numbers))
                else:
                    medians[server] = (values[0], values[0], values[0], 0)
            ref = medians.get(REFERENCE, ("n/a",))[0]
            for server, (median, low, high, count) in medians.items():
                ratio = "n/a"
                if not isinstance(median, str) and not isinstance(ref, str) and ref != 0:
                    ratio = median / ref
                summary.append({"scenario": scenario, "figure": figure, "unit": group["unit"],
                                "better": group["better"], "server": server, "median": median,
                                "min": low, "max": high, "ratio": ratio, "rounds": count})
        with open(os.path.join(self.run_dir, "problems.tsv"), "w") as f:
            for problem in self.problems:
                f.write("\t".join(problem) + "\n")
        with open(os.path.join(self.run_dir, "summary.tsv"), "w") as f:
            columns = ["scenario", "figure", "unit", "better", "server", "median", "min", "max",
                       "ratio", "rounds"]
            f.write("\t".join(columns) + "\n")
            for row in summary:
                f.write("\t".join(fmt(row[c]) if c in ("median", "min", "max", "ratio")
                                  else str(row[c]) for c in columns) + "\n")
        return summary


def print_summary(summary, out):
    """Per figure and server: `figure server reference ratio  min..max min..max`."""
    by_figure, servers_of = {}, {}
    for row in summary:
        key = (row["scenario"], row["figure"], row["unit"])
        by_figure.setdefault(key, {})[row["server"]] = row
        names = servers_of.setdefault(row["scenario"], [])
        if row["server"] != REFERENCE and row["server"] not in names:
            names.append(row["server"])
    scenario_shown = None
    for (scenario, figure, unit), rows in by_figure.items():
        if scenario != scenario_shown:
            out.write("\n== %s ==\n%-44s %-16s %10s %10s %7s   %-22s %s\n" % (
                scenario, "figure", "server", "server", REFERENCE, "ratio", "server min..max",
                "%s min..max" % REFERENCE))
            scenario_shown = scenario
        ref = rows.get(REFERENCE)
        for name in servers_of[scenario] or [REFERENCE]:
            row = rows.get(name)
            out.write("%-44s %-16s %10s %10s %7s   %-22s %s\n" % (
                "%s (%s)" % (figure, unit), name, fmt(row["median"]) if row else "-",
                fmt(ref["median"]) if ref else "-", fmt(row["ratio"]) if row and ref else "-",
                "%s..%s" % (fmt(row["min"]), fmt(row["max"])) if row else "-",
                "%s..%s" % (fmt(ref["min"]), fmt(ref["max"])) if ref else "-"))
    out.flush()
