"""Split a mail body into what the sender wrote now, the signature, and the quoted history.

The classifier must read the citizen's new words, not the Jobcenter letter they reply to.
Markers are German and English, as mail programs write them (Outlook, Gmail, Apple Mail,
Thunderbird, web mailers of GMX/WEB.DE/T-Online) plus classic ``>`` quoting and ``-- ``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A line that starts the quoted history: everything from here on is the old conversation.
_HISTORY_LINE = [
    re.compile(
        r"^\s*-{2,}\s*(Ursprüngliche Nachricht|Original(-| )?Nachricht|Original Message|"
        r"Weitergeleitete Nachricht|Forwarded message|Begin forwarded message|"
        r"Anfang der weitergeleiteten Nachricht)\s*-*\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*(Anfang der weitergeleiteten (Nachricht|E-Mail)|Begin forwarded message)\s*:\s*$", re.I),
    re.compile(r"^\s*_{20,}\s*$"),  # Outlook's rule above the "Von:/Gesendet:" block
]
# "Am 03.11.2025 um 10:00 schrieb Max Muster <max@example.de>:" and friends; mail programs
# wrap this line, so it is matched against up to three joined lines.
_ATTRIBUTION = re.compile(
    r"^\s*(?:"
    r"(?:Am|On)\s.{4,250}?\s(?:(?:schrieb|schrieben|wrote)\b.{0,200}|(?:hat|has)\s.{0,120}(?:geschrieben|written))"
    r"|.{2,200}\s(?:schrieb am|wrote on)\s.{4,120}?"
    r"|.{2,120}<[^>\s]+@[^>\s]+>\s*(?:schrieb|wrote)"
    r")\s*:\s*$",
    re.IGNORECASE,
)
# Outlook/web mailer header blocks: "Von: …" followed closely by "Gesendet:/Datum:/An:".
_HEADER_FROM = re.compile(r"^\s*\*?\s*(Von|From|Absender)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?\s*(Gesendet|Sent|Datum|Date|An|To|Betreff|Subject|Cc)\s*:", re.IGNORECASE
)
_SIGNATURE_DELIMITER = re.compile(r"^--\s?$")
# Lines mobile mail apps and virus scanners append; they are never the citizen's words.
_BOILERPLATE = re.compile(
    r"^\s*(Gesendet (von|mit) (meinem|der|dem) .{1,60}|Von meinem .{1,60} gesendet\.?|"
    r"Sent from my .{1,60}|Get Outlook for .{1,30}|Outlook für .{1,30} beziehen|"
    r"Diese E-Mail wurde (von|mit) .{1,60} (auf Viren )?geprüft\.?)\s*$",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^\s*(mit )?(freundliche[nm]?|beste[nn]?|viele[nn]?|liebe[nn]?|herzliche[nm]?|schöne[nn]?)?"
    r"\s*(grüßen|grüße|gruß|grüssen|grüsse|gruss)\b.{0,30}$|^\s*(mfg|lg|vg|bg)\b[\s,.!]*$|"
    r"^\s*((best|kind|warm)\s+)?regards\b.{0,20}$|^\s*(sincerely|yours sincerely|best)\s*,?\s*$",
    re.IGNORECASE,
)
# What a company signature block contains; the citizen's own name and address do not match.
_SIGNATURE_HINT = re.compile(
    r"(\b(tel|telefon|fon|fax|mobil|handy|phone)\b\.?\s*:?\s*[+\d(]|www\.|https?://|"
    r"geschäftsführ|amtsgericht|\bhrb\b|ust-?id|vertraulich|confidential|disclaimer|"
    r"datenschutz|impressum)",
    re.IGNORECASE,
)
_NAME_BLOCK_LINES = 6  # name, street, town, phone … of a citizen after "Mit freundlichen Grüßen"


@dataclass
class Reply:
    new_text: str  # what the sender wrote now, for the classifier
    signature: str = ""
    quoted: str = ""  # the history: quoted lines, the mail replied to, forwarded content


def split_reply(body: str) -> Reply:
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _history_start(lines)
    head, quoted = lines[:cut], lines[cut:]
    # Interleaved "> " quoting above the cut: the old text between the sender's answers.
    own = [line for line in head if not line.lstrip().startswith(">")]
    quoted = [line for line in head if line.lstrip().startswith(">")] + quoted
    own, signature = _split_signature(own)
    return Reply(
        new_text=_join(own),
        signature=_join(signature),
        quoted=_join(quoted),
    )


def _history_start(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if any(p.match(line) for p in _HISTORY_LINE):
            return i
        if _is_attribution(lines, i):
            return i
        if _HEADER_FROM.match(line) and _header_block_follows(lines, i):
            return i
    return _trailing_quote_start(lines)


def _is_attribution(lines: list[str], i: int) -> bool:
    if len(lines[i]) > 400:
        return False
    joined = lines[i].strip()
    for extra in range(3):
        if _ATTRIBUTION.match(joined):
            return True
        if i + extra + 1 >= len(lines) or not lines[i + extra + 1].strip():
            return False
        joined += " " + lines[i + extra + 1].strip()
    return False


def _header_block_follows(lines: list[str], i: int) -> bool:
    following = [line for line in lines[i + 1 : i + 6] if line.strip()][:3]
    return sum(1 for line in following if _HEADER_NEXT.match(line)) >= 2


def _trailing_quote_start(lines: list[str]) -> int:
    """Where a final block of ``>`` lines (with blank lines in it) starts, else the end."""
    end = len(lines)
    start = end
    for i in range(end - 1, -1, -1):
        stripped = lines[i].strip()
        if stripped.startswith(">"):
            start = i
        elif stripped:
            break
    return start


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    lines = [line for line in lines if not _BOILERPLATE.match(line)]
    for i, line in enumerate(lines):
        if _SIGNATURE_DELIMITER.match(line):
            return lines[:i], lines[i + 1 :]
    closing = next((i for i, line in enumerate(lines) if _CLOSING.match(line)), None)
    if closing is None:
        return lines, []
    # Keep the closing and the sender's name block (it may carry their address, which
    # routing needs); a following block that looks like a company signature goes.
    end = closing + 1
    seen_content = False
    while end < len(lines) and end - closing <= _NAME_BLOCK_LINES:
        if lines[end].strip():
            seen_content = True
        elif seen_content:
            break
        end += 1
    rest = lines[end:]
    if rest and _SIGNATURE_HINT.search("\n".join(rest)) and len(_join(rest)) < 1500:
        return lines[:end], rest
    return lines, []


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip()
