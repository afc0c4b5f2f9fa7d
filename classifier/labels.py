"""German names of queues and intents, as staff read them in reasons: from the catalogue the
classifier was handed (the demo Kommune's where none was)."""

from __future__ import annotations

from domain import Catalogue, default_catalogue


def queue_label(queue: str, catalogue: Catalogue | None = None) -> str:
    return (catalogue or default_catalogue()).queue_name(queue)


def intent_label(intent: str, catalogue: Catalogue | None = None) -> str:
    return (catalogue or default_catalogue()).intent_label(intent)


def percent(p: float) -> str:
    return f"{round(p * 100)} %"
