"""Free replies as a citizen should read them: one greeting, one closing, signed by the unit
that writes (the Eingangsservice, or the Fachamt of the person writing) — whatever the staff
member typed into the box."""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.models import Item, User

# A greeting line the staff member wrote themselves ("Sehr geehrte Frau Roth,", "Hallo,").
GREETING = re.compile(
    r"^\s*(sehr geehrte[rs]?|guten (tag|morgen|abend)|hallo|liebe[rs]?|moin|servus)\b[^\n]{0,80},?\s*$",
    re.IGNORECASE,
)
# From the closing on, the rest is their signature: our template signs.
CLOSING = re.compile(
    r"^\s*(mit (den )?(freundlichen|besten|herzlichen) grüßen|freundliche grüße|viele grüße|"
    r"beste grüße|herzliche grüße|mfg)\b",
    re.IGNORECASE | re.MULTILINE,
)
# Units that sign for themselves; every other role writes for the Eingangsservice.
UNIT_ROLES = ("fachamt", "clearing")


@dataclass
class ReplyText:
    greeting: str | None  # the staff member's own greeting line, used instead of ours
    text: str


def split_reply(text: str) -> ReplyText:
    lines = text.strip().splitlines()
    greeting = None
    if lines and GREETING.match(lines[0]):
        greeting = lines[0].strip().rstrip(",") + ","
        lines = lines[1:]
    body = "\n".join(lines).strip()
    closing = CLOSING.search(body)
    if closing:
        body = body[: closing.start()].rstrip()
    return ReplyText(greeting, body)


def sending_unit(user: User, item: Item, queue_names: dict[str, str]) -> str:
    """The Fachamt of a Fachamt or Clearing member who may see the item's queue, else the
    Eingangsservice (who answer for every office)."""
    if "clearing" in user.roles and item.queue == "clearing":
        return queue_names.get("clearing", "Clearing-Stelle")
    if "fachamt" in user.roles and item.queue in (user.queues or []):
        return _short(queue_names.get(item.queue, item.queue or ""))
    return "Eingangsservice"


def _short(name: str) -> str:
    """ "Jobcenter (SGB II)" → "Jobcenter": the legal basis is no part of a signature."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", name)
