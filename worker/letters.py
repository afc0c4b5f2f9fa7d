"""Paper replies: a DIN 5008 letter (Form B) as PDF, laid out from HTML by WeasyPrint.

Form B places the address field 45 mm from the top and 20 mm from the left edge of the page
(85 × 45 mm: 17.7 mm for the return line and notes, then 27.3 mm, at most six lines, for the
address itself), the information block (Unser Zeichen, Datum, contact) 125 mm from the left,
50 mm from the top, and the fold marks at 105 and 210 mm; text runs from 25 mm to 20 mm before
the right edge. A window envelope (DL, C6/5) shows exactly the address zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATE_DIR = Path(__file__).with_name("templates")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")
ADDRESS_LINES = 6  # the address zone of Form B holds six lines


class LetterError(ValueError):
    """The letter cannot be made; the message (German) says why."""


@dataclass
class Letter:
    sender: str  # the Kommune
    unit: str  # who writes: the Fachamt, the Clearing-Stelle or the Eingangsservice
    sender_address: str  # one line, "Rathaus, Markt 1, 26122 Oldenburg"
    address: list[str]  # the citizen's address, line by line
    reference: str  # Unser Zeichen
    day: date
    subject: str
    body: str  # greeting, text, closing and signature, as plain text
    your_message: date | None = None  # Ihre Nachricht vom
    contact: list[tuple[str, str]] = field(default_factory=list)  # (label, value): Telefon, E-Mail

    @property
    def date_text(self) -> str:
        return german_date(self.day)

    @property
    def return_line(self) -> str:
        """The sender in one small line above the address (Rücksendeangabe)."""
        return " · ".join(p for p in (self.sender, self.unit, self.sender_address) if p)


def german_date(day: date) -> str:
    """1. Dezember 2026."""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def address_lines(text: str) -> list[str]:
    """The address as typed (one line each, commas also split); refused when it cannot fit."""
    lines = [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]
    if not lines:
        raise LetterError("Bitte die Anschrift der Bürgerin oder des Bürgers angeben.")
    if len(lines) > ADDRESS_LINES:
        raise LetterError(f"Die Anschrift hat mehr als {ADDRESS_LINES} Zeilen; so passt sie nicht "
                          "in das Fenster des Umschlags.")
    if len(lines) < 2:
        raise LetterError("Bitte die vollständige Anschrift angeben (Name, Straße, Postleitzahl und Ort).")
    return lines


_environment = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)),
                           autoescape=select_autoescape(["html"]))


def letter_html(letter: Letter) -> str:
    paragraphs = [p.strip("\n") for p in letter.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return _environment.get_template("brief.html").render(letter=letter, paragraphs=paragraphs)


def letter_pdf(letter: Letter) -> bytes:
    from weasyprint import HTML  # imported here: Pango loads only where letters are made

    return HTML(string=letter_html(letter), base_url=str(TEMPLATE_DIR)).write_pdf(
        pdf_identifier=letter.reference.encode(), custom_metadata=False)
