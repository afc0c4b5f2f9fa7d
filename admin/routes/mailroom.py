"""The mailroom (/post): upload a stack of letters, see batches split into letters with OCR
confidence per page, fix a split, correct the Eingangsstempel, see failures with reasons."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from admin.security import actor_of, csrf_protect, require, sees_all_queues
from admin.state import web_settings
from admin.templating import LOCAL, render
from connectors.upload import Upload, accept_upload
from services import mailroom as edits
from store.db import session_scope
from store.enums import Channel, Status
from store.models import Batch, Item, User
from store.settings import Settings

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise edits.MailroomError("Ungültiges Eingangsdatum.") from None


def _stamp(value: str) -> datetime | None:
    """An Eingangsstempel date as entered (local day); None for empty."""
    return edits.stamp_time(_day(value)) if value else None


@router.get("/post")
def mailroom(request: Request, user: User = Depends(require("mailroom"))):
    with session_scope(web_settings(request)) as session:
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
    return render(request, "mailroom.html", batches=batches, failures=failures, progress_text=progress_text,
                  pending=any(b.status == "pending" for b, *_ in batches),
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
async def upload(request: Request, user: User = Depends(require("mailroom")), settings: Settings = Depends(web_settings)):
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return RedirectResponse("/post?" + urlencode({"fehler": "Bitte eine Datei wählen."}), status_code=303)
    limit = settings.smtp_max_message_bytes * 8  # scans are large: 200 MB by default
    content = await file.read(limit + 1)
    if len(content) > limit:
        return RedirectResponse("/post?" + urlencode({"fehler": "Die Datei ist zu groß."}), status_code=303)
    try:
        stamp = _stamp(str(form.get("received_on", "") or ""))
    except edits.MailroomError as exc:
        return RedirectResponse("/post?" + urlencode({"fehler": str(exc)}), status_code=303)
    is_batch = str(form.get("kind", "batch")) == "batch"
    item_id, _ = accept_upload(Upload(
        content=content, filename=file.filename, source="upload:web", actor=actor_of(user),
        received_at=stamp, batch=is_batch,
    ), settings)
    text = "Poststapel angenommen; er wird gelesen und in Briefe aufgeteilt." if is_batch else "Brief angenommen."
    return RedirectResponse("/post?" + urlencode({"meldung": text}), status_code=303)


@router.get("/post/stapel/{batch_id}")
def batch_page(request: Request, batch_id: int, user: User = Depends(require("mailroom"))):
    from worker.batches import ensure_thumbnails

    content = sees_all_queues(user)
    with session_scope(web_settings(request)) as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise HTTPException(404, "Poststapel nicht gefunden.")
        missing = content and batch.searchable_sha256 and any(not p.get("thumb") for p in batch.pages)
    if missing:  # a batch split before thumbnails existed: rendered once, now
        ensure_thumbnails(batch_id, web_settings(request))
    with session_scope(web_settings(request)) as session:
        batch = session.get(Batch, batch_id)
        ids = [x.get("item_id") for x in batch.letters if x.get("item_id")]
        letters = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))} if ids else {}
        item = batch.item
        session.expunge_all()
    # Letter content (text, subjects, page images) only for those who may read every queue (an
    # admin without queues manages the batch but reads no Sozialdaten).
    return render(request, "batch.html", batch=batch, letters=letters, item=item,
                  groups=page_groups(batch), content=content, progress=progress_text(batch),
                  today=datetime.now(LOCAL).date().isoformat(),
                  message=request.query_params.get("meldung"), error=request.query_params.get("fehler"))


def page_groups(batch: Batch) -> list[dict]:
    """The batch's pages in order, grouped as the letters they belong to (``letter`` None for
    separator sheets and blank pages between them); each letter knows whether one follows."""
    number_of = {n: i for i, x in enumerate(batch.letters, start=1) for n in x["pages"]}
    groups: list[dict] = []
    for page in batch.pages:
        letter = number_of.get(page["number"])
        if groups and groups[-1]["letter"] == letter:
            groups[-1]["pages"].append(page)
        else:
            groups.append({"letter": letter, "entry": batch.letters[letter - 1] if letter else None,
                           "pages": [page]})
    return groups


def progress_text(batch: Batch) -> str:
    """How far OCR got, in words: "Seite 12 von 60 gelesen"."""
    if not batch.page_count:
        return "Der Stapel wartet auf die Texterkennung."
    if not batch.pages_read:
        return f"Die Texterkennung hat begonnen; noch keine der {batch.page_count} Seiten gelesen."
    return f"Seite {batch.pages_read} von {batch.page_count} gelesen"


@router.get("/post/stapel/{batch_id}/stand")
def batch_progress(request: Request, batch_id: int, user: User = Depends(require("mailroom"))):
    """The progress line the batch page polls (htmx, a static script: no inline script under the
    CSP); once the batch is read, the whole page is loaded anew."""
    with session_scope(web_settings(request)) as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise HTTPException(404, "Poststapel nicht gefunden.")
        session.expunge(batch)
    if batch.status != "pending":
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return render(request, "_batch_progress.html", batch=batch, progress=progress_text(batch))


@router.get("/post/stapel/{batch_id}/stand.json")
def batch_progress_json(batch_id: int, user: User = Depends(require("mailroom")),
                        settings: Settings = Depends(web_settings)):
    with session_scope(settings) as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise HTTPException(404, "Poststapel nicht gefunden.")
        return {"id": batch.id, "status": batch.status, "pages_read": batch.pages_read,
                "page_count": batch.page_count, "letters": len(batch.letters),
                "text": progress_text(batch) if batch.status == "pending" else None}


@router.get("/post/stapel/{batch_id}/seite/{number}.jpg")
def batch_thumbnail(request: Request, batch_id: int, number: int, user: User = Depends(require("mailroom"))):
    """A page's thumbnail: Sozialdaten, so only for those who read every queue."""
    from worker.batch_pages import thumbnail

    if not sees_all_queues(user):
        raise HTTPException(404, "Seite nicht gefunden.")
    with session_scope(web_settings(request)) as session:
        batch = session.get(Batch, batch_id)
        sha = thumbnail(batch, number) if batch is not None else None
    return thumbnail_response(request, sha)


def letter_pages(session, item: Item) -> dict | None:  # type: ignore[no-untyped-def]
    """For a letter cut from a batch: its pages there (thumbnails, turns) and the senders warning."""
    from worker.batch_pages import letter_in_batch

    if item.channel != Channel.LETTER.value:
        return None
    found = letter_in_batch(session, item.id)
    if found is None:
        return None
    batch, entry = found
    return {"batch_id": batch.id, "number": entry.get("number"), "senders": entry.get("senders"),
            "pages": [p for p in batch.pages if p["number"] in entry["pages"]]}


@router.get("/items/{item_id}/seiten/{number}.jpg")
def letter_thumbnail(request: Request, item_id: int, number: int, user: User = Depends(require("inbox"))):
    """A page of a letter as a thumbnail, for whoever may see the letter (its queue)."""
    from admin.security import get_visible_item

    with session_scope(web_settings(request)) as session:
        letter = letter_pages(session, get_visible_item(session, user, item_id))
        sha = next((p.get("thumb") for p in (letter or {}).get("pages", []) if p["number"] == number), None)
    return thumbnail_response(request, sha)


def thumbnail_response(request: Request, sha: str | None) -> Response:
    """The thumbnail blob with an ETag: the browser keeps it but asks every time (``no-cache``),
    so access is checked on every look and an unchanged image costs a 304, not its bytes."""
    from store.blobs import blob_store

    if not sha:
        raise HTTPException(404, "Seite nicht gefunden.")
    headers = {"ETag": f'"{sha}"', "Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match", "").strip() == f'"{sha}"':
        return Response(status_code=304, headers=headers)
    try:
        data = blob_store(web_settings(request)).get(sha)
    except (FileNotFoundError, OSError) as exc:
        raise HTTPException(404, "Seite nicht gefunden.") from exc
    return Response(data, media_type="image/jpeg", headers=headers)


def _back(batch_id: int, key: str, text: str) -> RedirectResponse:
    return RedirectResponse(f"/post/stapel/{batch_id}?" + urlencode({key: text}), status_code=303)


@router.post("/post/stapel/{batch_id}/aufteilen")
def resplit(batch_id: int, starts: str = Form(""), user: User = Depends(require("mailroom")), settings: Settings = Depends(web_settings)):
    try:
        numbers = [int(x) for x in starts.replace(";", ",").split(",") if x.strip()]
    except ValueError:
        numbers = []
    try:
        created = edits.resplit(settings, batch_id, numbers, actor_of(user))
    except edits.MailroomError as exc:
        return _back(batch_id, "fehler", str(exc))
    if not created:
        return _back(batch_id, "meldung", "Die Aufteilung ist unverändert.")
    count = f"{len(created)} {'Brief' if len(created) == 1 else 'Briefe'}"
    return _back(batch_id, "meldung", f"Neu aufgeteilt; {count} neu angelegt.")


def _edit(batch_id: int, fn, success) -> RedirectResponse:  # type: ignore[no-untyped-def]
    """Run a page edit; its German refusal goes back to the page."""
    try:
        result = fn()
    except edits.MailroomError as exc:
        return _back(batch_id, "fehler", str(exc))
    return _back(batch_id, "meldung", success(result))


def _created(text: str):  # type: ignore[no-untyped-def]
    def message(created: list[int]) -> str:
        count = f"{len(created)} {'Brief' if len(created) == 1 else 'Briefe'}"
        return f"{text}; {count} neu angelegt." if created else "Die Aufteilung ist unverändert."
    return message


@router.post("/post/stapel/{batch_id}/trennen")
def split_here(batch_id: int, page: int = Form(...), user: User = Depends(require("mailroom")), settings: Settings = Depends(web_settings)):
    """A click on the cut marker between two pages: a new letter starts at ``page``."""
    return _edit(batch_id, lambda: edits.cut_before(settings, batch_id, page, actor_of(user)),
                 _created(f"Brief vor Seite {page} getrennt"))


@router.post("/post/stapel/{batch_id}/zusammenfuehren")
def merge_letters(batch_id: int, letter: int = Form(...), user: User = Depends(require("mailroom")), settings: Settings = Depends(web_settings)):
    """A click between two letters: they become one."""
    return _edit(batch_id, lambda: edits.join_letters(settings, batch_id, letter, actor_of(user)),
                 _created(f"Briefe {letter} und {letter + 1} zusammengeführt"))


@router.post("/post/stapel/{batch_id}/drehen")
def rotate(batch_id: int, page: int = Form(...), degrees: int = Form(...), back: str = Form(""),
           user: User = Depends(require("mailroom")), settings: Settings = Depends(web_settings)):
    """Turn a page and read it again; the original scan stays as it is."""
    try:
        item_id = edits.turn_page(settings, batch_id, page, degrees, actor_of(user))
    except edits.MailroomError as exc:
        return _back(batch_id, "fehler", str(exc))
    text = f"Seite {page} um {degrees}° gedreht und neu gelesen."
    if back == "brief" and item_id is not None:  # turned from the letter's own page
        return RedirectResponse(f"/items/{item_id}?" + urlencode({"meldung": text}), status_code=303)
    return _back(batch_id, "meldung", text)


@router.post("/post/stapel/{batch_id}/eingangsdatum")
def stamp(batch_id: int, received_on: str = Form(""), reason: str = Form(""),
          user: User = Depends(require("mailroom")), settings: Settings = Depends(web_settings)):
    try:
        when = edits.stamp(settings, batch_id, _day(received_on), actor_of(user), reason)
    except edits.MailroomError as exc:
        return _back(batch_id, "fehler", str(exc))
    return _back(batch_id, "meldung", f"Eingangsstempel auf {when:%d.%m.%Y} gesetzt.")
