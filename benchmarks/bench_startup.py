"""Start-up cost of the command line: a trivial solve with an empty and with a filled derivation cache.

Each command runs as a fresh process, several times in turn (A B C D A B C D ...), and the medians are printed
next to the floor every Python command pays, ``python -c "import numpy"``, measured in the same run:

- ``replica --help`` (argument parsing only: the engine is not imported);
- ``replica solve gardner --set kappa=1 --json`` with an empty cache folder (cold: the model is derived with sympy
  and the derivation written to the cache);
- the same command again (warm: the derivation is read from the cache).

Run: ``python benchmarks/bench_startup.py [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _seconds(command, env) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "capacity.cli"]
    solve = [*cli, "solve", "gardner", "--set", "kappa=1", "--json"]
    rows = {"python -c 'import numpy'": [], "replica --help": [], "solve, cold cache": [], "solve, warm cache": []}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "REPLICA_CACHE_DIR": folder}
            rows["python -c 'import numpy'"].append(_seconds([sys.executable, "-c", "import numpy"], env))
            rows["replica --help"].append(_seconds([*cli, "--help"], env))
            rows["solve, cold cache"].append(_seconds(solve, env))
            rows["solve, warm cache"].append(_seconds(solve, env))
    floor = statistics.median(rows["python -c 'import numpy'"])
    print(f"{'command':28s} {'median s':>9s} {'min s':>7s} {'max s':>7s} {'x import numpy':>15s}")
    for name, times in rows.items():
        median = statistics.median(times)
        print(f"{name:28s} {median:9.3f} {min(times):7.3f} {max(times):7.3f} {median / floor:15.1f}")
    cold, warm = (statistics.median(rows[k]) for k in ("solve, cold cache", "solve, warm cache"))
    print(f"the cache makes a repeated solve {cold / warm:.1f}x faster")


if __name__ == "__main__":
    main()
