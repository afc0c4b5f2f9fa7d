"""IMAP intake (imapclient): every configured mailbox becomes items, exactly once.

Per mailbox, one poller at a time (a lease row in the database):
1. select the folder; a changed UIDVALIDITY resets the bookmark (all UIDs are new),
2. fetch mail with a UID above the bookmark, oldest first, in small batches, with bounded memory
   (``imap_fetch``: large mail is streamed to the blob store; mail above
   ``imap_max_message_bytes`` becomes a parked item of its header and is set aside in the
   mailbox's ``oversize_folder``),
3. store each original and its item (``accept``: committed), then move the batch to the
   processed folder (MOVE, or COPY + \\Deleted + EXPUNGE), then advance the bookmark.
A crash between 3's steps re-fetches at most one batch; its receipts (keyed by UIDVALIDITY and
UID) make the second store a no-op, so nothing is stored twice and nothing skipped. After a
UIDVALIDITY change every UID is new: then mail already stored from this mailbox is recognised
by the SHA-256 of its bytes instead.
Then wait: IDLE where the server has it, else sleep the poll interval.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from sqlalchemy import select

from connectors import imap_fetch, imap_health, imap_oauth, imap_state
from connectors.gateway import accept
from connectors.imap_state import LeaseLost
from store.blobs import blob_store
from store.db import session_scope
from store.enums import Channel
from store.intake import Incoming
from store.models import Item, Receipt
from store.settings import ImapMailbox, Settings

log = logging.getLogger(__name__)

FETCH_BATCH = 25
IDLE_SECONDS = 25.0  # re-IDLE this often (servers drop idle clients after ~30 min; leases renew)


@dataclass
class PollResult:
    fetched: int = 0
    created: int = 0
    moved: int = 0
    skipped_lease: bool = False


class MailboxPoller:
    """Reads one mailbox. ``poll_once`` for a single pass, ``run`` for the long-running loop."""

    def __init__(
        self,
        mailbox: ImapMailbox,
        settings: Settings,
        owner: str | None = None,
        accept_fn: Callable[[Incoming, Settings], tuple[int, bool]] = accept,
    ) -> None:
        self.mailbox = mailbox
        self.settings = settings
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.accept = accept_fn
        self.lease_seconds = settings.imap_lease_seconds
        self._rescan = False
        self._claimed_at = 0.0

    # --- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        backoff = 1.0
        imap_state.ensure_row(self._session, self.mailbox.name)
        try:
            while not stop.is_set():
                try:
                    with self.connect() as client:
                        backoff = 1.0
                        while not stop.is_set():
                            result = self.poll(client)
                            if not result.skipped_lease:
                                imap_health.polled(self.settings, self.mailbox.name, result.created)
                            self._wait(client, stop, idle=not result.skipped_lease)
                except LeaseLost:
                    log.warning("IMAP %s: lease lost to another poller", self.mailbox.name)
                except Exception as exc:  # server gone, network, storage down: retry later
                    imap_health.failed(self.settings, self.mailbox.name, exc)
                    log.warning("IMAP %s: %s; retrying in %.0f s", self.mailbox.name, exc, backoff)
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 300.0)
        finally:
            with self._session() as session:
                imap_state.release(session, self.mailbox.name, self.owner)

    def _wait(self, client: IMAPClient, stop: threading.Event, idle: bool) -> None:
        interval = self.mailbox.poll_interval or self.settings.imap_poll_interval
        if idle and client.has_capability("IDLE") and self.mailbox.idle:
            # Wake up on new mail, but at the latest before the lease needs renewing.
            timeout = min(interval, IDLE_SECONDS, self.lease_seconds / 3)
            client.idle()
            try:
                end = time.monotonic() + timeout
                while not stop.is_set() and time.monotonic() < end:
                    if client.idle_check(timeout=1.0):  # 1 s slices: stop stays responsive
                        break
            finally:
                client.idle_done()
        else:
            stop.wait(min(interval, self.lease_seconds / 3) if idle else interval)

    # --- one pass ---------------------------------------------------------------------------

    def poll_once(self) -> PollResult:
        imap_state.ensure_row(self._session, self.mailbox.name)
        try:
            with self.connect() as client:
                result = self.poll(client)
            if not result.skipped_lease:
                imap_health.polled(self.settings, self.mailbox.name, result.created)
            return result
        except Exception as exc:
            imap_health.failed(self.settings, self.mailbox.name, exc)
            raise
        finally:
            with self._session() as session:
                imap_state.release(session, self.mailbox.name, self.owner)

    def poll(self, client: IMAPClient) -> PollResult:
        result = PollResult()
        if not self._claim():
            result.skipped_lease = True
            return result
        selected = client.select_folder(self.mailbox.folder)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        with self._session() as session:
            mark = imap_state.bookmark(session, self.mailbox.name)
        last_uid = mark.last_uid
        self._rescan = False
        if mark.uidvalidity != uidvalidity:
            if mark.uidvalidity is not None:
                log.warning(
                    "IMAP %s: UIDVALIDITY changed %s -> %s; re-reading the folder",
                    self.mailbox.name, mark.uidvalidity, uidvalidity,
                )
            last_uid = 0
            self._rescan = mark.uidvalidity is not None
            self._advance(uidvalidity, 0)
        uids = sorted(u for u in client.search(["UID", f"{last_uid + 1}:*"]) if u > last_uid)
        for start in range(0, len(uids), FETCH_BATCH):
            if not self._claim():
                raise LeaseLost(self.mailbox.name)
            batch = uids[start : start + FETCH_BATCH]
            self._process_batch(client, batch, uidvalidity, result)
        return result

    def _process_batch(
        self, client: IMAPClient, batch: list[int], uidvalidity: int, result: PollResult
    ) -> None:
        stored: list[int] = []
        set_aside: list[int] = []  # too large: only the header became an item
        blobs = blob_store(self.settings)
        try:
            mails = imap_fetch.fetch_mails(
                client, batch, self.settings.imap_max_message_bytes, blobs, self._keep_lease
            )
            for mail in mails:
                done = set_aside if mail.oversize else stored
                if self._rescan and self._stored_before(_sha256_of(mail)):
                    done.append(mail.uid)
                    result.fetched += 1
                    continue
                _, created = self.accept(self._incoming(uidvalidity, mail), self.settings)
                done.append(mail.uid)
                result.fetched += 1
                result.created += int(created)
        except BaseException:
            # What was committed is acknowledged; the rest is fetched again next time.
            if stored or set_aside:
                result.moved += self._acknowledge(client, stored) if stored else 0
                result.moved += self._set_aside(client, set_aside)
                self._advance(uidvalidity, max(stored + set_aside))
            raise
        if stored:
            result.moved += self._acknowledge(client, stored)
        result.moved += self._set_aside(client, set_aside)
        self._advance(uidvalidity, max(batch))

    def _stored_before(self, digest: str) -> bool:
        with self._session() as session:
            found = session.scalars(
                select(Receipt.id)
                .join(Item, Item.id == Receipt.item_id)
                .where(Receipt.path == self._path, Item.content_hash == digest)
            ).first()
        return found is not None

    @property
    def _path(self) -> str:
        return self.mailbox.address or self.mailbox.name

    def _incoming(self, uidvalidity: int, mail: imap_fetch.FetchedMail) -> Incoming:
        received_at = mail.internaldate
        if not isinstance(received_at, datetime):
            received_at = datetime.now(UTC)
        elif received_at.tzinfo is None:
            received_at = received_at.astimezone(UTC)
        incoming = Incoming(
            channel=Channel.EMAIL,
            content=mail.content,
            stored=mail.stored,
            media_type="message/rfc822",
            # INTERNALDATE: when the server received it, the legal receipt time.
            received_at=received_at,
            mailbox=self._path,
            external_id=f"uid:{uidvalidity}:{mail.uid}",
            actor=f"connector:imap:{self.mailbox.name}",
        )
        if mail.oversize:
            headers = mail.headers()
            incoming.subject = headers.subject or None
            incoming.sender = headers.sender or None
            incoming.sender_name = headers.sender_name or None
            incoming.attention = oversize_reason(
                mail.size, self.settings.imap_max_message_bytes, self.mailbox
            )
        return incoming

    def _acknowledge(self, client: IMAPClient, uids: list[int]) -> int:
        """Move committed mail out of the way; never delete what is not stored."""
        target = self.mailbox.processed_folder
        if not target:
            client.add_flags(uids, [b"\\Seen"])
            return 0
        return self._move(client, uids, target)

    def _set_aside(self, client: IMAPClient, uids: list[int]) -> int:
        """Oversized mail (only its header is an item) goes, unread, where an admin finds it."""
        if not uids:
            return 0
        target = self.mailbox.oversize_folder
        if not target:
            client.add_flags(uids, [b"\\Flagged"])
            return 0
        return self._move(client, uids, target)

    def _move(self, client: IMAPClient, uids: list[int], target: str) -> int:
        if not client.folder_exists(target):
            try:
                client.create_folder(target)
            except IMAPClientError:
                if not client.folder_exists(target):
                    raise
        if client.has_capability("MOVE") and self.mailbox.use_move:
            client.move(uids, target)
        else:
            client.copy(uids, target)
            client.add_flags(uids, [b"\\Deleted"])
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(uids)
            else:
                client.expunge()
        return len(uids)

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def connect(self) -> Iterator[IMAPClient]:
        box = self.mailbox
        context = ssl.create_default_context()
        if not box.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        client = IMAPClient(
            box.host, port=box.port, ssl=box.security == "tls", ssl_context=context, timeout=60
        )
        client.normalise_times = False  # keep INTERNALDATE's zone: it is the receipt time
        try:
            if box.security == "starttls":
                client.starttls(context)
            self._login(client)
            yield client
        finally:
            try:
                client.logout()
            except Exception:  # the connection may already be gone
                client.shutdown()

    def _login(self, client: IMAPClient) -> None:
        box = self.mailbox
        if box.auth != "oauth2":
            client.login(box.user, box.password)
            return
        try:
            client.oauth2_login(box.user, imap_oauth.access_token(box))
        except LoginError:
            # A cached token the server no longer takes (revoked, rights changed): one retry
            # with a fresh one; a second refusal is a real configuration problem.
            imap_oauth.forget(box)
            client.oauth2_login(box.user, imap_oauth.access_token(box))

    def _session(self):  # type: ignore[no-untyped-def]
        return session_scope(self.settings)

    def _claim(self) -> bool:
        with self._session() as session:
            claimed = imap_state.claim(session, self.mailbox.name, self.owner, self.lease_seconds)
        if claimed:
            self._claimed_at = time.monotonic()
        return claimed

    def _keep_lease(self) -> None:
        """Renew the lease during a long download (a large mail over a slow line)."""
        if time.monotonic() - self._claimed_at > self.lease_seconds / 3 and not self._claim():
            raise LeaseLost(self.mailbox.name)

    def _advance(self, uidvalidity: int, last_uid: int) -> None:
        with self._session() as session:
            imap_state.advance(session, self.mailbox.name, self.owner, uidvalidity, last_uid)


def oversize_reason(size: int, limit: int, mailbox: ImapMailbox) -> str:
    """German, for staff: what happened to a mail too large to fetch and where it is now."""
    where = (
        f"Ordner „{mailbox.oversize_folder}“" if mailbox.oversize_folder
        else f"Ordner „{mailbox.folder}“ (markiert)"
    )
    return (
        f"Die E-Mail ist {_megabytes(size)} groß, mehr als die Grenze von {_megabytes(limit)} "
        f"für den Abruf. Übernommen sind nur Absender, Betreff und Datum; die vollständige "
        f"E-Mail liegt unverändert im Postfach {mailbox.address or mailbox.name}, {where}. "
        "Bitte dort öffnen und die Unterlagen übernehmen oder beim Absender anfordern."
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB".replace(".", ",")


def _sha256_of(mail: imap_fetch.FetchedMail) -> str:
    return mail.stored.sha256 if mail.stored else hashlib.sha256(mail.content).hexdigest()

