"""``eingang check`` finds weak production settings and fails with exit code 1."""

from __future__ import annotations

from click.testing import CliRunner

from eingang.cli import main


def test_defaults_are_reported_as_weak(settings):
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "[secret_key]" in result.output and "[database_url]" in result.output
    assert "[secure_cookies]" in result.output


def test_sqlite_with_broker_and_guest_account(settings, monkeypatch):
    monkeypatch.setenv("EINGANG_BROKER_URL", "amqp://guest:guest@10.1.2.3:5672/")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "SQLite mit externem Broker" in result.output and "guest/guest" in result.output


def test_strong_settings_pass(settings, monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 48 + "\n", encoding="utf-8")
    settings.data_dir.chmod(0o700)
    monkeypatch.setenv("EINGANG_SECRET_KEY_FILE", str(secret))
    monkeypatch.setenv("EINGANG_DATABASE_URL", "postgresql+psycopg://eingang@db.intern/eingang")
    monkeypatch.setenv("EINGANG_BROKER_URL", "amqp://eingang:geheim@mq.intern:5672/eingang")
    monkeypatch.setenv("EINGANG_SECURE_COOKIES", "true")
    monkeypatch.setenv("EINGANG_PUBLIC_BASE_URL", "https://anliegen.stadt-oldenburg.de")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "Keine schwachen Einstellungen" in result.output


def test_world_readable_data_dir_is_reported(settings, monkeypatch):
    settings.data_dir.chmod(0o755)
    monkeypatch.setenv("EINGANG_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("EINGANG_DATABASE_URL", "postgresql+psycopg://eingang@db.intern/eingang")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1 and "[data_dir]" in result.output


def test_imap_without_tls_and_unchecked_certificates(settings, monkeypatch):
    monkeypatch.setenv("EINGANG_IMAP_MAILBOXES", '[{"name": "wohngeld", "host": "mail.intern", '
                       '"user": "w", "security": "none"}, {"name": "jc", "host": "mail.intern", '
                       '"user": "j", "verify_tls": false}, {"name": "so", "host": "outlook.office365.com", '
                       '"user": "s", "auth": "oauth2", "oauth2_token_url": "http://idp.intern/token"}]')
    monkeypatch.setenv("EINGANG_SMTP_HOST", "0.0.0.0")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "wohngeld (mail.intern) ohne TLS" in result.output
    assert "jc: TLS-Zertifikat" in result.output and "[smtp_require_tls]" in result.output
    assert "so: OAuth2-Token-Endpunkt ohne HTTPS" in result.output


def test_smtp_auth_without_tls_on_a_network_address(settings, monkeypatch):
    monkeypatch.setenv("EINGANG_SMTP_HOST", "0.0.0.0")
    monkeypatch.setenv("EINGANG_SMTP_AUTH_ALLOW_PLAINTEXT", "true")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1 and "[smtp_auth_allow_plaintext]" in result.output


def test_public_links_follow_the_web_port_and_check_warns(settings, monkeypatch):
    from store.settings import get_settings

    monkeypatch.setenv("EINGANG_WEB_PORT", "8123")
    get_settings.cache_clear()
    assert get_settings().public_url == "http://127.0.0.1:8123"
    result = CliRunner().invoke(main, ["check"])
    assert "[public_base_url]" in result.output and "http://127.0.0.1:8123" in result.output
    monkeypatch.setenv("EINGANG_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    result = CliRunner().invoke(main, ["check"])
    assert "nennt Port 8000, die Weboberfläche läuft auf Port 8123" in result.output


def test_fitconnect_without_schemas_https_or_a_strong_callback_secret(settings, monkeypatch):
    monkeypatch.setenv("EINGANG_FITCONNECT_DESTINATIONS", '[{"name": "ozg", "destination_id": '
                       '"0c5e2c5a-7b1f-4f59-a0e3-7c1f7c8c2f11", "api_url": "http://fitconnect.intern", '
                       '"token_url": "https://auth.example/token", "client_id": "c", "callback_secret": "kurz"}]')
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "[fitconnect_schema_dir]" in result.output
    assert "ozg: api_url ohne HTTPS" in result.output and "token_url" not in result.output
    assert "Callback-Secret kürzer als 32 Zeichen" in result.output
