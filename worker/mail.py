"""Mails to citizens: German templates (editable), outbox messages, and their delivery.

Templates are Jinja2 text files; the first line is the subject. A folder set in
``EINGANG_TEMPLATE_DIR`` overrides the built-in ones file by file. Delivery goes to the SMTP
relay, or in embedded mode to ``<data_dir>/mail-out`` as .eml files.
"""

from __future__ import annotations

import base64
import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from domain import Catalogue, yamlfile
from store.db import session_scope
from store.models import Item, OutboxMessage
from store.settings import OutgoingMailSettings, Settings
from store.threads import message_id_mac

BUILTIN = Path(__file__).with_name("templates")


@lru_cache(maxsize=4)
def _environment(override: Path | None) -> jinja2.Environment:
    folders = [str(override)] if override else []
    # Sandboxed: admins edit templates in the web console; a template must not reach Python.
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([*folders, str(BUILTIN)]),
        autoescape=False,  # plain-text mail
        keep_trailing_newline=True,
        trim_blocks=True,
    )


def render(mail: OutgoingMailSettings, template: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of ``template`` (an admin's edited one in the template folder first)."""
    text = _environment(mail.templates_path).get_template(f"{template}.txt").render(**context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.lstrip("\n")


def referral_hint(mail: OutgoingMailSettings, referral_to: str | None, catalogue: Catalogue) -> str | None:
    """What the citizen is told about the body: an admin's ``verweisungen.yaml`` in the template
    folder where there is one, else the referral body's hint in the catalogue."""
    path = mail.templates_path / "verweisungen.yaml"
    if path.exists():
        hints = yamlfile.safe_load(path.read_text(encoding="utf-8")) or {}
        return hints.get(referral_to or "")
    body = catalogue.referral_body(referral_to)
    return body.hint if body and body.hint else None


def email_message(
    item: Item | int | None, dedupe_key: str, to: str, subject: str, body: str,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage:
    """An outbox message of kind ``email``; attachments: filename, content_type, data (text).

    Given the item itself, its reference and the citizen's Message-ID go into the payload,
    so that delivery needs no look at the item (see :func:`build_email`).
    """
    payload: dict = {"to": to, "subject": subject, "body": body, "attachments": attachments or []}
    if isinstance(item, Item):
        payload["case"] = {"reference": item.reference, "message_id": item.message_id}
    return OutboxMessage(
        item_id=item.id if isinstance(item, Item) else item,
        kind="email",
        dedupe_key=dedupe_key,
        payload=payload,
    )


def build_email(message: OutboxMessage, settings: Settings) -> EmailMessage:
    p = message.payload
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = p["to"]
    mail["Subject"] = p["subject"]
    mail["Date"] = formatdate(localtime=True)
    # Stable per outbox message: a repeated delivery after a crash is recognisably the same mail.
    # Keyed: a reply naming this Message-ID proves it saw our mail (store.threads).
    digest = message_id_mac(message.dedupe_key, settings.secret_key)
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(">") or "eingang.local"
    case = p.get("case")
    reference, citizen_message_id = (
        (case["reference"], case["message_id"]) if case else _case_of(message.item_id, settings)
    )
    # Our reference also in the Message-ID: a reply threads back to the case through
    # In-Reply-To even when the citizen's program drops "[EIN-…]" from the subject.
    mail["Message-ID"] = f"<{reference + '.' if reference else ''}{digest}@{domain}>"
    if reference and reference not in p["subject"]:
        mail.replace_header("Subject", f"{p['subject']} [{reference}]")
    if citizen_message_id:  # our answer continues the citizen's thread in their mail program
        mail["In-Reply-To"] = citizen_message_id
        mail["References"] = citizen_message_id
    # RFC 3834: other robots (out-of-office replies) must not answer us, no mail loops.
    mail["Auto-Submitted"] = "auto-replied" if citizen_message_id else "auto-generated"
    mail.set_content(p["body"])
    for a in p.get("attachments", []):
        maintype, _, subtype = a["content_type"].partition("/")
        data = base64.b64decode(a["data_b64"]) if "data_b64" in a else a["data"].encode()
        mail.add_attachment(data, maintype=maintype, subtype=subtype.split(";")[0], filename=a["filename"])
    return mail


def _case_of(item_id: int | None, settings: Settings) -> tuple[str | None, str | None]:
    """(our reference, the citizen's Message-ID) of the item a mail belongs to."""
    if item_id is None:
        return None, None
    with session_scope(settings) as session:
        item = session.get(Item, item_id)
        return (item.reference, item.message_id) if item else (None, None)


def deliver_email(message: OutboxMessage, settings: Settings) -> None:
    mail = build_email(message, settings)
    if not settings.mail_relay:
        folder = settings.data_dir / "mail-out"
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:24]
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(bytes(mail))
        tmp.replace(folder / f"{name}.eml")  # same name on a repeat: never two files
        return
    host, _, port = settings.mail_relay.rpartition(":")
    host, port_number = host or settings.mail_relay, int(port or 25)
    context = ssl.create_default_context()
    if not settings.mail_relay_verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if settings.mail_relay_security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port_number, timeout=30, context=context)
    else:
        smtp = smtplib.SMTP(host, port_number, timeout=30)
    with smtp:
        if settings.mail_relay_security == "starttls":
            smtp.starttls(context=context)
        if settings.mail_relay_user:
            smtp.login(settings.mail_relay_user, settings.mail_relay_password)
        # Raises on a refused recipient: the outbox records the error and retries.
        smtp.send_message(mail)
