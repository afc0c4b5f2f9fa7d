"""The public form's guided questions: from a few answers to the likely office and next step.

Pure and small on purpose: the answer is a hint for the citizen, not a decision — the
request itself is classified and routed like every other. Links and texts are configuration
(``guide.yaml``), not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from domain import yamlfile

GUIDE_FILE = Path(__file__).with_name("guide.yaml")


def guide_config(profile: str) -> dict[str, Any]:
    """``guide.yaml``, with what the Kommune profile's wayfinder file
    (``domain/profiles/<profile>.wegweiser.yaml``) says differently: office names, links, the
    emergency number. ``profile``: the configured ``kommune_profile``."""
    return _guide(profile)


@lru_cache(maxsize=4)
def _guide(profile: str) -> dict[str, Any]:
    from domain.profile import profile_companion

    config = yamlfile.safe_load(GUIDE_FILE.read_text(encoding="utf-8"))
    overlay = profile_companion(profile, "wegweiser")
    if overlay is not None:
        _merge(config, yamlfile.safe_load(overlay.read_text(encoding="utf-8")) or {})
    return config


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


@dataclass(frozen=True)
class Answers:
    who: str = ""  # ich | familie | andere
    age: int | None = None
    work: str = ""  # ja | nein | unklar  (can work at least 3 hours a day)
    topic: str = ""  # key of guide.yaml topics
    postcode: str = ""
    emergency: str = ""  # ja | nein: a Sperre, Räumung or no money for food in the next days


@dataclass(frozen=True)
class Suggestion:
    office: str  # queue key
    office_name: str
    step: str  # antrag | termin | clearing | verweisung
    text: str  # German, for the citizen
    link: str | None = None


def _parse_age(value: str) -> int | None:
    try:
        age = int(value)
    except (TypeError, ValueError):
        return None
    return age if 0 <= age <= 120 else None


def answers_from(data: Any) -> Answers:
    get = data.get
    return Answers(
        who=str(get("who", "") or "")[:20], age=_parse_age(str(get("age", "") or "")),
        work=str(get("work", "") or "")[:10], topic=str(get("topic", "") or "")[:40],
        postcode=str(get("postcode", "") or "").strip()[:5],
        emergency="ja" if str(get("emergency", "") or "") == "ja" else ("nein" if get("emergency") else ""),
    )


def emergency_help(profile: str) -> dict[str, str]:
    """Who to call at once (guide.yaml ``notfall``): phone, times, text."""
    return dict(guide_config(profile).get("notfall") or {})


def suggest(answers: Answers, postcodes: frozenset[str], kommune: str, profile: str) -> Suggestion:
    config = guide_config(profile)
    offices = config["offices"]
    if answers.postcode and answers.postcode not in postcodes:
        return _make(offices, "extern", "verweisung", config["texts"]["andere_kommune"].format(kommune=kommune))
    topic = config["topics"].get(answers.topic)
    if topic is None:
        return _make(offices, "clearing", "clearing", config["texts"]["clearing"])
    office = topic.get("office")
    if office == "lebensunterhalt":  # SGB II or SGB XII: age and capacity to work decide
        retired = answers.age is not None and answers.age >= 67
        if retired or answers.work == "nein":
            office = "sozialamt"
        elif answers.work == "unklar" or answers.age is None:
            return _make(offices, "clearing", "clearing", config["texts"]["clearing"])
        else:
            office = "jobcenter"
    text = topic.get("text") or offices[office].get("text") or config["texts"]["clearing"]
    return _make(offices, office, topic.get("step") or offices[office]["step"], text)


def _make(offices: dict[str, Any], key: str, step: str, text: str) -> Suggestion:
    office = offices[key]
    return Suggestion(office=key, office_name=office["name"], step=step, text=text.strip(),
                      link=office.get("link") if step == "antrag" else None)
