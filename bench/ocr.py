"""OCR throughput: eingang's extraction against the bare `tesseract` command on the same page images.

Run: .venv/bin/python -m bench.ocr [--pages 16] [--rounds 2]

Renders German A4 letter pages at 300 dpi (PNG), then, alternating in each round:
  raw      `tesseract page.png out -l deu+eng` (text only), OMP_THREAD_LIMIT=1, one process per core
  eingang  extraction.extract() of each PNG from one thread per core (as worker threads call it):
           load, blank/barcode check, tesseract with TSV + searchable PDF, confidence, retry logic
  batch    extraction.extract() of one image-only PDF holding all pages (pdfium rendering added)
and prints pages/min and the overhead per page against raw. Figures are noisy while others use
the machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from extraction import extract, ocrpool
from tests import letters

PARAGRAPHS = [letters.WOHNGELD[6:14], letters.WIDERSPRUCH[3:10], letters.UMZUG[3:10]]


def letter_page(n: int) -> letters.Image.Image:
    """A densely written page (about 40 lines), different for each n."""
    lines = [f"Aktenzeichen 50.{n:03d}-{1000 + 37 * n}", ""]
    k = n
    while len(lines) < 40:
        lines += PARAGRAPHS[k % 3] + [""]
        k += 1
    return letters.render_page(lines[:40], font_size=40)


def raw_tesseract(paths: list[Path], workers: int, out: Path) -> float:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(path: Path) -> None:
        subprocess.run(
            ["tesseract", str(path), str(out / path.stem), "-l", "deu+eng"],
            env=env, check=True, capture_output=True,
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, paths))
    return time.perf_counter() - start


def eingang_images(blobs: list[bytes], workers: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda b: extract(b, "image/png"), blobs))
    elapsed = time.perf_counter() - start
    assert all(r.text for r in results), [r.problems for r in results]
    return elapsed


def eingang_batch(pdf: bytes, pages: int) -> float:
    start = time.perf_counter()
    result = extract(pdf, "application/pdf")
    elapsed = time.perf_counter() - start
    assert len([p for p in result.pages if p.text]) == pages, result.problems
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    images = [letter_page(n) for n in range(args.pages)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        paths = []
        for n, image in enumerate(images):
            paths.append(tmp_path / f"page{n:03d}.png")
            image.save(paths[-1], dpi=(300, 300))
        blobs = [p.read_bytes() for p in paths]
        pdf = letters.image_pdf(images)
        extract(blobs[0], "image/png")  # start the OCR processes before measuring
        times: dict[str, list[float]] = {"raw": [], "eingang": [], "batch": []}
        for _ in range(args.rounds):
            times["raw"].append(raw_tesseract(paths, workers, tmp_path))
            times["eingang"].append(eingang_images(blobs, workers))
            times["batch"].append(eingang_batch(pdf, args.pages))
    ocrpool.shutdown()
    load = os.getloadavg()[0]
    print(f"{args.pages} pages × {args.rounds} rounds, {workers} cores, load average {load:.2f}")
    raw = min(times["raw"])
    for name, values in times.items():
        best = min(values)
        per_page = best / args.pages * workers  # seconds of one core per page
        overhead = (best / raw - 1) * 100
        print(
            f"{name:8s} {args.pages / best * 60:6.1f} pages/min  {per_page:5.2f} s/page/core  "
            f"overhead vs raw {overhead:+5.1f} %  (runs: {', '.join(f'{v:.1f}s' for v in values)})"
        )


if __name__ == "__main__":
    main()
