"""What the office already knows about a request: the office that holds its case.

The route step asks the store (two indexed queries: ``ix_items_case_ref`` and
``ix_items_sender``, each at most ``LOOKBACK`` rows, at any number of items) and hands the
answer to routing as plain data (``RoutingInput.known_case``); the rule ``bestandskunde`` in
``routing/default_rules.yaml`` decides what it counts for, so admins can move or switch it off.

Precedence, strongest first (documented in routing/README.md too):

1. **An identifier** (BG-Nummer, Kundennummer, Wohngeldnummer, Aktenzeichen) names a case
   file: the office of the latest earlier item with that identifier; without one, the office
   that issues that kind of identifier (``office`` in classifier/facts.yaml). An identifier
   beats the sender's history — also when the sender's last item was at another office.
   Identifiers of different offices in one request cancel each other out.
2. **Our reference quoted** in a request that did not join its item (a letter or phone note
   naming „EIN-2026-000123“, a mail from another address): that item's office.
3. **The sender's earlier items** (email addresses only: names on letters are not unique) —
   trusted only when they agree: a counselling service or Betreuer writing for many clients
   has items at several offices, or for several case numbers, and is then no Bestandskunde.
4. In all of them, **the latest human decision wins**: a re-route or Clearing decision by staff
   overrules the machine's decisions on the items before it, and those after it that
   disagree count as disagreement again.
5. Items in **Clearing or referred outside** (extern) are no holding office and are skipped.

Replies to our own mails never get here: they join their item (worker.conversation).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifier.facts import FactsConfig
from domain import Catalogue
from store.enums import Status
from store.models import Item
from store.threads import REFERENCE

LOOKBACK = 20  # earlier items looked at per identifier set and per sender
NOT_HOLDING = ("clearing", "extern")
_SETTLED = (Status.ROUTED.value, Status.DONE.value, Status.JOINED.value)


@dataclass(frozen=True)
class Earlier:
    """An earlier item as the lookup sees it (plain data: the rules below are pure)."""

    reference: str
    queue: str
    case_ref: str | None
    human: bool  # its office was set by a person (re-route, Clearing decision)
    by_sender: bool = False  # its office came from this very lookup's sender history


def at_office(queue: str, catalogue: Catalogue) -> str:
    """"beim Jobcenter", "bei der Wohngeldstelle": the dative as the reason sentence needs it,
    with the office's name in the Kommune's catalogue („beim Jobcenter Ammerland“)."""
    label = catalogue.queue_name(queue)
    feminine = label.lower().endswith(("stelle", "hilfe", "beratung", "ung", "kasse"))
    return f"bei der {label}" if feminine else f"beim {label}"


def holding_office(rows: list[Earlier], catalogue: Catalogue) -> tuple[Earlier | None, str | None]:
    """The office the rows (newest first) agree on, and why not where they do not.

    The latest human decision overrules the rows before it; from there on every row must
    name the same office and no more than one case number.
    """
    rows = [r for r in rows if r.queue not in NOT_HOLDING]
    if not rows:
        return None, None
    human = next((i for i, r in enumerate(rows) if r.human), None)
    relevant = rows if human is None else rows[: human + 1]
    offices = {r.queue for r in relevant}
    if len(offices) > 1:
        names = ", ".join(catalogue.queue_name(q) for q in sorted(offices))
        return None, f"frühere Vorgänge bei mehreren Ämtern ({names})"
    cases = {r.case_ref for r in relevant if r.case_ref}
    if len(cases) > 1:
        return None, f"frühere Vorgänge zu {len(cases)} verschiedenen Aktenzeichen"
    return replace(rows[0], human=any(r.human for r in relevant)), None


def _identifiers(facts: dict[str, Any], config: FactsConfig) -> list[tuple[str, str, str | None]]:
    """(label, value, office) of every identifier in the facts, in the Kommune's formats (the
    classifier's facts.yaml, which found them)."""
    found = []
    for fmt in config.identifiers:
        values = facts.get(fmt.name) or []
        for value in values if isinstance(values, list) else [values]:
            found.append((fmt.label, str(value), fmt.office))
    return found


def _earlier(session: Session, item_id: int, condition: Any) -> list[Earlier]:
    rows = session.execute(
        select(Item.reference, Item.queue, Item.case_ref, Item.decision)
        .where(condition, Item.id != item_id, Item.status.in_(_SETTLED), Item.queue.is_not(None))
        .order_by(Item.id.desc())
        .limit(LOOKBACK)
    )
    return [_row(ref, queue, case_ref, decision or {}) for ref, queue, case_ref, decision in rows]


def _row(reference: str | None, queue: str, case_ref: str | None, decision: dict[str, Any]) -> Earlier:
    known = decision.get("known_case") or {}
    # A person decided: a re-route (corrected_queue) or the Clearing-Stelle (decided_by).
    human = bool(decision.get("corrected_queue") or decision.get("decided_by"))
    return Earlier(reference or "", queue, case_ref, human,
                   by_sender=known.get("basis") == "sender" and bool(decision.get("known_case_decided")))


def _by_identifier(session: Session, item: Item, config: FactsConfig, catalogue: Catalogue) -> dict[str, Any] | None:
    ids = _identifiers(item.facts or {}, config)
    if not ids:
        return None
    rows = _earlier(session, item.id, Item.case_ref.in_(sorted({v for _, v, _ in ids})))
    held, _ = holding_office(rows, catalogue)
    if held is not None:
        label, value, issuer = next((i for i in ids if i[1] == held.case_ref), ids[0])
        return {
            "queue": held.queue, "basis": "identifier", "reference": held.reference, "issuer": issuer,
            "reason": f"Bestandskunde: {label} {value}, letzter Vorgang {held.reference} "
                      f"{at_office(held.queue, catalogue)}" + (" (von Hand zugeordnet)" if held.human else ""),
        }
    offices = {office for _, _, office in ids if office}
    if len(offices) != 1:
        return None
    office = offices.pop()
    label, value, _ = next(i for i in ids if i[2] == office)
    return {
        "queue": office, "basis": "identifier", "reference": None, "issuer": office,
        "reason": f"{label} {value} genannt: der Fall wird {at_office(office, catalogue)} geführt",
    }


def _by_sender(session: Session, item: Item, own_domains: tuple[str, ...],
               catalogue: Catalogue) -> dict[str, Any] | None:
    sender = (item.sender or "").strip().lower()
    if "@" not in sender or sender.rsplit("@", 1)[1] in own_domains:
        return None  # no address, or our own staff forwarding: says nothing about the case
    # Items routed by the sender's history itself do not count again: otherwise one wrong
    # first route of a shared address would confirm itself with every further mail.
    rows = [r for r in _earlier(session, item.id, func.lower(Item.sender) == sender)
            if r.human or not r.by_sender]
    held, why_not = holding_office(rows, catalogue)
    if held is None:
        return {"queue": None, "basis": "sender", "reference": None,
                "reason": f"Absender nicht als Bestandskunde gewertet: {why_not}"} if why_not else None
    return {
        "queue": held.queue, "basis": "sender", "reference": held.reference,
        "reason": f"Bestandskunde: letzter Vorgang {held.reference} {at_office(held.queue, catalogue)}"
                  + (" (von Hand zugeordnet)" if held.human else ""),
    }


def _by_reference(session: Session, item: Item, catalogue: Catalogue) -> dict[str, Any] | None:
    """Our reference quoted in a request that did not join its item (a letter, a phone note,
    a mail from another address): the office of that item — routed there as an item of its
    own, where staff can merge it."""
    found = REFERENCE.findall(f"{item.subject or ''}\n{item.text or ''}")
    if not found:
        return None
    rows = _earlier(session, item.id, Item.reference.in_(sorted(set(found))))
    held, _ = holding_office(rows, catalogue)
    if held is None:
        return None
    return {
        "queue": held.queue, "basis": "reference", "reference": held.reference,
        "reason": f"Nennt Vorgang {held.reference} {at_office(held.queue, catalogue)}",
    }


def lookup(session: Session, item: Item, own_domains: tuple[str, ...],
           facts_config: FactsConfig, catalogue: Catalogue) -> dict[str, Any] | None:
    """The holding office with its German reason, or None when nothing is known.

    ``facts_config`` is the classifier's (the Kommune's identifier formats, which put the
    identifiers into the item's facts); ``catalogue`` the Kommune's, whose office names the
    reasons use.

    ``{"queue", "basis": identifier|reference|sender, "reference", "reason"}``, for an
    identifier also ``issuer`` (the office its format belongs to); ``queue`` None means the
    sender was looked at and deliberately not trusted (the reason says why).
    """
    found = _by_identifier(session, item, facts_config, catalogue) or _by_reference(session, item, catalogue)
    if found is not None:
        return found
    return _by_sender(session, item, own_domains, catalogue)
