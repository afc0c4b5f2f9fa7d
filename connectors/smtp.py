"""SMTP intake (aiosmtpd): spool the raw message with its receipt time, then answer 250.

Thin like aiosmtpd's own handlers: unknown recipients are refused in RCPT (no open relay),
DATA appends the mail to the durable spool (connectors.spool_writer; its ingest makes the item,
connectors.spool_ingest), a storage error answers 451 so the sending server retries. Around
that: a size limit (552, also announced via SIZE), a cap on concurrent connections per process (421),
a per-client message rate shared by all SMTP processes (451, ``smtp_limits``), and optional
STARTTLS and AUTH (``smtp_auth``) for the town hall's relay.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from connectors import spool
from connectors.smtp_auth import Authenticator, SmtpAuthConfigError, parse_users
from connectors.smtp_limits import make_rate_limiter
from connectors.spool import SpooledMail
from connectors.spool_ingest import SpoolIngest
from connectors.spool_writer import SpoolWriter
from store import metrics
from store.settings import Settings
from worker import intake_first

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 100


class IntakeHandler:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.domains = settings.accepted_domains
        self.recipients = settings.accepted_recipients
        self.limiter = make_rate_limiter(settings)
        self._writer: SpoolWriter | None = None
        self._ingest: SpoolIngest | None = None

    def start(self) -> None:
        """Open the spool and start its ingest (also of what a previous process left)."""
        self._writer = SpoolWriter(self.settings.spool_dir)
        self._ingest = SpoolIngest(self.settings, self._writer)

    def close(self) -> None:
        """Called when the server stops: what is spooled is stored (a restarted server starts afresh)."""
        if self._writer is not None and self._ingest is not None:
            self._writer.close()
            self._ingest.stop()
            self._writer = self._ingest = None

    def accepts(self, address: str) -> bool:
        address = address.strip().strip("<>").lower()
        return address in self.recipients or address.rpartition("@")[2] in self.domains

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list
    ) -> str:
        if self.settings.smtp_auth_required and not session.authenticated:
            return "530 5.7.0 Anmeldung erforderlich (AUTH)"
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        if self.limiter.shared:  # a round trip to Redis/PostgreSQL: not in the event loop
            allowed = await asyncio.get_running_loop().run_in_executor(None, self.limiter.allow, peer)
        else:
            allowed = self.limiter.allow(peer)
        if not allowed:
            return "451 4.7.1 Zu viele Nachrichten, bitte später erneut senden"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list
    ) -> str:
        if not self.accepts(address):
            return "550 5.7.1 Relaying denied: unbekannter Empfänger"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Zu viele Empfänger"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        received_at = datetime.now(UTC)  # legal receipt time: when the data reached us
        content = envelope.original_content or b""
        if len(content) > self.settings.smtp_max_message_bytes:  # BDAT/odd clients
            return "552 5.3.4 Nachricht zu groß"
        assert self._writer is not None, "the controller starts the spool"
        record = spool.encode(SpooledMail(received_at, envelope.mail_from or None,
                                          list(envelope.rcpt_tos), content))
        intake_first.begin()  # embedded pipeline threads and the ingest wait meanwhile
        try:
            await self._writer.append(record)
        except OSError:
            log.exception("SMTP message could not be spooled")
            return "451 4.3.0 Speicherfehler, bitte später erneut senden"
        finally:
            intake_first.end()
        # Only now, with the mail and its receipt time on disk, may the sender forget it; the
        # item follows from the spool (connectors.spool_ingest). No item number: it would tell
        # any sender how much the office receives.
        return "250 2.0.0 OK: Nachricht angenommen"


class ConnectionCount:
    """Open connections of this process, in all and per client address (event loop only)."""

    def __init__(self, limit: int, per_client: int) -> None:
        self.limit, self.per_client = limit, per_client
        self.active = 0
        self.by_client: dict[str, int] = {}

    def open(self, client: str) -> bool:
        """Count a new connection; whether it is within both limits."""
        self.active += 1
        self.by_client[client] = self.by_client.get(client, 0) + 1
        return self.active <= self.limit and self.by_client[client] <= self.per_client

    def close(self, client: str) -> None:
        self.active -= 1
        left = self.by_client.get(client, 1) - 1
        if left > 0:
            self.by_client[client] = left
        else:
            self.by_client.pop(client, None)


@dataclass(frozen=True)
class _Pending:
    mechanism: str
    auth_data: object


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(
    rf"[ \t]*<(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>"
    r"(?:[ \t]+(?P<rest>[^\s()\\\"][^()\\\"]*))?[ \t]*"
)


class LimitedSMTP(SMTP):
    """aiosmtpd's SMTP with a cap on concurrent connections (421 beyond it)."""

    # RFC 5321 allows 1000 octets per line, but real senders (scanners, old web mailers) send
    # longer ones; refusing them would make the sender bounce a citizen's mail.
    line_length_limit = 64 * 1024

    def __init__(self, *args, connections: ConnectionCount, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._connections = connections
        self._counted: str | None = None
        self._refused = False

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        # aiosmtpd parses every MAIL and RCPT address with the email package's RFC 5322 header
        # parser (and defines a class per call): a quarter of the event loop's time per mail.
        # The usual ``<local@domain.tld> PARAMS`` is read with one regex to the same result;
        # anything else (quotes, comments, literals, routes, ``<>``) goes to aiosmtpd's parser.
        plain = _PLAIN_ADDRESS.fullmatch(arg)
        if plain is None or (self.local_part_limit and len(plain["local"]) > self.local_part_limit):
            return super()._getaddr(arg)
        return f"{plain['local']}@{plain['domain']}", plain["rest"] or ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._counted is None:  # not for the second call after STARTTLS
            peer = transport.get_extra_info("peername")
            self._counted = str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
            self._refused = not self._connections.open(self._counted)
        super().connection_made(transport)

    async def push(self, status):  # type: ignore[no-untyped-def]
        # Every answer passes here (also aiosmtpd's own: greeting, syntax errors, AUTH).
        code = status[:3]
        metrics.smtp_answer(code.decode("ascii", "replace") if isinstance(code, bytes) else code)
        await super().push(status)

    def connection_lost(self, error: Exception | None) -> None:
        if self._counted is not None:
            self._connections.close(self._counted)
            self._counted = None
        super().connection_lost(error)

    # AUTH: aiosmtpd calls the authenticator synchronously inside the event loop; an argon2
    # check there would stall every other connection. The built-in mechanisms hand their
    # credentials to ``_authenticate``, which here only captures them; the check then runs in
    # a thread.
    def _authenticate(self, mechanism: str, auth_data: object) -> AuthResult:
        return AuthResult(success=False, handled=False, auth_data=_Pending(mechanism, auth_data))

    async def _checked(self, result: AuthResult) -> AuthResult:
        pending = result.auth_data
        if not isinstance(pending, _Pending):
            return result
        assert self._authenticator is not None
        return await asyncio.get_running_loop().run_in_executor(
            None, self._authenticator, self, self.session, self.envelope,
            pending.mechanism, pending.auth_data,
        )

    async def auth_PLAIN(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._checked(await super().auth_PLAIN(server, args))

    async def auth_LOGIN(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._checked(await super().auth_LOGIN(server, args))

    async def _handle_client(self) -> None:
        if self._refused:
            await self.push("421 4.7.0 Zu viele Verbindungen, bitte später erneut versuchen")
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()


class IntakeController(Controller):
    def __init__(self, settings: Settings, port: int) -> None:
        self.connections = ConnectionCount(settings.smtp_max_connections,
                                           settings.smtp_max_connections_per_client)
        tls_context = _tls_context(settings)
        users = parse_users(settings.smtp_auth_users)
        if users and tls_context is None and not settings.smtp_auth_allow_plaintext:
            raise SmtpAuthConfigError(
                "SMTP-AUTH ist eingerichtet, aber ohne STARTTLS würden Passwörter im Klartext "
                "übertragen: EINGANG_SMTP_TLS_CERT setzen oder (nur im internen Netz) "
                "EINGANG_SMTP_AUTH_ALLOW_PLAINTEXT=true."
            )
        super().__init__(
            IntakeHandler(settings),
            hostname=settings.smtp_host,
            port=port,
            data_size_limit=settings.smtp_max_message_bytes,
            server_hostname="eingang",
            ident="eingang ESMTP",
            tls_context=tls_context,
            require_starttls=settings.smtp_require_tls and tls_context is not None,
            authenticator=Authenticator(users) if users else None,
            auth_required=False,  # checked in MAIL, so that the answer is a German 530
            # Passwords only after STARTTLS, unless explicitly allowed (relay on a trusted net).
            auth_require_tls=not settings.smtp_auth_allow_plaintext,
        )

    def factory(self) -> SMTP:
        return LimitedSMTP(self.handler, connections=self.connections, **self.SMTP_kwargs)

    def start(self) -> None:
        self.handler.start()
        super().start()

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert)
        self.handler.close()


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.smtp_tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(settings.smtp_tls_cert), str(settings.smtp_tls_key or settings.smtp_tls_cert))
    return context


def make_controller(settings: Settings, port: int | None = None) -> Controller:
    return IntakeController(settings, settings.smtp_port if port is None else port)
