"""The extraction limits the worker uses, from the settings."""

from __future__ import annotations

import dataclasses

from extraction import Limits
from store.settings import ExtractionSettings

# A mailroom batch is a stack of letters: it gets this many times a document's time.
BATCH_TIME_FACTOR = 5


def extraction_limits(settings: ExtractionSettings, *, batch: bool = False) -> Limits:
    limits = Limits(
        ocr_languages=settings.ocr_languages,
        ocr_min_confidence=settings.ocr_min_confidence,
        ocr_processes=settings.ocr_processes,
        seconds_per_document=settings.ocr_seconds_per_document,
    )
    if batch:
        limits = dataclasses.replace(
            limits, seconds_per_document=settings.ocr_seconds_per_document * BATCH_TIME_FACTOR
        )
    return limits
