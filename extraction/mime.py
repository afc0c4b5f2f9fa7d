"""Email (RFC 5322 / MIME) to text, headers and attachments.

The stdlib parser in its lenient ``compat32`` mode reads anything; headers, charsets, file
names and structure are then interpreted here, tolerant of what real mail programs send.
Attachments that carry text (PDFs, images, forwarded mails) are extracted recursively through
:func:`extraction.extract`, within the remaining :class:`Limits`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import email
import email.policy
import quopri
import re
import time
from dataclasses import dataclass, field
from email.message import Message

from extraction import tnef
from extraction.charset import decode_text
from extraction.headers import addresses, header_date, header_str, header_text, message_ids
from extraction.html import html_to_text, sanitize_html
from extraction.names import fallback_filename, safe_filename
from extraction.quotes import split_reply
from extraction.smime import signed_content
from extraction.sniff import sniff_media_type
from extraction.types import Attachment, EmailHeaders, Extraction, Limits, PartReader

# Attachment types worth handing to the dispatcher (the rest is kept, not read).
_READABLE_PREFIXES = ("image/",)
_READABLE_TYPES = {"application/pdf", "text/plain", "message/rfc822", "text/html"}
_GENERIC_TYPES = {
    "application/octet-stream", "application/x-download", "application/force-download",
    "application/unknown", "binary/octet-stream", "application/binary", "application/x-msdownload",
}
_SIGNATURE_TYPES = {"application/pkcs7-signature", "application/x-pkcs7-signature",
                    "application/pgp-signature"}
_SMIME_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime"}
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_NESTED_MAIL = {"message/rfc822", "message/global"}
# Inline images below this size inside multipart/related are logos and icons, not documents.
_SMALL_INLINE_IMAGE = 100 * 1024

ENCRYPTED = (
    "Die E-Mail ist verschlüsselt ({kind}) und kann nicht automatisch gelesen werden. "
    "Bitte mit dem Schlüssel des Postfachs öffnen oder die Absenderin/den Absender um eine "
    "unverschlüsselte Nachricht bitten."
)


@dataclass
class _Walk:
    """State of one extraction: collected body texts, attachments and problems."""

    limits: Limits
    deadline: float
    read_part: PartReader
    bodies: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


def extract_email(content: bytes, limits: Limits, read_part: PartReader) -> Extraction:
    """The mail's text, headers and attachments; ``read_part`` reads each attachment worth
    reading (extraction.dispatch passes its own ``extract``)."""
    msg = email.message_from_bytes(content, policy=email.policy.compat32)
    walk = _Walk(limits=limits, deadline=time.monotonic() + limits.seconds_per_document,
                 read_part=read_part)
    headers = read_headers(msg)
    if not msg.keys() and not content.strip():
        walk.problem("Die E-Mail ist leer.")
    _walk_part(msg, walk, depth=0, in_related=False)

    body = "\n\n".join(b for b in walk.bodies if b.strip())
    reply = split_reply(body)
    text = reply.new_text
    if not text:
        # Nothing new above the history (a plain forward): the history is the request.
        text = body.strip() or "\n\n".join(walk.forwarded).strip()
    full = [body.strip(), *walk.forwarded]
    full += [_attachment_section(a) for a in walk.attachments if a.media_type not in _NESTED_MAIL]
    result = Extraction(
        media_type="message/rfc822",
        text=text,
        full_text="\n\n".join(t for t in full if t and t.strip()),
        headers=headers,
        attachments=walk.attachments,
        problems=walk.problems,
        signature=reply.signature,
        quoted=reply.quoted,
        html=sanitize_html("\n".join(walk.html)) if walk.html else "",
    )
    if not result.text and not result.attachments and not result.problems:
        result.problems.append("Die E-Mail enthält keinen lesbaren Text.")
    return result


def raw_headers(msg: Message, name: str) -> list[str]:
    """Raw values of a header (unsanitised, so 8-bit bytes can still be recovered)."""
    lower = name.lower()
    return [value for key, value in msg.raw_items() if key.lower() == lower]


def read_headers(msg: Message) -> EmailHeaders:
    def first(name: str) -> str:
        values = raw_headers(msg, name)
        return values[0] if values else ""

    senders = addresses(raw_headers(msg, "From")) or addresses(raw_headers(msg, "Sender"))
    sender_name, sender = senders[0] if senders else ("", "")
    ids = message_ids(first("Message-ID"))
    return EmailHeaders(
        subject=header_text(first("Subject")),
        sender=sender,
        sender_name=sender_name,
        to=[addr for _, addr in addresses(raw_headers(msg, "To")) if addr],
        cc=[addr for _, addr in addresses(raw_headers(msg, "Cc")) if addr],
        reply_to=next((a for _, a in addresses(raw_headers(msg, "Reply-To")) if a), None),
        message_id=ids[0] if ids else None,
        in_reply_to=next(iter(message_ids(first("In-Reply-To"))), None),
        references=[i for v in raw_headers(msg, "References") for i in message_ids(v)],
        date=header_date(first("Date")),
        auto_submitted=_auto_submitted(msg),
    )


def _auto_submitted(msg: Message) -> bool:
    """Out-of-office replies, bounces and list mail must not start new cases by themselves."""
    auto = header_str(first_or_empty(msg, "Auto-Submitted")).strip().lower()
    precedence = header_str(first_or_empty(msg, "Precedence")).strip().lower()
    return (auto not in ("", "no")) or precedence in ("bulk", "junk", "auto_reply") or bool(
        raw_headers(msg, "X-Autoreply") or raw_headers(msg, "X-Autorespond")
    )


def first_or_empty(msg: Message, name: str) -> str:
    values = raw_headers(msg, name)
    return values[0] if values else ""


# --- walking the MIME tree -----------------------------------------------------------------


def _walk_part(part: Message, walk: _Walk, depth: int, in_related: bool) -> None:
    if depth > walk.limits.max_mime_depth:
        walk.problem(
            f"Die E-Mail ist tiefer als {walk.limits.max_mime_depth} Ebenen verschachtelt; "
            "tiefere Teile wurden nicht gelesen."
        )
        return
    ctype = _content_type(part)
    if ctype in _NESTED_MAIL:
        _nested_mail(part, walk, depth)
    elif part.is_multipart():
        _walk_multipart(part, ctype, walk, depth)
    elif ctype in ("text/plain", "text/html") and not _is_attached_file(part):
        _body_part(part, ctype, walk)
    elif ctype.startswith("multipart/"):
        # A multipart whose boundary is missing: the parser leaves it a string; read it as text.
        _body_part(part, "text/plain", walk)
    else:
        _attachment(part, ctype, walk, depth, in_related)


def _walk_multipart(part: Message, ctype: str, walk: _Walk, depth: int) -> None:
    children = [c for c in (part.get_payload() or []) if isinstance(c, Message)]
    subtype = ctype.split("/", 1)[1]
    if subtype == "alternative":
        chosen = _best_alternative(children)
        for child in children:
            if child is chosen:
                _walk_part(child, walk, depth + 1, in_related=False)
            elif _content_type(child) == "text/html" or child.is_multipart():
                _remember_html(child, walk)
            elif not _content_type(child).startswith("text/plain"):
                _walk_part(child, walk, depth + 1, in_related=False)  # e.g. text/calendar
        return
    if subtype == "encrypted":
        walk.problem(ENCRYPTED.format(kind=_encryption_kind(part)))
        for child in children:
            _attachment(child, _content_type(child), walk, depth + 1, False)
        return
    if subtype == "related":
        root = _related_root(part, children)
        for child in children:
            _walk_part(child, walk, depth + 1, in_related=child is not root)
        return
    # mixed, signed (the signature becomes an attachment), report, digest, unknown
    for child in children:
        _walk_part(child, walk, depth + 1, in_related=False)


def _best_alternative(children: list[Message]) -> Message | None:
    """The plain part, unless it is a stub ("Ihr Programm kann kein HTML anzeigen") of a much
    richer HTML part."""
    plain = next((c for c in children if _content_type(c) == "text/plain"), None)
    rich = next(
        (c for c in reversed(children) if _content_type(c) == "text/html" or c.is_multipart()),
        None,
    )
    if rich is None or plain is None:
        return plain or rich or (children[-1] if children else None)
    plain_len = len(_decoded_text(plain).strip())
    if plain_len == 0:
        return rich
    if plain_len >= 200:
        return plain
    html = _html_of(rich)
    rich_len = len(html_to_text(html)) if html is not None else 0
    if html is None and rich.is_multipart():
        return rich if plain_len == 0 else plain
    return rich if rich_len > 3 * plain_len + 20 else plain


def _html_of(part: Message) -> str | None:
    for sub in part.walk():
        if _content_type(sub) == "text/html" and not sub.is_multipart():
            return _decoded_text(sub)
    return None


def _related_root(part: Message, children: list[Message]) -> Message | None:
    start = part.get_param("start")
    if isinstance(start, str):
        for child in children:
            if (child.get("Content-ID") or "").strip() == start.strip():
                return child
    return children[0] if children else None


def _remember_html(part: Message, walk: _Walk) -> None:
    """Keep the HTML alternative for display even when the plain part is read."""
    html = _html_of(part)
    if html is not None:
        walk.html.append(html)


def _encryption_kind(part: Message) -> str:
    protocol = str(part.get_param("protocol") or "").lower()
    return "PGP/MIME" if "pgp" in protocol else "S/MIME" if "pkcs7" in protocol else protocol or "unbekannt"


# --- leaves --------------------------------------------------------------------------------


def _body_part(part: Message, ctype: str, walk: _Walk) -> None:
    text = _decoded_text(part)
    if ctype == "text/html":
        walk.html.append(text)
        text = html_to_text(text)
    elif str(part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, delsp=str(part.get_param("delsp") or "").lower() == "yes")
    if "-----BEGIN PGP MESSAGE-----" in text:
        walk.problem(ENCRYPTED.format(kind="PGP"))
    walk.bodies.append(text)


def _decoded_text(part: Message) -> str:
    payload = _payload_bytes(part)
    charset = part.get_param("charset")
    text = decode_text(payload, charset if isinstance(charset, str) else None)
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: keep the raw text
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw.encode("ascii", "surrogateescape")
        return b""
    return payload


def unflow(text: str, delsp: bool = False) -> str:
    """Join RFC 3676 format=flowed lines (a trailing space means "continues")."""
    out: list[str] = []
    buffer = ""
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.endswith(" ") and line != "-- ":
            buffer += line[:-1] if delsp else line
            continue
        out.append(buffer + line)
        buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def _nested_mail(part: Message, walk: _Walk, depth: int) -> None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        content = _message_bytes(payload[0])
        cte = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
        if cte in ("base64", "quoted-printable"):
            # Illegal for message/rfc822 but sent anyway; the parser saw only encoded text.
            content = _transfer_decode(content.lstrip(b"\r\n"), cte)
    else:
        content = _payload_bytes(part)
    attachment = _new_attachment(part, "message/rfc822", content, walk, in_related=False)
    if attachment is None:
        return
    sub = _extract_child(attachment, walk, depth)
    if sub is not None and sub.headers is not None:
        h = sub.headers
        if attachment.filename is None or attachment.filename.startswith("Anhang "):
            attachment.filename = fallback_filename("message/rfc822", 0, h.subject or "Nachricht")
        heading = ["---------- Weitergeleitete Nachricht ----------"]
        heading += [f"Von: {h.sender_name} <{h.sender}>".replace(" <>", "")] if h.sender else []
        heading += [f"Datum: {h.date:%d.%m.%Y %H:%M}"] if h.date else []
        heading += [f"Betreff: {h.subject}"] if h.subject else []
        walk.forwarded.append("\n".join(heading) + "\n\n" + (sub.full_text or sub.text))


def _transfer_decode(data: bytes, cte: str) -> bytes:
    if cte == "quoted-printable":
        return quopri.decodestring(data)
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    try:
        return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return data


def _message_bytes(msg: Message) -> bytes:
    try:
        return msg.as_bytes(policy=email.policy.compat32)
    except Exception:  # a part the generator cannot write back: its text is still useful
        return msg.as_string(policy=email.policy.compat32).encode("utf-8", "surrogateescape")


def _attachment(part: Message, ctype: str, walk: _Walk, depth: int, in_related: bool) -> None:
    content = _payload_bytes(part)
    filename = _filename(part)
    if ctype in _TNEF_TYPES or (filename or "").lower() == "winmail.dat":
        ctype = "application/ms-tnef"
    if ctype in _SMIME_TYPES:
        _smime(part, content, walk, depth)
    attachment = _new_attachment(part, ctype, content, walk, in_related)
    if attachment is None:
        return
    if attachment.media_type == "application/ms-tnef":
        _unpack_tnef(attachment, walk, depth)
    elif _worth_reading(attachment, in_related):
        _extract_child(attachment, walk, depth)


def _smime(part: Message, content: bytes, walk: _Walk, depth: int) -> None:
    smime_type = str(part.get_param("smime-type") or "").lower()
    if smime_type == "enveloped-data":
        walk.problem(ENCRYPTED.format(kind="S/MIME"))
        return
    inner = signed_content(content)
    if inner is not None:
        # Opaque signed: the mail itself is inside the signature; read it like any part.
        message = email.message_from_bytes(inner, policy=email.policy.compat32)
        _walk_part(message, walk, depth + 1, in_related=False)
    elif smime_type == "signed-data":
        walk.problem(
            "Die S/MIME-Signatur der E-Mail ist beschädigt; ihr Inhalt konnte nicht gelesen "
            "werden. Die Datei smime.p7m ist beigefügt."
        )
    elif smime_type != "certs-only":
        walk.problem(ENCRYPTED.format(kind="S/MIME"))  # no type given and not signed-data


def _new_attachment(
    part: Message, ctype: str, content: bytes, walk: _Walk, in_related: bool
) -> Attachment | None:
    if len(walk.attachments) >= walk.limits.max_attachments:
        walk.problem(
            f"Zu viele Anhänge: nur die ersten {walk.limits.max_attachments} wurden übernommen."
        )
        return None
    filename = _filename(part)
    media_type = _refine_media_type(ctype, content, filename)
    disposition = (part.get_content_disposition() or "").lower()
    attachment = Attachment(
        filename=filename or fallback_filename(media_type, len(walk.attachments) + 1),
        media_type=media_type,
        content=content,
        inline=disposition == "inline" or (in_related and disposition != "attachment"),
    )
    walk.attachments.append(attachment)
    return attachment


def _filename(part: Message) -> str | None:
    source = _with_decoded_8bit_params(part)
    try:
        name = source.get_filename() or source.get_param("name")
    except Exception:
        name = None
    if isinstance(name, tuple):  # undecoded RFC 2231 triple
        name = email.utils.collapse_rfc2231_value(name)
    return safe_filename(header_text(name)) if name else None


def _with_decoded_8bit_params(part: Message) -> Message:
    """Raw 8-bit file names (illegal, common from old Outlook) are lost by the stdlib's
    parameter parser; decode such headers first and parse a copy."""
    wanted = ("content-disposition", "content-type")
    raw = [(k, v) for k, v in part.raw_items() if k.lower() in wanted]
    if not any(isinstance(v, str) and any("\udc80" <= c <= "\udcff" for c in v) for _, v in raw):
        return part
    copy = Message()
    for key, value in raw:
        copy[key] = header_str(value)
    return copy


def _refine_media_type(declared: str, content: bytes, filename: str | None) -> str:
    """Names and declared types lie; magic bytes of PDFs and images do not."""
    sniffed = sniff_media_type(content, None)
    if sniffed != "application/octet-stream":
        return sniffed
    if declared in _GENERIC_TYPES or declared.startswith("application/x-") and filename:
        by_name = sniff_media_type(content, filename)
        if by_name != "application/octet-stream":
            return by_name
    return declared


def _worth_reading(attachment: Attachment, in_related: bool) -> bool:
    media_type = attachment.media_type
    if not (media_type in _READABLE_TYPES or media_type.startswith(_READABLE_PREFIXES)):
        return False
    # Logos and icons of an HTML signature: not documents, not worth OCR time.
    return not (
        in_related and media_type.startswith("image/") and len(attachment.content) < _SMALL_INLINE_IMAGE
    )


def _extract_child(attachment: Attachment, walk: _Walk, depth: int) -> Extraction | None:
    """Read an attachment through the dispatcher, within what is left of the limits."""
    if time.monotonic() > walk.deadline:
        walk.problem("Die Zeit zum Lesen der Anhänge war zu Ende; nicht alle wurden gelesen.")
        return None
    remaining_depth = walk.limits.max_mime_depth - depth - 1
    if remaining_depth < 0:
        walk.problem(
            f"Die E-Mail ist tiefer als {walk.limits.max_mime_depth} Ebenen verschachtelt; "
            "tiefere Teile wurden nicht gelesen."
        )
        return None
    child_limits = dataclasses.replace(
        walk.limits,
        max_mime_depth=remaining_depth,
        max_attachments=max(0, walk.limits.max_attachments - len(walk.attachments)),
        seconds_per_document=max(1.0, walk.deadline - time.monotonic()),
    )
    if attachment.media_type == "text/html":
        html = decode_text(attachment.content)
        text = html_to_text(html)
        sub = Extraction(media_type="text/html", text=text, full_text=text)
    else:
        sub = walk.read_part(attachment.content, attachment.media_type, child_limits)
    attachment.extraction = sub
    for problem in sub.problems:
        if "kann nicht automatisch gelesen werden" in problem and "verschlüsselt" not in problem:
            continue  # an unsupported format is normal for an attachment, not a problem
        walk.problem(f"Anhang „{attachment.filename}“: {problem}")
    return sub


def _unpack_tnef(attachment: Attachment, walk: _Walk, depth: int) -> None:
    """winmail.dat stays as it came; its body and files are added when they can be decoded."""
    unpacked = tnef.unpack(attachment.content)
    if unpacked is None:
        walk.problem(
            "Anhang winmail.dat (Outlook-Format) konnte nicht entpackt werden; "
            "er ist unverändert beigefügt."
        )
        return
    if unpacked.body and not any(b.strip() for b in walk.bodies):
        walk.bodies.append(unpacked.body)
    for name, content in unpacked.files:
        if len(walk.attachments) >= walk.limits.max_attachments:
            walk.problem(
                f"Zu viele Anhänge: nur die ersten {walk.limits.max_attachments} wurden übernommen."
            )
            return
        inner = Attachment(
            filename=safe_filename(name) or fallback_filename("application/octet-stream", 0),
            media_type=sniff_media_type(content, name),
            content=content,
        )
        walk.attachments.append(inner)
        if _worth_reading(inner, in_related=False):
            _extract_child(inner, walk, depth + 1)


def _is_attached_file(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" and _filename(part) is not None


def _content_type(part: Message) -> str:
    try:
        ctype = part.get_content_type()
    except Exception:
        return "application/octet-stream"
    return ctype.strip().lower()


def _attachment_section(attachment: Attachment) -> str:
    sub = attachment.extraction
    text = (sub.full_text or sub.text) if sub else ""
    return f"--- Anhang: {attachment.filename} ---\n{text}" if text.strip() else ""
