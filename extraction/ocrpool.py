"""The OCR worker processes: pages of a document read in parallel, within time and memory limits.

A pool of single-threaded worker processes (one per core) is shared by every caller in this
process. Each page is one task with a timeout; a task that overruns or crashes its process
(decoder bug, memory limit) costs that page, and pebble replaces the process.
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from pebble import ProcessExpired, ProcessPool

from extraction.ocr import PageJob, PageResult, run_page, time_limit_problem
from extraction.ocr import read_text_layer as read_text_layer_job
from extraction.types import Extraction, Limits, PageText

_pool: ProcessPool | None = None
_pool_lock = threading.Lock()
# How long past its deadline a page may take to end by itself before its process is ended.
# Ending a process is the last resort: pebble 5.2 can lose track of the task that process had
# already taken next (noxdafox/pebble#153), which then waits for its own timeout.
STUCK_AFTER_SECONDS = 5.0
# CPU seconds spent by the OCR processes (and their tesseract runs) so far; bench/ocr.py reads it.
cpu_seconds_total = 0.0


# Who wants to hear how far a reading got: called with (pages read, pages in all) after each
# page. Set by the caller around ``extraction.extract`` (the mailroom shows "Seite 12 von 60").
_progress: ContextVar[Callable[[int, int], None] | None] = ContextVar("ocr_progress", default=None)


@contextmanager
def reporting(callback: Callable[[int, int], None]) -> Iterator[None]:
    """Report the progress of the readings started inside this block to ``callback``."""
    token = _progress.set(callback)
    try:
        yield
    finally:
        _progress.reset(token)


def _report(done: int, total: int) -> None:
    callback = _progress.get()
    if callback is not None:
        with suppress(Exception):  # a progress display never costs a page
            callback(done, total)


def _get_pool(processes: int) -> ProcessPool:
    global _pool
    with _pool_lock:
        if _pool is None or not _pool.active:
            # forkserver: workers never inherit the threads/sockets of a running service.
            context = multiprocessing.get_context("forkserver")
            _pool = ProcessPool(max_workers=processes or os.cpu_count() or 1, context=context)
        return _pool


def shutdown() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.stop()
            _pool.join()
            _pool = None


atexit.register(shutdown)


@contextmanager
def original_file(content: bytes) -> Iterator[str]:
    """The original in a private temporary file the worker processes read (removed afterwards)."""
    work = tempfile.mkdtemp(prefix="eingang-doc-")
    try:
        path = os.path.join(work, "original")
        with open(path, "wb") as handle:
            handle.write(content)
        yield path
    finally:
        shutil.rmtree(work, ignore_errors=True)


def read_pages(content: bytes, kind: str, indexes: list[int], limits: Limits) -> list[PageResult]:
    """OCR pages ``indexes`` (0-based) of a PDF or image file, in parallel, within the time limit."""
    if not indexes:
        return []
    with original_file(content) as path:
        return read_pages_at(path, kind, indexes, limits)


def read_pages_at(
    path: str, kind: str, indexes: list[int], limits: Limits, deadline: float | None = None,
    done_before: int = 0, total: int | None = None,
) -> list[PageResult]:
    """OCR pages ``indexes``; ``done_before`` of ``total`` pages were read otherwise (text layer)."""
    jobs = [_job(path, kind, index, limits) for index in indexes]
    deadline = deadline or time.monotonic() + limits.seconds_per_document
    total = total if total is not None else done_before + len(jobs)
    _report(done_before, total)
    if limits.ocr_in_process:
        return _run_here(jobs, deadline, done_before, total)
    return _run(jobs, deadline, limits.ocr_processes, done_before, total)


def read_text_layer(path: str, limits: Limits, deadline: float) -> tuple[list[str], str | None]:
    """Each page's PDF text layer, read in a worker process; on failure no texts and a reason."""
    if limits.ocr_in_process:  # the caller is an isolated, limited child already
        try:
            return read_text_layer_job(path, limits.max_pdf_pages, limits.ocr_memory_bytes), None
        except Exception as exc:
            return [], (f"Die Textebene des PDFs ist nicht lesbar ({type(exc).__name__}); "
                        "die Seiten werden per OCR gelesen.")
    pool = _get_pool(limits.ocr_processes)
    future = pool.schedule(
        read_text_layer_job, args=(path, limits.max_pdf_pages, limits.ocr_memory_bytes),
        timeout=max(deadline - time.monotonic(), 0.1),
    )
    try:
        return future.result(), None
    except (FutureTimeout, TimeoutError):
        return [], "Die Textebene des PDFs war nicht in der Zeit lesbar; die Seiten werden per OCR gelesen."
    except ProcessExpired:
        return [], "Die Textebene des PDFs braucht zu viel Speicher; die Seiten werden per OCR gelesen."
    except Exception as exc:
        return [], f"Die Textebene des PDFs ist nicht lesbar ({type(exc).__name__}); die Seiten werden per OCR gelesen."


def _job(path: str, kind: str, index: int, limits: Limits) -> PageJob:
    return PageJob(
        path=path,
        kind=kind,
        index=index,
        languages=limits.ocr_languages,
        dpi=limits.ocr_dpi,
        max_pixels=limits.max_image_pixels,
        retry_below=limits.ocr_retry_below,
        min_osd_confidence=limits.ocr_min_osd_confidence,
        seconds=min(limits.seconds_per_page, limits.seconds_per_document),
        memory_bytes=limits.ocr_memory_bytes,
        want_pdf=limits.ocr_searchable_pdf,
    )


def _run_here(jobs: list[PageJob], deadline: float, done_before: int = 0, total: int = 0) -> list[PageResult]:
    """Sequential OCR in the calling process; each page ends by itself at the deadline."""
    results: list[PageResult] = []
    for job in jobs:
        results.append(run_page(dataclasses.replace(job, ends_at=deadline)))
        _report(done_before + len(results), total)
    return results


def _run(jobs: list[PageJob], deadline: float, processes: int, done_before: int = 0, total: int = 0) -> list[PageResult]:
    global cpu_seconds_total
    pool = _get_pool(processes)
    jobs = [dataclasses.replace(job, ends_at=deadline) for job in jobs]
    futures = [pool.schedule(run_page, args=(job,), timeout=job.seconds + STUCK_AFTER_SECONDS) for job in jobs]
    results: list[PageResult] = []
    for job, future in zip(jobs, futures, strict=True):
        page = job.index + 1
        try:
            # Each page ends by itself at the deadline (PageJob.ends_at), with its own German
            # problem; only a process stuck beyond that is ended from here.
            results.append(future.result(timeout=max(deadline + STUCK_AFTER_SECONDS - time.monotonic(), 0.01)))
        except (FutureTimeout, TimeoutError):
            future.cancel()  # pebble ends the worker process still busy with it
            results.append(
                PageResult(job.index, problem=time_limit_problem(job.index))
            )
        except ProcessExpired as exc:
            results.append(
                PageResult(
                    job.index,
                    problem=f"Seite {page} hat die Texterkennung abstürzen lassen "
                    f"(Speicherlimit oder defekte Bilddaten, Code {exc.exitcode}).",
                )
            )
        except Exception as exc:
            results.append(
                PageResult(job.index, problem=f"Seite {page} konnte nicht gelesen werden ({exc}).")
            )
        _report(done_before + len(results), total)
    with _pool_lock:
        cpu_seconds_total += sum(r.cpu_seconds for r in results)
    return results


def to_page_text(result: PageResult) -> PageText:
    return PageText(
        number=result.index + 1,
        text=result.text,
        method="ocr" if result.text.strip() else "none",
        confidence=result.confidence,
        rotation=result.rotation,
        skew=result.skew,
        blank=result.blank,
        barcodes=list(result.barcodes),
    )


def record(extraction: Extraction, results: list[PageResult], limits: Limits) -> None:
    """Put OCR results on the extraction: pages, their PDFs, and problems staff must see."""
    for result in results:
        page = to_page_text(result)
        extraction.pages.append(page)
        if result.pdf:
            extraction.ocr_pdf_pages[page.number] = result.pdf
        if result.problem:
            extraction.problems.append(result.problem)
        elif page.confidence is not None and page.confidence < limits.ocr_min_confidence:
            extraction.problems.append(
                f"Seite {page.number}: Texterkennung unsicher (Konfidenz {page.confidence:.0f} %, "
                f"Schwelle {limits.ocr_min_confidence:.0f} %) – bitte Original ansehen."
            )
    extraction.pages.sort(key=lambda p: p.number)


def finish(extraction: Extraction) -> Extraction:
    """Text and full text from the pages; a document without any text is a problem too."""
    extraction.text = "\n\n".join(p.text for p in extraction.pages if p.text.strip()).strip()
    extraction.full_text = extraction.text
    if not extraction.text and not extraction.problems:
        extraction.problems.append(
            "Im Dokument wurde kein Text gefunden (leere Seiten oder unlesbarer Scan)."
        )
    return extraction
