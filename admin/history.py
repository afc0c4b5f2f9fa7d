"""The item history as staff read it: a German name for every event kind (the kind itself is
a stable code for the API, exports and tests), and no "viewed" line for a page shown again
right after the same person's own action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Event

EVENT_LABELS: dict[str, str] = {
    "received": "Eingang",
    "extracted": "Text gelesen",
    "classified": "Eingeordnet",
    "routed": "Zugeordnet",
    "needs_attention": "Klärung nötig",
    "viewed": "Angesehen",
    "downloaded": "Dokument",
    "rerouted": "Umgeleitet",
    "relabeled": "Einordnung geändert",
    "assigned": "Zugewiesen",
    "note": "Notiz",
    "done": "Erledigt",
    "reopened": "Wieder geöffnet",
    "reprocess": "Erneut verarbeiten",
    "merged": "Zusammengeführt",
    "merged_in": "Dublette übernommen",
    "split": "Abgetrennt",
    "split_from": "Abgetrennt aus",
    "superseded": "Ersetzt",
    "answered": "Beantwortet",
    "reply_planned": "Antwort geplant",
    "outbox_sent": "Nachricht gesendet",
    "outbox_failed": "Versand fehlgeschlagen",
    "appointment_offered": "Termin angeboten",
    "appointment_booked": "Termin gebucht",
    "appointment_cancelled": "Termin abgesagt",
    "clearing_decided": "Clearing entschieden",
    "batch": "Poststapel",
    "forwarded": "Weitergeleitet (§ 16 SGB I)",
    "resubmission": "Wiedervorlage",
    "resubmission_cleared": "Wiedervorlage beendet",
    "letter_created": "Brief erstellt",
    "exported": "An Fachverfahren übergeben",
    "received_again": "Erneut erhalten",
    "threaded": "Antwort erkannt",
    "thread_refused": "Nicht zugeordnet",
    "joined": "Dem Vorgang zugeordnet",
    "reply_joined": "Neue Nachricht",
}


# Console and account events (audit actions ``config.<kind>``), for the audit log's German view.
CONFIG_LABELS: dict[str, str] = {
    "rules_draft": "Regelentwurf gespeichert",
    "rules_activated": "Regelwerk aktiviert",
    "rules_imported": "Regelwerk eingelesen",
    "classifier_activated": "Klassifikator-Version aktiviert",
    "user_created": "Benutzer angelegt",
    "user_changed": "Benutzer geändert",
    "password_changed": "Passwort geändert",
    "password_change_refused": "Passwortänderung abgelehnt",
    "template_saved": "Vorlage gespeichert",
    "schedule_changed": "Terminplan geändert",
    "queue_saved": "Zuständigkeit gespeichert",
    "kommune_saved": "Angaben der Kommune gespeichert",
    "referral_body_saved": "Verweisungsstelle gespeichert",
    "fitconnect_saved": "FIT-Connect-Zugang gespeichert",
    "catalogue_imported": "Katalog eingelesen",
    "office_saved": "Amt gespeichert",
}


def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, "Ereignis")


def audit_label(action: str, known: dict[str, str]) -> str:
    """German name of an audit action: the audit's own labels, else the event's kind."""
    if action in known:
        return known[action]
    prefix, _, kind = action.partition(".")
    if prefix == "item" and kind in EVENT_LABELS:
        return EVENT_LABELS[kind]
    if kind in CONFIG_LABELS:
        return CONFIG_LABELS[kind]
    return "Sonstige Aktion"


# A page shown again within this time after the same person's own event on the item (the
# redirect after an action, a reload) is no new look at the data: the trail already has them.
REVIEW_WINDOW = timedelta(minutes=10)


def needs_view_record(session: Session, item_id: int, actor: str) -> bool:
    last = session.execute(
        select(Event.actor, Event.at).where(Event.item_id == item_id).order_by(Event.id.desc()).limit(1)
    ).first()
    if last is None or last.actor != actor:
        return True
    at = last.at if last.at.tzinfo else last.at.replace(tzinfo=UTC)
    return datetime.now(UTC) - at > REVIEW_WINDOW
