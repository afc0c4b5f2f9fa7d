"""Warm-up at start: what the first item would otherwise pay for, done before it comes.

Measured (bench/first_mail.py, issue 16): the first mail after ``eingang serve`` took 6.8 s from
receipt to routed, later ones well under 1 s. The difference was work started lazily by that
first mail: the extraction sandbox's child processes (forkserver spawn and imports, ~1.8 s),
loading the classifier model (~1.2 s), parsing the active rule set (~0.2 s), plus the first use
of the mail templates and the OCR pool. ``start`` does all of it in a background thread, so the
processes are up at once and an item arriving meanwhile just takes the parts not yet warm
(each piece is idempotent and cached the same way the first item would cache it).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable

from store.settings import Settings

log = logging.getLogger(__name__)

SAMPLE_MAIL = (b"From: warmup@example.org\r\nTo: post@example.org\r\nSubject: Wohngeld\r\n"
               b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
               b"Ich m\xc3\xb6chte Wohngeld beantragen.\r\n")


PROCESS_POOLS = frozenset({"sandbox", "ocr"})


def warm_up(settings: Settings, only: frozenset[str] | None = None) -> float:
    """Start the pools and load the models (``only`` those named, of ``PIECES``); seconds
    taken. Failures are logged, never raised: whatever did not warm up is started by the
    first item as before."""
    started = time.monotonic()

    def attempt(name: str) -> None:
        begun = time.monotonic()
        try:
            PIECES[name](settings)
        except Exception:  # a warm-up must never stop the service
            log.warning("warm-up of %s failed; the first item starts it", name, exc_info=True)
        else:
            log.debug("warm-up of %s done in %.2f s", name, time.monotonic() - begun)

    wanted = [name for name in PIECES if only is None or name in only]
    pools = [name for name in wanted if name in PROCESS_POOLS]
    if pools:
        # The pools' children fork from one server process, started by the first pool, which
        # imports once what they run: every parser for the sandbox, the OCR alone for the OCR
        # pool (0.12 s instead of 0.35 s of the first second of an `eingang ingest` of scans).
        from worker.sandbox import CHILD_MODULES, OCR_CHILD_MODULES

        multiprocessing.set_forkserver_preload(CHILD_MODULES if "sandbox" in pools else OCR_CHILD_MODULES)
    # The pools' children boot in their own processes while this one loads the model: each
    # pool is waited for in a thread of its own (ingest of 30 scans: the first page was read
    # 3.4 s after its receipt when the OCR pool came last).
    waiting = [threading.Thread(target=attempt, args=(name,), name=f"eingang-warmup-{name}", daemon=True)
               for name in pools]
    for thread in waiting:
        thread.start()
    for name in wanted:
        if name not in PROCESS_POOLS:
            attempt(name)
    for thread in waiting:
        thread.join()
    elapsed = time.monotonic() - started
    log.info("warm-up done in %.1f s", elapsed)
    return elapsed


# Each piece imports what it needs itself: imported up front, the pipeline's modules held the
# interpreter for a second before the OCR pool was asked to start (issue 16).


def _sandbox(settings: Settings) -> None:
    from worker import sandbox

    # Every child of the sandbox pool starts with the first task scheduled to it.
    sandbox.extract(SAMPLE_MAIL, "message/rfc822", settings)


def _ocr_pool(settings: Settings) -> None:
    from extraction import ocrpool
    from worker.limits import extraction_limits

    ocrpool._get_pool(extraction_limits(settings).ocr_processes).schedule(os.getpid).result(timeout=120)


def _classifier(settings: Settings) -> None:
    from classifier import ClassifyRequest
    from worker import steps

    steps._classifier(settings).classify(
        ClassifyRequest(text="Ich möchte Wohngeld beantragen.", subject="Wohngeld"))


def _router(settings: Settings) -> None:
    from store.db import session_scope
    from worker.rules import active_router, routing_config

    with session_scope(settings) as session:
        active_router(session, routing_config(settings, session))


def _templates(settings: Settings) -> None:
    from worker import mail

    environment = mail._environment(settings.templates_path)
    for name in environment.list_templates(extensions=["txt"]):
        environment.get_template(name)


def start(settings: Settings, only: frozenset[str] | None = None) -> threading.Thread:
    """Warm up in the background: everything (a server, a worker) or ``only`` what a command's
    items will need (a piece nobody needs costs a short command more than it saves)."""
    thread = threading.Thread(target=warm_up, args=(settings, only), name="eingang-warmup", daemon=True)
    thread.start()
    return thread


PIECES: dict[str, Callable[[Settings], None]] = {
    "sandbox": _sandbox, "classifier": _classifier, "rules": _router, "templates": _templates,
    "ocr": _ocr_pool,
}
