"""A German name for every event kind and audit action (the kind itself is a stable code for
the API, exports and tests). Without the database: ``eingang show`` prints them (issue 16)."""

from __future__ import annotations

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
