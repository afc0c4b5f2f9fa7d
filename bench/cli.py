"""CLI start-up: wall and CPU time of ``eingang --help`` and ``eingang items`` (empty SQLite
database in a temporary data dir), beside a bare ``python -c pass`` measured in the same run.
Run: ``.venv/bin/python bench/cli.py [--runs 5]``.

Goal (issue 16): ``--help`` ≤ 0.3 s, ``items`` ≤ 0.6 s on a quiet machine. On a loaded one compare
the CPU times and the ratio to the bare interpreter, not the wall times.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU of the child) in seconds for one run of argv."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Without PYTHONDONTWRITEBYTECODE: an installation has its modules compiled (pip does it
        # on install; `db upgrade` below does it here), a shell that sets it would time the compiler.
        env = {k: v for k, v in os.environ.items()
               if k not in ("EINGANG_DATABASE_URL", "EINGANG_BROKER_URL", "PYTHONDONTWRITEBYTECODE")}
        env["EINGANG_DATA_DIR"] = tmp
        python = sys.executable
        eingang = [python, "-m", "eingang"]
        subprocess.run([*eingang, "db", "upgrade"], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cases = {"python -c pass (bare)": [python, "-c", "pass"],
                 "eingang --help": [*eingang, "--help"],
                 "eingang items": [*eingang, "items"]}
        results = {name: [timed(argv, env) for _ in range(args.runs)] for name, argv in cases.items()}
    bare = statistics.median(w for w, _ in results["python -c pass (bare)"])
    print(f"Median aus {args.runs} Läufen")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:24} {wall:6.2f} s Wand  {cpu:6.2f} s CPU  {wall / bare:5.1f}× bare")


if __name__ == "__main__":
    main()
