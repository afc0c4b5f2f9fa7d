"""The typed result of extracting one original."""

from __future__ import annotations

from collections.abc import Callable
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
    seconds_per_page: float = 60.0  # one OCR page (render, tesseract, retry) at most
    # Scans: OCR with tesseract in a pool of worker processes (see extraction.ocrpool).
    ocr_languages: str = "deu+eng"
    ocr_dpi: int = 300  # PDF pages are rendered at this resolution for OCR
    ocr_min_confidence: float = 60.0  # a page below this mean word confidence needs a human look
    ocr_retry_below: float = 75.0  # below this, rotation (OSD) and skew are checked and OCR retried
    ocr_min_osd_confidence: float = 12.0  # tesseract's orientation guesses below this are noise
    ocr_processes: int = 0  # 0: one per CPU core
    ocr_memory_bytes: int = 2 * 1024 * 1024 * 1024  # address space per OCR process (incl. tesseract)
    ocr_searchable_pdf: bool = True  # also keep tesseract's PDF of each OCR'd page
    # Run OCR pages one after another in this process instead of the shared pool: for a caller
    # that is itself an isolated, memory-limited child (worker.sandbox) and must not fork pools.
    ocr_in_process: bool = False


@dataclass
class PageText:
    number: int  # 1-based
    text: str
    method: str  # "text_layer" | "ocr" | "none"
    confidence: float | None = None  # OCR mean word confidence 0..100
    rotation: int = 0  # degrees clockwise the scan was turned to read it (OSD)
    skew: float = 0.0  # degrees the scan was straightened by
    blank: bool = False  # no ink worth reading (a blank sheet or the back of one)
    barcodes: list[str] = field(default_factory=list)  # texts of barcodes/QR codes on the page


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
    # Page number -> tesseract's one-page PDF (image + invisible text) for pages read by OCR;
    # extraction.searchable merges them into the searchable PDF staff open.
    ocr_pdf_pages: dict[int, bytes] = field(default_factory=dict, repr=False)

    @property
    def page_count(self) -> int | None:
        return len(self.pages) or None

    @property
    def ocr_confidence(self) -> float | None:
        scores = [p.confidence for p in self.pages if p.confidence is not None]
        return min(scores) if scores else None


# Reads one attachment (content, media type, what is left of the limits): how a container
# format (a mail, a FIT-Connect submission) reads what it carries without importing the dispatcher.
PartReader = Callable[[bytes, str, Limits], Extraction]
