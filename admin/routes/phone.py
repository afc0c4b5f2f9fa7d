"""Phone notes: staff on the phone write down a call; it becomes an item (channel ``phone``)
with the time of the call as its receipt time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from admin.security import actor_of, csrf_protect, require
from admin.state import web_settings
from admin.templating import LOCAL, render
from connectors.webform import Submission, SubmissionError, hand_over
from store.enums import Channel
from store.models import User
from store.settings import Settings

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/telefon")
def phone_form(request: Request, user: User = Depends(require("phone"))):
    now = datetime.now(LOCAL).strftime("%Y-%m-%dT%H:%M")
    return render(request, "phone.html", values={"called_at": now}, error=None,
                  created=request.query_params.get("angelegt"))


def parse_call_time(value: str) -> datetime:
    """The caller's time as entered (local time); not in the future, not older than 30 days."""
    try:
        local = datetime.fromisoformat(value).replace(tzinfo=LOCAL) if value else datetime.now(LOCAL)
    except ValueError as exc:
        raise SubmissionError("Bitte geben Sie Datum und Uhrzeit des Anrufs an.") from exc
    at = local.astimezone(UTC)
    now = datetime.now(UTC)
    if at > now + timedelta(minutes=5):
        raise SubmissionError("Der Anruf kann nicht in der Zukunft liegen.")
    if at < now - timedelta(days=30):
        raise SubmissionError("Der Anruf liegt mehr als 30 Tage zurück.")
    return at


@router.post("/telefon")
def phone_submit(request: Request, caller: str = Form(""), phone: str = Form(""),
                 identifiers: str = Form(""), text: str = Form(""), called_at: str = Form(""),
                 subject: str = Form(""), user: User = Depends(require("phone")), settings: Settings = Depends(web_settings)):
    values = dict(caller=caller, phone=phone, identifiers=identifiers, text=text,
                  called_at=called_at, subject=subject)
    sub = Submission(text=text, name=caller.strip()[:200], phone=phone.strip()[:40],
                     identifiers=identifiers.strip()[:200])
    title = subject.strip() or f"Telefonnotiz: {caller.strip() or 'Anrufer/in'}"
    try:
        receipt = hand_over(sub, settings, channel=Channel.PHONE, received_at=parse_call_time(called_at),
                            source=f"phone:{user.username}", actor=actor_of(user), subject=title)
    except SubmissionError as exc:
        return render(request, "phone.html", status_code=422, values=values, error=str(exc))
    return RedirectResponse("/telefon?" + urlencode({"angelegt": receipt.reference}), status_code=303)
