"""The access audit trail: hash chain, append-only guard, mirrored changes, concurrent writers."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from store import audit
from store.db import make_engine, session_scope, upgrade_schema
from store.events import record
from store.models import AuditEvent
from store.settings import get_settings


def _append(n: int, **kw) -> None:  # type: ignore[no-untyped-def]
    with session_scope(get_settings()) as session:
        for i in range(n):
            audit.append(session, "item.read", item=i + 1, actor="u:anna", **kw)


def test_chain_verifies_and_links_every_entry(settings):
    with audit.acting_as("u:anna", ip="10.0.0.7", user_agent="Firefox"):
        _append(5)
    with session_scope(get_settings()) as session:
        result = audit.verify(session)
        rows = session.query(AuditEvent).order_by(AuditEvent.seq).all()
    assert result.ok and result.count == 5 and result.head_seq == 5
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert rows[0].ip == "10.0.0.7" and rows[0].user_agent == "Firefox"


def test_table_rejects_update_and_delete(settings):
    _append(2)
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"), session_scope(get_settings()) as session:
            session.execute(text(statement))


def _as_db_owner(statement: str) -> None:
    """What an attacker with the database owner's rights could do: drop the guard, edit."""
    with session_scope(get_settings()) as session:
        session.execute(text("DROP TRIGGER audit_events_no_update"))
        session.execute(text("DROP TRIGGER audit_events_no_delete"))
        session.execute(text(statement))


def test_edited_entry_is_detected(settings):
    _append(4)
    _as_db_owner("UPDATE audit_events SET actor = 'u:someone-else' WHERE seq = 2")
    with session_scope(get_settings()) as session:
        result = audit.verify(session)
    assert not result.ok
    assert any("Nr. 2" in p and "verändert" in p for p in result.problems)


def test_removed_entries_are_detected(settings):
    _append(5)
    with session_scope(get_settings()) as session:
        head = audit.verify(session).head_hash
    _as_db_owner("DELETE FROM audit_events WHERE seq IN (3, 5)")
    with session_scope(get_settings()) as session:
        result = audit.verify(session, expected_head=head)
    assert not result.ok
    assert any("fehlt" in p for p in result.problems)  # the gap in the middle
    assert any("Kopf-Hash" in p for p in result.problems)  # the removed head


def test_changes_by_people_are_mirrored_without_content(settings):
    from store.models import Item, utcnow

    with session_scope(get_settings()) as session:
        item = Item(channel="email", received_at=utcnow(), reference="EIN-2026-000001",
                    queue="jobcenter")
        session.add(item)
        session.flush()
        record(session, item, "worker:classify", "classified", "Klassifiziert", queue="jobcenter")
        record(session, item, "u:anna", "rerouted", "Umgeleitet", queue="sozialamt",
               reason="Die Bürgerin schreibt, sie sei 70 Jahre alt und erwerbsunfähig")
    with session_scope(get_settings()) as session:
        rows = session.query(AuditEvent).all()
    assert [(r.actor, r.action) for r in rows] == [("u:anna", "item.rerouted")]
    assert rows[0].details == {"queue": "sozialamt"}  # the free-text reason stays out
    assert rows[0].reference == "EIN-2026-000001"


def test_search_and_export(settings):
    with audit.acting_as("u:anna", ip="10.0.0.7"):
        _append(3)
    with audit.acting_as("u:bernd", ip="10.0.0.8"), session_scope(get_settings()) as session:
        audit.append(session, "document.download", item=2, target="document:5")
    with session_scope(get_settings()) as session:
        found = audit.search(session, audit.AuditQuery(actor="u:bernd"))
        by_prefix = audit.search(session, audit.AuditQuery(action="item."))
        csv_text = audit.export(audit.search(session, audit.AuditQuery()), "csv")
        json_text = audit.export(found, "json")
    assert [e.action for e in found] == ["document.download"]
    assert len(by_prefix) == 3
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("seq;at;actor;action") and len(lines) == 5
    assert '"target": "document:5"' in json_text and '"ip": "10.0.0.8"' in json_text


def test_cli_verify_export_and_failure(settings, tmp_path):
    from eingang.cli import main

    _append(3)
    runner = CliRunner()
    ok = runner.invoke(main, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "unverändert" in ok.output
    out = tmp_path / "audit.json"
    exported = runner.invoke(main, ["audit", "export", "--format", "json", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4  # 3 + the verify entry
    _as_db_owner("UPDATE audit_events SET item_id = 99 WHERE seq = 1")
    failed = runner.invoke(main, ["audit", "verify"])
    assert failed.exit_code == 1 and "FEHLER" in failed.output


@pytest.mark.postgres
def test_concurrent_writers_keep_one_chain_on_postgres(monkeypatch, tmp_path):
    from store.settings import Settings
    from tests.services import postgres_database

    with postgres_database() as url:
        settings = Settings(data_dir=tmp_path, database_url=url)
        upgrade_schema(settings)
        engine = make_engine(url)
        from sqlalchemy.orm import Session

        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                for i in range(20):
                    with Session(engine) as session, session.begin():
                        audit.append(session, "item.read", item=n * 100 + i, actor=f"u:{n}")
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        with Session(engine) as session:
            result = audit.verify(session)
            with pytest.raises(Exception, match="append-only"):
                session.execute(text("UPDATE audit_events SET actor = 'x'"))
        engine.dispose()
    assert result.ok, result.problems
    assert result.count == 100


def test_entries_of_a_rolled_back_transaction_are_not_written(settings):
    with pytest.raises(RuntimeError), session_scope(get_settings()) as session:
        audit.append(session, "item.read", item=1, actor="u:anna")
        raise RuntimeError("the request failed")
    _append(1)
    with session_scope(get_settings()) as session:
        rows = session.query(AuditEvent).all()
        assert [r.seq for r in rows] == [1] and audit.verify(session).ok
