"""The command line in German (issue #14): a database without tables says what to do, and
the password prompts of `eingang users` are German."""

from __future__ import annotations

from click.testing import CliRunner

from eingang.cli import main


def test_a_database_without_tables_asks_for_db_upgrade(tmp_path, monkeypatch):
    from store.settings import get_settings

    for key in ("EINGANG_DATABASE_URL", "EINGANG_BROKER_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("EINGANG_DATA_DIR", str(tmp_path / "leer"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["items"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "bitte zuerst `eingang db upgrade` ausführen" in result.output
    assert "Traceback" not in result.output and "sqlalchemy" not in result.output.lower()


def test_users_passwd_asks_twice_in_german(settings):
    runner = CliRunner()
    result = runner.invoke(main, ["users", "add", "anna", "--role", "fachamt", "--queue", "wohngeld"],
                           input="Erstes-Passwort-1\nErstes-Passwort-1\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["users", "passwd", "anna"],
                           input="Neues-Passwort-1\nAnderes-Passwort\nNeues-Passwort-1\nNeues-Passwort-1\n")
    assert result.exit_code == 0, result.output
    assert "Neues Passwort wiederholen" in result.output
    assert "Die Eingaben stimmen nicht überein" in result.output
    assert "Repeat" not in result.output and "confirmation" not in result.output
