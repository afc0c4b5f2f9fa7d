"""Classifier benchmark: requests/s on one core, p99 latency of a 2 KB request, model load
time and model file size. Run: ``.venv/bin/python bench/classify.py [--n 3000] [--stream 6000]``.

Targets (issue 5): ≥ 1,000 requests/s, p99 < 10 ms for 2 KB, load < 1 s, file < 50 MB.
Issue 12: ``eingang classify`` over a stream of 6,000 requests at least as fast as a bare
scikit-learn TF-IDF + logistic regression predicting them one by one in the same run (the
ratio is printed), and p99 ≤ 5 ms per request as the worker classifies (one at a time).
Figures are noisy on a shared machine: wall-clock figures include waiting for the CPU, so the
CPU-time figures are printed beside them; run it when the machine is quiet.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # one core, as promised in the target

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

# Run as a script, bench/ would be first on sys.path, where bench/email.py hides the stdlib's email.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from classifier import Classifier, ClassifyRequest, versions  # noqa: E402
from classifier.model import Model  # noqa: E402
from classifier.training import corpus_rows  # noqa: E402
from eingang.commands.classify import classify_stream  # noqa: E402


def sklearn_reference(rows: list[dict]):  # type: ignore[no-untyped-def]
    """A bare scikit-learn pipeline of the same features: word and character TF-IDF, one
    logistic regression for the queue, fitted on the same corpus."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    pipe = make_pipeline(
        make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=40000),
                   TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2,
                                   sublinear_tf=True, max_features=60000)),
        LogisticRegression(C=10, max_iter=3000))
    labelled = [r for r in rows if r.get("queue")]
    return pipe.fit([f"{r.get('subject') or ''}\n{r['text']}" for r in labelled],
                    [r["queue"] for r in labelled])


def stream_comparison(rows: list[dict], clf: Classifier, n: int) -> None:
    lines = [json.dumps({"id": i, "channel": r.get("channel") or "email",
                         "subject": r.get("subject") or "", "text": r["text"]}, ensure_ascii=False)
             for i, r in enumerate(rows[i % len(rows)] for i in range(n))]
    pipe = sklearn_reference(rows)
    texts = [f"{json.loads(line)['subject']}\n{json.loads(line)['text']}" for line in lines]
    for text in texts[:50]:
        pipe.predict_proba([text])
    cpu = time.process_time()
    for text in texts:  # one by one, as a stream is read
        pipe.predict_proba([text])
    reference = n / (time.process_time() - cpu)
    sink = io.StringIO()
    cpu = time.process_time()
    for _ in classify_stream(clf, lines, show_iban=False):
        sink.write("")
    ours = n / (time.process_time() - cpu)
    print(f"Strom von {n:,} Anfragen (CPU-Zeit): eingang classify {ours:,.0f} Anfragen/s, "
          f"scikit-learn TF-IDF + logistische Regression einzeln {reference:,.0f} Anfragen/s, "
          f"Verhältnis {ours / reference:.2f}")
    times = []
    for line in lines:
        row = json.loads(line)
        request = ClassifyRequest(text=row["text"], subject=row["subject"], channel=row["channel"])
        c0 = time.thread_time()
        clf.classify(request)
        times.append(time.thread_time() - c0)
    times.sort()
    print(f"Im Worker (eine Anfrage je Aufruf, CPU-Zeit): p50 {times[len(times) // 2] * 1000:.2f} ms, "
          f"p99 {times[int(len(times) * 0.99)] * 1000:.2f} ms")


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
    parser.add_argument("--stream", type=int, default=6000, help="requests in the stream comparison")
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
    stream_comparison(rows, clf, args.stream)
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
