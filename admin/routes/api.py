"""JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json): submissions for a municipal
portal or app, and read access to items for logged-in staff (same visibility as the inbox)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel, Field

from admin.guide import Answers, suggest
from admin.inbox import InboxFilter, clock_for, inbox_page
from admin.security import current_user, get_visible_item, require
from admin.state import web_settings
from connectors.webform import Submission, SubmissionError, Upload, hand_over
from store.catalogue import current_catalogue
from store.db import session_scope
from store.models import User
from store.settings import Settings


class Attachment(BaseModel):
    filename: str = Field(max_length=255)
    media_type: str = Field("application/octet-stream", max_length=127)
    content_base64: str = Field(description="Dateiinhalt, Base64-kodiert")


class SubmissionIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000, description="Das Anliegen in eigenen Worten")
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    postcode: str = Field("", max_length=5)
    identifiers: str = Field("", max_length=200, description="BG-Nummer, Kundennummer, Aktenzeichen …")
    topic: str = Field("", max_length=40, description="Thema des Wegweisers (z. B. lebensunterhalt)")
    channel: str = Field("webform", max_length=16,
                         description="Eingangskanal aus dem Katalog der Kommune (z. B. ein Portal, "
                                     "ein Chat); nur Kanäle, die nicht als vertrauenswürdig gelten")
    age: int | None = Field(None, ge=0, le=120)
    work: str = Field("", max_length=10, description="Erwerbsfähig: ja | nein | unklar")
    attachments: list[Attachment] = Field(default_factory=list, max_length=5)


class Receipt(BaseModel):
    reference: str = Field(description="Aktenzeichen des Eingangs, z. B. EIN-2026-000123")
    received_at: datetime = Field(description="Rechtlich maßgeblicher Eingangszeitpunkt (UTC)")
    suggested_office: str
    suggested_office_name: str
    next_step: str


class ItemSummary(BaseModel):
    id: int
    reference: str | None
    channel: str
    received_at: datetime
    subject: str | None
    queue: str | None
    intent: str | None
    status: str
    urgent: bool
    urgent_guessed: bool = Field(description="Nur vom Modell vermutet (vielleicht dringend), noch nicht bestätigt")


class ItemPage(BaseModel):
    items: list[ItemSummary]
    next: str | None = Field(description="Cursor der nächsten Seite (Parameter nach)")


def masked_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as the item page shows them: IBANs masked."""
    from admin.formats import mask_iban

    return {k: ([mask_iban(v) for v in vals] if "iban" in k and isinstance(vals, list) else vals)
            for k, vals in facts.items()}


def create_api(settings: Settings) -> FastAPI:
    api = FastAPI(
        title="eingang API", version="1", docs_url=None, redoc_url=None,
        openapi_url="/openapi.json",
        description="Anliegen an die Sozialverwaltung einreichen (Portal, App) und – für "
                    "angemeldete Beschäftigte – Vorgänge lesen.",
    )
    api.state.settings = settings  # a mounted app is its requests' request.app (admin.state)
    from admin.errors import install_fault_handlers

    install_fault_handlers(api)

    @api.post("/submissions", status_code=201, response_model=Receipt,
              responses={422: {"description": "Ungültige Eingabe"}, 429: {"description": "Zu viele Anfragen"}})
    def submit(body: SubmissionIn, request: Request) -> Receipt:
        """Ein Anliegen einreichen; die Antwort enthält das Aktenzeichen des Eingangs."""
        settings = web_settings(request)  # rate and size were checked before parsing (admin.limits)
        files = []
        for a in body.attachments:
            try:
                files.append(Upload(a.filename, a.media_type, base64.b64decode(a.content_base64, validate=True)))
            except (binascii.Error, ValueError) as exc:
                raise HTTPException(422, f"Anhang {a.filename}: kein gültiges Base64.") from exc
        answers = Answers(age=body.age, work=body.work, topic=body.topic, postcode=body.postcode)
        catalogue = current_catalogue(None, settings)
        channel = catalogue.channel(body.channel)
        # Anyone may submit here: a channel that vouches for who writes cannot be claimed.
        if channel is None or not channel.active or channel.trusted:
            raise HTTPException(422, f"Kanal „{body.channel}“ ist hier nicht möglich.")
        kommune = catalogue.kommune
        suggestion = suggest(answers, kommune.all_postcodes, kommune.name, settings.kommune_profile)
        sub = Submission(text=body.text, name=body.name, email=body.email, phone=body.phone,
                         postcode=body.postcode, identifiers=body.identifiers, topic=body.topic,
                         answers={"age": body.age, "work": body.work, "topic": body.topic,
                                  "suggested_office": suggestion.office}, files=files)
        received_at = datetime.now(UTC)
        try:
            receipt = hand_over(sub, settings, channel=channel.key, received_at=received_at,
                                source="api:v1", actor="api:submissions",
                                subject=f"Online-Anliegen (API){': ' + body.topic if body.topic else ''}")
        except SubmissionError as exc:
            raise HTTPException(422, str(exc)) from exc
        return Receipt(reference=receipt.reference, received_at=received_at, suggested_office=suggestion.office,
                       suggested_office_name=suggestion.office_name, next_step=suggestion.step)

    @api.get("/items", response_model=ItemPage)
    def items(q: str = "", queue: str = "", status: str = "", nach: str | None = Query(None),
              user: User = Depends(require("inbox")),
              settings: Settings = Depends(web_settings)) -> ItemPage:
        """Vorgänge, die der angemeldete Benutzer sehen darf (dringende zuerst)."""
        f = InboxFilter(q=q, queue=queue, status=status)
        with session_scope(settings) as session:
            rows, cursor = inbox_page(session, user, f, nach, clock=clock_for(session, settings))
            if q:
                from store import audit

                audit.append(session, "item.search", actor=f"api:{user.username}",
                             results=len(rows), term_length=len(q), items=[r.id for r in rows][:100])
        return ItemPage(items=[ItemSummary.model_validate(r, from_attributes=True) for r in rows], next=cursor)

    @api.get("/items/{item_id}")
    def item(item_id: int, user: User = Depends(current_user)) -> dict[str, Any]:
        """Ein Vorgang mit Text, Fakten und Entscheidung."""
        with session_scope(settings) as session:
            it = get_visible_item(session, user, item_id)
            from store.events import record

            record(session, it, f"api:{user.username}", "viewed", "Vorgang über die API gelesen")
            return {
                "id": it.id, "reference": it.reference, "channel": it.channel,
                "received_at": it.received_at.isoformat(), "status": it.status, "queue": it.queue,
                "intent": it.intent, "urgent": it.urgent,
                "urgent_guessed": it.urgent_guessed, "subject": it.subject, "text": it.text,
                "facts": masked_facts(it.facts or {}), "decision": it.decision,
            }

    return api
