"""Email (RFC 5322 / MIME) to text, headers and attachments, with the stdlib parser."""

from __future__ import annotations

import email
import email.policy
import email.utils
from email.message import EmailMessage

from extraction.charset import decode_text
from extraction.html import html_to_text
from extraction.names import safe_filename
from extraction.types import Attachment, EmailHeaders, Extraction, Limits


def extract_email(content: bytes, limits: Limits) -> Extraction:
    msg = email.message_from_bytes(content, policy=email.policy.default)
    problems: list[str] = []
    result = Extraction(media_type="message/rfc822", headers=_headers(msg, problems), problems=problems)
    if msg.defects and not msg.get_payload():
        # Defects are tolerated as long as something is readable.
        result.problems.append(
            "Die E-Mail ist fehlerhaft aufgebaut (MIME) und konnte nicht gelesen werden."
        )
    body = _body_text(msg, limits, result, depth=0)
    result.text = body.strip()
    result.full_text = result.text
    if not result.text and not result.attachments and not result.problems:
        result.problems.append("Die E-Mail enthält keinen lesbaren Text.")
    return result


def _header(msg: EmailMessage, name: str, problems: list[str]) -> str:
    try:
        value = msg.get(name)
        return str(value) if value is not None else ""
    except Exception:  # broken encoded-words or structured headers
        raw = msg.get_all(name, failobj=[]) if hasattr(msg, "get_all") else []
        problems.append(f"Kopfzeile {name} ist fehlerhaft kodiert.")
        return " ".join(str(r) for r in raw)


def _headers(msg: EmailMessage, problems: list[str]) -> EmailHeaders:
    name, addr = email.utils.parseaddr(_header(msg, "From", problems))
    refs = _header(msg, "References", problems).split()
    date = None
    raw_date = _header(msg, "Date", problems)
    if raw_date:
        try:
            date = email.utils.parsedate_to_datetime(raw_date)
        except (TypeError, ValueError):
            date = None
    to = [a for _, a in email.utils.getaddresses([_header(msg, "To", problems)]) if a]
    return EmailHeaders(
        subject=_header(msg, "Subject", problems).strip(),
        sender=addr,
        sender_name=name,
        to=to,
        message_id=_header(msg, "Message-ID", problems).strip() or None,
        in_reply_to=_header(msg, "In-Reply-To", problems).strip() or None,
        references=refs,
        date=date,
    )


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    text = decode_text(payload, part.get_content_charset())
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    return text


def _body_text(msg: EmailMessage, limits: Limits, result: Extraction, depth: int) -> str:
    if depth > limits.max_mime_depth:
        result.problems.append("Die E-Mail ist zu tief verschachtelt und wurde nicht ganz gelesen.")
        return ""
    if msg.is_multipart():
        texts: list[str] = []
        subtype = msg.get_content_subtype()
        parts = list(msg.iter_parts()) if isinstance(msg, EmailMessage) else msg.get_payload()
        if subtype == "alternative":
            plain = [p for p in parts if p.get_content_type() == "text/plain"]
            parts = plain[:1] or parts[-1:]
        for part in parts:
            texts.append(_body_text(part, limits, result, depth + 1))
        return "\n\n".join(t for t in texts if t.strip())
    ctype = msg.get_content_type()
    disposition = msg.get_content_disposition()
    if ctype == "message/rfc822":
        inner = msg.get_payload()
        inner_msg = inner[0] if isinstance(inner, list) and inner else None
        if inner_msg is not None:
            return _body_text(inner_msg, limits, result, depth + 1)
    if ctype.startswith("text/") and disposition != "attachment" and ctype in ("text/plain", "text/html"):
        return _part_text(msg)
    if len(result.attachments) >= limits.max_attachments:
        if "Zu viele Anhänge" not in " ".join(result.problems):
            result.problems.append(
                f"Zu viele Anhänge: nur die ersten {limits.max_attachments} wurden übernommen."
            )
        return ""
    payload = msg.get_payload(decode=True) or b""
    result.attachments.append(
        Attachment(
            filename=safe_filename(msg.get_filename()),
            media_type=ctype,
            content=payload,
            inline=disposition == "inline",
        )
    )
    return ""
