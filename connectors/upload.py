"""Files from the web UI, the CLI (`eingang ingest`) and the scan folder, handed to the gateway.

A file becomes an item (a single letter) or a mailroom batch (a stack of letters that the
worker splits). A folder of page images becomes one batch: the images are put into one PDF
losslessly (img2pdf embeds the JPEG and G4 TIFF data as it is, PNG pixels unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors import gateway
from extraction import sniff_media_type
from store.enums import Channel
from store.intake import Incoming
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
    channel: str | None = None  # a catalogue channel key; default: email for .eml, letter otherwise
    batch: bool = False  # a stack of letters to split
    split_rules: dict[str, Any] = field(default_factory=dict)  # extraction.split.SplitRules fields
    problems: list[str] = field(default_factory=list)  # German notes for staff on the item


def accept_upload(upload: Upload, settings: Settings) -> tuple[int, bool]:
    """Hand the file over to the intake gateway (stored durably, then processed); a stack of
    scanned letters gets its mailroom batch in the same transaction. ``(item_id, created)``."""
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
        problems=list(upload.problems),
    )

    if not upload.batch:
        # worker.batches loads the splitting behind it (OCR, the classifier): 40 % of an
        # `eingang ingest` that only stores and enqueues one letter (issue 16).
        return gateway.accept(incoming, settings)
    from worker.batches import new_batch

    def as_batch(session, item, created):  # type: ignore[no-untyped-def]
        if created and media_type in SCAN_TYPES:  # an .eml is no stack of paper
            new_batch(session, item, received_at, upload.split_rules)

    return gateway.accept(incoming, settings, prepare=as_batch)


def images_to_pdf(images: list[bytes]) -> bytes:
    """Page images (in order) as one PDF, their image data embedded unchanged."""
    import img2pdf

    return img2pdf.convert(images, rotation=img2pdf.Rotation.ifvalid)
