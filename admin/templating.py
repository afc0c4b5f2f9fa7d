"""Jinja2 templates with the helpers every page uses (user, CSRF token, German formats)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from admin import formats
from admin.event_labels import event_label
from admin.reads import held_reads
from admin.security import csrf_token, has_permission, oidc_enabled, optional_user
from admin.state import web_settings
from domain import FOLLOW_UP_LABELS
from store.catalogue import current_catalogue
from store.localdays import LOCAL_ZONE as LOCAL  # the Kommune's zone, kept in one place

TEMPLATES = Path(__file__).with_name("templates")

# The display vocabulary lives in admin.formats (the CLI prints it too).
FACT_LABELS, STATUSES = formats.FACT_LABELS, formats.STATUSES


WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]


def local_time(value: datetime | str | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """German local time; also for ISO strings kept in JSON columns (e.g. a decision's time)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not value:
        return "–"
    local = value.astimezone(LOCAL)
    # strftime names weekdays in the process locale (English "Wed"): German names instead.
    fmt = fmt.replace("%A", WEEKDAYS[local.weekday()]).replace("%a", WEEKDAYS[local.weekday()][:2])
    return local.strftime(fmt)


templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.filters["local"] = local_time
templates.env.filters["mask_iban"] = formats.mask_iban
templates.env.filters["german_date"] = formats.german_date
templates.env.filters["hours"] = formats.hours
templates.env.filters["urgent_reason"] = formats.urgent_reason_text
templates.env.globals["fact_values"] = formats.fact_values
templates.env.globals["event_label"] = event_label


@pass_context
def _form_answers(context: Any, answers: dict[str, Any] | None, office_names: dict[str, str]) -> list[tuple[str, str]]:
    from admin.guide import guide_config

    topics = guide_config(web_settings(context["request"]).kommune_profile).get("topics", {})
    return formats.form_answers(answers, office_names, topics)


templates.env.globals.update(media_label=formats.media_label, size_label=formats.size_label,
                             form_answers=_form_answers)
templates.env.filters["combine"] = lambda a, b: {**a, **b}
templates.env.globals.update(STATUSES=STATUSES, FACT_LABELS=FACT_LABELS, FOLLOW_UPS=FOLLOW_UP_LABELS)


def render(request: Request, name: str, status_code: int = 200, **context: Any):  # type: ignore[no-untyped-def]
    user = optional_user(request)
    # On the request's read connection where its route holds one (admin.reads).
    catalogue = current_catalogue(held_reads(request), web_settings(request))
    context.update(
        # Labels from the domain catalogue (as the console edits them).
        kommune_name=catalogue.kommune.name,
        CHANNELS={c.key: (c.symbol, c.label) for c in catalogue.channels},
        INTENTS={i.key: i.label for i in catalogue.intents},
        QUEUE_NAMES={o.key: o.label for o in catalogue.offices},
        request=request,
        user=user,
        csrf_token=csrf_token(request),
        can=(lambda permission: user is not None and has_permission(user, permission)),
        oidc=oidc_enabled(web_settings(request)),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)
