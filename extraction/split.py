"""Splitting a mailroom batch (one scan of a stack of letters) into letters. Pure: pages in, page ranges out.

A letter starts after a separator sheet (a barcode/QR code, or a configured word such as
``TRENNBLATT`` on an otherwise nearly empty page), after blank pages (when the mailroom puts an
empty sheet between letters) or every N pages. Separator sheets and blank pages belong to no letter.
Staff can move a boundary by hand; :func:`letters_from_starts` rebuilds the letters from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extraction.types import PageText

# A page with more words than this is a letter that mentions the separator word, not a separator.
MAX_SEPARATOR_WORDS = 40


@dataclass(frozen=True)
class SplitRules:
    separator_codes: tuple[str, ...] = ("TRENNBLATT",)  # barcode texts (case-insensitive prefix)
    any_code_separates: bool = False  # every barcode/QR code marks a separator sheet
    separator_text: str | None = "TRENNBLATT"
    blank_separates: bool = True  # False for duplex scans, where every back side may be empty
    every_n_pages: int | None = None


@dataclass
class Letter:
    pages: list[int]  # 1-based page numbers of the batch, in order
    reason: str  # German: why a letter starts here
    confidence: float | None = None  # lowest OCR confidence of its pages
    low_confidence_pages: list[int] = field(default_factory=list)

    @property
    def first(self) -> int:
        return self.pages[0]

    @property
    def last(self) -> int:
        return self.pages[-1]


def separator_reason(page: PageText, rules: SplitRules) -> str | None:
    """Why this page is a separator sheet, or None."""
    for code in page.barcodes:
        if rules.any_code_separates or any(
            code.strip().upper().startswith(prefix.upper()) for prefix in rules.separator_codes
        ):
            return f"Trennblatt mit Code „{code.strip()[:40]}“ auf Seite {page.number}"
    words = len(page.text.split())
    if rules.separator_text and words <= MAX_SEPARATOR_WORDS:
        squeezed = re.sub(r"\s+", "", page.text).upper()
        if rules.separator_text.upper() in squeezed:
            return f"Trennblatt „{rules.separator_text}“ auf Seite {page.number}"
        if words <= MAX_FUZZY_SEPARATOR_WORDS and _near(rules.separator_text.upper(), squeezed):
            return f"Trennblatt „{rules.separator_text}“ (unscharf gelesen) auf Seite {page.number}"
    return None


# OCR misreads large type letter by letter ("IRENNBLAIT"): the separator word is also found
# with a few wrong letters — only on a nearly empty page, where no letter text can be mistaken.
MAX_FUZZY_SEPARATOR_WORDS = 15


def _near(word: str, squeezed: str) -> bool:
    import regex

    errors = max(1, len(word) // 4)  # TRENNBLATT: up to two wrong, missing or extra letters
    letters = regex.sub(r"[^\p{L}]", "", squeezed)
    return regex.search(f"(?:{regex.escape(word)}){{e<={errors}}}", letters, flags=regex.BESTMATCH) is not None


def is_blank(page: PageText) -> bool:
    return page.blank or (not page.text.strip() and not page.barcodes and page.method == "none")


def split_pages(
    pages: list[PageText], rules: SplitRules | None = None, min_confidence: float = 60.0
) -> list[Letter]:
    """Letters of a batch, each with the reason it was cut where it was."""
    rules = rules or SplitRules()
    by_number = {p.number: p for p in pages}
    letters: list[Letter] = []
    current: list[int] = []
    reason = "Anfang des Stapels"
    for page in sorted(pages, key=lambda p: p.number):
        cut = separator_reason(page, rules)
        if cut is None and is_blank(page):
            cut = f"Leerseite {page.number}" if rules.blank_separates else ""
        if cut is not None:  # "" drops the page without cutting
            if cut and current:
                letters.append(_letter(current, reason, by_number, min_confidence))
                current = []
            if cut:
                reason = f"nach {cut}"
            continue
        if rules.every_n_pages and len(current) == rules.every_n_pages:
            letters.append(_letter(current, reason, by_number, min_confidence))
            current = []
            reason = f"alle {rules.every_n_pages} Seiten"
        current.append(page.number)
    if current:
        letters.append(_letter(current, reason, by_number, min_confidence))
    return letters


def letters_from_starts(
    pages: list[PageText], starts: list[int], drop: set[int] | None = None, min_confidence: float = 60.0
) -> list[Letter]:
    """Letters cut by hand: each number in ``starts`` is the first page of a letter.

    ``drop`` are pages that belong to no letter (separator sheets, blank pages).
    """
    by_number = {p.number: p for p in pages}
    drop = drop or set()
    starts_set = set(starts)
    letters: list[Letter] = []
    current: list[int] = []
    for number in sorted(by_number):
        if number in starts_set and current:
            letters.append(_letter(current, "von Hand getrennt", by_number, min_confidence))
            current = []
        if number not in drop:
            current.append(number)
    if current:
        letters.append(_letter(current, "von Hand getrennt", by_number, min_confidence))
    return letters


def move_boundary(
    pages: list[PageText], letters: list[Letter], boundary: int, new_start: int, min_confidence: float = 60.0
) -> list[Letter]:
    """Move the start of letter ``boundary`` (0-based, > 0) to page ``new_start``.

    Pages not in any letter (separators, blanks) stay out. Raises ValueError for a move that
    would empty a letter or cross another boundary.
    """
    if not 0 < boundary < len(letters):
        raise ValueError("Diese Grenze gibt es nicht.")
    previous_start = letters[boundary - 1].first
    next_start = letters[boundary + 1].first if boundary + 1 < len(letters) else None
    if new_start <= previous_start or (next_start is not None and new_start >= next_start):
        raise ValueError("Die neue Grenze muss zwischen dem vorigen und dem nächsten Brief liegen.")
    kept = {n for letter in letters for n in letter.pages}
    drop = {p.number for p in pages} - kept
    starts = [letter.first for letter in letters]
    starts[boundary] = new_start
    if new_start in drop:
        drop.discard(new_start)
    return letters_from_starts(pages, starts, drop, min_confidence)


def _letter(numbers: list[int], reason: str, by_number: dict[int, PageText], min_confidence: float) -> Letter:
    scores = [(n, by_number[n].confidence) for n in numbers if by_number[n].confidence is not None]
    return Letter(
        pages=list(numbers),
        reason=reason,
        confidence=min((c for _, c in scores), default=None),
        low_confidence_pages=[n for n, c in scores if c < min_confidence],
    )
