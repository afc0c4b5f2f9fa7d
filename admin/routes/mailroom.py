"""The mailroom (/post): upload a stack of letters, see batches split into letters with OCR
confidence per page, fix a split, correct the Eingangsstempel, see failures with reasons."""

from __future__ import annotations

from datetime import date, datetime, time
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from admin.security import actor_of, csrf_protect, require, sees_all_queues
from admin.templating import LOCAL, render
from connectors.upload import Upload, accept_upload
from store.db import session_scope
from store.enums import Channel, Status
from store.models import Batch, Item, User
from store.settings import get_settings

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _stamp(value: str) -> datetime | None:
    """An Eingangsstempel date as entered (local day); None for empty."""
    if not value:
        return None
    day = date.fromisoformat(value)
    now = datetime.now(LOCAL)
    if day > now.date():  # the legal receipt date: post cannot arrive tomorrow
        raise ValueError("Das Eingangsdatum kann nicht in der Zukunft liegen.")
    # Today keeps the current time; an earlier day is stamped at the start of office hours.
    return now if day == now.date() else datetime.combine(day, time(8, 0), LOCAL)


@router.get("/post")
def mailroom(request: Request, user: User = Depends(require("mailroom"))):
    with session_scope() as session:
        batches = session.execute(
            select(Batch, Item.reference, Item.status, Item.status_reason)
            .join(Item, Item.id == Batch.item_id)
            .order_by(Batch.id.desc()).limit(50)
        ).all()
        failures = session.execute(
            select(Item.id, Item.reference, Item.received_at, Item.subject, Item.status_reason, Item.mailbox)
            .where(Item.channel == Channel.LETTER.value, Item.status == Status.NEEDS_ATTENTION.value)
            .order_by(Item.received_at.desc()).limit(50)
        ).all()
        session.expunge_all()
    return render(request, "mailroom.html", batches=batches, failures=failures,
                  content=sees_all_queues(user),
                  today=datetime.now(LOCAL).date().isoformat(),
                  message=request.query_params.get("meldung"), error=request.query_params.get("fehler"))


@router.get("/post/trennblatt.pdf")
def separator_sheet(user: User = Depends(require("mailroom"))):
    """A printable separator sheet (QR code and word) for the scanner."""
    from admin.separator_sheet import separator_pdf
    from extraction.split import SplitRules
    from store.catalogue import current_catalogue

    code = SplitRules().separator_codes[0]
    pdf = separator_pdf(code, current_catalogue().kommune.name)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="trennblatt.pdf"'})


@router.post("/post/upload")
async def upload(request: Request, user: User = Depends(require("mailroom"))):
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return RedirectResponse("/post?" + urlencode({"fehler": "Bitte eine Datei wählen."}), status_code=303)
    limit = get_settings().smtp_max_message_bytes * 8  # scans are large: 200 MB by default
    content = await file.read(limit + 1)
    if len(content) > limit:
        return RedirectResponse("/post?" + urlencode({"fehler": "Die Datei ist zu groß."}), status_code=303)
    try:
        stamp = _stamp(str(form.get("received_on", "") or ""))
    except ValueError as exc:
        text = str(exc) if "Zukunft" in str(exc) else "Ungültiges Eingangsdatum."
        return RedirectResponse("/post?" + urlencode({"fehler": text}), status_code=303)
    is_batch = str(form.get("kind", "batch")) == "batch"
    item_id, _ = accept_upload(Upload(
        content=content, filename=file.filename, source="upload:web", actor=actor_of(user),
        received_at=stamp, batch=is_batch,
    ))
    text = "Poststapel angenommen; er wird gelesen und in Briefe aufgeteilt." if is_batch else "Brief angenommen."
    return RedirectResponse("/post?" + urlencode({"meldung": text}), status_code=303)


@router.get("/post/stapel/{batch_id}")
def batch_page(request: Request, batch_id: int, user: User = Depends(require("mailroom"))):
    with session_scope() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise HTTPException(404, "Poststapel nicht gefunden.")
        ids = [x.get("item_id") for x in batch.letters if x.get("item_id")]
        letters = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))} if ids else {}
        item = batch.item
        session.expunge_all()
    # Letter content only for those who may read every queue (an admin without queues manages
    # the batch but reads no Sozialdaten).
    return render(request, "batch.html", batch=batch, letters=letters, item=item,
                  content=sees_all_queues(user), today=datetime.now(LOCAL).date().isoformat(),
                  message=request.query_params.get("meldung"), error=request.query_params.get("fehler"))


def _back(batch_id: int, key: str, text: str) -> RedirectResponse:
    return RedirectResponse(f"/post/stapel/{batch_id}?" + urlencode({key: text}), status_code=303)


@router.post("/post/stapel/{batch_id}/aufteilen")
def resplit(batch_id: int, starts: str = Form(""), user: User = Depends(require("mailroom"))):
    from worker.batches import set_letter_starts

    try:
        numbers = sorted({int(x) for x in starts.replace(";", ",").split(",") if x.strip()})
        if not numbers:
            raise ValueError
    except ValueError:
        return _back(batch_id, "fehler", "Bitte die ersten Seiten der Briefe als Zahlen angeben, z. B. 1, 3, 4.")
    try:
        created = set_letter_starts(batch_id, numbers, actor_of(user))
    except (ValueError, LookupError) as exc:  # the batch functions explain in German
        return _back(batch_id, "fehler", f"Neu aufteilen nicht möglich: {str(exc).strip(chr(39))}")
    if not created:
        return _back(batch_id, "meldung", "Die Aufteilung ist unverändert.")
    count = f"{len(created)} {'Brief' if len(created) == 1 else 'Briefe'}"
    return _back(batch_id, "meldung", f"Neu aufgeteilt; {count} neu angelegt.")


@router.post("/post/stapel/{batch_id}/eingangsdatum")
def stamp(batch_id: int, received_on: str = Form(""), reason: str = Form(""),
          user: User = Depends(require("mailroom"))):
    from worker.batches import set_receipt_date

    try:
        when = _stamp(received_on)
        if when is None:
            raise ValueError("Ungültiges Eingangsdatum.")
    except ValueError as exc:
        return _back(batch_id, "fehler", str(exc) if "Zukunft" in str(exc) else "Ungültiges Eingangsdatum.")
    if not reason.strip():  # the legal receipt date changes: the trail says why
        return _back(batch_id, "fehler", "Bitte einen Grund für die Änderung des Eingangsstempels angeben.")
    try:
        set_receipt_date(batch_id, when, actor_of(user), reason.strip()[:300])
    except (ValueError, LookupError) as exc:  # German: e.g. not split yet
        return _back(batch_id, "fehler", str(exc).strip("'\""))
    return _back(batch_id, "meldung", f"Eingangsstempel auf {when:%d.%m.%Y} gesetzt.")
