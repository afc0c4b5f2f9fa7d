"""The pages of a mailroom batch as staff handle them: thumbnails, a cut or a merge by a click
between two pages, a page turned and read again.

A cut and a merge are the typed re-split (:func:`worker.batches.set_letter_starts`) with the
starts computed from the click, so they recreate the letters exactly as typing the page numbers
would. A turn never touches the stored original (the legal original): it is an edit of the
derived images — the batch's searchable PDF, the thumbnail and the letter's PDF — and the page's
text, made in one transaction after the new reading.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.facts import FactsConfig, kommune_config
from extraction import ocrpool
from extraction.pages import TURNS, image_as_pdf_page, replace_pages, turned_page_image
from extraction.searchable import select_pages
from store.blobs import BlobStore, blob_store
from store.db import session_scope
from store.enums import Status
from store.events import record
from store.models import Batch, Document, Item, Receipt
from store.settings import Settings
from worker.batches import batch_for_update, set_letter_starts, thumbnail_blobs, with_thumbnails
from worker.broker import send_step
from worker.letter_senders import several_senders
from worker.letter_title import letter_title
from worker.limits import extraction_limits

# --- thumbnails ----------------------------------------------------------------------------


def thumbnail(batch: Batch, number: int) -> str | None:
    """The blob of page ``number``'s thumbnail, or None."""
    return next((p.get("thumb") for p in batch.pages if p["number"] == number), None)


# --- a cut or a merge by a click --------------------------------------------------------------


def _starts_and_drop(batch: Batch) -> tuple[list[int], list[int]]:
    kept = {n for x in batch.letters for n in x["pages"]}
    return [x["pages"][0] for x in batch.letters], [p["number"] for p in batch.pages if p["number"] not in kept]


def split_at(batch_id: int, page: int, actor: str, settings: Settings) -> list[int]:
    """Cut the letter holding ``page`` so that a new letter starts there."""
    with session_scope(settings) as session:
        batch = batch_for_update(session, batch_id)
        starts, drop = _starts_and_drop(batch)
    holder = next((x for x in batch.letters if page in x["pages"]), None)
    if holder is None:
        raise ValueError(f"Seite {page} gehört zu keinem Brief.")
    if holder["pages"][0] == page:
        raise ValueError(f"Mit Seite {page} beginnt schon ein Brief.")
    return set_letter_starts(batch_id, [*starts, page], actor, settings, drop=drop,
                             note=f"Brief vor Seite {page} getrennt")


def merge_with_next(batch_id: int, letter: int, actor: str, settings: Settings) -> list[int]:
    """Join letter ``letter`` (1-based, as shown) with the letter after it."""
    with session_scope(settings) as session:
        batch = batch_for_update(session, batch_id)
        starts, drop = _starts_and_drop(batch)
    if not 1 <= letter < len(starts):
        raise ValueError(f"Brief {letter} hat keinen folgenden Brief, mit dem er zusammengeführt werden kann.")
    del starts[letter]
    return set_letter_starts(batch_id, starts, actor, settings, drop=drop,
                             note=f"Briefe {letter} und {letter + 1} zusammengeführt")


# --- a page turned and read again -----------------------------------------------------------


def rotate_page(batch_id: int, number: int, degrees: int, actor: str, settings: Settings) -> int | None:
    """Turn page ``number`` by ``degrees`` clockwise and read it again. Returns the item id of
    the letter holding the page (kept, with its PDF and text renewed), or None."""
    if degrees not in TURNS:
        raise ValueError("Eine Seite kann nur um 90, 180 oder 270 Grad gedreht werden.")
    with session_scope(settings) as session:
        batch = batch_for_update(session, batch_id)
        if not any(p["number"] == number for p in batch.pages):
            raise ValueError(f"Seite {number} gibt es nicht: der Stapel hat {len(batch.pages)} Seiten.")
        base_sha = batch.searchable_sha256
    assert base_sha is not None
    # The slow part (a new OCR reading) outside any transaction; the result is applied below
    # only if nobody changed the batch meanwhile.
    blobs = blob_store(settings)
    searchable = blobs.get(base_sha)
    limits = extraction_limits(settings, batch=True)
    png = turned_page_image(searchable, number, degrees, limits.ocr_dpi)
    # Staff decide the orientation: no automatic turning back of a weak reading.
    reading = ocrpool.read_pages(png, "image", [0], dataclasses.replace(limits, ocr_retry_below=0.0))[0]
    page = ocrpool.to_page_text(reading)
    new_searchable = replace_pages(searchable, {number: reading.pdf or image_as_pdf_page(png, limits.ocr_dpi)})
    new_sha = blobs.put(new_searchable)
    thumbs = thumbnail_blobs(blobs, new_searchable, [number])
    with session_scope(settings) as session:
        batch = batch_for_update(session, batch_id)
        if batch.searchable_sha256 != base_sha:
            raise ValueError("Der Stapel wurde inzwischen geändert; bitte die Seite noch einmal drehen.")
        item_id, classify = _apply_turn(session, batch, number, degrees, page, new_searchable, new_sha,
                                        thumbs, actor, blobs, kommune_config(settings.data_dir))
    if classify and item_id is not None:  # after the commit; the sweeper re-sends a lost one
        send_step("classify", item_id)
    return item_id


def _apply_turn(session: Session, batch: Batch, number: int, degrees: int, page: Any,
                searchable: bytes, sha: str, thumbs: dict[int, str], actor: str,
                blobs: BlobStore, facts: FactsConfig) -> tuple[int | None, bool]:
    old_sha = batch.searchable_sha256
    turned = 0
    records = []
    for p in batch.pages:
        if p["number"] == number:
            turned = (p.get("turned", 0) + degrees) % 360
            p = {**p, "text": page.text, "method": page.method, "confidence": page.confidence,
                 "blank": page.blank, "barcodes": page.barcodes, "turned": turned}
        records.append(p)
    batch.pages = with_thumbnails(records, thumbs)
    batch.searchable_sha256 = sha
    batch_item = session.get(Item, batch.item_id)
    derived = session.scalars(select(Document).where(
        Document.item_id == batch.item_id, Document.role == "derived", Document.sha256 == old_sha)).first()
    if derived is not None:
        derived.sha256, derived.size = sha, len(searchable)
    message = f"Seite {number} um {degrees}° gedreht und neu gelesen (jetzt {turned}° gegenüber dem Scan)"
    details = {"batch_id": batch.id, "page": number, "degrees": degrees, "turned": turned,
               "searchable_before": old_sha, "searchable_after": sha}
    record(session, batch_item, actor, "page_rotated", message, **details)
    holder = next((x for x in batch.letters if number in x["pages"]), None)
    if holder is None or not holder.get("item_id"):
        return None, False
    return holder["item_id"], _renew_letter(session, batch, holder, searchable, actor, message, details, blobs,
                                               facts)


def _renew_letter(session: Session, batch: Batch, entry: dict[str, Any], searchable: bytes,
                  actor: str, message: str, details: dict[str, Any], blobs: BlobStore,
                  facts: FactsConfig) -> bool:
    """The letter keeps its item (reference, history, decision); its PDF and text are renewed."""
    item = session.get(Item, entry["item_id"])
    if item is None:
        return False
    pages = {p["number"]: p for p in batch.pages}
    pdf = select_pages(searchable, entry["pages"])
    sha = blobs.put(pdf)
    text = "\n\n".join(pages[n]["text"] for n in entry["pages"] if (pages[n].get("text") or "").strip())
    doc = session.scalars(select(Document).where(Document.item_id == item.id, Document.role == "original")).first()
    if doc is not None:
        details = {**details, "pdf_before": doc.sha256, "pdf_after": sha}
        doc.sha256, doc.size, doc.text = sha, len(pdf), text
    scores = [pages[n]["confidence"] for n in entry["pages"] if pages[n].get("confidence") is not None]
    entry_confidence = min(scores) if scores else None
    senders = several_senders([(n, pages[n].get("text") or "") for n in entry["pages"]], facts)
    batch.letters = [{**x, "confidence": entry_confidence, "senders": senders} if x is entry else x
                     for x in batch.letters]
    item.text = item.full_text = text
    if item.subject is None or item.subject.startswith("Brief "):
        title, sender = letter_title(text)
        item.subject = title or item.subject
        item.sender_name = item.sender_name or sender
    record(session, item, actor, "page_rotated", message, **details)
    if item.status == Status.NEEDS_ATTENTION.value and text.strip():
        # Parked for want of text: with a readable page it goes through the pipeline again.
        item.status = Status.EXTRACTED.value
        item.status_reason = None
        return True
    return False


# --- for the letter view -------------------------------------------------------------------


def letter_in_batch(session: Session, item_id: int) -> tuple[Batch, dict[str, Any]] | None:
    """The batch a letter item was cut from and its entry there (None for other items)."""
    ids = session.scalars(select(Receipt.external_id).where(
        Receipt.item_id == item_id, Receipt.external_id.like("batch:%"))).all()
    for external in ids:
        try:
            batch_id = int(external.split(":")[1])
        except (IndexError, ValueError):
            continue
        batch = session.get(Batch, batch_id)
        entry = next((x for x in (batch.letters if batch else []) if x.get("item_id") == item_id), None)
        if batch is not None and entry is not None:
            return batch, entry
    return None
