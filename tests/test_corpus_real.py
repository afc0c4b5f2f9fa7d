"""The corpus grounded in real situations (classifier/corpus/real): well-formed, labelled as in
domain.md, every request tied to a documented public source. Fast: reads JSON lines only."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parent.parent / "classifier" / "corpus" / "real"

CHANNELS = {"email", "letter", "phone", "webform"}
STYLES = {"question", "bescheid_reply", "formal", "phone_note", "colloquial", "no_umlauts",
          "second_language", "foreign_language", "plain"}
LANGUAGES = {"de", "en", "tr", "ar", "uk", "ru"}
QUEUES = {"jobcenter", "sozialamt", "eingliederungshilfe", "wohngeld", "schuldnerberatung",
          "suchtberatung", "extern", "clearing"}
INTENTS = {"antrag", "weiterbewilligung", "aenderung", "unterlagen", "widerspruch", "termin",
           "auskunft", "beschwerde"}
REFERRALS = {"Agentur für Arbeit", "Familienkasse", "Deutsche Rentenversicherung", "Krankenkasse",
             "Pflegekasse", "BAföG-Amt", "Elterngeldstelle", "andere Kommune"}
KINDS = {"forum", "qa", "press", "counselling", "court", "authority"}
FIELDS = {"id", "source", "channel", "style", "language", "subject", "text", "queue", "alt",
          "intent", "urgent", "referral_to"}
SOURCE_FIELDS = {"source", "url", "title", "kind", "situation"}
# Batch prefixes: two letters, "ra" … "rz", then "sa" … and on (compared as strings: a later
# batch sorts after an earlier one).
BATCH_FILES = "[r-z][a-z]-*.jsonl"  # not "sources-…": its third character is no hyphen
SOURCE_ID = re.compile(r"([r-z][a-z])-s\d{3,}")


def _lines(pattern: str) -> list[tuple[str, int, dict]]:
    out = []
    for path in sorted(REAL.glob(pattern)):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    out.append((path.name, number, json.loads(line)))
                except json.JSONDecodeError as exc:  # pragma: no cover - reported as failure
                    pytest.fail(f"{path.name}:{number}: kein gültiges JSON ({exc})")
    return out


@pytest.fixture(scope="module")
def requests() -> list[tuple[str, int, dict]]:
    return _lines(BATCH_FILES)


@pytest.fixture(scope="module")
def sources() -> dict[str, dict]:
    found: dict[str, dict] = {}
    for name, number, s in _lines("sources-*.jsonl"):
        assert set(s) == SOURCE_FIELDS, f"{name}:{number}: Felder {sorted(s)}"
        batch = name.removeprefix("sources-").removesuffix(".jsonl")
        assert s["source"].startswith(batch + "-s"), f"{name}:{number}: {s['source']}"
        assert s["source"] not in found, f"{name}:{number}: Quelle {s['source']} doppelt"
        assert s["kind"] in KINDS, f"{name}:{number}: kind {s['kind']}"
        assert s["url"].startswith("http") and s["title"] and s["situation"], f"{name}:{number}"
        found[s["source"]] = s
    return found


def test_every_request_is_well_formed_and_labelled(requests) -> None:
    assert requests, "keine Anfragen gefunden"
    for name, number, r in requests:
        where = f"{name}:{number} ({r.get('id')})"
        assert set(r) == FIELDS, f"{where}: Felder {sorted(r)}"
        prefix = name.split("-", 1)[0]
        assert r["id"].startswith(prefix + "-"), where
        # A situation an earlier batch already documented keeps that batch's source id (one
        # situation, one source: the held-out split goes by source), never a later batch's.
        source = SOURCE_ID.fullmatch(r["source"])
        assert source and source.group(1) <= prefix, where
        assert r["channel"] in CHANNELS, where
        assert r["style"] in STYLES, where
        assert r["language"] in LANGUAGES, where
        assert (r["language"] != "de") == (r["style"] == "foreign_language"), where
        assert r["queue"] in QUEUES and r["intent"] in INTENTS, where
        assert isinstance(r["urgent"], bool), where
        assert isinstance(r["subject"], str) and r["text"].strip(), where
        assert isinstance(r["alt"], list) and all(a in QUEUES and a != r["queue"] for a in r["alt"]), where
        if r["queue"] == "extern":
            assert r["referral_to"] in REFERRALS, where
        else:
            assert r["referral_to"] is None, where
        if r["intent"] == "widerspruch":
            assert r["urgent"], f"{where}: ein Widerspruch ist immer eilig (Frist)"


def test_ids_and_texts_are_unique(requests) -> None:
    ids = Counter(r["id"] for _, _, r in requests)
    assert [i for i, n in ids.items() if n > 1] == []
    texts = Counter(" ".join(r["text"].split()).lower() for _, _, r in requests)
    assert [t[:60] for t, n in texts.items() if n > 1] == []


def test_every_request_has_a_documented_source(requests, sources) -> None:
    missing = {r["source"] for _, _, r in requests} - set(sources)
    assert missing == set()
    for _, _, r in requests:
        url = sources[r["source"]]["url"]
        assert url not in r["text"] and "http" not in r["text"], r["id"]


def test_every_source_url_is_documented_once(sources) -> None:
    """One public page has one source id across all batches: a second id for the same
    situation would let its retellings fall on both sides of the held-out split."""
    urls = Counter(_page(s["url"]) for s in sources.values())
    assert [u for u, n in urls.items() if n > 1] == []


def _page(url: str) -> str:
    """A page's address as found twice in the batches: http or https, with or without "www."
    and a trailing slash."""
    address = url.split("://", 1)[-1].rstrip("/").lower()
    return address.removeprefix("www.")


def test_every_label_value_occurs(requests) -> None:
    rs = [r for _, _, r in requests]
    assert {r["queue"] for r in rs} == QUEUES
    assert {r["intent"] for r in rs} == INTENTS
    assert {r["channel"] for r in rs} == CHANNELS
    assert {r["style"] for r in rs} == STYLES
    assert {r["language"] for r in rs} == LANGUAGES
    assert {True, False} <= {r["urgent"] for r in rs}


def test_both_halves_together_reach_the_target(requests, sources) -> None:
    """Issue #12: at least 2,000 requests, grounded in many distinct situations."""
    rs = [r for _, _, r in requests]
    assert len(rs) >= 2000
    assert len({r["source"] for r in rs}) >= 300
