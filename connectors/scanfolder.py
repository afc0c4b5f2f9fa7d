"""Scan folders (hot folders): one directory per scanner or mailroom workplace.

A scanner writes into ``<scan_dir>/<workplace>/``: the folders of ``EINGANG_SCAN_WORKPLACES``,
those set up in the admin console (store.channel_config; re-read on every pass, an inactive one
takes nothing new) and any other folder found under the root. A file (or a folder of page images) is taken
only when it is completely written: its size and mtime stayed the same for
``scan_settle_seconds`` (the folder is polled; file system events get lost, polling does not);
a file found already unchanged for twice that long (after a restart) is taken at once.
Hidden and partial names (``.x``, ``*.part``, ``*.tmp``, ``*~``) are left alone, so scanners
that write under a temporary name and rename at the end are taken at once after settling.

Taking a file means: move it into ``processing/`` (atomic rename), store it as an item (the
original kept unchanged), and leave it there until its item is final; then it goes to
``done/``, or ``failed/`` with ``<name>.grund.txt`` saying why. Restart-safe: on every pass the
files in ``processing/`` are matched with their items by name (the receipt's external id), so a
crash between any two steps neither loses a file nor stores it twice.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from connectors.scan_health import ScanHealth
from connectors.upload import IMAGE_TYPES, Upload, accept_upload, images_to_pdf
from extraction import sniff_media_type
from store.channel_config import ScanFolder, scan_folders
from store.db import session_scope
from store.enums import Channel, Status
from store.models import Item, Receipt
from store.settings import Settings

log = logging.getLogger(__name__)

PROCESSING, DONE, FAILED = "processing", "done", "failed"
_SUBDIRS = (PROCESSING, DONE, FAILED)
_PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", "~")
REASON_SUFFIX = ".grund.txt"


@dataclass(frozen=True)
class Place:
    path: Path
    folder: ScanFolder

    @property
    def name(self) -> str:
        return self.folder.path


@dataclass
class _Seen:
    signature: tuple
    since: float


class ScanFolders:
    """Polls all workplace folders; :meth:`poll` does one pass (tests call it directly)."""

    def __init__(self, settings: Settings, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.settings = settings
        self.root = settings.scan_path
        self.clock = clock
        self._seen: dict[Path, _Seen] = {}
        self.health = ScanHealth(settings, clock)

    def workplaces(self) -> list[Place]:
        """The folders as configured now (environment, admin console, found under the root):
        re-read on every pass, so a console change takes effect without a restart."""
        with session_scope(self.settings) as session:
            folders = scan_folders(session, self.settings)
        self.root.mkdir(parents=True, exist_ok=True)
        root = self.root.resolve()
        places = []
        for folder in folders:
            path = folder.directory(self.root)
            if not _inside_root(path, root):
                log.warning("scan folder %s leads out of the scan root (symbolic link): not watched",
                            folder.path)
                continue
            if folder.active:
                for sub in _SUBDIRS:
                    (path / sub).mkdir(parents=True, exist_ok=True)
            elif not (path / PROCESSING).is_dir():
                continue  # inactive and nothing in progress
            places.append(Place(path, folder))
        return places

    def poll(self) -> None:
        for place in self.workplaces():
            try:
                if place.folder.active:  # an inactive folder takes nothing new, but finishes its files
                    for entry in sorted(place.path.iterdir()):
                        if _candidate(entry) and self._settled(entry):
                            self._take(place, entry)
                self._follow_up(place)
            except Exception as exc:
                self.health.broken(place.name, exc)
                raise
            if place.folder.active:
                self.health.passed(place.name, place.path)

    # -- taking ----------------------------------------------------------------------------

    def _settled(self, path: Path) -> bool:
        try:
            signature = _signature(path)
        except OSError:
            self._seen.pop(path, None)
            return False
        now = self.clock()
        seen = self._seen.get(path)
        if seen is None and signature and _untouched_for(signature) >= 2 * self.settings.scan_settle_seconds:
            return True  # found after a restart (or by `--once`), long unchanged: complete
        if seen is None or seen.signature != signature:
            self._seen[path] = _Seen(signature, now)
            return False
        return now - seen.since >= self.settings.scan_settle_seconds and bool(signature)

    def _take(self, place: Place, path: Path) -> None:
        self._seen.pop(path, None)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = place.path / PROCESSING / f"{stamp}-{path.name}"
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return
        log.info("scan folder %s: took %s", place.name, path.name)
        self._store(place, target)

    def _store(self, place: Place, path: Path) -> int | None:
        try:
            content = _read(path)
        except Exception as exc:  # unreadable file, or a folder that is not page images
            _move(path, place.path / FAILED, f"Die Datei konnte nicht gelesen werden: {exc}")
            return None
        original_name = path.name.split("-", 1)[1] if "-" in path.name else path.name
        if path.is_dir():
            original_name += ".pdf"
        item_id, _ = accept_upload(
            Upload(
                content=content,
                filename=original_name,
                source=place.folder.source,
                actor=f"scanfolder:{place.name}",
                external_id=path.name,
                channel=place.folder.delivers_on or Channel.LETTER,
                batch=self.settings.scan_batches if place.folder.batch is None else place.folder.batch,
                problems=[note] if (note := place.folder.retired_note) else [],
            ),
            self.settings,
        )
        return item_id

    # -- following up ----------------------------------------------------------------------

    def _follow_up(self, place: Place) -> None:
        """Files in processing/: store what was not stored yet, move on what is finished."""
        for path in sorted((place.path / PROCESSING).iterdir()):
            if path.name.startswith("."):
                continue
            with session_scope(self.settings) as session:
                row = session.execute(
                    select(Item.id, Item.reference, Item.status, Item.status_reason)
                    .join(Receipt, Receipt.item_id == Item.id)
                    .where(Receipt.path == place.folder.source, Receipt.external_id == path.name)
                ).first()
            if row is None:  # taken, then the process died before the item was stored
                self._store(place, path)
                continue
            _, reference, status, reason = row
            if status == Status.NEEDS_ATTENTION.value:
                _move(path, place.path / FAILED, f"Vorgang {reference}: {reason or 'bitte ansehen'}")
            elif Status(status).is_final:
                _move(path, place.path / DONE, None)


def run(settings: Settings, stop: threading.Event) -> None:
    """Watch the scan folders until ``stop`` is set (a thread in ``eingang serve``, or the CLI)."""
    folders = ScanFolders(settings)
    log.info("watching scan folders under %s", folders.root.resolve())
    while not stop.is_set():
        try:
            folders.poll()
        except Exception:  # the database may be away for a moment: try again next pass
            log.exception("scan folder pass failed")
        stop.wait(settings.scan_poll_seconds)


def _inside_root(path: Path, root: Path) -> bool:
    """The folder and its working subfolders really lie below the root (no link leads out)."""
    for candidate in (path, *(path / sub for sub in _SUBDIRS)):
        if candidate.is_symlink() or not candidate.resolve().is_relative_to(root):
            return False
    return path.resolve() != root


def _candidate(path: Path) -> bool:
    name = path.name
    if name.startswith(".") or name.endswith(_PARTIAL_SUFFIXES) or name in _SUBDIRS:
        return False
    if path.is_symlink():  # a link may point anywhere: only what was written here is taken
        return False
    if path.is_dir():
        return not any(p.is_symlink() for p in path.iterdir())
    return path.is_file()


def _signature(path: Path) -> tuple:
    """Size and mtime of a file, or of every file in a folder of page images."""
    if path.is_dir():
        return tuple(
            (p.name, st.st_size, st.st_mtime_ns)
            for p in sorted(path.iterdir())
            if not p.name.startswith(".") and (st := p.stat())
        )
    st = path.stat()
    return ((path.name, st.st_size, st.st_mtime_ns),)


def _untouched_for(signature: tuple) -> float:
    """Seconds since the newest modification in a file's or folder's signature."""
    return time.time() - max(mtime for _, _, mtime in signature) / 1e9


def _read(path: Path) -> bytes:
    if not path.is_dir():
        return path.read_bytes()
    pages = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    contents = [p.read_bytes() for p in pages]
    if not contents or any(sniff_media_type(c, p.name) not in IMAGE_TYPES for c, p in zip(contents, pages, strict=True)):
        raise ValueError("ein Ordner muss Seitenbilder (TIFF, JPEG, PNG) enthalten")
    return images_to_pdf(contents)


def _move(path: Path, folder: Path, reason: str | None) -> None:
    target = folder / path.name
    if reason is not None:
        (folder / f"{path.name}{REASON_SUFFIX}").write_text(reason + "\n", encoding="utf-8")
    os.rename(path, target)
