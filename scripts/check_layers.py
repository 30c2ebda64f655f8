#!/usr/bin/env python3
"""check_layers: fail when a folder includes a header from a higher layer.

zkv's folders are modules stacked in layers (server/README.md draws them).
A file may include headers of its own folder and of folders in lower layers;
folders in the same layer are independent of each other.  The CMake link
lists enforce the same rule at build time; this script says it in one
sentence per violation, and also catches includes that only happen to
resolve because a lower library re-exports a path.

Usage: scripts/check_layers.py [repository-root]     exit 1 on a violation
"""
import os
import re
import sys

# Lowest first.  Folders in one tuple form one layer.
LAYERS = [
    ("zmalloc",),
    ("protocol",),
    ("lib",),
    ("server/core",),
    ("server/net", "server/keyspace"),
    ("server/command",),
    ("server/types/generic", "server/types/string", "server/types/hash", "server/types/set",
     "server/types/list", "server/types/zset", "server/types/stream", "server/types/hll", "server/admin"),
    ("server/memory", "server/cluster", "server/persist", "server/pubsub", "server/scripting",
     "server/acl", "server/sort"),
    ("server/introspection",),
    ("server",),  # main.c, the composition root
]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def rank_of(folder):
    for rank, layer in enumerate(LAYERS):
        if folder in layer:
            return rank
    return None


def scan(root):
    headers, sources = {}, []
    for top in ("zmalloc", "protocol", "lib", "server"):
        for directory, _, files in os.walk(os.path.join(root, top)):
            folder = os.path.relpath(directory, root)
            for name in files:
                if name.endswith((".c", ".h")):
                    sources.append((folder, name))
                if name.endswith(".h"):
                    headers.setdefault(name, []).append(folder)
    return headers, sources


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    headers, sources = scan(root)
    problems = []
    for name, folders in headers.items():
        if len(folders) > 1:
            problems.append(f"header {name} exists in {', '.join(folders)}: names must be unique")
    edges = set()
    for folder, name in sources:
        if rank_of(folder) is None:
            problems.append(f"{folder}/{name}: folder {folder} has no layer in scripts/check_layers.py")
            continue
        with open(os.path.join(root, folder, name), encoding="utf-8") as f:
            text = f.read()
        for included in INCLUDE.findall(text):
            target = headers.get(os.path.basename(included))
            if not target or target[0] == folder:
                continue
            target = target[0]
            edges.add((folder, target))
            if rank_of(target) >= rank_of(folder):
                problems.append(f"{folder}/{name} includes {included} from {target}, "
                                f"which is not in a lower layer")
    for problem in sorted(problems):
        print(problem)
    if problems:
        print(f"check_layers: {len(problems)} violation(s)", file=sys.stderr)
        return 1
    print(f"check_layers: {len(edges)} folder dependencies, all pointing down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
