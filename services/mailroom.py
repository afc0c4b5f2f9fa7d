"""Mailroom edits as one set of use cases for the web app (/post, the item page) and the CLI
(``eingang stapel``, ``eingang merge``, ``eingang split``): cut a batch into letters anew (typed,
or by a click between two pages or two letters), turn a page, correct its Eingangsstempel, split documents off an item, merge a duplicate.

Every edit records who made it (``actor``) and, where the law asks for it, why. Errors are
:class:`MailroomError` with a German message the caller shows as it is.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy.orm import Session

from store.enums import Status
from store.events import record
from store.localdays import LOCAL_ZONE as LOCAL  # the Kommune's zone, kept in one place
from store.models import Document, Item
from store.settings import Settings
from worker import batches

OFFICE_HOURS_START = time(8, 0)


class MailroomError(ValueError):
    """The edit is not possible; the message (German) says why."""


def stamp_time(day: date, now: datetime | None = None) -> datetime:
    """The Eingangsstempel of a local ``day``: today keeps the current time, an earlier day is
    stamped at the start of office hours. Post cannot arrive tomorrow."""
    now = (now or datetime.now(LOCAL)).astimezone(LOCAL)
    if day > now.date():
        raise MailroomError("Das Eingangsdatum kann nicht in der Zukunft liegen.")
    return now if day == now.date() else datetime.combine(day, OFFICE_HOURS_START, LOCAL)


def resplit(settings: Settings, batch_id: int, starts: list[int], actor: str) -> list[int]:
    """Cut the batch anew: each page in ``starts`` begins a letter. Letters whose pages stay
    keep their items; changed ones are replaced and processed. Returns the new item ids."""
    if not starts:
        raise MailroomError("Bitte die ersten Seiten der Briefe als Zahlen angeben, z. B. 1, 3, 4.")
    try:
        return batches.set_letter_starts(batch_id, sorted(set(starts)), actor, settings)
    except (ValueError, LookupError) as exc:  # the batch functions explain in German
        raise MailroomError(f"Neu aufteilen nicht möglich: {_text(exc)}") from exc


def move_letter_start(settings: Settings, batch_id: int, letter: int, first_page: int,
                      actor: str) -> list[int]:
    """Letter number ``letter`` (from 2) begins with ``first_page`` from now on."""
    try:
        return batches.move_letter_start(batch_id, letter - 1, first_page, actor, settings)
    except (ValueError, LookupError) as exc:
        raise MailroomError(f"Neu aufteilen nicht möglich: {_text(exc)}") from exc


def cut_before(settings: Settings, batch_id: int, page: int, actor: str) -> list[int]:
    """A click on the cut marker between two pages: a new letter begins with ``page``. The same
    re-split as typing the first pages (letters whose pages stay keep their items)."""
    from worker import batch_pages

    try:
        return batch_pages.split_at(batch_id, page, actor, settings)
    except (ValueError, LookupError) as exc:
        raise MailroomError(_text(exc)) from exc


def join_letters(settings: Settings, batch_id: int, letter: int, actor: str) -> list[int]:
    """Letter number ``letter`` and the one after it become one letter."""
    from worker import batch_pages

    try:
        return batch_pages.merge_with_next(batch_id, letter, actor, settings)
    except (ValueError, LookupError) as exc:
        raise MailroomError(_text(exc)) from exc


def turn_page(settings: Settings, batch_id: int, page: int, degrees: int, actor: str) -> int | None:
    """Turn a page by 90, 180 or 270° clockwise and read it again; the scan stays unchanged.
    Returns the item of the letter holding the page (it keeps its reference), or None."""
    from worker import batch_pages

    try:
        return batch_pages.rotate_page(batch_id, page, degrees, actor, settings)
    except (ValueError, LookupError) as exc:
        raise MailroomError(_text(exc)) from exc


def stamp(settings: Settings, batch_id: int, day: date, actor: str, reason: str) -> datetime:
    """Correct the Eingangsstempel of the batch and all its letters; the legal receipt date
    changes, so the trail says why. Returns the new receipt time."""
    when = stamp_time(day)
    reason = reason.strip()
    if not reason:
        raise MailroomError("Bitte einen Grund für die Änderung des Eingangsstempels angeben.")
    try:
        batches.set_receipt_date(batch_id, when, actor, settings, reason[:300])
    except (ValueError, LookupError) as exc:  # German: e.g. not split yet
        raise MailroomError(_text(exc)) from exc
    return when


def merge_duplicate(session: Session, item: Item, into: Item, actor: str) -> None:
    """``item`` is a duplicate of ``into``: its documents move there, it is closed and linked."""
    if item.id == into.id:
        raise MailroomError("Ein Vorgang kann nicht mit sich selbst zusammengeführt werden.")
    for doc in list(item.documents):
        session.add(Document(
            item_id=into.id, parent_id=doc.id, role="attachment", sha256=doc.sha256,
            media_type=doc.media_type, filename=doc.filename, size=doc.size,
            page_count=doc.page_count, text=doc.text, ocr_confidence=doc.ocr_confidence,
        ))
    item.thread_id = into.id
    item.status = Status.DONE.value
    item.status_reason = f"Dublette von {into.reference}"
    record(session, item, actor, "merged", f"Als Dublette mit {into.reference} zusammengeführt",
           into=into.id)
    record(session, into, actor, "merged_in", f"Dublette {item.reference} übernommen", source=item.id)


def split_off(session: Session, item: Item, document_ids: list[int], actor: str) -> Item:
    """Move the chosen documents of a wrongly joined item into a new item (same receipt time).
    The caller starts its classification after the commit (:func:`classify_split`)."""
    from store.intake import reference_for

    chosen = [d for d in item.documents if d.id in set(document_ids)]
    if not chosen:
        raise MailroomError("Bitte wählen Sie die Dokumente für den neuen Vorgang.")
    if len(chosen) == len(item.documents):
        raise MailroomError("Mindestens ein Dokument muss beim bisherigen Vorgang bleiben.")
    new = Item(
        channel=item.channel, received_at=item.received_at, status=Status.EXTRACTED.value,
        sender=item.sender, sender_name=item.sender_name, contact=dict(item.contact or {}),
        mailbox=item.mailbox, subject=f"Abgetrennt aus {item.reference}: {item.subject or ''}".strip(),
        text="\n\n".join(d.text or "" for d in chosen).strip(), thread_id=item.id,
    )
    new.full_text = new.text
    session.add(new)
    session.flush()
    new.reference = reference_for(new)
    for doc in chosen:
        doc.item_id = new.id
    record(session, item, actor, "split", f"Dokumente abgetrennt in {new.reference}", new_item=new.id,
           documents=[d.id for d in chosen])
    record(session, new, actor, "split_from", f"Abgetrennt aus {item.reference}", source=item.id)
    return new


def classify_split(item_id: int) -> None:
    """After the commit: the split-off item goes on from classification."""
    from worker.broker import send_step

    send_step("classify", item_id)


def _text(exc: BaseException) -> str:
    return str(exc).strip("'\"")
