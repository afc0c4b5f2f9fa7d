"""SMTP intake (aiosmtpd): store the raw message and the item, then answer 250.

Thin like aiosmtpd's own handlers: unknown recipients are refused in RCPT (no open relay),
DATA stores and enqueues, a storage error answers 451 so the sending server retries.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from connectors.accept import accept
from store.enums import Channel
from store.intake import Incoming
from store.settings import Settings

log = logging.getLogger(__name__)


class IntakeHandler:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.domains = settings.accepted_domains

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list
    ) -> str:
        domain = address.rpartition("@")[2].lower().rstrip(">")
        if domain not in self.domains:
            return "550 5.7.1 Relaying denied: unbekannter Empfänger"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        received_at = datetime.now(UTC)  # legal receipt time: when the data reached us
        content = envelope.original_content or b""
        incoming = Incoming(
            channel=Channel.EMAIL,
            content=content,
            media_type="message/rfc822",
            received_at=received_at,
            sender=envelope.mail_from or None,
            mailbox=",".join(envelope.rcpt_tos),
            actor="connector:smtp",
        )
        try:
            loop = asyncio.get_running_loop()
            item_id, _ = await loop.run_in_executor(None, accept, incoming, self.settings)
        except Exception:
            log.exception("SMTP message for %s could not be stored", ",".join(envelope.rcpt_tos))
            return "451 4.3.0 Speicherfehler, bitte später erneut senden"
        log.info("SMTP message stored as item %s", item_id)
        return f"250 2.0.0 OK: angenommen als Vorgang {item_id}"


def make_controller(settings: Settings, port: int | None = None) -> Controller:
    return Controller(
        IntakeHandler(settings),
        hostname=settings.smtp_host,
        port=settings.smtp_port if port is None else port,
        data_size_limit=settings.smtp_max_message_bytes,
        server_hostname="eingang",
        ident="eingang ESMTP",
    )
