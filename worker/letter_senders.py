"""Does one "letter" of a batch hold several senders? When a separator sheet was forgotten, two
letters become one; their pages then name different people, addresses or case numbers. Pure:
page texts in, the page where a second sender starts (with both senders) out, or None.

Only what identifies a sender is compared: the name and address block at the top of a page
(the letterhead), the name under the closing, and the Kommune's identifiers (BG-Nummer,
Kundennummer, …) of the same kind. Names in the body (a child, a landlord) are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from classifier.facts import PATTERNS, FactsConfig, default_config
from worker.letter_title import NAME

LETTERHEAD_LINES = 6  # the sender's block: the first lines of a page
TITLE = re.compile(r"^(?:Frau|Herr|Dr\.)\s+")


@dataclass
class Sender:
    names: set[str] = field(default_factory=set)  # lower case, without Frau/Herr
    addresses: set[str] = field(default_factory=set)  # "hauptstraße 7, 26121"
    ids: dict[str, set[str]] = field(default_factory=dict)  # identifier kind -> values
    shown: list[str] = field(default_factory=list)  # as written, for staff

    def empty(self) -> bool:
        return not (self.names or self.addresses or self.ids)

    def differs_from(self, other: Sender) -> bool:
        """Both say who writes, and nothing of it matches."""
        if self.names and other.names and not self.names & other.names:
            return not (self.addresses & other.addresses)
        if self.addresses and other.addresses and not self.addresses & other.addresses:
            return not (self.names & other.names)
        return any(kind in other.ids and not values & other.ids[kind] for kind, values in self.ids.items())

    def add(self, other: Sender) -> None:
        self.names |= other.names
        self.addresses |= other.addresses
        for kind, values in other.ids.items():
            self.ids.setdefault(kind, set()).update(values)
        self.shown += [s for s in other.shown if s not in self.shown]


def page_sender(text: str, config: FactsConfig | None = None) -> Sender:
    config = config or default_config()
    sender = Sender()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = lines[:LETTERHEAD_LINES]
    if head and NAME.match(head[0]) and any(PATTERNS["postcode"].search(x) for x in head[1:4]):
        _name(sender, head[0])
        block = "\n".join(head[1:4])
        for m in PATTERNS["address"].finditer(block):
            sender.addresses.add(f"{m['street'].strip().lower()}, {m['postcode']}")
            sender.shown.append(f"{m['street'].strip()}, {m['postcode']} {m['city']}")
    for m in PATTERNS["signature"].finditer(text):
        _name(sender, m["name"])
    lower = text.lower()
    for ident in config.identifiers:
        found = ident.find(text, lower)
        if found:
            sender.ids[ident.name] = set(found)
            sender.shown += [f"{ident.label} {v}" for v in found]
    return sender


def _writer_candidates(text: str) -> list[str]:
    """The names a letter gives for its writer (without Frau/Herr), the likeliest first: the
    name above the address in the letterhead, then those under a closing, the last first."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = lines[:LETTERHEAD_LINES]
    found = []
    if head and NAME.match(head[0]) and any(PATTERNS["postcode"].search(x) for x in head[1:4]):
        found.append(TITLE.sub("", head[0]))
    signed = [TITLE.sub("", m["name"].strip()) for m in PATTERNS["signature"].finditer(text)]
    return found + signed[::-1]


def sender_only_in_text(item: Any, catalogue: Any) -> bool:
    """Whether only the text can say who sent ``item``: paper that reaches us as a scan (a letter,
    a fax server's folder) or any other channel that gave neither a name nor an address, unless
    the Kommune's catalogue says the channel vouches for who writes (a call staff took down: its
    text is the note of staff, whose names are no sender)."""
    if item.sender_name or item.sender:
        return False
    channel = catalogue.channel(item.channel)
    return channel is None or not channel.trusted


def writer_name(text: str) -> str | None:
    """Who wrote a letter, as written there (without Frau/Herr): the name above the address in
    the letterhead, else the name under the closing; None where the letter gives neither."""
    return next(iter(_writer_candidates(text)), None)


def writer_found(text: str, names: list[str]) -> str | None:
    """A scanned letter's sender: the writer (letterhead or closing, as :func:`writer_name`)
    where the classifier found that name among the letter's facts (``names``). None where it
    found none of them: another name in the letter (a child, the landlord, the caseworker
    written to) is no sender, and the first line of an address block written to us
    („Stadt Oldenburg“ above our postcode) is no name the classifier reports."""
    found = {n.strip().casefold() for n in names}
    return next((c for c in _writer_candidates(text) if c.casefold() in found), None)


def _name(sender: Sender, raw: str) -> None:
    name = TITLE.sub("", raw.strip())
    if name.lower() not in sender.names:
        sender.names.add(name.lower())
        sender.shown.insert(0, name)


def several_senders(pages: list[tuple[int, str]], config: FactsConfig | None = None) -> dict[str, Any] | None:
    """The first page whose sender differs from the pages before it, with both senders."""
    known = Sender()
    for number, text in pages:
        sender = page_sender(text or "", config)
        if sender.empty():
            continue
        if not known.empty() and sender.differs_from(known):
            return {"page": number, "before": ", ".join(known.shown[:2]), "after": ", ".join(sender.shown[:2])}
        known.add(sender)
    return None
