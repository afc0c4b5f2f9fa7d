"""Hand-over to the Fachverfahren: a JSON webhook (HMAC-signed) and a drop folder.

Both are outbox deliverers, so retries and backoff are the outbox's. Both are idempotent for
the receiver: the webhook carries the outbox key as ``X-Eingang-Delivery`` (a receiver drops a
repeat), the drop folder writes one folder per item atomically and skips an existing one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import urllib.error
import urllib.request
from typing import Any

from store.models import Item, OutboxMessage
from store.settings import Settings

SIGNATURE_HEADER = "X-Eingang-Signature"
DELIVERY_HEADER = "X-Eingang-Delivery"


class ExportError(Exception):
    """The receiver did not accept the hand-over (delivery will be retried)."""


def export_record(item: Item) -> dict[str, Any]:
    """What the Fachverfahren receives: the case reference, the decision, text and documents."""
    decision = item.decision or {}
    return {
        "reference": item.reference,
        "case_ref": item.case_ref,
        "received_at": item.received_at.isoformat() if item.received_at else None,
        "channel": item.channel,
        "queue": item.queue,
        "intent": item.intent,
        "urgent": item.urgent,
        "leistungsform": decision.get("leistungsform"),
        "sender": item.sender,
        "subject": item.subject,
        "text": item.text,
        "facts": item.facts,
        "explanation": decision.get("explanation", []),
        "documents": [
            {"sha256": d.sha256, "filename": d.filename, "media_type": d.media_type, "role": d.role}
            for d in item.documents
        ],
    }


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver_webhook(message: OutboxMessage, settings: Settings) -> None:
    url = message.payload.get("url") or settings.export_webhook_url
    body = json.dumps(message.payload["record"], ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(settings.export_webhook_secret, body),
            DELIVERY_HEADER: message.dedupe_key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            if not 200 <= response.status < 300:
                raise ExportError(f"Webhook antwortet {response.status}")
    except urllib.error.HTTPError as exc:
        raise ExportError(f"Webhook antwortet {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ExportError(f"Webhook nicht erreichbar: {exc}") from exc


def deliver_drop_folder(message: OutboxMessage, settings: Settings) -> None:
    """``<drop>/<reference>/vorgang.json`` + the documents, moved into place in one rename."""
    from store.blobs import blob_store

    drop = settings.export_drop_dir
    if drop is None:
        raise ExportError("Kein Übergabeordner konfiguriert (EINGANG_EXPORT_DROP_DIR).")
    record = message.payload["record"]
    target = drop / str(record["reference"])
    if target.exists():
        return  # handed over before (a repeat after a crash)
    staging = drop / f".{record['reference']}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    store = blob_store(settings)
    for n, doc in enumerate(record["documents"], start=1):
        # Our own numbered names: a citizen's file name never becomes a path.
        suffix = "".join(c for c in (doc.get("filename") or "").rpartition(".")[2][:8] if c.isalnum())
        name = f"{n:02d}-{doc['role']}{'.' + suffix if suffix else ''}"
        (staging / name).write_bytes(store.get(doc["sha256"]))
        doc["file"] = name
    (staging / "vorgang.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    staging.rename(target)
