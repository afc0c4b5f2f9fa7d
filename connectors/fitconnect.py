"""FIT-Connect subscriber: OZG online applications from the Kommune's Zustellpunkt.

For each submission waiting at a destination (polled, or at once after a verified callback):

1. fetch the envelope and the attachments, decrypt metadata, Fachdaten and attachments (JWE),
   check every SHA-512 of ``contentStructure``, validate the metadata against the accepted
   metadata schema, check the Zustelldienst's signed ``submit-submission`` event (receipt time
   and authentication tags);
2. store the submission unchanged as the original (a ZIP: the envelope as received and the
   decrypted parts byte for byte) and make the item in **one** transaction, together with a
   ``fitconnect_submissions`` row saying whether it is to be accepted or rejected; a failed
   check keeps the item, in needs-attention with the German reason;
3. only then send the signed ``accept-submission`` (or ``reject-submission`` with the matching
   problems) and mark the row confirmed.

A crash after 2 leaves an unconfirmed row: the next pass confirms it without storing anything
again; before sending, the case's event log is read, so an event that reached the Zustelldienst
just before a crash is not sent a second time.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from connectors import fitconnect_crypto as fc
from connectors import gateway
from connectors.fitconnect_api import ApiError, Endpoint, SubmissionApi
from store import health_state
from store.db import session_scope
from store.enums import Channel
from store.fitconnect_config import active_destinations
from store.health_state import FAIL, OK
from store.intake import Incoming
from store.models import FitConnectSubmission, utcnow
from store.settings import FitConnectDestination, Settings

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/vnd.eingang.fitconnect-submission+zip"
ACTOR = "connector:fitconnect"
SUBMIT = fc.EVENT_BASE + "submit-submission"
MAX_FORM_FACTS = 200
HEALTH_KIND = "fitconnect"
# A row left unconfirmed this long is a crash's leftover, which the next pass confirms even when
# the Zustelldienst no longer lists it; a younger one may be in the hands of another process
# (the subscriber and a callback's pick-up in the web app) that is about to confirm it.
CONFIRM_GRACE = timedelta(seconds=120)


@dataclass
class Checked:
    """A submission after decryption and every check."""

    envelope: dict[str, Any]
    envelope_bytes: bytes
    received_at: datetime
    metadata: dict[str, Any] | None = None
    metadata_bytes: bytes | None = None
    data: bytes | None = None
    attachments: dict[str, bytes] = field(default_factory=dict)  # id -> plaintext
    undecrypted: dict[str, str] = field(default_factory=dict)  # id -> JWE kept as received
    tags: dict[str, Any] = field(default_factory=dict)
    problems: list[fc.Problem] = field(default_factory=list)

    @property
    def submission_id(self) -> str:
        return str(self.envelope["submissionId"])


@dataclass
class PassResult:
    accepted: int = 0
    rejected: int = 0
    confirmed_later: int = 0


class Subscriber:
    """Picks up one destination's submissions (one instance per destination and process)."""

    def __init__(self, destination: FitConnectDestination, settings: Settings,
                 api: SubmissionApi | None = None) -> None:
        self.destination = destination
        self.settings = settings
        self.api = api or SubmissionApi(Endpoint(destination.api_url, destination.token_url,
                                                 destination.client_id, destination.client_secret,
                                                 destination.scope))
        self.encryption_key = fc.load_key(destination.encryption_key)
        self.signing_key = fc.load_key(destination.signing_key)
        if settings.fitconnect_schema_dir is None:
            raise ValueError("EINGANG_FITCONNECT_SCHEMA_DIR fehlt: ohne Metadatenschema wird nichts abgeholt.")
        self.schemas = fc.SchemaRegistry.from_dir(settings.fitconnect_schema_dir)
        self._lock = threading.Lock()  # poll and callback never work on the same destination at once

    @property
    def source(self) -> str:
        return f"fitconnect:{self.destination.name}"

    def poll_once(self) -> PassResult:
        with self._lock:
            result = PassResult()
            # Stored before a crash, not confirmed: the Zustelldienst may no longer list them
            # (the event went out just before the crash), so they are not waited for.
            for submission_id in self._unconfirmed():
                self.confirm(submission_id)
                result.confirmed_later += 1
            for entry in self.api.pending(self.destination.destination_id):
                outcome = self.handle(entry["submissionId"], entry["caseId"])
                if outcome == "accept":
                    result.accepted += 1
                elif outcome == "reject":
                    result.rejected += 1
                elif outcome == "confirmed":
                    result.confirmed_later += 1
            return result

    def _unconfirmed(self) -> list[str]:
        with session_scope(self.settings) as session:
            return list(session.scalars(
                select(FitConnectSubmission.submission_id)
                .where(FitConnectSubmission.destination_id == self.destination.destination_id,
                       FitConnectSubmission.confirmed_at.is_(None),
                       FitConnectSubmission.created_at < utcnow() - CONFIRM_GRACE)
                .order_by(FitConnectSubmission.created_at)))

    # --- one submission ---------------------------------------------------------------

    def handle(self, submission_id: str, case_id: str) -> str | None:
        with session_scope(self.settings) as session:
            row = session.get(FitConnectSubmission, submission_id)
            known = row is not None
            confirmed = known and row.confirmed_at is not None
        if confirmed:
            return None  # still listed by the Zustelldienst for a moment after our event
        if known:
            self.confirm(submission_id)
            return "confirmed"
        checked = self.check(submission_id)
        row_outcome = self.store(checked, case_id)
        self.confirm(submission_id)
        return row_outcome

    def check(self, submission_id: str) -> Checked:
        envelope, raw = self.api.submission(submission_id)
        checked = Checked(envelope, raw, utcnow())
        self._check_event_log(checked, str(envelope["caseId"]))
        self._check_metadata(checked)
        if checked.metadata is not None:
            self._check_data(checked)
            self._check_attachments(checked)
        return checked

    def _check_metadata(self, c: Checked) -> None:
        token = c.envelope.get("encryptedMetadata") or ""
        c.tags["metadata"] = fc.authentication_tag(token)
        try:
            c.metadata_bytes = fc.decrypt(token, self.encryption_key)
        except fc.DecryptionError:
            c.problems.append(fc.Problem("encryption-issue", "Entschlüsselungs-Fehler",
                                         "Die Metadaten konnten nicht entschlüsselt werden.", "metadata"))
            return
        try:
            metadata = json.loads(c.metadata_bytes)
            if not isinstance(metadata, dict):
                raise ValueError("kein JSON-Objekt")
        except ValueError:
            c.problems.append(fc.Problem("syntax-violation", "Syntax-Fehler",
                                         "Die Metadaten sind kein gültiges JSON.", "metadata"))
            return
        violations = self.schemas.violations(metadata)
        if violations is None:
            c.problems.append(fc.Problem(
                "unsupported-schema", "Metadatenschema nicht unterstützt",
                f"Das Metadatenschema {metadata.get('$schema', '(keine Angabe)')} wird nicht unterstützt.",
                "metadata"))
            return
        if violations:
            c.problems.append(fc.Problem("schema-violation", "Schema-Fehler",
                                         "Die Metadaten entsprechen nicht dem Metadatenschema: "
                                         + "; ".join(violations[:5]), "metadata"))
            return
        c.metadata = metadata

    def _check_data(self, c: Checked) -> None:
        expected = (c.metadata or {}).get("contentStructure", {}).get("data")
        token = c.envelope.get("encryptedData")
        if expected and not token:
            c.problems.append(fc.Problem("missing-data", "Fachdaten fehlen",
                                         "Die Metadaten kündigen Fachdaten an, die Einreichung enthält keine.", "data"))
            return
        if not token:
            return
        c.tags["data"] = fc.authentication_tag(token)
        try:
            c.data = fc.decrypt(token, self.encryption_key)
        except fc.DecryptionError:
            c.problems.append(fc.Problem("encryption-issue", "Entschlüsselungs-Fehler",
                                         "Die Fachdaten konnten nicht entschlüsselt werden.", "data"))
            return
        if not fc.hash_matches(c.data, (expected or {}).get("hash")):
            c.problems.append(fc.Problem("hash-mismatch", "Prüfsumme stimmt nicht",
                                         "Der SHA-512-Hashwert der Fachdaten stimmt nicht mit den Metadaten überein.",
                                         "data"))
        elif (expected or {}).get("submissionSchema", {}).get("mimeType") == "application/json":
            try:
                json.loads(c.data)
            except ValueError:
                c.problems.append(fc.Problem("syntax-violation", "Syntax-Fehler",
                                             "Die Fachdaten sind kein gültiges JSON.", "data"))

    def _check_attachments(self, c: Checked) -> None:
        declared = {a["attachmentId"]: a for a in (c.metadata or {})["contentStructure"]["attachments"]}
        listed = [str(a) for a in c.envelope.get("attachments", [])]
        if set(declared) != set(listed):
            c.problems.append(fc.Problem("attachments-mismatch", "Fehlerhafte Anlagen-Liste",
                                         "Die Anlagen der Einreichung stimmen nicht mit den Metadaten überein.",
                                         "metadata"))
        c.tags["attachments"] = {}
        for attachment_id in listed:
            token = self.api.attachment(c.submission_id, attachment_id)
            c.tags["attachments"][attachment_id] = fc.authentication_tag(token)
            instance = f"attachment:{attachment_id}"
            try:
                content = fc.decrypt(token, self.encryption_key)
            except fc.DecryptionError:
                c.undecrypted[attachment_id] = token
                c.problems.append(fc.Problem("encryption-issue", "Entschlüsselungs-Fehler",
                                             "Eine Anlage konnte nicht entschlüsselt werden.", instance))
                continue
            c.attachments[attachment_id] = content
            if attachment_id in declared and not fc.hash_matches(content, declared[attachment_id].get("hash")):
                c.problems.append(fc.Problem(
                    "hash-mismatch", "Prüfsumme stimmt nicht",
                    f"Der SHA-512-Hashwert der Anlage „{declared[attachment_id].get('filename') or attachment_id}“ "
                    "stimmt nicht mit den Metadaten überein.", instance))

    def _check_event_log(self, c: Checked, case_id: str) -> None:
        """The Zustelldienst's signed submit-submission event: the legal receipt time."""
        keys = self.api.service_keys()
        for token in self.api.event_log(case_id):
            claims = fc.unverified_claims(token)
            if SUBMIT not in claims.get("events", {}) or claims.get("sub") != f"submission:{c.submission_id}":
                continue
            try:
                fc.read_event_token(token, keys)
            except Exception:
                c.problems.append(fc.Problem("invalid-event-log", "Inkonsistentes Event-Log",
                                             "Die Signatur des Einreichungs-Ereignisses ist ungültig.", "submission"))
                return
            c.received_at = datetime.fromtimestamp(int(claims["iat"]), UTC)
            c.tags["submitted"] = claims["events"][SUBMIT].get("authenticationTags", {})
            return
        log.warning("FIT-Connect submission %s: no submit-submission event; receipt time is the pick-up",
                    c.submission_id)

    # --- store, then confirm ----------------------------------------------------------

    def store(self, c: Checked, case_id: str) -> str:
        self._compare_tags(c)
        outcome = "reject" if c.problems else "accept"
        incoming = self._incoming(c)

        def receipt(session, item, created):  # type: ignore[no-untyped-def]
            session.add(FitConnectSubmission(
                submission_id=c.submission_id, destination=self.destination.name,
                destination_id=self.destination.destination_id, case_id=case_id, item_id=item.id,
                outcome=outcome, problems=[p.as_dict() for p in c.problems],
                authentication_tags={k: v for k, v in c.tags.items() if k != "submitted"},
            ))

        item_id, _ = gateway.accept(incoming, self.settings, prepare=receipt)
        log.info("FIT-Connect submission %s stored as item %s (%s)", c.submission_id, item_id, outcome)
        return outcome

    def _compare_tags(self, c: Checked) -> None:
        submitted = c.tags.get("submitted")
        if not submitted:
            return
        pairs = [("metadata", submitted.get("metadata"), c.tags.get("metadata"))]
        if "data" in c.tags:
            pairs.append(("data", submitted.get("data"), c.tags["data"]))
        for attachment_id, tag in c.tags.get("attachments", {}).items():
            pairs.append((f"attachment:{attachment_id}",
                          (submitted.get("attachments") or {}).get(attachment_id), tag))
        for instance, expected, actual in pairs:
            if expected != actual:
                c.problems.append(fc.Problem("incorrect-authentication-tag", "Authentication-Tag ungültig",
                                             "Ein Teil der Einreichung wurde nach dem Absenden ausgetauscht.",
                                             instance))

    def _incoming(self, c: Checked) -> Incoming:
        metadata = c.metadata or {}
        service = metadata.get("publicServiceType") or c.envelope.get("serviceType") or {}
        reply = (metadata.get("replyChannel") or {}).get("eMail", {}).get("address")
        reason = None
        if c.problems:
            reason = ("Online-Antrag über FIT-Connect zurückgewiesen: "
                      + " ".join(p.detail for p in c.problems)
                      + " Die Einreichung ist unverändert gespeichert; der Absender erhält die Zurückweisung.")
        return Incoming(
            channel=Channel.WEBFORM, content=container(c), media_type=MEDIA_TYPE,
            received_at=c.received_at, filename=f"fit-connect-{c.submission_id}.zip",
            sender=reply, subject=f"Online-Antrag: {service.get('name') or 'FIT-Connect'}",
            mailbox=self.source, external_id=c.submission_id,
            contact={"email": reply} if reply else {}, actor=ACTOR, attention=reason,
            facts={"formular": form_facts(c.data, metadata)} if c.data and not c.problems else {},
        )

    def confirm(self, submission_id: str) -> None:
        with session_scope(self.settings) as session:
            row = session.get(FitConnectSubmission, submission_id)
            outcome, case_id, problems, tags = row.outcome, row.case_id, row.problems, row.authentication_tags
        event = fc.ACCEPT if outcome == "accept" else fc.REJECT
        if not self._already_sent(case_id, submission_id, event):
            payload = {"authenticationTags": tags} if outcome == "accept" else {"problems": problems}
            token = fc.security_event_token(
                self.signing_key, destination_id=self.destination.destination_id,
                submission_id=submission_id, case_id=case_id, event=event, payload=payload)
            self.api.send_event(case_id, token)
        with session_scope(self.settings) as session:
            session.get(FitConnectSubmission, submission_id).confirmed_at = utcnow()

    def _already_sent(self, case_id: str, submission_id: str, event: str) -> bool:
        for token in self.api.event_log(case_id):
            claims = fc.unverified_claims(token)
            if (claims.get("iss") == self.destination.destination_id
                    and claims.get("sub") == f"submission:{submission_id}" and event in claims.get("events", {})):
                fc.read_event_token(token, self.signing_key)  # ours indeed, not a forged entry
                return True
        return False


def container(c: Checked) -> bytes:
    """The original: the envelope as the API sent it and every decrypted part byte for byte
    (what the SHA-512 values of the metadata vouch for), in a ZIP with fixed timestamps so the
    same submission always gives the same bytes."""
    entries: list[tuple[str, bytes]] = [("submission.json", c.envelope_bytes)]
    if c.metadata_bytes is not None:
        entries.append(("metadata.json", c.metadata_bytes))
    if c.data is not None:
        mime = ((c.metadata or {}).get("contentStructure", {}).get("data", {})
                .get("submissionSchema", {}).get("mimeType", "application/json"))
        entries.append(("data.xml" if mime == "application/xml" else "data.json", c.data))
    for attachment_id, content in c.attachments.items():
        entries.append((f"attachments/{attachment_id}", content))
    for attachment_id, token in c.undecrypted.items():
        entries.append((f"attachments/{attachment_id}.jwe", token.encode("ascii")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


def form_facts(data: bytes, metadata: dict[str, Any]) -> dict[str, str]:
    """The Fachdaten's fields as facts (``antragsteller.familienname`` → value)."""
    from extraction.fitconnect import flatten_data

    mime = (metadata.get("contentStructure", {}).get("data", {}).get("submissionSchema", {})
            .get("mimeType", "application/json"))
    return dict(flatten_data(data, mime)[:MAX_FORM_FACTS])


# --- running ----------------------------------------------------------------------------


def run(settings: Settings, stop: threading.Event) -> None:
    """Poll every configured destination (list re-read each pass) until ``stop``."""
    # A destination that cannot be used (no schema folder, a broken key) is reported once and
    # tried again only when its configuration changes.
    subscribers: dict[str, tuple[FitConnectDestination, Subscriber | None]] = {}
    next_poll: dict[str, float] = {}
    import time

    while not stop.is_set():
        try:
            with session_scope(settings) as session:
                destinations = active_destinations(session, settings)
        except Exception:
            log.exception("FIT-Connect: destinations could not be read")
            destinations = []
        for destination in destinations:
            cached = subscribers.get(destination.name)
            if cached is None or cached[0] != destination:
                try:
                    cached = (destination, Subscriber(destination, settings))
                except Exception as exc:
                    cached = (destination, None)
                    log.error("FIT-Connect destination %s not usable: %s", destination.name, exc)
                subscribers[destination.name] = cached
            subscriber = cached[1]
            if subscriber is None or time.monotonic() < next_poll.get(destination.name, 0):
                continue
            interval = destination.poll_interval or settings.fitconnect_poll_interval
            next_poll[destination.name] = time.monotonic() + interval
            try:
                result = subscriber.poll_once()
                if result.accepted or result.rejected or result.confirmed_later:
                    log.info("FIT-Connect %s: %s angenommen, %s zurückgewiesen, %s nachträglich bestätigt",
                             destination.name, result.accepted, result.rejected, result.confirmed_later)
                _report(settings, destination.name, OK, "Abruf erfolgreich.")
            except ApiError as exc:
                log.warning("FIT-Connect %s: %s", destination.name, exc)
                _report(settings, destination.name, FAIL, str(exc))
            except Exception as exc:
                log.exception("FIT-Connect %s: pick-up failed", destination.name)
                _report(settings, destination.name, FAIL, f"Abholung fehlgeschlagen ({type(exc).__name__}).")
        stop.wait(min(5.0, settings.fitconnect_poll_interval))


def _report(settings: Settings, name: str, status: str, detail: str) -> None:
    """The destination's state for /health (what the API said, never submission content)."""
    try:
        with session_scope(settings) as session:
            health_state.report(session, HEALTH_KIND, name, status, detail)
    except Exception:
        log.exception("FIT-Connect %s: health state not recorded", name)


def pick_up_now(settings: Settings, name: str) -> PassResult | None:
    """One pass for one destination, e.g. after a verified callback."""
    with session_scope(settings) as session:
        from store.fitconnect_config import destination

        found = destination(session, settings, name)
    if found is None:
        return None
    return Subscriber(found, settings).poll_once()
