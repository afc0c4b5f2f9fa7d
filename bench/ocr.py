"""OCR throughput: eingang's extraction against the bare `tesseract` command on the same page images.

Run: .venv/bin/python -m bench.ocr [--pages 16] [--runs 5] [--scans] [--batch]

--scans: the issue 16 row instead: 30 noisy scans, a third each upright, skewed by 1.2° and
upside down, against `tesseract -l deu` (text only) as the reference. Each mode prints the
median of its runs and its ratio raw/eingang (wall and CPU; 1.0 = as fast as the bare tool,
goal ≥ 0.85), and the word accuracy of both readings (share of the page's words read right,
in order).

Renders German A4 letter pages at 300 dpi (PNG, about 40 lines each), then, alternating in
each round:
  raw      `tesseract page.png out -l deu+eng` (text only), OMP_THREAD_LIMIT=1, one process per core
  eingang  extraction.extract() of each PNG from one thread per core (as worker threads call it):
           load, blank and barcode check, tesseract with TSV + searchable PDF, confidence, retry logic
  batch    (--batch) extraction.extract() of one image-only PDF holding all pages (pdfium rendering)
Printed per mode: pages/min (wall clock, both cores) and CPU seconds per page (the processes'
own user+system time, tesseract included), each with the overhead against raw. The CPU figures
hardly move when other work shares the machine; the wall-clock ones do (load average printed).
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tesserocr

# Run as a script, bench/ would be first on sys.path, where bench/email.py hides the stdlib's email.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from extraction import extract, ocrpool  # noqa: E402
from tests import letters  # noqa: E402

PARAGRAPHS = [letters.WOHNGELD[6:14], letters.WIDERSPRUCH[4:11], letters.UMZUG[4:11]]


def letter_lines(n: int) -> list[str]:
    """The text of a densely written page (about 40 lines), different for each n."""
    lines = [f"Aktenzeichen 50.{n:03d}-{1000 + 37 * n}", ""]
    k = n
    while len(lines) < 40:
        lines += PARAGRAPHS[k % 3] + [""]
        k += 1
    return lines[:40]


def letter_page(n: int):  # type: ignore[no-untyped-def]
    return letters.render_page(letter_lines(n), font_size=40)


def word_accuracy(truth: list[str], text: str) -> float:
    """Share of the true words found, in order, in the reading: the longest common subsequence
    of words. (difflib's matcher is no exact LCS: on these letters, whose paragraphs repeat, one
    stray mark could make it align a paragraph with its repetition and count a third.)"""
    words, read = " ".join(truth).split(), text.split()
    previous = [0] * (len(read) + 1)
    for word in words:
        current = [0]
        for j, other in enumerate(read):
            current.append(previous[j] + 1 if word == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1] / len(words)


def tesseract_versions() -> str:
    """Which tesseract each side ran: the reference the program, eingang its kept engine."""
    program = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split()[1]
    return (f"tesseract program {program}, eingang's engine {tesserocr.tesseract_version().split()[1]} "
            f"(tesserocr {tesserocr.__version__})")


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


def raw_texts(paths: list[Path], out: Path) -> list[str]:
    return [(out / f"{path.stem}.txt").read_text(encoding="utf-8") for path in paths]


def _measured(run):  # type: ignore[no-untyped-def]
    """Wall time and CPU time (OCR processes + this process) of ``run()``."""
    ocr_cpu, own_cpu, start = ocrpool.cpu_seconds_total, time.process_time(), time.perf_counter()
    run()
    wall = time.perf_counter() - start
    return wall, (ocrpool.cpu_seconds_total - ocr_cpu) + (time.process_time() - own_cpu)


def eingang_images(blobs: list[bytes], workers: int, texts: list[str]) -> tuple[float, float]:
    def run() -> None:
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(lambda b: extract(b, "image/png"), blobs))
        assert all(r.text for r in results), [r.problems for r in results]
        texts[:] = [r.text for r in results]

    return _measured(run)


def eingang_batch(pdf: bytes, pages: int) -> tuple[float, float]:
    def run() -> None:
        result = extract(pdf, "application/pdf")
        assert len([p for p in result.pages if p.text]) == pages, result.problems

    return _measured(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=None, help="pages (default 16, --scans 30)")
    parser.add_argument("--runs", "--rounds", dest="runs", type=int, default=5)
    parser.add_argument("--scans", action="store_true",
                        help="noisy upright/skewed/upside-down scans against tesseract -l deu")
    parser.add_argument("--batch", action="store_true", help="also one image-only PDF of all pages")
    args = parser.parse_args()
    pages = args.pages or (30 if args.scans else 16)
    workers = os.cpu_count() or 1
    images = [(scan_page if args.scans else letter_page)(n) for n in range(pages)]
    truths = [letter_lines(n) for n in range(pages)]
    raw_languages = "deu" if args.scans else "deu+eng"
    modes = ["raw", "eingang"] + (["batch"] if args.batch else [])
    runs: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        paths = []
        for n, image in enumerate(images):
            paths.append(tmp_path / f"page{n:03d}.png")
            image.save(paths[-1], dpi=(300, 300))
        blobs = [p.read_bytes() for p in paths]
        pdf = letters.image_pdf(images) if args.batch else b""
        extract(blobs[0], "image/png")  # start the OCR processes before measuring
        eingang_texts: list[str] = []
        for _ in range(args.runs):
            runs["raw"].append(raw_tesseract(paths, workers, tmp_path, raw_languages))
            runs["eingang"].append(eingang_images(blobs, workers, eingang_texts))
            if args.batch:
                runs["batch"].append(eingang_batch(pdf, pages))
            loads.append(os.getloadavg()[0])
        raw_read = raw_texts(paths, tmp_path)
    ocrpool.shutdown()
    print(f"{pages} pages, median of {args.runs} runs, {workers} cores, "
          f"load average during the runs {min(loads):.1f}–{max(loads):.1f}; {tesseract_versions()}")
    raw_wall = statistics.median(w for w, _ in runs["raw"])
    raw_cpu = statistics.median(c for _, c in runs["raw"]) / pages
    for name, values in runs.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values) / pages
        print(
            f"{name:8s} {pages / wall * 60:6.1f} pages/min (wall {(wall / raw_wall - 1) * 100:+6.1f} %)"
            f"   {cpu:5.2f} CPU s/page (overhead {(cpu / raw_cpu - 1) * 100:+6.1f} %)"
            f"   ratio raw/{name}: wall {raw_wall / wall:4.2f}, CPU {raw_cpu / cpu:4.2f}"
            f"   runs: {', '.join(f'{w:.1f}s' for w, _ in values)}"
        )
    for name, texts in (("raw", raw_read), ("eingang", eingang_texts)):
        accuracy = statistics.mean(word_accuracy(t, r) for t, r in zip(truths, texts, strict=True))
        print(f"word accuracy {name:8s} {accuracy * 100:5.1f} %")


if __name__ == "__main__":
    main()
