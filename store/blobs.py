"""Content-addressed blob store on disk: originals are kept unchanged under their sha256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.settings import StorageSettings


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` durably (fsync before rename) and return its sha256. Idempotent."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if target.exists() and target.stat().st_size == len(data):
            os.utime(target)  # fresh again: retention must not purge a blob being re-used
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return digest

    def put_stream(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Store the concatenated ``chunks`` like ``put`` without holding them in memory at
        once (a large mail fetched piece by piece). Returns ``(sha256, size)``."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-stream-")
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    digest.update(chunk)
                    fh.write(chunk)
                    size += len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            sha = digest.hexdigest()
            target = self.path_for(sha)
            if target.exists() and target.stat().st_size == size:
                os.utime(target)
                Path(tmp).unlink()
                return sha, size
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)  # same file system: the blob root
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return sha, size

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def modified_at(self, sha256: str) -> float:
        try:
            return self.path_for(sha256).stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def delete(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def blob_store(settings: StorageSettings) -> BlobStore:
    """The blob store of the configured data dir (settings handed in, as for sessions)."""
    return BlobStore(settings.blob_dir)
