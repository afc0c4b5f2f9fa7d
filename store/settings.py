"""Settings as typed groups, read once from ``EINGANG_*`` environment variables.

Each group (storage, broker, web, SMTP, IMAP, scan folders, worker, extraction, outgoing mail,
hand-over …) is a small model of its own; :class:`Settings` is all of them, read from the
environment by the composition root (``eingang/commands``; the web app gets it from
``admin.app.create_app``) and handed down: a part takes the group it needs as a parameter and
reads no environment itself. The variable names are the fields' names (``EINGANG_SMTP_PORT``).

Every field has a documented default so that ``make run`` works with no configuration
(embedded mode: SQLite file + in-process broker under ``./data``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Group(BaseModel):
    """A group of settings (or a part of one). Its validator is built when something validates
    a group on its own, not at import: :class:`Settings` validates all fields in one go, and the
    groups it hands out are copies (``model_construct``), so a command never needs them (issue 16)."""

    model_config = ConfigDict(defer_build=True)


# Settings that may also come from a file named by EINGANG_<NAME>_FILE.
SECRET_FIELDS = ("secret_key", "database_url", "broker_url", "imap_password", "oidc_client_secret",
                 "admin_password", "smtp_auth_users", "monitoring_token")


class ImapMailbox(Group):
    """One IMAP mailbox to read (e.g. the functional mailbox wohngeld@)."""

    name: str = Field(description="Unique key of the mailbox (bookkeeping, logs), e.g. 'wohngeld'.")
    host: str
    port: int = 993
    security: Literal["tls", "starttls", "none"] = "tls"
    verify_tls: bool = True
    user: str
    password: str = Field("", description="Password or app password (auth=password).")
    auth: Literal["password", "oauth2"] = Field(
        "password", description="password: LOGIN; oauth2: XOAUTH2 with a client-credentials token "
        "(Microsoft 365 and other OAuth2 mail servers)."
    )
    oauth2_token_url: str | None = Field(
        None, description="OAuth2 token endpoint, e.g. "
        "https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token."
    )
    oauth2_client_id: str | None = Field(None, description="Client (application) id for oauth2.")
    oauth2_client_secret: str = Field("", description="Client secret for oauth2.")
    oauth2_scope: str | None = Field(
        None, description="Scope of the token, e.g. https://outlook.office365.com/.default."
    )
    folder: str = "INBOX"
    processed_folder: str | None = Field(
        "Verarbeitet", description="Committed mail is moved here; None: only flagged \\Seen."
    )
    address: str | None = Field(None, description="The mailbox's address: the receipt path.")
    queue_hint: str | None = Field(None, description="Probable queue; the classifier decides.")
    poll_interval: float | None = Field(None, description="Seconds; default imap_poll_interval.")
    idle: bool = True
    use_move: bool = Field(True, description="False: COPY + \\Deleted + EXPUNGE instead of MOVE.")
    oversize_folder: str | None = Field(
        "Zu groß", description="Mail above imap_max_message_bytes is moved here unread (its item "
        "holds only the header); None: it stays in the folder, flagged."
    )


class FitConnectDestination(Group):
    """One FIT-Connect Zustellpunkt (destination) whose submissions eingang picks up."""

    name: str = Field(description="Unique key (bookkeeping, logs, receipt path), e.g. 'ozg'.")
    destination_id: str = Field(description="The destination's UUID from the Self-Service-Portal.")
    api_url: str = Field(description="Submission API, e.g. https://submission-api-testing.fit-connect.fitko.dev.")
    token_url: str = Field(description="OAuth2 token endpoint, e.g. https://auth-testing.fit-connect.fitko.dev/token.")
    client_id: str
    client_secret: str = ""
    scope: str | None = None
    encryption_key: str = Field("", description="Private JWK (JSON) for RSA-OAEP-256; or encryption_key_file.")
    encryption_key_file: Path | None = None
    signing_key: str = Field("", description="Private JWK (JSON) for PS512 event tokens; or signing_key_file.")
    signing_key_file: Path | None = None
    callback_secret: str = Field("", description="Callback secret set at the destination; empty = polling only.")
    queue_hint: str | None = None
    poll_interval: float | None = Field(None, description="Seconds; default fitconnect_poll_interval.")

    @model_validator(mode="after")
    def _keys_from_files(self) -> FitConnectDestination:
        if not self.encryption_key and self.encryption_key_file:
            self.encryption_key = self.encryption_key_file.read_text(encoding="utf-8")
        if not self.signing_key and self.signing_key_file:
            self.signing_key = self.signing_key_file.read_text(encoding="utf-8")
        return self


class DataDirSettings(Group):
    """Where eingang keeps its files."""

    data_dir: Path = Field(Path("./data"), description="Blobs, SQLite file and scan folders.")


class StorageSettings(DataDirSettings):
    """The database and the blob store of originals (store/)."""

    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means SQLite file <data_dir>/eingang.db."
    )

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'eingang.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def spool_dir(self) -> Path:
        """Mail accepted over SMTP and not yet stored as items (connectors.spool)."""
        return self.data_dir / "spool"


class BrokerSettings(Group):
    """The message broker the pipeline's steps travel on (worker.broker)."""

    broker_url: str = Field(
        "",
        description="Empty = dramatiq's in-process broker (embedded mode); "
        "amqp://… = RabbitMQ; redis://… = Redis.",
    )
    broker_namespace: str = Field(
        "eingang", description="Key prefix of the Redis broker (isolates instances on one Redis)."
    )

    @property
    def embedded_broker(self) -> bool:
        return not self.broker_url


class WebSettings(Group):
    """The web app: where it listens, which proxies it believes, what the public form takes."""

    web_host: str = Field("127.0.0.1", description="Interface the web app binds to.")
    web_port: int = Field(8000, description="Port of the web app.")
    trusted_proxies: str = Field(
        "", description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For/-Proto headers are believed (e.g. 10.0.0.5 or 10.0.0.0/24); empty = none: "
        "the client address is the connecting peer, so the login lock and the form's rate limit "
        "cannot be dodged with a made-up header.",
    )
    public_base_url: str = Field(
        "", description="Address citizens reach the web app at (booking links); empty: "
        "http://127.0.0.1:<web_port>, only right on this machine (`eingang check` warns)."
    )
    secure_cookies: bool = Field(
        False, description="Send the session cookie only over HTTPS (set behind a TLS proxy)."
    )
    session_hours: int = Field(10, description="A staff login lasts this many hours.")
    form_max_bytes: int = Field(
        10 * 1024 * 1024, description="Largest upload accepted by the public form and the API."
    )
    form_rate_limit: int = Field(
        10, description="Submissions per client address and hour on the public form and API."
    )

    @property
    def public_url(self) -> str:
        """Base of links in mails to citizens: the configured public address, else this
        machine at the web app's actual port (it followed no port change before, #14)."""
        return (self.public_base_url or f"http://127.0.0.1:{self.web_port}").rstrip("/")


class AccessSettings(Group):
    """Who gets in: the secret key, login lockout, OpenID Connect, the first admin."""

    secret_key: str = Field(
        "dev-insecure-change-me", description="Signs sessions and links; set in production."
    )
    login_max_failures: int = Field(
        5, description="Failed logins for one user name within login_lockout_minutes that lock it."
    )
    login_max_failures_per_ip: int = Field(
        20, description="Failed logins from one address within login_lockout_minutes that lock it."
    )
    login_lockout_minutes: int = Field(15, description="Window and duration of a login lockout.")
    oidc_issuer: str = Field(
        "", description="OpenID Connect: the Kommune's identity provider (issuer URL with "
        "/.well-known/openid-configuration); empty = local passwords only."
    )
    oidc_client_id: str = Field("", description="OpenID Connect client id of eingang.")
    oidc_client_secret: str = Field(
        "", description="OpenID Connect client secret (or EINGANG_OIDC_CLIENT_SECRET_FILE)."
    )
    oidc_username_claim: str = Field(
        "preferred_username", description="ID-token claim naming the local eingang user (roles "
        "and queues stay assigned in eingang; unknown users are refused)."
    )
    admin_password: str = Field(
        "", description="First start only: creates user 'admin' with this password when no "
        "user exists (else a one-time password is written to <data_dir>/admin-passwort.txt, "
        "mode 0600)."
    )


class SmtpSettings(Group):
    """The SMTP intake server (connectors.smtp)."""

    smtp_host: str = Field("127.0.0.1", description="Interface the SMTP server binds to.")
    smtp_port: int = Field(2525, description="Port of the SMTP intake server.")
    smtp_domains: str = Field(
        "eingang.local,stadt-oldenburg.de",
        description="Comma-separated recipient domains the SMTP server accepts (no open relay).",
    )
    smtp_max_message_bytes: int = Field(
        25 * 1024 * 1024, description="Largest message the SMTP server accepts (552 above)."
    )
    smtp_recipients: str = Field(
        "",
        description="Comma-separated recipient addresses accepted besides whole smtp_domains "
        "(e.g. wohngeld@rathaus.example when the domain itself is not ours).",
    )
    smtp_max_connections: int = Field(
        100, description="Concurrent connections per SMTP process (421 above)."
    )
    smtp_max_connections_per_client: int = Field(
        20, description="Concurrent connections per SMTP process from one client address (421 "
        "above), so that one client's idle sockets cannot lock everyone else out.",
    )
    smtp_rate_per_minute: int = Field(
        600, description="Messages per minute from one client IP (451 above), counted across all "
        "SMTP processes in Redis (Redis broker) or PostgreSQL, else per process; 0 = unlimited."
    )
    smtp_tls_cert: Path | None = Field(None, description="PEM certificate: offer STARTTLS.")
    smtp_tls_key: Path | None = Field(None, description="PEM key for smtp_tls_cert.")
    smtp_require_tls: bool = Field(False, description="Refuse mail before STARTTLS.")
    smtp_auth_users: str = Field(
        "", description="SMTP AUTH accounts as user:argon2-hash entries separated by spaces or "
        "newlines (`eingang smtp-password USER` prints one; or EINGANG_SMTP_AUTH_USERS_FILE); "
        "empty = no AUTH."
    )
    smtp_auth_allow_plaintext: bool = Field(
        False, description="Offer AUTH without STARTTLS (only for a relay on a trusted internal "
        "network); otherwise AUTH needs smtp_tls_cert."
    )
    smtp_auth_required: bool = Field(False, description="Only authenticated clients may send.")

    @property
    def accepted_recipients(self) -> frozenset[str]:
        return frozenset(
            a.strip().lower() for a in self.smtp_recipients.split(",") if a.strip()
        )

    @property
    def accepted_domains(self) -> frozenset[str]:
        return frozenset(d.strip().lower() for d in self.smtp_domains.split(",") if d.strip())


class ImapSettings(Group):
    """The IMAP intake (connectors.imap): mailboxes from the environment and how they are read."""

    imap_mailboxes: list[ImapMailbox] = Field(
        [],
        description="IMAP mailboxes to read, JSON: "
        '[{"name": "wohngeld", "host": "imap.example", "user": "…", "password": "…", '
        '"address": "wohngeld@…", "queue_hint": "wohngeld"}]; further keys: port, '
        "security (tls/starttls/none), folder, processed_folder, oversize_folder, poll_interval, "
        "idle, use_move; auth (password/oauth2) with oauth2_token_url, oauth2_client_id, "
        "oauth2_client_secret, oauth2_scope.",
    )
    imap_max_message_bytes: int = Field(
        100 * 1024 * 1024,
        description="Largest IMAP mail fetched (large ones streamed to disk in pieces); above it "
        "only the header becomes an item that needs attention, and the mail is moved to the "
        "mailbox's oversize_folder. Higher than smtp_max_message_bytes on purpose: a mail in the "
        "mailbox has already arrived and cannot be refused any more.",
    )
    imap_poll_interval: float = Field(60.0, description="Seconds between polls without IDLE.")
    imap_reload_seconds: float = Field(
        30.0, description="Seconds between re-reads of the mailbox list: mailboxes added, changed "
        "or deactivated in the admin console are read (or left) without a restart."
    )
    imap_lease_seconds: float = Field(
        90.0, description="A poller's claim on a mailbox; another may take over after this."
    )

    def queue_hint_for(self, mailbox: str | None) -> str | None:
        """The configured queue hint of the mailbox an item came in through (a hint only)."""
        received = {a.strip().lower() for a in (mailbox or "").split(",") if a.strip()}
        for box in self.imap_mailboxes:
            if box.queue_hint and {(box.address or "").lower(), box.name.lower()} & received:
                return box.queue_hint
        return None


class ScanSettings(DataDirSettings):
    """The scan folders of the mailroom (connectors.scanfolder)."""

    scan_dir: Path | None = Field(
        None, description="Scan folders (hot folders), one subdirectory per scanner or workplace; "
        "empty means <data_dir>/scan."
    )
    scan_workplaces: str = Field(
        "poststelle", description="Comma-separated scan folders created at start (others found "
        "in scan_dir are watched too)."
    )
    scan_settle_seconds: float = Field(
        5.0, description="A scanned file is taken once its size and mtime stayed unchanged this long."
    )
    scan_poll_seconds: float = Field(2.0, description="Seconds between scans of the scan folders.")
    scan_watch: bool = Field(True, description="`eingang serve` watches the scan folders.")
    scan_batches: bool = Field(
        True, description="Files from scan folders are mailroom batches (split into letters)."
    )

    @property
    def scan_path(self) -> Path:
        return self.scan_dir or self.data_dir / "scan"


class FitConnectSettings(Group):
    """FIT-Connect Zustellpunkte (connectors.fitconnect)."""

    fitconnect_destinations: list[FitConnectDestination] = Field(
        [], description="FIT-Connect Zustellpunkte to pick up, JSON: [{\"name\": \"ozg\", "
        "\"destination_id\": \"…\", \"api_url\": \"…\", \"token_url\": \"…\", \"client_id\": \"…\", "
        "\"client_secret\": \"…\", \"encryption_key_file\": \"…\", \"signing_key_file\": \"…\", "
        "\"callback_secret\": \"…\"}] (or in the admin console)."
    )
    fitconnect_schema_dir: Path | None = Field(
        None, description="Folder of the FIT-Connect metadata JSON schemas accepted (one file per "
        "version, e.g. metadata-1.0.0.schema.json); without it nothing is picked up."
    )
    fitconnect_poll_interval: float = Field(
        60.0, description="Seconds between polls of each FIT-Connect destination (callbacks "
        "trigger a pick-up at once)."
    )


class WorkerSettings(Group):
    """The worker processes and the sweeper that restarts stuck items."""

    worker_threads: int = Field(4, description="Worker threads per worker process.")
    worker_nice: int = Field(
        10, ge=0, le=19,
        description="CPU priority offset of `eingang worker` processes (like nice): intake "
        "(SMTP, IMAP, web) answers first when a burst arrives; the pipeline catches up after.",
    )
    sweep_interval: float = Field(
        15.0, description="Seconds between sweeps for items stuck in a non-final state."
    )
    stale_after: float = Field(
        900.0,
        description="An item untouched this many seconds in a non-final state is re-enqueued "
        "(longer than the slowest step, OCR of a large batch).",
    )


class ExtractionSettings(Group):
    """Reading what came in: OCR of scans, the isolated extraction process (worker.steps)."""

    ocr_languages: str = Field(
        "deu+eng", description="tesseract languages for scans: a page is read with the first alone, "
        "with all of them when it does not read as that language (extraction.ocrlanguage).")
    ocr_min_confidence: float = Field(
        60.0, description="A scanned page below this OCR confidence (0–100) is flagged for a human look."
    )
    ocr_processes: int = Field(
        0, description="OCR worker processes per eingang process (one tesseract engine each); 0 = CPU cores."
    )
    ocr_seconds_per_document: float = Field(
        120.0, description="Time limit for reading one document (a mailroom batch gets 5×)."
    )
    extract_isolated: bool = Field(
        True, description="Read mail and web form uploads in a separate, memory- and time-limited "
        "process (worker.sandbox)."
    )
    extract_memory_bytes: int = Field(
        2 * 1024 * 1024 * 1024, description="Address space limit of that process (incl. tesseract)."
    )
    extract_timeout: float = Field(
        600.0, description="Seconds after which reading one mail or upload is abandoned "
        "(the item is parked with the reason)."
    )


class KommuneSettings(Group):
    """The Kommune profile the domain catalogue is seeded from, and overrides of it."""

    kommune_profile: str = Field(
        "oldenburg", description="Kommune profile the domain catalogue is seeded from on the first "
        "start: a bundled one (oldenburg, ammerland) or a YAML file (see eingang kommune export). "
        "Afterwards the catalogue is edited in the admin console."
    )
    kommune_name: str = Field(
        "", description="Overrides the catalogue's name of the Kommune (empty: from the catalogue)."
    )
    kommune_postcodes: str = Field(
        "", description="Overrides the catalogue's postcodes (örtliche Zuständigkeit), comma-separated "
        "(empty: from the catalogue)."
    )

    @property
    def postcodes(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.kommune_postcodes.split(",") if p.strip())


class RoutingSettings(Group):
    """What the default rules of the Clearing need besides the catalogue (worker.rules)."""

    routing_min_confidence: float = Field(
        0.5, description="Below this classifier confidence the default rules send to the Clearing-Stelle."
    )
    regelaltersgrenze: int = Field(
        67, description="Regelaltersgrenze for the Vorrang rule (Grundsicherung im Alter, SGB XII)."
    )


class OutgoingMailSettings(DataDirSettings):
    """Mails to citizens: sender, relay, templates, the place of appointments (worker.mail, worker.followups)."""

    mail_from: str = Field(
        "Eingangsservice <eingang@stadt-oldenburg.de>", description="Sender of mails to citizens."
    )
    mail_relay: str = Field(
        "",
        description="host:port of the SMTP relay for outgoing mail; empty = write .eml files to "
        "<data_dir>/mail-out (embedded mode).",
    )
    mail_relay_security: Literal["none", "starttls", "tls"] = Field(
        "none", description="Transport security to mail_relay: none, starttls or tls."
    )
    mail_relay_verify_tls: bool = Field(True, description="Check the certificate of mail_relay.")
    mail_relay_user: str = Field("", description="Login at mail_relay; empty = no AUTH.")
    mail_relay_password: str = Field("", description="Password for mail_relay_user.")
    template_dir: Path | None = Field(
        None, description="Folder with edited mail templates (overrides the built-in ones by name); "
        "empty means <data_dir>/templates, where the admin console saves them."
    )
    appointment_location: str = Field(
        "", description="Where appointments take place when an office's schedule names no place "
        "(empty: the Kommune's address in the domain catalogue).",
    )

    @property
    def templates_path(self) -> Path:
        return self.template_dir or self.data_dir / "templates"


class HandoverSettings(Group):
    """Hand-over to Fachverfahren and E-Akte (worker.exporters, worker.xdomea_export)."""

    export_webhook_url: str = Field(
        "", description="Fachverfahren hand-over: JSON webhook URL (empty = no webhook)."
    )
    export_webhook_secret: str = Field(
        "", description="HMAC-SHA256 key for the X-Eingang-Signature header of the webhook."
    )
    export_drop_dir: Path | None = Field(
        None, description="Fachverfahren hand-over: drop folder for JSON + documents (empty = none)."
    )
    xdomea_handover: dict[str, Path] = Field(
        {}, description="Hand-over to the E-Akte as xdomea 3.0.0 (Abgabe.Abgabe.0401 ZIP) per "
        "office, JSON: {\"jobcenter\": \"/srv/e-akte/jobcenter\", \"*\": \"/srv/e-akte/eingang\"}; "
        "'*' = every other office; empty = none."
    )
    xdomea_xsd: Path | None = Field(
        None, description="xdomea.xsd of the official xdomea 3.0.0 schema set: every message is "
        "validated before it is written (empty = not checked here)."
    )


class OperationsSettings(Group):
    """Monitoring and steering: health and metrics access, the dashboard's targets."""

    monitoring_token: str = Field(
        "", description="Bearer token for /health and /metrics (monitoring, Prometheus); "
        "logged-in admins need none. Empty: admins only."
    )
    metrics_dir: Path | None = Field(
        None, description="Directory shared by the processes of one machine for Prometheus "
        "multiprocess metrics (a tmpfs emptied at boot, e.g. /run/eingang-metrics); "
        "empty = each process counts alone (embedded mode)."
    )
    default_response_target_hours: float = Field(
        48.0, gt=0, description="Response-time target in hours (receipt to the first action of a "
        "person) for offices whose catalogue entry names none (Verwaltung → Zuständigkeiten → "
        "Zielzeit): the inbox shows the time left against it, /steuerung each office's average."
    )


class Settings(OperationsSettings, HandoverSettings, OutgoingMailSettings, RoutingSettings, KommuneSettings, ExtractionSettings, WorkerSettings, FitConnectSettings, ScanSettings, ImapSettings, SmtpSettings, AccessSettings, WebSettings, BrokerSettings, StorageSettings, BaseSettings):
    """Every setting, read once from the environment by the composition root (eingang/commands,
    admin.app): it hands each part the group it needs (``settings.smtp``, ``settings.storage`` …),
    a copy of just those fields. A function that declares a group also takes the whole object."""

    # Built at import, unlike the groups: every command reads the settings.
    model_config = SettingsConfigDict(env_prefix="EINGANG_", extra="ignore", defer_build=False)

    @property
    def storage(self) -> StorageSettings:
        return _group(self, StorageSettings)

    @property
    def broker(self) -> BrokerSettings:
        return _group(self, BrokerSettings)

    @property
    def web(self) -> WebSettings:
        return _group(self, WebSettings)

    @property
    def access(self) -> AccessSettings:
        return _group(self, AccessSettings)

    @property
    def smtp(self) -> SmtpSettings:
        return _group(self, SmtpSettings)

    @property
    def imap(self) -> ImapSettings:
        return _group(self, ImapSettings)

    @property
    def scan(self) -> ScanSettings:
        return _group(self, ScanSettings)

    @property
    def fitconnect(self) -> FitConnectSettings:
        return _group(self, FitConnectSettings)

    @property
    def worker(self) -> WorkerSettings:
        return _group(self, WorkerSettings)

    @property
    def extraction(self) -> ExtractionSettings:
        return _group(self, ExtractionSettings)

    @property
    def kommune(self) -> KommuneSettings:
        return _group(self, KommuneSettings)

    @property
    def routing(self) -> RoutingSettings:
        return _group(self, RoutingSettings)

    @property
    def mail(self) -> OutgoingMailSettings:
        return _group(self, OutgoingMailSettings)

    @property
    def handover(self) -> HandoverSettings:
        return _group(self, HandoverSettings)

    @property
    def operations(self) -> OperationsSettings:
        return _group(self, OperationsSettings)

    @model_validator(mode="after")
    def _secrets_from_files(self) -> Settings:
        """``EINGANG_<NAME>_FILE`` (Docker/systemd credentials) wins over ``EINGANG_<NAME>``,
        so secrets need not sit in the environment of every process."""
        for name in SECRET_FIELDS:
            path = os.environ.get(f"EINGANG_{name.upper()}_FILE")
            if path and name in type(self).model_fields:
                with open(path, encoding="utf-8") as fh:
                    object.__setattr__(self, name, fh.read().strip())
        return self


G = TypeVar("G", bound=BaseModel)


def _group(settings: Settings, group: type[G]) -> G:
    """A copy of the group's fields only (already validated: nothing is read again)."""
    return group.model_construct(**{name: getattr(settings, name) for name in group.model_fields})


def group_of(field: str) -> str:
    """The name of the group (a property of :class:`Settings`) a field belongs to."""
    for name, value in vars(Settings).items():
        group = getattr(value, "fget", None) and value.fget.__annotations__.get("return")
        if isinstance(group, str) and field in globals()[group].model_fields:
            return name
    raise KeyError(field)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
