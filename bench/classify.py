"""Classifier benchmark: requests/s on one core, p99 latency of a 2 KB request, model load
time and model file size. Run: ``.venv/bin/python bench/classify.py [--n 3000]``.

Targets (issue 5): ≥ 1,000 requests/s, p99 < 10 ms for 2 KB, load < 1 s, file < 50 MB.
Figures are noisy on a shared machine: wall-clock figures include waiting for the CPU, so the
CPU-time figures are printed beside them; run it when the machine is quiet.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # one core, as promised in the target

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

# Run as a script, bench/ would be first on sys.path, where bench/email.py hides the stdlib's email.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from classifier import Classifier, ClassifyRequest, versions  # noqa: E402
from classifier.model import Model  # noqa: E402
from classifier.training import corpus_rows  # noqa: E402


def requests_of_size(rows: list[dict], size: int, count: int) -> list[ClassifyRequest]:
    """Requests of about ``size`` characters, made by joining corpus texts."""
    out, i = [], 0
    while len(out) < count:
        text = ""
        while len(text) < size:
            text += rows[i % len(rows)]["text"] + "\n"
            i += 1
        out.append(ClassifyRequest(text=text[:size], subject="Anfrage"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="requests per measurement")
    parser.add_argument("--model", type=Path, default=None, help="model file (default: active)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    path = next(p for p in versions.candidates(explicit=args.model) if p.exists())
    started = time.perf_counter()
    Model.load(path)
    load_model = time.perf_counter() - started
    started = time.perf_counter()
    clf = Classifier.load(model_path=path)
    load_all = time.perf_counter() - started
    print(f"Modell: {clf.model_version} ({path})")
    print(f"Modelldatei: {path.stat().st_size / 1e6:.2f} MB")
    print(f"Ladezeit Modell: {load_model * 1000:.0f} ms, mit Signalen und Konfiguration: "
          f"{load_all * 1000:.0f} ms")

    rows = corpus_rows()
    typical = [ClassifyRequest(text=r["text"], subject=r.get("subject") or "",
                               channel=r["channel"]) for r in rows]
    for r in typical[:50]:  # warm-up (caches, lazy imports)
        clf.classify(r)
    mean_len = statistics.mean(len(r.text) for r in typical)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(args.n):
        clf.classify(typical[i % len(typical)])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"Durchsatz (Korpus-Anfragen, Ø {mean_len:.0f} Zeichen, 1 Kern): "
          f"{args.n / wall:,.0f} Anfragen/s (Uhrzeit), {args.n / cpu:,.0f} Anfragen/s (CPU-Zeit)")

    batch = requests_of_size(rows, 2048, args.n)
    # Warm: the per-word n-gram cache knows the common words, as in a running worker.
    # Cold: the cache is emptied before every request, the worst case.
    for cache_state in ("warm", "kalt"):
        walls, cpus = [], []
        for req in batch[: args.n if cache_state == "warm" else args.n // 4]:
            if cache_state == "kalt" and clf.model:
                clf.model._word_ngram_ids.clear()
            t0, c0 = time.perf_counter(), time.thread_time()
            clf.classify(req)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.thread_time() - c0)
        for label, times in (("Uhrzeit", walls), ("CPU-Zeit", cpus)):
            times.sort()
            p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99)]
            print(f"2 KB-Anfragen, Cache {cache_state} ({label}): "
                  f"{len(times) / sum(times):,.0f} Anfragen/s, "
                  f"p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms")
    print(f"Last des Rechners (1 min): {os.getloadavg()[0]:.2f} – bei Last > 1 sind die "
          "Uhrzeit-Werte durch andere Prozesse verfälscht, die CPU-Zeit-Werte weniger.")

if __name__ == "__main__":
    main()
