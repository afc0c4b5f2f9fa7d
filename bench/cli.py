"""CLI start-up: wall and CPU time of ``eingang --help`` and ``eingang items`` (an empty, migrated
database: embedded SQLite in a temporary data dir, and/or a private PostgreSQL database), beside a
bare ``python -c pass`` measured in the same run.
Run: ``.venv/bin/python bench/cli.py [--runs 5] [--backend sqlite|postgres|both]``.

On PostgreSQL ``eingang items`` also imports the driver (psycopg) and opens a TCP connection, which
the embedded installation does not.

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
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.services import postgres_database  # noqa: E402


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
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    python = sys.executable
    eingang = [python, "-m", "eingang"]
    cases = {"python -c pass (bare)": [python, "-c", "pass"], "eingang --help": [*eingang, "--help"]}
    cases |= {f"eingang items ({backend})": [*eingang, "items"] for backend in backends}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    with ExitStack() as stack:
        envs = {backend: installation(stack, backend, eingang) for backend in backends}
        # Runs alternate between the cases, so that a change of the machine's load hits all alike.
        for _ in range(args.runs):
            for name, argv in cases.items():
                backend = name.removeprefix("eingang items (").removesuffix(")")
                results[name].append(timed(argv, envs.get(backend, envs[backends[0]])))
    bare = statistics.median(w for w, _ in results["python -c pass (bare)"])
    print(f"Median aus {args.runs} Läufen, Last des Rechners (1 min) am Ende {os.getloadavg()[0]:.1f}")
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"{name:28} {wall:6.2f} s Wand  {cpu:6.2f} s CPU  {wall / bare:5.1f}× bare")


def installation(stack: ExitStack, backend: str, eingang: list[str]) -> dict[str, str]:
    """The environment of an empty, migrated installation of ``backend``."""
    # Without PYTHONDONTWRITEBYTECODE: an installation has its modules compiled (pip does it
    # on install; `db upgrade` below does it here), a shell that sets it would time the compiler.
    env = {k: v for k, v in os.environ.items()
           if k not in ("EINGANG_DATABASE_URL", "EINGANG_BROKER_URL", "PYTHONDONTWRITEBYTECODE")}
    env["EINGANG_DATA_DIR"] = stack.enter_context(tempfile.TemporaryDirectory(prefix="eingang-bench-cli-"))
    if backend == "postgres":
        env["EINGANG_DATABASE_URL"] = stack.enter_context(postgres_database())
    subprocess.run([*eingang, "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return env

if __name__ == "__main__":
    main()
