"""The item page (original beside extracted text, facts, decision, history, thread) and its
actions; documents as downloads."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from admin import actions, conversation
from admin.history import needs_view_record
from admin.originals import (
    INLINE_IMAGES,
    content_disposition,
    mail_view,
    pdf_page_count,
    render_pdf_page,
)
from admin.routes.mailroom import letter_pages
from admin.security import (
    actor_of,
    csrf_protect,
    get_visible_item,
    has_permission,
    require,
    visible_items,
)
from admin.state import web_settings
from admin.templating import render
from extraction.names import display_filename
from services import clearing, mailroom
from store.blobs import blob_store
from store.db import session_scope
from store.enums import Status
from store.events import record
from store.models import Document, Event, Item, User
from store.settings import Settings
from store.users import list_users

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _back(item_id: int, message: str, error: bool = False) -> RedirectResponse:
    key = "fehler" if error else "meldung"
    return RedirectResponse(f"/items/{item_id}?" + urlencode({key: message}), status_code=303)


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: int, user: User = Depends(require("inbox"))):
    with session_scope(web_settings(request)) as session:
        item = get_visible_item(session, user, item_id)
        if item.status == Status.JOINED.value and item.thread_id:  # a message of another item
            return RedirectResponse(f"/items/{item.thread_id}#nachricht-{item.id}", status_code=303)
        if needs_view_record(session, item.id, f"web:{user.username}"):
            record(session, item, f"web:{user.username}", "viewed", "Vorgang angesehen")
        if item.unread_since is not None:  # the new message has been seen
            item.unread_since = None
        documents = list(item.documents)
        original = next((d for d in documents if d.role == "original"), None)
        mail = pdf_pages = None
        if original is not None:
            content = blob_store(web_settings(request)).get(original.sha256)
            if original.media_type == "message/rfc822":
                mail = mail_view(content)
            elif original.media_type == "application/pdf":
                pdf_pages = pdf_page_count(content)
        events = list(session.scalars(select(Event).where(Event.item_id == item.id).order_by(Event.id)))
        messages = conversation.messages(session, item)
        thread = conversation.related(session, user, item)
        letter = letter_pages(session, item)  # a letter cut from a mailroom batch
        users = [u.username for u in list_users(session) if u.active]
        queues = actions.queue_names(session)
        from admin.inbox import clock_for

        clock = clock_for(session, web_settings(request))
        from admin.paper import prefers_paper, suggested_address

        paper, paper_address = prefers_paper(item), suggested_address(item)
        session.expunge_all()
    return render(request, "item.html", paper=paper, paper_address=paper_address, time_left=clock.left(item), target_hours=clock.hours(item.queue),
                  now=clock.now, tomorrow=_tomorrow(clock.now), item=item, documents=documents, original=original,
                  mail=mail, pdf_pages=pdf_pages, events=events, thread=thread, users=users,
                  messages=messages, letter=letter, content=True,
                  queues=queues, intents=actions.intent_names(), templates=actions.REPLY_TEMPLATES,
                  can_decide=has_permission(user, "reroute") and item.queue == "clearing",
                  can_edit=has_permission(user, "item_edit"),
                  message=request.query_params.get("meldung"), error=request.query_params.get("fehler"))


def _tomorrow(now) -> str:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from admin.templating import LOCAL

    return (now.astimezone(LOCAL).date() + timedelta(days=1)).isoformat()


@router.get("/items/{item_id}/naechster")
def next_item(item_id: int, meldung: str = "", von: str = "", user: User = Depends(require("inbox")),
              settings: Settings = Depends(web_settings)):
    """The next open item after this one in the inbox's order (urgent first, latest activity
    first; items set aside for later left out): after an action, staff go on with one key
    instead of back to the list. ``meldung``: the outcome of the action just done; ``von``:
    the item's place in the inbox before it (an inbox cursor)."""
    from datetime import UTC, datetime

    from sqlalchemy import literal, tuple_

    from admin.inbox import decode_cursor, resubmission_filter
    from store.enums import NOT_IN_INBOX

    with session_scope(settings) as session:
        item = get_visible_item(session, user, item_id)
        place = decode_cursor(von) if von else None
        urgent, at = (place[0], place[1]) if place else (item.urgent, item.activity_at or item.received_at)
        here = (literal(urgent), literal(at, Item.activity_at.type), literal(item.id))
        after = tuple_(Item.urgent, Item.activity_at, Item.id) < tuple_(*here)
        stmt = (visible_items(select(Item.id), user)
                .where(Item.status.not_in([Status.DONE.value, *NOT_IN_INBOX]), Item.id != item.id, after)
                .order_by(Item.urgent.desc(), Item.activity_at.desc(), Item.id.desc()).limit(1))
        found = session.scalar(resubmission_filter(stmt, "", datetime.now(UTC)))
    note = {"meldung": meldung} if meldung else {}
    if found is None:
        text = (meldung + " " if meldung else "") + "Kein weiterer offener Vorgang."
        return RedirectResponse("/inbox?" + urlencode({"meldung": text}), status_code=303)
    return RedirectResponse(f"/items/{found}" + ("?" + urlencode(note) if note else ""), status_code=303)


def _document(session, user: User, item_id: int, doc_id: int) -> Document:  # type: ignore[no-untyped-def]
    item = get_visible_item(session, user, item_id)
    doc = session.get(Document, doc_id)
    # A reply's documents are the item's too: they are listed in its conversation.
    if doc is None or not conversation.belongs_to(session, item, doc.item_id):
        raise HTTPException(404, "Dokument nicht gefunden.")
    return doc


@router.get("/items/{item_id}/dokumente/{doc_id}")
def download(item_id: int, doc_id: int, ansehen: int = 0, user: User = Depends(require("inbox")),
             settings: Settings = Depends(web_settings)):
    with session_scope(settings) as session:
        doc = _document(session, user, item_id, doc_id)
        # Images, and the letters we wrote ourselves (to print from the browser), open inline.
        inline = bool(ansehen) and (doc.media_type in INLINE_IMAGES
                                    or (doc.role == "letter" and doc.media_type == "application/pdf"))
        name = display_filename(doc.filename, f"dokument-{doc.id}")
        record(session, item_id, f"web:{user.username}", "downloaded",
               f"Dokument {name} {'angesehen' if inline else 'heruntergeladen'}", document=doc.id)
        content = blob_store(settings).get(doc.sha256)
        media_type = doc.media_type if inline else "application/octet-stream"
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": content_disposition(name, inline),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    })


@router.get("/items/{item_id}/dokumente/{doc_id}/seite/{page}.png")
def page_image(item_id: int, doc_id: int, page: int, user: User = Depends(require("inbox")),
               settings: Settings = Depends(web_settings)):
    with session_scope(settings) as session:
        doc = _document(session, user, item_id, doc_id)
        if doc.media_type != "application/pdf":
            raise HTTPException(404, "Keine PDF-Seite.")
        content = blob_store(settings).get(doc.sha256)
    try:
        png = render_pdf_page(content, page - 1)
    except (IndexError, Exception) as exc:  # a broken PDF is shown as missing page
        raise HTTPException(404, "Seite nicht vorhanden.") from exc
    return Response(png, media_type="image/png",
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


def _act(settings: Settings, item_id: int, user: User, fn, success: str, then_next: str = ""):  # type: ignore[no-untyped-def]
    """Run an action; back to the item with the outcome, or, asked for ("… und weiter"), on to
    the next open item of the inbox."""
    from admin.inbox import encode_cursor

    try:
        with session_scope(settings) as session:
            item = get_visible_item(session, user, item_id)
            # Where the item stood in the inbox before the action (a Wiedervorlage moves it).
            position = encode_cursor(item) if item.activity_at else ""
            fn(session, item)
    except (actions.ActionError, mailroom.MailroomError) as exc:
        return _back(item_id, str(exc), error=True)
    if then_next:
        return RedirectResponse(f"/items/{item_id}/naechster?"
                                + urlencode({"meldung": success, "von": position}), status_code=303)
    return _back(item_id, success)


@router.post("/items/{item_id}/umleiten")
def reroute(item_id: int, queue: str = Form(""), reason: str = Form(""), weiter: str = Form(""),
            user: User = Depends(require("reroute")),
            settings: Settings = Depends(web_settings)):
    with session_scope(settings) as session:  # the office as staff name it, not its key
        name = actions.queue_names(session).get(queue, queue)
    return _act(settings, item_id, user, lambda s, i: actions.reroute(s, i, user, queue, reason),
                f"Umgeleitet an {name}.", weiter)


@router.post("/items/{item_id}/einordnen")
def relabel(item_id: int, intent: str = Form(""), urgent: str = Form(""), reason: str = Form(""),
            user: User = Depends(require("item_edit")),
            settings: Settings = Depends(web_settings)):
    urgent_value = {"1": True, "0": False}.get(urgent)
    return _act(settings, item_id, user, lambda s, i: actions.relabel(s, i, user, intent or None, urgent_value, reason),
                "Einordnung geändert.")


@router.post("/items/{item_id}/zuweisen")
def assign(item_id: int, assignee: str = Form(""), user: User = Depends(require("item_edit")),
           settings: Settings = Depends(web_settings)):
    return _act(settings, item_id, user, lambda s, i: actions.assign(s, i, user, assignee), "Zuweisung gespeichert.")


@router.post("/items/{item_id}/notiz")
def note(item_id: int, text: str = Form(""), user: User = Depends(require("item_edit")),
         settings: Settings = Depends(web_settings)):
    return _act(settings, item_id, user, lambda s, i: actions.add_note(s, i, user, text), "Notiz gespeichert.")


@router.post("/items/{item_id}/erledigt")
def done(item_id: int, reason: str = Form(""), weiter: str = Form(""),
         user: User = Depends(require("item_edit")),
         settings: Settings = Depends(web_settings)):
    from admin.resubmission import drop

    def close(session, item):  # type: ignore[no-untyped-def]
        actions.mark_done(session, item, user, reason)
        drop(session, item)  # a closed item needs no reminder

    return _act(settings, item_id, user, close, "Als erledigt markiert.", weiter)


@router.post("/items/{item_id}/wiedervorlage")
def resubmit(item_id: int, day: str = Form(""), note: str = Form(""), weiter: str = Form(""),
             user: User = Depends(require("item_edit")),
             settings: Settings = Depends(web_settings)):
    from admin.resubmission import set_aside

    return _act(settings, item_id, user, lambda s, i: set_aside(s, i, user, day, note),
                "Wiedervorlage gespeichert; der Vorgang kommt an dem Tag oben wieder.", weiter)


@router.post("/items/{item_id}/wiedervorlage/beenden")
def resubmit_clear(item_id: int, user: User = Depends(require("item_edit")),
                   settings: Settings = Depends(web_settings)):
    from admin.resubmission import clear

    return _act(settings, item_id, user, lambda s, i: clear(s, i, user), "Wiedervorlage beendet.")


@router.post("/items/{item_id}/wiedereroeffnen")
def reopen(item_id: int, user: User = Depends(require("item_edit")),
           settings: Settings = Depends(web_settings)):
    return _act(settings, item_id, user, lambda s, i: actions.reopen(s, i, user), "Wieder geöffnet.")


@router.post("/items/{item_id}/erneut-verarbeiten")
def reprocess(item_id: int, user: User = Depends(require("item_edit")),
              settings: Settings = Depends(web_settings)):
    from admin.reprocess import reprocess as put_back
    from worker import enqueue
    from worker.broker import ByName

    steps: list[str] = []
    response = _act(settings, item_id, user, lambda s, i: steps.append(put_back(s, i, user)),
                    "Der Vorgang wird erneut verarbeitet.")
    if steps:  # after the commit: the worker must find the item back in its place
        enqueue.send(ByName(steps[0]), item_id)
    return response


@router.post("/items/{item_id}/zusammenfuehren")
def merge(item_id: int, into: str = Form(""), user: User = Depends(require("item_edit")),
          settings: Settings = Depends(web_settings)):
    def fn(session, item):  # type: ignore[no-untyped-def]
        target = session.scalar(visible_items(select(Item), user).where(Item.reference == into.strip()))
        if target is None:
            raise actions.ActionError(f"Vorgang „{into.strip()}“ nicht gefunden.")
        mailroom.merge_duplicate(session, item, target, actor_of(user))

    return _act(settings, item_id, user, fn, f"Mit {into.strip()} zusammengeführt.")


@router.post("/items/{item_id}/trennen")
def split(item_id: int, documents: list[int] = Form(default_factory=list),
          user: User = Depends(require("item_edit")),
          settings: Settings = Depends(web_settings)):
    created: list[int] = []

    def fn(session, item):  # type: ignore[no-untyped-def]
        created.append(mailroom.split_off(session, item, documents, actor_of(user)).id)

    response = _act(settings, item_id, user, fn, "Dokumente in einen neuen Vorgang abgetrennt.")
    if created:
        mailroom.classify_split(created[0])
    return response


def _deliver_after_commit(message_ids: list[int]) -> None:
    from worker.broker import send

    for message_id in message_ids:
        try:
            send("deliver", message_id)
        except Exception:  # stays pending: the sweeper sends it
            import logging

            logging.getLogger(__name__).exception("outbox message %s not enqueued", message_id)


@router.post("/items/{item_id}/antworten")
def reply(item_id: int, template: str = Form(""), text: str = Form(""),
          user: User = Depends(require("item_edit")), settings: Settings = Depends(web_settings)):
    planned: list[int] = []
    response = _act(settings, item_id, user, lambda s, i: planned.append(
        actions.reply_from_template(s, i, user, template, text, settings)), "Antwort wird gesendet.")
    _deliver_after_commit(planned)
    return response


@router.post("/items/{item_id}/antworten/vorschau")
def reply_preview(request: Request, item_id: int, template: str = Form(""), text: str = Form(""),
                  user: User = Depends(require("item_edit"))):
    """The reply exactly as the citizen will receive it, before it is sent."""
    with session_scope(web_settings(request)) as session:
        item = get_visible_item(session, user, item_id)
        try:
            to, subject, body = actions.compose_reply(session, item, user, template, text, web_settings(request))
        except actions.ActionError as exc:
            return _back(item_id, str(exc), error=True)
        reference, title = item.reference, item.subject
    return render(request, "reply_preview.html", item_id=item_id, reference=reference, title=title,
                  to=to, subject=subject, body=body, template=template, text=text,
                  template_name=actions.REPLY_TEMPLATES[template])


@router.post("/items/{item_id}/antworten/brief")
def reply_letter(item_id: int, template: str = Form(""), text: str = Form(""), address: str = Form(""),
                 user: User = Depends(require("item_edit")), settings: Settings = Depends(web_settings)):
    """The reply as a DIN 5008 letter (PDF), kept in the item to print and post."""
    from admin.paper import create_letter

    done = "Antwortbrief erstellt: bitte drucken und versenden (siehe Unterhaltung)."
    response = _act(settings, item_id, user, lambda s, i: create_letter(s, i, user, template, text, address, settings),
                    done)
    if "meldung=" in response.headers["location"]:  # made: straight to the letter
        response.headers["location"] += "#h-conversation"
    return response


@router.post("/items/{item_id}/termin")
def appointment(item_id: int, user: User = Depends(require("item_edit")),
                settings: Settings = Depends(web_settings)):
    planned: list[int] = []
    response = _act(settings, item_id, user, lambda s, i: planned.append(actions.offer_appointment(s, i, user, settings)),
                    "Terminangebot wird gesendet.")
    _deliver_after_commit(planned)
    return response


@router.post("/items/{item_id}/clearing")
def clearing_decision(item_id: int, queue: str = Form(""), referral_to: str = Form(""),
                      note: str = Form(""), user: User = Depends(require("reroute")),
                      settings: Settings = Depends(web_settings)):
    """The Clearing-Stelle decides: routes, plans the follow-up (acknowledgement, appointment
    offer, referral) and teaches the classifier in one step (services.clearing)."""
    with session_scope(settings) as session:
        get_visible_item(session, user, item_id)
    try:
        planned = clearing.decide(settings, item_id, queue, actor_of(user), referral_to.strip() or None,
                                  note.strip() or None)
    except clearing.ClearingError as exc:
        return _back(item_id, str(exc), error=True)
    clearing.send_planned(planned)
    return _back(item_id, f"Entschieden: {queue}." + (" Nachricht an den Bürger wird gesendet." if planned else ""))
