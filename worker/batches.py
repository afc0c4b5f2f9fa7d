"""Mailroom batches: a stored stack scan becomes one item per letter; staff can re-split it.

The batch's own item keeps the unchanged original and ends ``done`` once split (or
``needs_attention`` when nothing could be read). Each letter becomes an item with the batch's
receipt date, its pages as a searchable PDF (its original, derived from the batch's) and the
text OCR already read, so it goes straight to ``classify``: no second OCR.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import extraction
from classifier.facts import FactsConfig, kommune_config
from extraction import ocrpool
from extraction.pages import thumbnails
from extraction.searchable import searchable_pdf, select_pages
from extraction.split import Letter, SplitRules, letters_from_starts, move_boundary, split_pages
from extraction.types import PageText
from store import metrics
from store.blobs import BlobStore, blob_store
from store.db import session_scope
from store.enums import Status
from store.events import record
from store.intake import reference_for
from store.models import Batch, Document, Item, Receipt
from store.settings import Settings
from worker.broker import send_step
from worker.document_store import store_extraction
from worker.letter_senders import several_senders
from worker.letter_title import letter_title
from worker.limits import extraction_limits
from worker.transitions import advance, park

log = logging.getLogger(__name__)

SEARCHABLE_ROLE = "derived"


def new_batch(
    session: Session, item: Item, received_at: datetime, rules: dict[str, Any] | None = None
) -> Batch:
    """Mark a freshly stored item as a batch (same transaction as the item)."""
    batch = Batch(item_id=item.id, source=item.mailbox, received_at=received_at, rules=dict(rules or {}))
    session.add(batch)
    session.flush()
    record(session, item, "mailroom", "batch", "Als Poststapel angenommen", batch_id=batch.id)
    return batch


def batch_of(session: Session, item_id: int) -> Batch | None:
    return session.scalars(select(Batch).where(Batch.item_id == item_id)).first()


def split_rules(data: dict[str, Any]) -> SplitRules:
    known = {f.name for f in dataclasses.fields(SplitRules)}
    values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in known}
    return SplitRules(**values)


# --- the pipeline step ---------------------------------------------------------------------


def split_batch(item_id: int, original_id: int, content: bytes, media_type: str,
                settings: Settings) -> list[int]:
    """Read the whole batch, cut it into letters, create their items. Returns the new item ids."""
    limits = extraction_limits(settings, batch=True)
    with session_scope(settings) as session:
        batch = batch_of(session, item_id)
        assert batch is not None
        rules = split_rules(batch.rules)
        batch_id = batch.id
    started = time.monotonic()
    with ocrpool.reporting(_progress_writer(batch_id, settings)):
        result = extraction.extract(content, media_type, limits)
    metrics.extraction_done(result.pages, time.monotonic() - started)
    letters = split_pages(result.pages, rules, limits.ocr_min_confidence) if result.pages else []
    searchable = searchable_pdf(content, result) if letters else None
    blobs = blob_store(settings)
    searchable_sha = blobs.put(searchable) if searchable else None
    with session_scope(settings) as session:
        item = advance(session, item_id, Status.RECEIVED, Status.DONE if letters else Status.NEEDS_ATTENTION)
        if item is None:
            return []
        store_extraction(session, item, original_id, result, settings=settings)
        batch = batch_of(session, item_id)
        assert batch is not None
        batch.page_count = len(result.pages)
        batch.pages_read = len(result.pages)
        batch.pages = [_page_record(p) for p in result.pages]
        batch.confidence = result.ocr_confidence
        if not letters:
            batch.status = "failed"
            reason = " ".join(result.problems) or "Im Stapel wurde kein Brief gefunden."
            park(session, item, f"Poststapel nicht aufteilbar: {reason}", "extract")
            return []
        batch.status = "split"
        batch.searchable_sha256 = searchable_sha
        session.add(
            Document(
                item_id=item.id, parent_id=original_id, role=SEARCHABLE_ROLE, sha256=searchable_sha,
                media_type="application/pdf", filename=f"{item.reference}-durchsuchbar.pdf",
                size=len(searchable or b""), page_count=len(result.pages),
            )
        )
        created = _apply_letters(session, batch, item, letters, "worker:extract", 1, blobs,
                                 kommune_config(settings.data_dir))
        record(
            session, item, "worker:extract", "split",
            f"Poststapel in {len(letters)} Briefe aufgeteilt",
            letters=[{"pages": x.pages, "reason": x.reason} for x in letters],
        )
        item.status_reason = split_summary(len(letters))
        batch_id = batch.id
    _enqueue_classify(created)
    # The thumbnails after the letters are on their way: they cost a fraction of a second a page
    # and nobody waits for them; a batch whose thumbnails are lost gets them at the first look.
    ensure_thumbnails(batch_id, settings)
    return created


def _progress_writer(batch_id: int, settings: Settings):  # type: ignore[no-untyped-def]
    """Write how many pages are read to the batch (the mailroom page polls it), at most about
    once a second: a small UPDATE of its own, outside the split's transaction."""
    last = [0.0]

    def write(done: int, total: int) -> None:
        now = time.monotonic()
        if 0 < done < total and now - last[0] < PROGRESS_SECONDS:
            return
        last[0] = now
        with session_scope(settings) as session:
            session.execute(update(Batch).where(Batch.id == batch_id, Batch.status == "pending")
                            .values(pages_read=done, page_count=total))

    return write


PROGRESS_SECONDS = 1.0


# --- by hand --------------------------------------------------------------------------------


def move_letter_start(batch_id: int, boundary: int, new_start: int, actor: str,
                      settings: Settings) -> list[int]:
    """Staff move the first page of letter ``boundary`` (0-based) to ``new_start``.

    Letters whose pages stay the same keep their items; changed ones are replaced: the old item
    is closed with a note, a new one is created and processed. Returns the new item ids.
    """
    with session_scope(settings) as session:
        batch = batch_for_update(session, batch_id)
        pages = [_page_from_record(p) for p in batch.pages]
        current = [Letter(pages=list(x["pages"]), reason=x["reason"]) for x in batch.letters]
        letters = move_boundary(pages, current, boundary, new_start, settings.ocr_min_confidence)
        created = _resplit(session, batch, letters, actor, blob_store(settings), kommune_config(settings.data_dir))
    _enqueue_classify(created)
    return created


def set_letter_starts(
    batch_id: int, starts: list[int], actor: str, settings: Settings, drop: list[int] | None = None,
    note: str | None = None,
) -> list[int]:
    """Staff cut the batch anew: each page in ``starts`` begins a letter; ``drop`` belongs to none.

    ``note`` says in the history what staff did (a click between two pages, a merge)."""
    with session_scope(settings) as session:
        batch = batch_for_update(session, batch_id)
        pages = [_page_from_record(p) for p in batch.pages]
        outside = sorted(n for n in set(starts) if not 1 <= n <= len(pages))
        if outside:
            raise ValueError(f"Seite {', '.join(map(str, outside))} gibt es nicht: der Stapel hat "
                             f"{len(pages)} Seiten.")
        if drop is None:  # keep leaving out what the automatic split left out
            kept = {n for x in batch.letters for n in x["pages"]}
            drop = [p.number for p in pages if p.number not in kept and p.number not in starts]
        letters = letters_from_starts(pages, sorted(set(starts)), set(drop), settings.ocr_min_confidence)
        created = _resplit(session, batch, letters, actor, blob_store(settings), kommune_config(settings.data_dir),
                           note)
    _enqueue_classify(created)
    return created


def set_receipt_date(batch_id: int, received_at: datetime, actor: str, settings: Settings,
                     reason: str = "") -> None:
    """Correct the Eingangsstempel of a batch: the batch and all its current letters get it.
    The legal receipt date never lies in the future; the reason is kept in every history."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must carry a timezone")
    if received_at > datetime.now(UTC) + timedelta(minutes=5):
        raise ValueError("Das Eingangsdatum kann nicht in der Zukunft liegen.")
    with session_scope(settings) as session:
        batch = batch_for_update(session, batch_id)
        old = batch.received_at
        batch.received_at = received_at
        ids = [batch.item_id] + [x["item_id"] for x in batch.letters if x.get("item_id")]
        for item in session.scalars(select(Item).where(Item.id.in_(ids))):
            item.received_at = received_at
            for receipt in item.receipts:
                receipt.received_at = received_at
            record(
                session, item, actor, "receipt_date",
                f"Eingangsdatum geändert: {old:%d.%m.%Y} → {received_at:%d.%m.%Y}"
                + (f" – Grund: {reason}" if reason else ""),
                old=old.isoformat(), new=received_at.isoformat(), batch_id=batch.id, reason=reason,
            )


def batch_for_update(session: Session, batch_id: int) -> Batch:
    """The batch, locked for this transaction (PostgreSQL), ready to be edited by staff."""
    batch = session.get(Batch, batch_id, with_for_update=session.bind.dialect.name == "postgresql")
    if batch is None:
        raise LookupError(f"Poststapel {batch_id} gibt es nicht.")
    if batch.status != "split" or not batch.searchable_sha256:
        raise ValueError("Der Poststapel ist (noch) nicht aufgeteilt.")
    return batch


def _resplit(session: Session, batch: Batch, letters: list[Letter], actor: str, blobs: BlobStore,
             facts: FactsConfig, note: str | None = None) -> list[int]:
    item = session.get(Item, batch.item_id)
    assert item is not None
    version = 1 + max((x.get("version", 1) for x in batch.letters), default=0)
    created = _apply_letters(session, batch, item, letters, actor, version, blobs, facts)
    item.status_reason = split_summary(len(letters))
    record(
        session, item, actor, "resplit",
        f"Poststapel von Hand neu aufgeteilt: {note} ({split_summary(len(letters))})" if note
        else f"Poststapel von Hand neu aufgeteilt ({split_summary(len(letters))})",
        letters=[x["pages"] for x in batch.letters], note=note,
    )
    return created


def _apply_letters(
    session: Session, batch: Batch, batch_item: Item, letters: list[Letter], actor: str, version: int,
    blobs: BlobStore, facts: FactsConfig,
) -> list[int]:
    """Make the batch's letters ``letters``: keep unchanged ones, close replaced ones, create new.
    ``facts`` are the Kommune's identifier formats: a case number of its own kind tells senders apart."""
    pages = {p["number"]: p for p in batch.pages}
    old = {tuple(x["pages"]): x for x in batch.letters}
    wanted = {tuple(x.pages) for x in letters}
    original = session.scalars(
        select(Document).where(Document.item_id == batch_item.id, Document.role == "original")
    ).first()
    assert original is not None
    searchable = blobs.get(batch.searchable_sha256) if batch.searchable_sha256 else b""
    for key, entry in old.items():
        if key not in wanted and entry.get("item_id"):
            _close_replaced(session, entry["item_id"], actor)
    records: list[dict[str, Any]] = []
    created: list[int] = []
    for number, letter in enumerate(letters, start=1):
        entry = old.get(tuple(letter.pages))
        senders = several_senders([(n, pages[n].get("text") or "") for n in letter.pages], facts)
        if entry and entry.get("item_id"):
            records.append({**entry, "number": number, "senders": senders})
            continue
        item_id = _create_letter(
            session, batch, batch_item, original.id, letter, number, pages, searchable, actor, version, blobs
        )
        created.append(item_id)
        records.append(
            {
                "number": number, "pages": letter.pages, "reason": letter.reason,
                "confidence": letter.confidence, "low_confidence_pages": letter.low_confidence_pages,
                "item_id": item_id, "version": version, "senders": senders,
            }
        )
    batch.letters = records
    return created


def _create_letter(
    session: Session,
    batch: Batch,
    batch_item: Item,
    original_id: int,
    letter: Letter,
    number: int,
    pages: dict[int, dict[str, Any]],
    searchable: bytes,
    actor: str,
    version: int,
    blobs: BlobStore,
) -> int:
    pdf = select_pages(searchable, letter.pages)
    sha = blobs.put(pdf)
    text = "\n\n".join(pages[n]["text"] for n in letter.pages if pages[n]["text"].strip())
    problems = [
        f"Seite {n} des Stapels: Texterkennung unsicher (Konfidenz {pages[n]['confidence']:.0f} %) "
        "– bitte Original ansehen."
        for n in letter.low_confidence_pages
    ]
    span = _span(letter.pages)
    title, sender_name = letter_title(text)
    item = Item(
        channel=batch_item.channel,  # the stack's: letter, or e.g. fax from a fax server's folder
        received_at=batch.received_at,
        status=Status.EXTRACTED.value,
        mailbox=batch_item.mailbox,
        subject=title or f"Brief {number} aus Poststapel {batch_item.reference} ({span})",
        sender_name=sender_name,
        text=text,
        full_text=text,
        problems=problems,
        content_hash=sha,
    )
    session.add(item)
    session.flush()
    item.reference = reference_for(item)
    session.add(
        Document(
            item_id=item.id, parent_id=original_id, role="original", sha256=sha,
            media_type="application/pdf", filename=f"{item.reference}.pdf", size=len(pdf),
            page_count=len(letter.pages), text=text, ocr_confidence=letter.confidence,
            problem=" ".join(problems) or None,
        )
    )
    session.add(
        Receipt(
            item_id=item.id, channel=batch_item.channel, path=batch_item.mailbox,
            external_id=f"batch:{batch.id}:v{version}:{','.join(map(str, letter.pages))}"[:500], received_at=batch.received_at,
        )
    )
    record(
        session, item, actor, "received",
        f"Brief {number} aus Poststapel {batch_item.reference} ({span}), {letter.reason}",
        batch_id=batch.id, batch_item_id=batch_item.id, pages=letter.pages,
    )
    if not text.strip():
        park(session, item, "Im Brief wurde kein Text erkannt; bitte Original ansehen.", "extract")
    else:
        record(session, item, actor, "extracted", "Text aus dem Poststapel übernommen", chars=len(text),
               confidence=letter.confidence, problems=problems)
    return item.id


def split_summary(count: int) -> str:
    return f"Aufgeteilt in {count} {'Brief' if count == 1 else 'Briefe'}"


def _close_replaced(session: Session, item_id: int, actor: str) -> None:
    item = session.get(Item, item_id)
    if item is None:
        return
    item.status = Status.DONE.value
    item.status_reason = "Ersetzt: der Poststapel wurde von Hand neu aufgeteilt."
    record(session, item, actor, "superseded", item.status_reason)


def _span(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"Seite {numbers[0]}"
    return f"Seiten {numbers[0]}–{numbers[-1]}"


def ensure_thumbnails(batch_id: int, settings: Settings) -> None:
    """Render the missing thumbnails of a batch once (from its searchable PDF) and keep them."""
    with session_scope(settings) as session:
        batch = session.get(Batch, batch_id)
        if batch is None or not batch.searchable_sha256:
            return
        missing = [p["number"] for p in batch.pages if not p.get("thumb")]
        sha = batch.searchable_sha256
    if not missing:
        return
    blobs = blob_store(settings)
    shas = thumbnail_blobs(blobs, blobs.get(sha), missing)
    with session_scope(settings) as session:
        batch = session.get(Batch, batch_id)
        if batch is not None and batch.searchable_sha256 == sha:  # not turned meanwhile
            batch.pages = with_thumbnails(batch.pages, shas)


def thumbnail_blobs(blobs: BlobStore, searchable: bytes, numbers: list[int] | None = None) -> dict[int, str]:
    """Thumbnails of the pages (rendered once from the searchable PDF), stored as derived blobs."""
    return {n: blobs.put(image) for n, image in thumbnails(searchable, numbers).items()}


def with_thumbnails(pages: list[dict[str, Any]], shas: dict[int, str]) -> list[dict[str, Any]]:
    """A new list of page records (the JSON column notices the change) with their thumbnails."""
    return [{**p, "thumb": shas[p["number"]]} if p["number"] in shas else p for p in pages]


def _page_record(page: PageText) -> dict[str, Any]:
    return dataclasses.asdict(page)


def _page_from_record(data: dict[str, Any]) -> PageText:
    known = {f.name for f in dataclasses.fields(PageText)}
    return PageText(**{k: v for k, v in data.items() if k in known})


def _enqueue_classify(item_ids: list[int]) -> None:
    """After the commit; a lost message is re-sent by the sweeper (status ``extracted``)."""
    for item_id in item_ids:
        send_step("classify", item_id)


# --- for the mailroom view -------------------------------------------------------------------


def overview(session: Session, batch_id: int) -> dict[str, Any]:
    """What the mailroom view shows of a batch: pages, letters and where each letter went."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise LookupError(f"Poststapel {batch_id} gibt es nicht.")
    batch_item = session.get(Item, batch.item_id)
    ids = [x["item_id"] for x in batch.letters if x.get("item_id")]
    items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))} if ids else {}
    in_letter = {n: x["number"] for x in batch.letters for n in x["pages"]}
    return {
        "id": batch.id,
        "item_id": batch.item_id,
        "reference": batch_item.reference if batch_item else None,
        "status": batch.status,
        "status_reason": batch_item.status_reason if batch_item else None,
        "source": batch.source,
        "received_at": batch.received_at,
        "page_count": batch.page_count,
        "confidence": batch.confidence,
        "pages": [
            {
                "number": p["number"], "letter": in_letter.get(p["number"]),
                "confidence": p.get("confidence"), "blank": p.get("blank", False),
                "barcodes": p.get("barcodes", []), "rotation": p.get("rotation", 0),
                "method": p.get("method"), "preview": (p.get("text") or "")[:200],
            }
            for p in batch.pages
        ],
        "letters": [
            {
                **{k: x.get(k) for k in ("number", "pages", "reason", "confidence", "low_confidence_pages",
                                         "item_id", "senders")},
                "reference": items[x["item_id"]].reference if x.get("item_id") in items else None,
                "status": items[x["item_id"]].status if x.get("item_id") in items else None,
                "queue": items[x["item_id"]].queue if x.get("item_id") in items else None,
                "intent": items[x["item_id"]].intent if x.get("item_id") in items else None,
            }
            for x in batch.letters
        ],
    }


def recent(session: Session, limit: int = 50) -> list[Batch]:
    return list(session.scalars(select(Batch).order_by(Batch.id.desc()).limit(limit)))
