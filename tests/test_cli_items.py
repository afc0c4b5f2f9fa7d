"""``eingang items`` and ``show`` read without SQLAlchemy (store.plain, issue 16): the same items
in the same order as the ORM's query, the same values, the same audit entries in the same chain,
on SQLite and PostgreSQL; and they do not import SQLAlchemy at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from eingang.cli import main
from eingang.commands.items import item_summary


def _items() -> list[int]:
    """Five items: two urgent (one with a deadline), one without a queue, two channels."""
    from store.db import session_scope
    from store.models import Item
    from store.settings import get_settings
    from tests.web import add_item

    ids = [add_item("Wohngeld Antrag", "Text", "wohngeld", minutes_ago=50),
           add_item("Widerspruch gegen Bescheid", "Text", "jobcenter", urgent=True, minutes_ago=40),
           add_item("Eilantrag", "Text", "wohngeld", urgent=True, minutes_ago=30, channel="webform"),
           add_item("Ohne Zuständigkeit", "Text", None, minutes_ago=20, status="needs_attention"),
           add_item("Rückfrage", "Text", "jobcenter", minutes_ago=10, channel="webform")]
    with session_scope(get_settings()) as session:
        session.get(Item, ids[1]).deadline = datetime.now(UTC) + timedelta(days=3)
        session.get(Item, ids[3]).confidence = 0.25
    return ids


def _expected(**filters) -> list[dict]:  # type: ignore[no-untyped-def]
    """What the ORM's query (the listing before issue 16) returns, as JSON values."""
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Item
    from store.settings import get_settings

    query = select(Item)
    for column in ("status", "queue", "channel"):
        if filters.get(column):
            query = query.where(getattr(Item, column).in_(filters[column]))
    if filters.get("urgent"):
        query = query.where(Item.urgent.is_(True))
    query = query.order_by(Item.urgent.desc(), Item.deadline.asc().nulls_last(), Item.received_at.desc(),
                           Item.id.desc()).limit(filters.get("limit", 100))
    with session_scope(get_settings()) as session:
        return [json.loads(json.dumps(item_summary(item), ensure_ascii=False)) for item in session.scalars(query)]


def _listed(*args: str) -> list[dict]:
    result = CliRunner().invoke(main, ["items", "--json", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_the_listing_matches_the_orm_query_and_is_audited(store_backend) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from store import audit
    from store.db import session_scope
    from store.models import AuditEvent
    from store.settings import get_settings

    ids = _items()
    listed = _listed()
    assert listed == _expected() and len(listed) == 5
    # Urgent first, the one with a deadline first among them; then the newest.
    assert [row["id"] for row in listed] == [ids[1], ids[2], ids[4], ids[3], ids[0]]
    assert listed[0]["urgent"] is True and listed[2]["urgent"] is False
    assert listed[0]["received_at"].endswith("+00:00")
    assert _listed("--status", "needs_attention") == _expected(status=["needs_attention"]) != []
    assert _listed("--queue", "wohngeld", "--queue", "jobcenter", "--channel", "webform") == _expected(
        queue=["wohngeld", "jobcenter"], channel=["webform"]) != []
    assert _listed("--urgent", "--limit", "1") == _expected(urgent=True, limit=1) != []

    text = CliRunner().invoke(main, ["items", "--urgent"])
    assert text.exit_code == 0, text.output
    assert text.output.splitlines()[0].startswith("! ") and "Widerspruch gegen Bescheid" in text.output
    assert "zugeordnet" in text.output and "Jobcenter" in text.output and "routed" not in text.output

    with session_scope(get_settings()) as session:
        entries = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "item.list")
                                       .order_by(AuditEvent.seq)))
        assert audit.verify(session).ok
    assert len(entries) == 5
    assert entries[-1].actor.startswith("cli:") and entries[-1].item_id is None
    assert entries[-1].details == {"results": 2, "filters": {"status": [], "queue": [], "urgent": True}}
    assert entries[1].details == {"results": 1, "filters": {"status": ["needs_attention"], "queue": [],
                                                           "urgent": False}}
    assert entries[-1].at.tzinfo is not None and entries[-1].at > entries[0].at


def test_the_orm_and_the_listing_write_one_chain(settings) -> None:  # type: ignore[no-untyped-def]
    from store import audit
    from store.db import session_scope

    assert CliRunner().invoke(main, ["items"]).exit_code == 0
    with session_scope(settings) as session:
        audit.append(session, "item.read", item=7, actor="u:anna")
    assert CliRunner().invoke(main, ["items"]).exit_code == 0
    with session_scope(settings) as session:
        result = audit.verify(session)
    assert result.ok and result.count == 3, result.problems


def test_show_reads_the_item_its_documents_and_history(store_backend) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import AuditEvent, Item
    from store.settings import get_settings

    ids = _items()
    with session_scope(get_settings()) as session:
        item = session.get(Item, ids[1])
        item.facts = {"iban": ["DE89370400440532013000"]}
        expected = {"reference": item.reference, "queue": item.queue, "summary": item_summary(item),
                    "documents": [(d.id, d.role, d.sha256, d.size) for d in item.documents],
                    "events": [(e.at.isoformat(), e.kind, e.message) for e in item.events]}
    assert expected["documents"] and expected["events"]
    result = CliRunner().invoke(main, ["show", expected["reference"], "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert {k: shown[k] for k in expected["summary"]} == json.loads(json.dumps(expected["summary"]))
    assert [(d["id"], d["role"], d["sha256"], d["size"]) for d in shown["documents"]] == expected["documents"]
    assert [(e["at"], e["kind"], e["message"]) for e in shown["events"]] == expected["events"]
    assert shown["facts"] == {"iban": ["DE89 **** **** **** **30 00"]} and shown["urgent"] is True

    text = CliRunner().invoke(main, ["show", str(ids[1])])
    assert text.exit_code == 0, text.output
    assert "dringend: ja" in text.output and "Widerspruch gegen Bescheid" in text.output
    assert "Verlauf:" in text.output and "Eingang" in text.output
    missing = CliRunner().invoke(main, ["show", "EIN-1999-999999"])
    assert missing.exit_code == 1 and "Vorgang EIN-1999-999999 nicht gefunden" in missing.output

    with session_scope(get_settings()) as session:
        reads = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "item.read")
                                     .order_by(AuditEvent.seq)))
    assert [(e.item_id, e.reference, e.queue, e.details) for e in reads] == [
        (ids[1], expected["reference"], expected["queue"], {})] * 2


def test_items_and_show_import_no_sqlalchemy(settings) -> None:  # type: ignore[no-untyped-def]
    from tests.web import add_item

    item = add_item("Wohngeld Antrag", "Text", "wohngeld")
    for args in (["items"], ["show", str(item)]):
        code = ("import sys\nfrom eingang.cli import main\n"
                f"try:\n    main({args!r})\nexcept SystemExit as done:\n    assert done.code == 0, done.code\n"
                "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
        env = {**os.environ, "EINGANG_DATA_DIR": str(settings.data_dir)}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        loaded = set(out.stderr.split())
        assert "sqlalchemy.orm" not in loaded and "store.models" not in loaded, args
        assert not {name for name in loaded if name.startswith("sqlalchemy")}, args
