"""Weak production settings, found by looking at the configuration (``eingang check``).

Each finding is German text for the operator; none means the settings look production-ready
as far as eingang can tell from inside (TLS in front of the web app is the proxy's job).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from urllib.parse import urlsplit

from store.settings import Settings

DEFAULT_SECRET = Settings.model_fields["secret_key"].default
_LOOPBACK = {"127.0.0.1", "::1", "localhost", ""}


@dataclass(frozen=True)
class Finding:
    key: str  # the setting concerned
    message: str


def _flag(settings: Settings, *names: str) -> bool | None:
    """The first of these boolean settings that exists (other helpers add IMAP, cookies …)."""
    for name in names:
        if name in type(settings).model_fields:
            return bool(getattr(settings, name))
    return None


def find_weak_settings(settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    if settings.secret_key == DEFAULT_SECRET:
        findings.append(Finding("secret_key", "EINGANG_SECRET_KEY ist der mitgelieferte Standardwert: "
                                "Sitzungen und Links wären fälschbar."))
    elif len(settings.secret_key) < 32:
        findings.append(Finding("secret_key", "EINGANG_SECRET_KEY ist kürzer als 32 Zeichen."))
    if settings.sqlalchemy_url.startswith("sqlite"):
        if settings.broker_url:
            findings.append(Finding("database_url", "SQLite mit externem Broker: mehrere Prozesse "
                                    "teilen sich eine Datei – für den Betrieb PostgreSQL verwenden."))
        else:
            findings.append(Finding("database_url", "SQLite (eingebetteter Modus) ist für den "
                                    "Produktivbetrieb nicht vorgesehen: PostgreSQL verwenden."))
    broker = urlsplit(settings.broker_url) if settings.broker_url else None
    if broker and broker.username == "guest" and broker.password == "guest":
        findings.append(Finding("broker_url", "Der Broker nutzt das Standardkonto guest/guest."))
    findings += _imap_findings(settings)
    findings += _fitconnect_findings(settings)
    if _flag(settings, "session_cookie_secure", "cookie_secure", "secure_cookies") is False:
        findings.append(Finding("secure_cookies", "Sitzungs-Cookies ohne Secure-Flag: "
                                "sie würden auch über unverschlüsseltes HTTP gesendet."))
    if _flag(settings, "debug") is True:
        findings.append(Finding("debug", "Debug-Modus ist eingeschaltet."))
    oidc = getattr(settings, "oidc_issuer", "") or ""
    if oidc and urlsplit(oidc).scheme != "https" and urlsplit(oidc).hostname not in _LOOPBACK:
        findings.append(Finding("oidc_issuer", "OpenID-Connect-Anbieter ohne HTTPS."))
    findings += _public_url_findings(settings)
    data_dir = settings.data_dir
    if data_dir.exists() and data_dir.stat().st_mode & (stat.S_IRWXO):
        findings.append(Finding("data_dir", f"Datenverzeichnis {data_dir} ist für alle Benutzer "
                                "des Servers lesbar (chmod o-rwx)."))
    return findings


def _public_url_findings(settings: Settings) -> list[Finding]:
    """Links in mails to citizens (booking, cancelling) must open from their devices."""
    if not settings.public_base_url:
        return [Finding("public_base_url", "EINGANG_PUBLIC_BASE_URL ist nicht gesetzt: Links in "
                        f"E-Mails an Bürgerinnen und Bürger zeigen auf {settings.public_url} und "
                        "öffnen sich nur auf diesem Rechner.")]
    url = urlsplit(settings.public_base_url)
    if url.hostname in _LOOPBACK:
        port = url.port or (443 if url.scheme == "https" else 80)
        if port != settings.web_port:
            return [Finding("public_base_url", f"EINGANG_PUBLIC_BASE_URL nennt Port {port}, die "
                            f"Weboberfläche läuft auf Port {settings.web_port}: Links in E-Mails führen ins Leere.")]
        return [Finding("public_base_url", "EINGANG_PUBLIC_BASE_URL zeigt auf diesen Rechner: "
                        "Bürgerinnen und Bürger erreichen Links in E-Mails so nicht.")]
    if url.scheme != "https":
        return [Finding("public_base_url", "EINGANG_PUBLIC_BASE_URL ohne HTTPS: Buchungslinks "
                        "liefen unverschlüsselt.")]
    return []


def _imap_findings(settings: Settings) -> list[Finding]:
    findings: list[Finding] = []
    for box in getattr(settings, "imap_mailboxes", None) or []:
        security = getattr(box, "security", "tls")
        if security == "none" and box.host not in _LOOPBACK:
            findings.append(Finding("imap_mailboxes", f"Postfach {box.name} ({box.host}) ohne TLS: "
                                    "Zugangsdaten und Sozialdaten liefen unverschlüsselt über das Netz."))
        token_url = getattr(box, "oauth2_token_url", None) or ""
        if getattr(box, "auth", "password") == "oauth2" and token_url and (
            urlsplit(token_url).scheme != "https" and urlsplit(token_url).hostname not in _LOOPBACK
        ):
            findings.append(Finding("imap_mailboxes", f"Postfach {box.name}: OAuth2-Token-Endpunkt "
                                    "ohne HTTPS (Client-Secret und Token unverschlüsselt)."))
        if not getattr(box, "verify_tls", True):
            findings.append(Finding("imap_mailboxes", f"Postfach {box.name}: TLS-Zertifikat wird "
                                    "nicht geprüft (verify_tls)."))
    if settings.smtp_host not in _LOOPBACK and not getattr(settings, "smtp_require_tls", True):
        findings.append(Finding("smtp_require_tls", "Der SMTP-Eingang nimmt auf einer öffentlichen "
                                "Adresse Mail ohne STARTTLS an (EINGANG_SMTP_REQUIRE_TLS)."))
    if getattr(settings, "smtp_auth_allow_plaintext", False) and settings.smtp_host not in _LOOPBACK:
        findings.append(Finding("smtp_auth_allow_plaintext", "SMTP-AUTH ohne STARTTLS auf einer "
                                "Netzadresse: Passwörter gingen im Klartext über das Netz."))
    return findings


def _fitconnect_findings(settings: Settings) -> list[Finding]:
    """FIT-Connect destinations from the environment (those of the console are checked when
    they are saved)."""
    findings: list[Finding] = []
    destinations = getattr(settings, "fitconnect_destinations", None) or []
    if destinations and not getattr(settings, "fitconnect_schema_dir", None):
        findings.append(Finding("fitconnect_schema_dir", "FIT-Connect-Zustellpunkte ohne Ordner mit "
                                "Metadatenschemas (EINGANG_FITCONNECT_SCHEMA_DIR): es wird nichts abgeholt."))
    for destination in destinations:
        for field in ("api_url", "token_url"):
            url = urlsplit(getattr(destination, field))
            if url.scheme != "https" and url.hostname not in _LOOPBACK:
                findings.append(Finding("fitconnect_destinations", f"FIT-Connect-Zustellpunkt "
                                        f"{destination.name}: {field} ohne HTTPS."))
        secret = getattr(destination, "callback_secret", "")
        if secret and len(secret) < 32:
            findings.append(Finding("fitconnect_destinations", f"FIT-Connect-Zustellpunkt "
                                    f"{destination.name}: Callback-Secret kürzer als 32 Zeichen."))
    return findings
