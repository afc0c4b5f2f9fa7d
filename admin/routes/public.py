"""The public request form for citizens (/anliegen): guided questions, then the request.

No login. Spam protection without third parties: a honeypot field, a rate limit per client
address, size limits. The receipt shows the reference number and the legal receipt time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request, UploadFile
from starlette.datastructures import UploadFile as StarletteUpload

from admin.guide import answers_from, emergency_help, guide_config, suggest
from admin.security import csrf_protect
from admin.state import web_settings
from admin.templating import render
from connectors.webform import MAX_FILES, Submission, SubmissionError, Upload, hand_over
from store.catalogue import current_catalogue
from store.enums import Channel

router = APIRouter(dependencies=[Depends(csrf_protect)])


def _kommune() -> tuple[frozenset[str], str]:
    """Postcodes and name of the Kommune, from the catalogue."""
    kommune = current_catalogue().kommune
    return kommune.all_postcodes, kommune.name
HONEYPOT = "homepage"


def _context(request: Request, answers=None, **extra):  # type: ignore[no-untyped-def]
    profile = web_settings(request).kommune_profile
    topics = {k: v["label"] for k, v in guide_config(profile)["topics"].items()}
    return dict(topics=topics, kommune=current_catalogue(None, web_settings(request)).kommune.name, answers=answers,
                notfall=emergency_help(profile), **extra)


@router.get("/anliegen")
def form_start(request: Request):
    return render(request, "public/start.html", **_context(request))


@router.get("/anliegen/weiter")
def form_next(request: Request):
    """Step 2: the likely office, the next step, and the form for the request itself."""
    answers = answers_from(request.query_params)
    errors = []
    if not answers.topic:
        errors.append(("topic", "Bitte wählen Sie, worum es geht."))
    if answers.postcode and not (answers.postcode.isdigit() and len(answers.postcode) == 5):
        errors.append(("postcode", "Die Postleitzahl muss aus fünf Ziffern bestehen."))
    if errors:
        return render(request, "public/start.html", status_code=422,
                      **_context(request, answers=answers, errors=dict(errors)))
    suggestion = suggest(answers, *_kommune(), web_settings(request).kommune_profile)
    return render(request, "public/request.html", **_context(request, answers=answers,
                  suggestion=suggestion, values={}, error=None))


async def _uploads(files: list, max_bytes: int) -> list[Upload]:  # type: ignore[type-arg]
    uploads = []
    for f in files[: MAX_FILES + 1]:
        if isinstance(f, StarletteUpload) and f.filename:
            content = await f.read(max_bytes + 1)
            uploads.append(Upload(f.filename, f.content_type or "application/octet-stream", content))
    return uploads


@router.post("/anliegen")
async def form_submit(request: Request):
    settings = web_settings(request)
    form = await request.form()
    answers = answers_from(form)
    suggestion = suggest(answers, *_kommune(), settings.kommune_profile)
    values = {k: str(form.get(k, "") or "") for k in ("text", "name", "email", "phone", "identifiers")}
    ctx = _context(request, answers=answers, suggestion=suggestion, values=values)
    if form.get(HONEYPOT):  # only bots fill the invisible field: look done, store nothing
        return render(request, "public/receipt.html", **ctx, reference=None,
                      received_at=datetime.now(UTC))
    files: list[UploadFile] = [f for f in form.getlist("files") if not isinstance(f, str)]
    sub = Submission(
        text=values["text"], name=values["name"].strip()[:200], email=values["email"],
        phone=values["phone"].strip()[:40], postcode=answers.postcode,
        identifiers=values["identifiers"].strip()[:200], topic=answers.topic,
        answers={"who": answers.who, "age": answers.age, "work": answers.work,
                 "topic": answers.topic, "emergency": answers.emergency,
                 "suggested_office": suggestion.office},
        files=await _uploads(files, settings.form_max_bytes),
    )
    topic = guide_config(settings.kommune_profile)["topics"].get(answers.topic, {}).get("label", "Anliegen")
    received_at = datetime.now(UTC)
    try:
        receipt = hand_over(sub, settings, channel=Channel.WEBFORM, received_at=received_at,
                            source="form:anliegen", actor="web:anliegen", subject=f"Online-Anliegen: {topic}")
    except SubmissionError as exc:
        return render(request, "public/request.html", status_code=422, **ctx, error=str(exc))
    return render(request, "public/receipt.html", status_code=201, **ctx, reference=receipt.reference,
                  received_at=received_at)
