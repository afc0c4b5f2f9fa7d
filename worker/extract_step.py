"""The pipeline's first step: the original's text (and a searchable PDF of scanned pages).

A module of its own, imported without the classifier and the routing behind the later steps:
the first page of a stack of scans reaches the OCR before the rest of the pipeline has loaded
(0.16 s less on the way to the first page of an `eingang ingest`; issue 16). worker.steps holds
the other steps and names this one with them.
"""

from __future__ import annotations

from time import monotonic

from sqlalchemy import select

import extraction
from extraction.searchable import searchable_pdf
from store import channel_config, metrics
from store.blobs import blob_store
from store.db import session_scope
from store.enums import Status
from store.events import record
from store.models import Batch, Document
from store.settings import Settings
from worker import sandbox
from worker.document_store import store_extraction
from worker.limits import extraction_limits
from worker.pipeline import ClassifyInput
from worker.transitions import advance, park, start

# How much of the attachments' text the classifier reads besides the message itself.
ATTACHMENT_TEXT_FOR_CLASSIFIER = 4000


def extract(item_id: int, given: None = None, *, chain: bool = False,
            settings: Settings) -> ClassifyInput | None:
    # Nothing comes before extraction: ``given`` exists for a uniform signature only.
    with session_scope(settings, redoable=True) as session:
        item = start(session, item_id, Status.RECEIVED, "extract")
        if item is None:
            return None
        # The original and whether it is a mailroom stack, in one plain-row query.
        original = session.execute(
            select(Document.id, Document.sha256, Document.media_type, Document.filename, Batch.id)
            .outerjoin(Batch, Batch.item_id == Document.item_id)
            .where(Document.item_id == item_id, Document.role == "original")
            .limit(1)
        ).first()
        if original is None:
            raise RuntimeError(f"item {item_id} has no original document")
        original_id, sha, media_type, filename, batch_id = original
        stored_media_type = media_type
        channel = item.channel
        is_batch = batch_id is not None
    content = blob_store(settings).get(sha)
    if media_type in ("application/octet-stream", ""):
        media_type = extraction.sniff_media_type(content, filename)
    if is_batch:  # a mailroom stack: its letters become items of their own
        from worker import batches  # the mailroom's splitting: classifier facts, page images

        batches.split_batch(item_id, original_id, content, media_type, settings)
        return None
    started = monotonic()
    if settings.extract_isolated and channel in sandbox.UNTRUSTED_CHANNELS:
        result = sandbox.extract(content, media_type, settings, extraction_limits(settings))
    else:
        result = extraction.extract(content, media_type, extraction_limits(settings))
    metrics.extraction_done(result.pages, monotonic() - started)
    searchable = searchable_pdf(content, result) if result.ocr_pdf_pages else None
    searchable_sha = blob_store(settings).put(searchable) if searchable else None

    with session_scope(settings, redoable=True) as session:
        readable = bool(result.text.strip() or result.full_text.strip())
        target = Status.EXTRACTED if readable else Status.NEEDS_ATTENTION
        item = advance(session, item_id, Status.RECEIVED, target, next_attempt=chain and readable)
        if item is None:
            return None
        attachments = store_extraction(session, item, original_id, result, stored_media_type,
                                       settings=settings)
        if searchable_sha:
            session.add(
                Document(
                    item_id=item.id, parent_id=original_id, role="derived", sha256=searchable_sha,
                    media_type="application/pdf", filename=f"{item.reference}-durchsuchbar.pdf",
                    size=len(searchable or b""), page_count=result.page_count,
                )
            )
        if not readable:
            reason = " ".join(result.problems) or "Kein lesbarer Text gefunden."
            park(session, item, reason, "extract")
            return None
        record(
            session,
            item,
            "worker:extract",
            "extracted",
            "Text erschlossen",
            chars=len(item.text or ""),
            attachments=len(result.attachments),
            problems=result.problems,
        )
        if not chain:
            return ClassifyInput()
        hint = channel_config.queue_hint_for(session, settings, item.mailbox)
    return ClassifyInput(
        item, classifier_attachment_text(d.text for d in attachments), hint
    )


def classifier_attachment_text(texts) -> str:  # type: ignore[no-untyped-def]
    """The attachments' text the classifier reads with the message, capped."""
    return "\n".join(t for t in texts if t and t.strip())[:ATTACHMENT_TEXT_FOR_CLASSIFIER]
