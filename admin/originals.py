"""Show an original safely: an email's body as sanitised HTML or text, PDF pages as images,
downloads with safe names that never run in the browser."""

from __future__ import annotations

import email
import email.policy
import io
from dataclasses import dataclass
from urllib.parse import quote

from extraction.html import sanitize_html

INLINE_IMAGES = frozenset({"image/png", "image/jpeg"})
MAX_RENDER_PAGES = 60


@dataclass
class MailView:
    headers: list[tuple[str, str]]
    html: str | None  # sanitised
    text: str | None


def mail_view(raw: bytes) -> MailView:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    labels = {"From": "Von", "To": "An", "Date": "Datum", "Subject": "Betreff"}
    headers = [(label, str(msg.get(name, ""))) for name, label in labels.items() if msg.get(name)]
    html = text = None
    try:
        part = msg.get_body(preferencelist=("html",))
        if part is not None:
            html = sanitize_html(part.get_content())
        part = msg.get_body(preferencelist=("plain",))
        if part is not None:
            text = part.get_content()
    except (LookupError, UnicodeError, AttributeError, TypeError, ValueError):
        text = None
    return MailView(headers=headers, html=html, text=text)


def content_disposition(name: str, inline: bool = False) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def pdf_page_count(content: bytes) -> int:
    import pypdfium2 as pdfium

    try:
        return min(len(pdfium.PdfDocument(content)), MAX_RENDER_PAGES)
    except pdfium.PdfiumError:
        return 0


def render_pdf_page(content: bytes, index: int, scale: float = 1.4) -> bytes:
    """One page as PNG (pdfium; a page index out of range raises IndexError)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(content)
    if not 0 <= index < min(len(pdf), MAX_RENDER_PAGES):
        raise IndexError(index)
    image = pdf[index].render(scale=scale).to_pil()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
