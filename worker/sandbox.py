"""Extraction of untrusted input (mail, web form uploads) in a separate, limited process.

A hostile original (a decompression bomb, a pathological MIME tree, a PDF that makes the
parser loop) may cost that one child process, never the worker: the child has an address
space limit and a CPU time limit, is killed when the wall-clock timeout passes, and is
replaced after ``TASKS_PER_CHILD`` documents. What fails becomes a German problem on the item, like any other
unreadable input. OCR inside the child runs page by page (``Limits.ocr_in_process``) instead
of forking a second pool; its tesseract engine lives inside the memory limit.

Letters from our own scanners keep the shared OCR pool (extraction.ocrpool), which limits
each page's process the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import resource
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from pebble import ProcessExpired, ProcessPool

import extraction
from extraction import Extraction, Limits
from store.settings import Settings

UNTRUSTED_CHANNELS = frozenset({"email", "webform"})
# A new child costs ~0.1 s (forkserver spawn + imports): recycling every 20 documents capped
# the sandbox at ~150 mails/s per thread, every 500 at ~3,000/s. Memory stays bounded by
# RLIMIT_AS either way; recycling only sheds slow leaks.
TASKS_PER_CHILD = 500

_pool: ProcessPool | None = None
_pool_key: tuple[int, int, int] | None = None
_lock = threading.Lock()

# What the children's server imports once, for every child it forks (no effect once it runs).
# An OCR process: the page reader, and pypdf, which lays a page's text over its image (on
# first use it cost each OCR process 0.1 s of its first page).
OCR_CHILD_MODULES = ["extraction.ocr", "pypdf"]
# A sandbox child: the dispatcher and the parsers it loads on first use, and the OCR.
CHILD_MODULES = ["extraction.dispatch", "extraction.mime", "extraction.pdf", *OCR_CHILD_MODULES]
with contextlib.suppress(ValueError, RuntimeError):
    multiprocessing.set_forkserver_preload(CHILD_MODULES)


def _limit(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def _get_pool(settings: Settings) -> ProcessPool:
    global _pool, _pool_key
    key = (settings.worker_threads, settings.extract_memory_bytes, int(settings.extract_timeout))
    with _lock:
        if _pool is None or not _pool.active or _pool_key != key:
            if _pool is not None:
                _pool.stop()
            _pool = ProcessPool(
                max_workers=max(1, settings.worker_threads),
                # Recycled after a few documents: a fresh process per document cost too much
                # under load; a crashed or killed child is replaced at once anyway.
                max_tasks=TASKS_PER_CHILD,
                initializer=_limit,
                # CPU seconds add up over a child's documents; the per-document bound is the
                # wall-clock timeout, this one only a backstop against a runaway child.
                initargs=(settings.extract_memory_bytes,
                          (int(settings.extract_timeout) + 10) * TASKS_PER_CHILD),
                context=multiprocessing.get_context("forkserver"),
            )
            _pool_key = key
        return _pool


def shutdown() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.stop()
            _pool.join()
            _pool = None


def extract(content: bytes, media_type: str, settings: Settings,
            limits: Limits | None = None) -> Extraction:
    """``extraction.extract`` in a limited child process; failures become problems."""
    limits = dataclasses.replace(limits or Limits(), ocr_in_process=True)
    return run_isolated(extraction.extract, (content, media_type, limits), media_type, settings)


def run_isolated(fn: Callable[..., Extraction], args: tuple[Any, ...], media_type: str,
                 settings: Settings) -> Extraction:
    future = _get_pool(settings).schedule(fn, args=args, timeout=settings.extract_timeout)
    try:
        return future.result()
    except (FutureTimeout, TimeoutError):
        problem = (f"Das Lesen der Datei dauerte länger als {settings.extract_timeout:.0f} Sekunden "
                   "und wurde abgebrochen – bitte das Original ansehen.")
    except ProcessExpired as exc:
        problem = ("Das Lesen der Datei wurde wegen zu hohen Speicher- oder Rechenbedarfs "
                   f"abgebrochen (Code {exc.exitcode}) – bitte das Original ansehen.")
    except MemoryError:
        problem = ("Das Lesen der Datei wurde wegen zu hohen Speicherbedarfs abgebrochen – "
                   "bitte das Original ansehen.")
    return Extraction(media_type=media_type, problems=[problem])
