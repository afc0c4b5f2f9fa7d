from __future__ import annotations

import hashlib

import pytest

from store.blobs import BlobStore


def test_blobs_are_content_addressed_and_idempotent(tmp_path):
    store = BlobStore(tmp_path)
    digest = store.put(b"Originalbrief")
    assert digest == hashlib.sha256(b"Originalbrief").hexdigest()
    assert store.put(b"Originalbrief") == digest
    assert store.get(digest) == b"Originalbrief"
    assert not list(tmp_path.rglob(".tmp-*"))


def test_blob_paths_cannot_escape_the_store(tmp_path):
    with pytest.raises(ValueError):
        BlobStore(tmp_path).path_for("../../etc/passwd")
