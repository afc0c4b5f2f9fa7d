"""Warm-up at start (issue 16): the sandbox and OCR pools run and the classifier and rule set
are loaded before the first item, so the first mail does not pay for them."""

from __future__ import annotations

import logging


def test_warm_up_starts_the_pools_and_loads_the_models(settings, caplog):
    from extraction import ocrpool
    from worker import sandbox, steps, warmup
    from worker.rules import _router

    steps._load_classifier.cache_clear()
    _router.cache_clear()
    try:
        with caplog.at_level(logging.INFO, logger="worker.warmup"):
            warmup.warm_up(settings)
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
        assert "warm-up done" in caplog.text
        assert sandbox._pool is not None and sandbox._pool.active
        assert ocrpool._pool is not None and ocrpool._pool.active
        assert steps._load_classifier.cache_info().currsize == 1
        assert _router.cache_info().currsize == 1
    finally:
        sandbox.shutdown()
        ocrpool.shutdown()


CHILD_HAS_PARSERS = "__import__('sys').modules.__contains__('extraction.mime')"
SCRIPT = """
import sys
from store.settings import get_settings
from worker import sandbox, warmup  # the pipeline's modules import the sandbox before any pool
from extraction import ocrpool
warmup.warm_up(get_settings(), frozenset(sys.argv[1].split(",")))
print(ocrpool._get_pool(1).schedule(eval, args=({child!r},)).result(timeout=60))
ocrpool.shutdown()
"""


def test_the_ocr_children_start_without_the_parsers_unless_the_sandbox_is_wanted(tmp_path):
    import subprocess
    import sys

    # A fresh process each: the children's server is started once per process, by the first pool
    env = {"EINGANG_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    script = SCRIPT.format(child=CHILD_HAS_PARSERS)
    for pieces, parsers in (("ocr", "False"), ("ocr,sandbox", "True")):
        done = subprocess.run([sys.executable, "-c", script, pieces], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.stdout.strip() == parsers, done.stderr


def test_an_ocr_child_starts_with_pypdf_for_its_searchable_pages(tmp_path):
    """Imported by each OCR process on its first page, pypdf cost 0.1 s of it (issue 16)."""
    import subprocess
    import sys

    env = {"EINGANG_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    script = SCRIPT.format(child="__import__('sys').modules.__contains__('pypdf')")
    done = subprocess.run([sys.executable, "-c", script, "ocr"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip() == "True", done.stderr


def test_threads_asking_for_the_classifier_while_it_loads_share_one_load(settings, monkeypatch):
    """The warm-up and the first classify steps ask at once: one load, the others wait for it."""
    import threading
    import time

    from worker import steps

    loads = []

    def slow_load(**kwargs):  # type: ignore[no-untyped-def]
        loads.append(kwargs)
        time.sleep(0.3)
        return object()

    monkeypatch.setattr(steps, "load_classifier", slow_load)
    steps._load_classifier.cache_clear()
    try:
        got = []
        threads = [threading.Thread(target=lambda: got.append(steps._classifier(settings)))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert len(loads) == 1
        assert len(got) == 4 and len({id(c) for c in got}) == 1
    finally:
        steps._load_classifier.cache_clear()


INGEST_SCRIPT = """
import sys
from worker import warmup
asked = []
start = warmup.start
warmup.start = lambda settings, only=None: asked.append("store.models" in sys.modules) or start(settings, only)
from eingang.cli import main
main(["ingest", "--channel", "letter", sys.argv[1]], standalone_mode=False)
print(asked[0])
"""


def test_ingest_asks_for_the_ocr_processes_before_it_loads_the_database_layer(tmp_path):
    """SQLAlchemy and the models take 0.45 s to import: the OCR processes boot meanwhile."""
    import subprocess
    import sys

    from tests import letters

    page = tmp_path / "brief.png"
    page.write_bytes(letters.encoded(letters.render_page(letters.WIDERSPRUCH), "PNG"))
    env = {"EINGANG_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", INGEST_SCRIPT, str(page)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.strip().splitlines()[-1:] == ["False"], done.stdout + done.stderr
