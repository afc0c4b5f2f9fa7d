"""The pipeline steps as plain functions of an item id (the actors are thin wrappers).

Each returns the next step's input (worker.pipeline: it names the step) when it moved the item
on, else ``None`` (the item was not in the step's input status: someone else already did the work).

A worker usually goes straight on with the next step in the same thread (``chain=True``):
the step's closing transaction then also counts the next step's attempt, and the input
carries the item as committed, so the next step starts without a transaction of its own.
A step run from a message (``given=None``) counts its attempt itself (transitions.start).
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier import ClassifyRequest, load_classifier
from classifier.facts import FactsConfig
from classifier.versions import active_version, config_stamp
from domain import Catalogue
from routing import RoutingInput
from store import channel_config, metrics
from store.catalogue import current_catalogue
from store.db import session_scope
from store.enums import Status
from store.events import record
from store.localdays import LOCAL_ZONE  # the Kommune's zone, kept in one place
from store.models import Document, Item
from store.settings import Settings
from worker import conversation, known_case
from worker.actions import plan_actions
from worker.extract_step import classifier_attachment_text, extract
from worker.letter_senders import sender_only_in_text, writer_found
from worker.pipeline import ActInput, ClassifyInput, RouteInput
from worker.rules import active_router, routing_config
from worker.transitions import advance, start

log = logging.getLogger(__name__)

# The steps by name; extract lives in worker.extract_step (loaded without the classifier).
__all__ = ["classify", "extract", "route_item"]

# One load at a time: the worker's threads asking at once while the model loads (the warm-up
# still busy when the first pages come back from the OCR) would each load their own copy,
# 0.4 s of CPU and the model's memory apiece (lru_cache does not hold back a second caller).
_loading = threading.Lock()


def _classifier(settings: Settings):  # type: ignore[no-untyped-def]
    """The classifier of the active model version: a version activated by ``eingang train``
    (or rolled back), and an admin's ``signals.yaml`` or ``facts.yaml`` placed or edited in the
    data directory, take effect in running workers with the next item."""
    data_dir = settings.data_dir
    with _loading:  # the key too: the catalogue read first by several threads at once is one copy each
        return _load_classifier(data_dir, active_version(data_dir), current_catalogue(settings=settings),
                                config_stamp(data_dir))


@lru_cache(maxsize=2)
def _load_classifier(data_dir: Path, version: str | None, catalogue: Catalogue,  # type: ignore[no-untyped-def]
                     stamp: tuple) -> Any:
    # A changed catalogue (an office added in the console) or configuration file is a new key:
    # reloaded with it.
    return load_classifier(data_dir=data_dir, catalogue=catalogue)


def _attachment_text(session: Session, item_id: int) -> str:
    """Text of the item's attachments (e.g. a scanned form in a mail), capped for the model."""
    texts = session.scalars(
        select(Document.text)
        .where(Document.item_id == item_id, Document.role == "attachment", Document.text.is_not(None))
        .order_by(Document.id)
    )
    return classifier_attachment_text(texts)


def classify(item_id: int, given: ClassifyInput | None = None, *, chain: bool = False,
             settings: Settings) -> RouteInput | None:
    if given is not None and given.item is not None:
        item, attachment_text, hint = given.item, given.attachment_text, given.queue_hint
    else:
        with session_scope(settings, redoable=True) as session:
            item = start(session, item_id, Status.EXTRACTED, "classify")
            if item is None:
                return None
            attachment_text = _attachment_text(session, item_id)
            hint = channel_config.queue_hint_for(session, settings, item.mailbox)
    # The citizen's new text (no quoted history), then what the attachments say.
    request = ClassifyRequest(
        text=f"{item.text or ''}\n{attachment_text}".strip(),
        subject=item.subject or "",
        channel=item.channel,
        sender=item.sender or "",
        mailbox_hint=hint,
        received_at=item.received_at,
    )
    classifier = _classifier(settings)
    result = classifier.classify(request)
    classification = result.to_dict()
    metrics.CLASSIFIER_CONFIDENCE.labels(queue=result.queue or "").observe(result.confidence)
    with session_scope(settings, redoable=True) as session:
        item = advance(
            session, item_id, Status.EXTRACTED, Status.CLASSIFIED, next_attempt=chain,
            classification=classification,
            queue=result.queue,
            intent=result.intent,
            urgent=result.urgent,
            urgent_reasons=classification["urgent_reasons"],
            urgent_guessed=result.urgent_guessed,
            confidence=result.confidence,
            facts=_with_channel_facts(result.facts, item.facts),
            # The Kommune's identifier formats, as the classifier found them (its facts.yaml).
            case_ref=_case_ref(result.facts, classifier.facts_config),
            identifiers=_identifiers(result.facts, classifier.facts_config),
            deadline=_fact_deadline(result.facts, item.deadline),
            **_letter_sender(item, result.facts, classifier.catalogue),
        )
        if item is None:
            return None
        record(
            session,
            item,
            "worker:classify",
            "classified",
            f"Klassifiziert: {result.queue} / {result.intent}",
            queue=result.queue,
            intent=result.intent,
            urgent=result.urgent,
            confidence=round(result.confidence, 3),
            model=result.model_version,
        )
    return RouteInput(item if chain else None)


def route_item(item_id: int, given: RouteInput | None = None, *, chain: bool = False,
               settings: Settings) -> ActInput | None:
    if given is not None and given.item is not None:
        claimed = given.item
    else:
        with session_scope(settings, redoable=True) as session:
            claimed = start(session, item_id, Status.CLASSIFIED, "route")
            if claimed is None:
                return None
    # Routing takes about a millisecond: decided inside the closing transaction, which also
    # reads the active rule set, instead of a transaction of its own before it.
    with session_scope(settings, redoable=True) as session:
        # A reply to one of our cases joins it instead of being routed (worker.conversation).
        if conversation.joins_case(session, claimed) and conversation.join(session, item_id, claimed):
            return None
        config = routing_config(settings, session)
        decision = active_router(session, config).route(
            RoutingInput(
                channel=claimed.channel,
                subject=claimed.subject or "",
                text=claimed.text or "",
                classification=claimed.classification,
                mailbox=claimed.mailbox,
                sender=claimed.sender,
                known_case=known_case.lookup(session, claimed, tuple(settings.accepted_domains),
                                             _classifier(settings).facts_config, config.catalogue),
                form_answers=(claimed.contact or {}).get("answers") if claimed.channel == "webform" else None,
            )
        )
        deadline = claimed.deadline
        if decision.deadline_days and deadline is None:
            deadline = claimed.received_at + timedelta(days=decision.deadline_days)
        item = advance(
            session, item_id, Status.CLASSIFIED, Status.ROUTED,
            queue=decision.queue,
            action=decision.action,
            referral_to=decision.referral_to,
            urgent=decision.urgent,
            urgent_guessed=decision.urgent_guessed,
            decision=decision.to_dict(),
            deadline=deadline,
        )
        if item is None:
            return None
        messages = plan_actions(item, decision, settings)
        session.add_all(messages)
        record(
            session,
            item,
            "worker:route",
            "routed",
            f"Weitergeleitet an {decision.queue} ({decision.action})",
            queue=decision.queue,
            action=decision.action,
            rules=decision.matched_rules,
            rule_set=decision.rule_set,
            deciding_rule=decision.deciding_rule,
        )
    # The commit gave the messages their ids: act needs no query for them.
    return ActInput([m.id for m in messages]) if messages else None


def _letter_sender(item: Item, facts: dict, catalogue: Catalogue) -> dict:
    """A scanned letter's (or fax's) sender, which its channel does not give: its writer
    (letterhead or closing) where the classifier found that name; nothing where it did not, and
    never over a name the item already has (the subject line's, or staff's)."""
    if not sender_only_in_text(item, catalogue):
        return {}
    name = writer_found(item.text or "", facts.get("name") or [])
    return {"sender_name": name[: Item.__table__.c.sender_name.type.length]} if name else {}


def _with_channel_facts(found: dict, stored: dict | None) -> dict:
    """The classifier's facts, and those the channel vouched for at intake (an online
    application's form fields), which no classification replaces."""
    channel = {k: v for k, v in (stored or {}).items() if k in CHANNEL_FACTS}
    return {**found, **channel}


CHANNEL_FACTS = ("formular",)


def _fact_deadline(facts: dict, current: datetime | None) -> datetime | None:
    """The earliest deadline the facts give (a Widerspruch's computed end, § 14 SGB IX), as the
    end of that day in the Kommune's time zone; an earlier deadline already set stays."""
    days = [d["frist_bis"] for d in facts.get("widerspruch_deadline", []) if d.get("frist_bis")]
    if facts.get("sgb_ix_deadline"):
        days.append(facts["sgb_ix_deadline"])
    if not days:
        return current
    day = date.fromisoformat(min(days))
    due = datetime.combine(day, time(23, 59, 59), LOCAL_ZONE).astimezone(UTC)
    return min(due, current) if current else due


def _identifiers(facts: dict, config: FactsConfig) -> str | None:
    """Every identifier found, for the inbox search (``Item.identifiers``): the facts keep them
    compact, the text as written ("123 D 456789"), and staff type them as their files have them."""
    found: list[str] = []
    for ident in config.identifiers:
        values = facts.get(ident.name) or []
        found += [str(v) for v in (values if isinstance(values, list) else [values])]
    return " ".join(dict.fromkeys(found)) or None


def _case_ref(facts: dict, config: FactsConfig) -> str | None:
    """The first identifier found, in the order of the Kommune's formats: the case file the
    request names (worker.known_case finds earlier items by it)."""
    for ident in config.identifiers:
        values = facts.get(ident.name)
        if values:
            return str(values[0] if isinstance(values, list) else values)
    return None
