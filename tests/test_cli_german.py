"""The command line in German (issue #14): a database without tables says what to do, and
the password prompts of `eingang users` are German."""

from __future__ import annotations

from click.testing import CliRunner

from eingang.cli import main


def _items_with(monkeypatch, data_dir, database_url: str | None = None):  # type: ignore[no-untyped-def]
    """``eingang items`` with its own data directory and database address."""
    from store.settings import get_settings

    for key in ("EINGANG_DATABASE_URL", "EINGANG_BROKER_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("EINGANG_DATA_DIR", str(data_dir))
    if database_url:
        monkeypatch.setenv("EINGANG_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(main, ["items"])
    finally:
        get_settings.cache_clear()


def test_a_database_without_tables_asks_for_db_upgrade(tmp_path, monkeypatch):
    result = _items_with(monkeypatch, tmp_path / "leer")
    assert result.exit_code == 1
    assert "bitte zuerst `eingang db upgrade` ausführen" in result.output
    assert "Traceback" not in result.output and "sqlalchemy" not in result.output.lower()


def test_a_database_address_the_fast_listing_cannot_open_is_said_in_german(tmp_path, monkeypatch):
    result = _items_with(monkeypatch, tmp_path, f"sqlite:///{tmp_path / 'eingang.db'}?timeout=10")
    assert result.exit_code == 1
    assert "unterstützt sind „sqlite:///PFAD“ (ohne Zusätze nach „?“) und PostgreSQL" in result.output
    assert "Traceback" not in result.output


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


def test_items_and_show_speak_german_and_mask_the_iban(settings):
    from datetime import UTC, datetime

    from store.db import session_scope
    from store.models import Item
    from tests.web import add_item

    item_id = add_item("Wohngeld Erstantrag", "Ich beantrage Wohngeld. IBAN DE89 3704 0044 0532 0130 00",
                       "wohngeld")
    with session_scope(settings) as session:
        item = session.get(Item, item_id)
        # 23:30 UTC on 30 June is already 1 July in Germany (summer time)
        item.received_at = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
        item.facts = {"iban": ["DE89370400440532013000"], "birth_date": ["1980-02-01"]}
    runner = CliRunner()
    listed = runner.invoke(main, ["items"])
    assert listed.exit_code == 0, listed.output
    assert "01.07.2026 01:30" in listed.output
    assert "E-Mail" in listed.output and "zugeordnet" in listed.output and "Wohngeld" in listed.output
    assert "routed" not in listed.output and "2026-06-30" not in listed.output

    shown = runner.invoke(main, ["show", str(item_id)])
    assert shown.exit_code == 0, shown.output
    assert "Eingang:  01.07.2026 01:30 über E-Mail" in shown.output
    assert "IBAN: DE89 **** **** **** **30 00" in shown.output
    assert "Geburtsdatum: 01.02.1980" in shown.output
    assert "DE89370400440532013000" not in shown.output
    assert "Eingang" in shown.output and "routed" not in shown.output
    as_json = runner.invoke(main, ["show", str(item_id), "--json"]).output
    assert "DE89370400440532013000" not in as_json and '"status": "routed"' in as_json
