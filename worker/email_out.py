"""Our own mails (acknowledgement of receipt, appointment offers), delivered from the outbox.

The outbox retries; this module only builds and sends one message. The Message-ID is derived
from the outbox message's dedupe key, so a repeated delivery after a crash carries the same
Message-ID and receiving servers and mail programs see one message, not two. The reference
goes into subject and Message-ID so that the citizen's reply threads back to the case.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from store.models import OutboxMessage, utcnow
from store.settings import Settings, get_settings
from worker.outbox import register_deliverer


def message_id(dedupe_key: str, reference: str | None, domain: str) -> str:
    digest = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:20]
    return f"<{reference or 'eingang'}.{digest}@{domain}>"


def subject_with_reference(subject: str, reference: str | None) -> str:
    if not reference or reference in subject:
        return subject
    return f"{subject} [{reference}]".strip()


def build_message(payload: dict[str, Any], dedupe_key: str, settings: Settings) -> EmailMessage:
    """Payload: ``to``, ``subject``, ``body``; optional ``reference``, ``in_reply_to``,
    ``references`` (list), ``to_name``."""
    reference = payload.get("reference")
    msg = EmailMessage()
    from_name, from_addr = parseaddr(settings.mail_from)
    msg["From"] = formataddr((from_name, from_addr))
    msg["To"] = formataddr((payload.get("to_name") or "", payload["to"]))
    msg["Subject"] = subject_with_reference(payload.get("subject") or "", reference)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id(dedupe_key, reference, from_addr.rpartition("@")[2] or "eingang")
    in_reply_to = payload.get("in_reply_to")
    references = [r for r in payload.get("references") or [] if r]
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        if in_reply_to not in references:
            references.append(in_reply_to)
    if references:
        msg["References"] = " ".join(references)
    # RFC 3834: automatic replies must not answer automatic replies (no mail loops).
    msg["Auto-Submitted"] = "auto-generated" if payload.get("automatic", True) else "no"
    msg.set_content(payload.get("body") or "")
    return msg


def send(msg: EmailMessage, settings: Settings) -> None:
    context = ssl.create_default_context()
    if not settings.smtp_out_verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    host, port, timeout = settings.smtp_out_host, settings.smtp_out_port, 60
    if settings.smtp_out_security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if settings.smtp_out_security == "starttls":
            client.starttls(context=context)
        if settings.smtp_out_user:
            client.login(settings.smtp_out_user, settings.smtp_out_password)
        # Raises on any refused recipient: the outbox records the error and retries.
        client.send_message(msg)


def deliver_email(message: OutboxMessage) -> None:
    """The outbox deliverer for kind ``email``."""
    settings = get_settings()
    send(build_message(message.payload or {}, message.dedupe_key, settings), settings)


register_deliverer("email", deliver_email)
