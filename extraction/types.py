"""The typed result of extracting one original."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Limits:
    """Hard limits against hostile input; exceeding one is a problem, never a crash."""

    max_bytes: int = 50 * 1024 * 1024
    max_attachments: int = 100
    max_mime_depth: int = 20
    max_pdf_pages: int = 500
    max_image_pixels: int = 60_000_000
    seconds_per_document: float = 120.0


@dataclass
class PageText:
    number: int  # 1-based
    text: str
    method: str  # "text_layer" | "ocr" | "none"
    confidence: float | None = None  # OCR mean word confidence 0..100


@dataclass
class Attachment:
    """A part of an email (or a page group of a scan batch) kept as its own document."""

    filename: str | None  # sanitised display name, never a path
    media_type: str
    content: bytes
    inline: bool = False
    extraction: Extraction | None = None  # filled when the part was extracted recursively


@dataclass
class EmailHeaders:
    subject: str = ""
    sender: str = ""  # address
    sender_name: str = ""
    to: list[str] = field(default_factory=list)
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    date: datetime | None = None
    cc: list[str] = field(default_factory=list)
    reply_to: str | None = None
    # Auto-Submitted/Precedence: out-of-office replies, bounces; they never open a new case.
    auto_submitted: bool = False


@dataclass
class Extraction:
    media_type: str
    text: str = ""  # what the classifier reads: the citizen's new text
    full_text: str = ""  # everything readable, incl. quoted history and attachment text
    headers: EmailHeaders | None = None
    pages: list[PageText] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    # German, for staff: why this needs a human look (unreadable, encrypted, too large, …).
    problems: list[str] = field(default_factory=list)
    # Email only: the sender's signature block and the quoted history cut off ``text``,
    # and the body as sanitised HTML for display in the web UI ("" when the mail had none).
    signature: str = ""
    quoted: str = ""
    html: str = ""

    @property
    def page_count(self) -> int | None:
        return len(self.pages) or None

    @property
    def ocr_confidence(self) -> float | None:
        scores = [p.confidence for p in self.pages if p.confidence is not None]
        return min(scores) if scores else None
