"""OCR throughput: eingang's extraction against the bare `tesseract` command on the same page images.

Run: .venv/bin/python -m bench.ocr [--pages 16] [--rounds 3] [--scans]

--scans: the issue 16 row instead: noisy scans, a third each upright, skewed by 1.2° and upside
down, against `tesseract -l deu` (text only) as the reference. Each mode prints its ratio
raw/eingang (wall and CPU; 1.0 = as fast as the bare tool, goal ≥ 0.85).

Renders German A4 letter pages at 300 dpi (PNG, about 40 lines each), then, alternating in
each round:
  raw      `tesseract page.png out -l deu+eng` (text only), OMP_THREAD_LIMIT=1, one process per core
  eingang  extraction.extract() of each PNG from one thread per core (as worker threads call it):
           load, blank and barcode check, tesseract with TSV + searchable PDF, confidence, retry logic
  batch    extraction.extract() of one image-only PDF holding all pages (pdfium rendering added)
Printed per mode: pages/min (wall clock, both cores) and CPU seconds per page (the processes'
own user+system time, tesseract included), each with the overhead against raw. The CPU figures
hardly move when other work shares the machine; the wall-clock ones do (load average printed).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Run as a script, bench/ would be first on sys.path, where bench/email.py hides the stdlib's email.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from extraction import extract, ocrpool  # noqa: E402
from tests import letters  # noqa: E402

PARAGRAPHS = [letters.WOHNGELD[6:14], letters.WIDERSPRUCH[4:11], letters.UMZUG[4:11]]


def letter_page(n: int):  # type: ignore[no-untyped-def]
    """A densely written page (about 40 lines), different for each n."""
    lines = [f"Aktenzeichen 50.{n:03d}-{1000 + 37 * n}", ""]
    k = n
    while len(lines) < 40:
        lines += PARAGRAPHS[k % 3] + [""]
        k += 1
    return letters.render_page(lines[:40], font_size=40)


def scan_page(n: int):  # type: ignore[no-untyped-def]
    """A scanned page as the issue 16 row has them: speckled, and upright, skewed or upside down."""
    import random

    page = letter_page(n).convert("L")
    page = letters.rotated(page, (0.0, 1.2, 180.0)[n % 3]) if n % 3 else page
    pixels, rnd = page.load(), random.Random(n)
    for _ in range(20_000):
        pixels[rnd.randrange(page.width), rnd.randrange(page.height)] = 0
    return page


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def raw_tesseract(paths: list[Path], workers: int, out: Path,
                  languages: str = "deu+eng") -> tuple[float, float]:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(path: Path) -> None:
        subprocess.run(
            ["tesseract", str(path), str(out / path.stem), "-l", languages],
            env=env, check=True, capture_output=True,
        )

    cpu, start = _children_cpu(), time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - start, _children_cpu() - cpu


def _measured(run):  # type: ignore[no-untyped-def]
    """Wall time and CPU time (OCR processes + this process) of ``run()``."""
    ocr_cpu, own_cpu, start = ocrpool.cpu_seconds_total, time.process_time(), time.perf_counter()
    run()
    wall = time.perf_counter() - start
    return wall, (ocrpool.cpu_seconds_total - ocr_cpu) + (time.process_time() - own_cpu)


def eingang_images(blobs: list[bytes], workers: int) -> tuple[float, float]:
    def run() -> None:
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(lambda b: extract(b, "image/png"), blobs))
        assert all(r.text for r in results), [r.problems for r in results]

    return _measured(run)


def eingang_batch(pdf: bytes, pages: int) -> tuple[float, float]:
    def run() -> None:
        result = extract(pdf, "application/pdf")
        assert len([p for p in result.pages if p.text]) == pages, result.problems

    return _measured(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scans", action="store_true",
                        help="noisy upright/skewed/upside-down scans against tesseract -l deu")
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    images = [(scan_page if args.scans else letter_page)(n) for n in range(args.pages)]
    raw_languages = "deu" if args.scans else "deu+eng"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        paths = []
        for n, image in enumerate(images):
            paths.append(tmp_path / f"page{n:03d}.png")
            image.save(paths[-1], dpi=(300, 300))
        blobs = [p.read_bytes() for p in paths]
        pdf = letters.image_pdf(images)
        extract(blobs[0], "image/png")  # start the OCR processes before measuring
        runs: dict[str, list[tuple[float, float]]] = {"raw": [], "eingang": [], "batch": []}
        loads = []
        for _ in range(args.rounds):
            runs["raw"].append(raw_tesseract(paths, workers, tmp_path, raw_languages))
            runs["eingang"].append(eingang_images(blobs, workers))
            runs["batch"].append(eingang_batch(pdf, args.pages))
            loads.append(os.getloadavg()[0])
    ocrpool.shutdown()
    print(f"{args.pages} pages × {args.rounds} rounds, {workers} cores, "
          f"load average during the runs {min(loads):.1f}–{max(loads):.1f}")
    raw_wall = min(w for w, _ in runs["raw"])
    raw_cpu = min(c for _, c in runs["raw"]) / args.pages
    for name, values in runs.items():
        wall = min(w for w, _ in values)
        cpu = min(c for _, c in values) / args.pages
        print(
            f"{name:8s} {args.pages / wall * 60:6.1f} pages/min (wall {(wall / raw_wall - 1) * 100:+6.1f} %)"
            f"   {cpu:5.2f} CPU s/page (overhead {(cpu / raw_cpu - 1) * 100:+6.1f} %)"
            f"   ratio raw/{name}: wall {raw_wall / wall:4.2f}, CPU {raw_cpu / cpu:4.2f}"
            f"   runs: {', '.join(f'{w:.1f}s' for w, _ in values)}"
        )


if __name__ == "__main__":
    main()
