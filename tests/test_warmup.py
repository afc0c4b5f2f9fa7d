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
