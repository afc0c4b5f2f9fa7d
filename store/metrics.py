"""Process-local Prometheus metrics (prometheus-client): what each process counts itself.

Every eingang process counts here; the web process serves them at ``/metrics`` together with
the figures read from the database at scrape time (services.metrics: backlog, outbox, last
poll per mailbox, health). Where several processes run on one machine (the Procfile), set
``EINGANG_METRICS_DIR`` to a directory they share and that is emptied at boot (a tmpfs such
as ``/run/eingang-metrics``): prometheus-client's multiprocess mode then writes each
process's values there and ``/metrics`` adds them up. That variable must be known before
prometheus-client is imported, which is why this module (the only one importing it directly
for counting) sets ``PROMETHEUS_MULTIPROC_DIR`` from it first.

Labels are codes only (channel, SMTP code, stage, queue key): never personal data.
"""

from __future__ import annotations

import os
from pathlib import Path

_dir = os.environ.get("EINGANG_METRICS_DIR", "").strip()
if _dir and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    Path(_dir).mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _dir

from prometheus_client import Counter, Histogram  # noqa: E402  (after the environment above)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

ITEMS_RECEIVED = Counter(
    "eingang_items_received", "Items taken in (original stored), per channel.", ["channel"])
SMTP_RESPONSES = Counter(
    "eingang_smtp_responses", "Answers of the SMTP intake to MAIL, RCPT and DATA, per code.",
    ["code"])
STAGE_SECONDS = Histogram(
    "eingang_stage_duration_seconds", "Duration of one pipeline step for one item.", ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))
OCR_PAGES = Counter("eingang_ocr_pages", "Pages read by OCR (tesseract).")
OCR_SECONDS = Counter(
    "eingang_ocr_seconds", "Wall-clock seconds of extractions that read at least one page by OCR.")
CLASSIFIER_CONFIDENCE = Histogram(
    "eingang_classifier_confidence", "Confidence of the classifier's office, per office.",
    ["queue"], buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0))


_smtp_codes: dict[str, Counter] = {}


def smtp_answer(code: str) -> None:
    # Three answers per mail on the SMTP event loop: the labelled child is looked up once.
    child = _smtp_codes.get(code)
    if child is None:
        child = _smtp_codes[code] = SMTP_RESPONSES.labels(code=code if code.isdigit() else "other")
    child.inc()


def extraction_done(pages, seconds: float) -> None:  # type: ignore[no-untyped-def]
    ocr = sum(1 for p in pages if getattr(p, "method", None) == "ocr")
    if ocr:
        OCR_PAGES.inc(ocr)
        OCR_SECONDS.inc(seconds)
