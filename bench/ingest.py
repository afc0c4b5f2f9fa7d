"""Scanned post end to end: `eingang ingest` of 30 noisy scans against bare tesseract, same run.

Run: .venv/bin/python -m bench.ingest [--backend sqlite|postgres|both] [--runs 5] [--pages 30]

The issue 16 row: 30 image-only scans at 300 dpi (three letters, a third each upright, skewed
by 1.2° and upside down, speckled; bench.ocr.scan_page), as PNG files.

  raw      `tesseract page.png out -l deu` (text only), OMP_THREAD_LIMIT=1, one process per core
  sqlite   `eingang ingest --channel letter <the 30 files>` on embedded SQLite: the command's
           wall time, start-up included; it returns when every item is stored, read (OCR and
           searchable PDF), classified and routed
  postgres the same command with PostgreSQL + RabbitMQ and one worker (as the Procfile),
           started and warmed up before: from the command's start until the 30th item of the
           run has its final status

Each eingang run reads its own copy of the files (another folder, so nothing is taken for a
duplicate) into the same installation; modes alternate in each round. Printed: the median
wall time of each mode, pages/min, the ratio raw/eingang (1.0 = as fast as the bare tool; goal
≥ 0.85), and how many of the run's items were routed (the others in needs-attention).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import text

from bench.email import installation
from bench.ocr import raw_tesseract, scan_page, tesseract_versions
from store.enums import FINAL_STATUSES


def _run_items(engine, folder: Path) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Status → count of the items read from ``folder`` (their receipt path names it)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT i.status, count(DISTINCT i.id) FROM items i JOIN receipts r "
                                 "ON r.item_id = i.id WHERE r.path = :path GROUP BY i.status"),
                            {"path": f"ingest:{folder.resolve()}"}).all()
    return {status: n for status, n in rows}


def _wait_final(engine, folder: Path, expected: int, timeout: float = 900) -> dict[str, int]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = _run_items(engine, folder)
        if sum(n for s, n in counts.items() if s in FINAL_STATUSES) >= expected:
            return counts
        time.sleep(0.05)
    raise TimeoutError(f"{folder.name}: not every item processed: {counts}")


class Installation:
    """One backend's eingang with its data dir, and (PostgreSQL) its running worker."""

    def __init__(self, stack: ExitStack, backend: str, pages: list[Path]) -> None:
        self.pages, self.runs = pages, 0
        self.data, self.runner, self.engine = installation(stack, backend, f"eingang-ingest-{backend}-")
        if backend == "postgres":
            self.runner.start("worker", "--queues", "extract,pipeline,maintenance",
                              log=self.data / "worker.log")
        self.ingest(warm_up=True)  # the worker's OCR pool, the broker's queues, the page cache

    def ingest(self, warm_up: bool = False) -> tuple[float, dict[str, int]]:
        self.runs += 1
        folder = self.data / f"post-{self.runs:02d}"
        folder.mkdir()
        pages = self.pages[:1] if warm_up else self.pages
        for page in pages:
            shutil.copy(page, folder / page.name)
        started = time.perf_counter()
        self.runner.run("ingest", "--channel", "letter", *sorted(str(p) for p in folder.iterdir()),
                        timeout=900)
        counts = _wait_final(self.engine, folder, len(pages))
        return time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=30)
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    workers = os.cpu_count() or 1
    times: dict[str, list[float]] = {mode: [] for mode in ["raw", *backends]}
    routed: dict[str, list[int]] = {backend: [] for backend in backends}
    loads = []
    with ExitStack() as stack:
        scans = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scans-")))
        pages = []
        for n in range(args.pages):
            pages.append(scans / f"brief-{n:03d}.png")
            scan_page(n).save(pages[-1], dpi=(300, 300))
        raw_out = scans / "raw"
        raw_out.mkdir()
        installations = {backend: Installation(stack, backend, pages) for backend in backends}
        for _ in range(args.runs):
            times["raw"].append(raw_tesseract(pages, workers, raw_out, "deu")[0])
            for backend, eingang in installations.items():
                seconds, counts = eingang.ingest()
                times[backend].append(seconds)
                routed[backend].append(counts.get("routed", 0) + counts.get("done", 0))
            loads.append(os.getloadavg()[0])
    print(f"{args.pages} scans, median of {args.runs} runs, {workers} cores, "
          f"load average during the runs {min(loads):.1f}–{max(loads):.1f}, {tesseract_versions()}")
    raw = statistics.median(times["raw"])
    for mode, values in times.items():
        wall = statistics.median(values)
        label = {"raw": "tesseract -l deu", "sqlite": "eingang ingest, SQLite",
                 "postgres": "eingang ingest, PostgreSQL + RabbitMQ"}[mode]
        extra = f"   routed {min(routed[mode])}–{max(routed[mode])} of {args.pages}" if mode in routed else ""
        # The machine's own speed drifts between rounds: each round's ratio compares the
        # eingang run with the tesseract run just before it.
        paired = statistics.median(r / v for r, v in zip(times["raw"], values, strict=True))
        print(f"{label:40s} {wall:6.1f} s  {args.pages / wall * 60:6.1f} pages/min   "
              f"ratio raw/eingang {raw / wall:4.2f} (per round {paired:4.2f})   "
              f"runs: {', '.join(f'{v:.1f}' for v in values)}{extra}")


if __name__ == "__main__":
    main()
