"""Fetch mail from an IMAP folder with bounded memory: sizes first, then whole, streamed or headers.

A mail is fetched in one of three ways, decided by its ``RFC822.SIZE``:
- up to ``STREAM_ABOVE`` bytes: whole, several mails in one FETCH up to ``FETCH_BUDGET`` bytes;
- larger: streamed into the blob store in ``CHUNK``-sized partial fetches
  (``BODY.PEEK[]<offset.length>``), so a mail with 80 MB of scans never sits in memory whole;
- above the hard limit (``imap_max_message_bytes``): only its header. The item is parked with a
  German reason and the mail itself is set aside on the server, untouched (see ``imap.py``).
Mails are yielded in UID order, so the caller can acknowledge and bookmark as before.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from imapclient import IMAPClient

from extraction.mime import read_headers
from extraction.types import EmailHeaders
from store.blobs import BlobStore
from store.intake import StoredOriginal

CHUNK = 1024 * 1024
STREAM_ABOVE = 4 * CHUNK
FETCH_BUDGET = 16 * 1024 * 1024
HEADER_BYTES = 256 * 1024  # of an oversized mail; a longer header is cut (the item says so)


class MailVanished(Exception):
    """The mail disappeared while it was being streamed (moved or expunged by someone else)."""


class MailTooLong(Exception):
    """The server sent more than the mail's announced size allows; the batch is retried."""


@dataclass
class FetchedMail:
    uid: int
    size: int  # RFC822.SIZE as the server reports it
    internaldate: datetime | None
    content: bytes = b""  # the whole mail, or only its header when ``oversize``
    stored: StoredOriginal | None = None  # streamed into the blob store instead
    oversize: bool = False

    def headers(self) -> EmailHeaders:
        try:
            return read_headers(email.message_from_bytes(self.content, policy=email.policy.compat32))
        except Exception:  # a header we cannot read still leaves an item with the reason
            return EmailHeaders()


def fetch_mails(
    client: IMAPClient,
    uids: list[int],
    max_bytes: int,
    blobs: BlobStore,
    keep_alive: Callable[[], None] = lambda: None,
) -> Iterator[FetchedMail]:
    """The mails of ``uids`` (skipping any expunged meanwhile), oldest first.

    ``keep_alive`` is called after each streamed chunk (a large mail over a slow line takes
    longer than the mailbox lease; the caller renews it or raises to stop)."""
    meta = client.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
    group: list[FetchedMail] = []
    group_bytes = 0
    for uid in uids:
        data = meta.get(uid)
        if data is None:  # expunged meanwhile (moved by someone else): nothing to do
            continue
        mail = FetchedMail(uid, int(data.get(b"RFC822.SIZE") or 0), data.get(b"INTERNALDATE"))
        if mail.size <= min(STREAM_ABOVE, max_bytes):
            if group and group_bytes + mail.size > FETCH_BUDGET:
                yield from _fetch_whole(client, group)
                group, group_bytes = [], 0
            group.append(mail)
            group_bytes += mail.size
            continue
        yield from _fetch_whole(client, group)  # keep UID order
        group, group_bytes = [], 0
        try:
            if mail.size > max_bytes:
                yield _fetch_header(client, mail)
            else:
                yield _stream(client, mail, blobs, max_bytes, keep_alive)
        except MailVanished:
            continue
    yield from _fetch_whole(client, group)


def _fetch_whole(client: IMAPClient, mails: list[FetchedMail]) -> Iterator[FetchedMail]:
    if not mails:
        return
    fetched = client.fetch([m.uid for m in mails], ["BODY.PEEK[]"])
    for mail in mails:
        data = fetched.get(mail.uid)
        if data is None:
            continue
        # An unreadable mail is still stored (possibly empty): it becomes an item that needs
        # attention instead of blocking the mails behind it.
        mail.content = data.get(b"BODY[]") or b""
        yield mail


def _stream(
    client: IMAPClient,
    mail: FetchedMail,
    blobs: BlobStore,
    max_bytes: int,
    keep_alive: Callable[[], None],
) -> FetchedMail:
    def chunks() -> Iterator[bytes]:
        offset = 0
        while True:
            if offset > max_bytes:  # a server that keeps sending: not what RFC822.SIZE said
                raise MailTooLong(f"UID {mail.uid}: more than {max_bytes} bytes")
            data = client.fetch([mail.uid], [f"BODY.PEEK[]<{offset}.{CHUNK}>"]).get(mail.uid)
            if data is None:
                raise MailVanished(mail.uid)
            chunk = data.get(f"BODY[]<{offset}>".encode()) or b""
            if chunk:
                yield chunk
                keep_alive()
            if len(chunk) < CHUNK:  # the server's RFC822.SIZE may be off; the data decides
                return
            offset += len(chunk)

    sha256, size = blobs.put_stream(chunks())
    mail.stored = StoredOriginal(sha256=sha256, size=size)
    return mail


def _fetch_header(client: IMAPClient, mail: FetchedMail) -> FetchedMail:
    data = client.fetch([mail.uid], [f"BODY.PEEK[HEADER]<0.{HEADER_BYTES}>"]).get(mail.uid)
    if data is None:
        raise MailVanished(mail.uid)
    mail.content = data.get(b"BODY[HEADER]<0>") or b""
    mail.oversize = True
    return mail
