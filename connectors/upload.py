"""The one upload path for files from the web UI, the CLI (`eingang ingest`) and the scan folder.

A file becomes an item (a single letter) or a mailroom batch (a stack of letters that the
worker splits). A folder of page images becomes one batch: the images are put into one PDF
losslessly (img2pdf embeds the JPEG and G4 TIFF data as it is, PNG pixels unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from extraction import sniff_media_type
from store.db import session_scope
from store.enums import Channel
from store.intake import Incoming, store_incoming
from store.settings import Settings

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/tiff"})
SCAN_TYPES = IMAGE_TYPES | {"application/pdf"}


@dataclass
class Upload:
    content: bytes
    filename: str | None
    source: str  # the receipt path: "upload:web", "ingest:/path", "scan:poststelle"
    actor: str  # "web:<user>", "cli:ingest", "scanfolder"
    external_id: str | None = None  # makes a repeated delivery of the same file idempotent
    received_at: datetime | None = None  # Eingangsstempel; now when not given
    channel: Channel | None = None  # default: email for .eml, letter otherwise
    batch: bool = False  # a stack of letters to split
    split_rules: dict[str, Any] = field(default_factory=dict)  # extraction.split.SplitRules fields


def accept_upload(upload: Upload, settings: Settings | None = None) -> tuple[int, bool]:
    """Store the file durably, then start its processing. Returns ``(item_id, created)``."""
    from worker.actors import start_pipeline
    from worker.batches import new_batch

    media_type = sniff_media_type(upload.content, upload.filename)
    received_at = upload.received_at or datetime.now(UTC)
    channel = upload.channel or (Channel.EMAIL if media_type == "message/rfc822" else Channel.LETTER)
    incoming = Incoming(
        channel=channel,
        content=upload.content,
        media_type=media_type,
        received_at=received_at,
        filename=upload.filename,
        mailbox=upload.source,
        external_id=upload.external_id,
        actor=upload.actor,
    )
    with session_scope(settings) as session:
        item, created = store_incoming(session, incoming)
        if created and upload.batch and media_type in SCAN_TYPES:  # an .eml is no stack of paper
            new_batch(session, item, received_at, upload.split_rules)
        item_id = item.id
    if created:
        try:
            start_pipeline(item_id)
        except Exception:  # stored is what counts; the sweeper starts it later
            import logging

            logging.getLogger(__name__).exception("item %s stored but not enqueued", item_id)
    return item_id, created


def images_to_pdf(images: list[bytes]) -> bytes:
    """Page images (in order) as one PDF, their image data embedded unchanged."""
    import img2pdf

    return img2pdf.convert(images, rotation=img2pdf.Rotation.ifvalid)
