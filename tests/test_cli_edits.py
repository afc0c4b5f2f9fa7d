"""The Clearing-Stelle's decision and the item edits from the shell: the same services as the
item page (services.clearing, services.mailroom), with the CLI user in the history."""

from __future__ import annotations

import getpass

from click.testing import CliRunner
from sqlalchemy import select

from eingang.cli import main
from store.db import session_scope
from store.models import Document, Event, Item, TrainingExample, utcnow
from store.settings import get_settings


def _item(queue: str, text: str, documents: int = 0) -> int:
    with session_scope(get_settings()) as session:
        item = Item(channel="email", received_at=utcnow(), status="routed", queue=queue,
                    subject="Anfrage", text=text, reference=None)
        session.add(item)
        session.flush()
        item.reference = f"EIN-2026-{item.id:06d}"
        for n in range(documents):
            session.add(Document(item_id=item.id, role="attachment", sha256=f"{n:064x}",
                                 media_type="text/plain", filename=f"anlage-{n}.txt", size=1,
                                 text=f"Anlage {n}"))
        return item.id


def _events(item_id: int) -> list[tuple[str, str]]:
    with session_scope(get_settings()) as session:
        return [(e.kind, e.actor) for e in session.scalars(select(Event).where(Event.item_id == item_id))]


def test_clearing_decides_from_the_shell_and_teaches(settings) -> None:  # type: ignore[no-untyped-def]
    # Given an item of the Clearing-Stelle and one of an office
    unclear = _item("clearing", "Ich brauche Hilfe mit der Miete.")
    routed = _item("wohngeld", "Wohngeldantrag")
    actor = f"cli:{getpass.getuser()}"
    # When the Clearing-Stelle decides it from the shell
    result = CliRunner().invoke(main, ["clearing", str(unclear), "wohngeld", "--notiz", "Mietzuschuss"])
    # Then it is routed with the follow-up the active rules choose, and the decision teaches
    assert result.exit_code == 0, result.output
    assert "entschieden, an wohngeld" in result.output
    with session_scope(get_settings()) as session:
        item = session.get(Item, unclear)
        assert (item.queue, item.action) == ("wohngeld", "auto_process")
        assert item.decision["decided_by"] == actor
        example = session.scalars(select(TrainingExample)).one()
        assert (example.queue, example.source, example.created_by) == ("wohngeld", "clearing", actor)
    assert ("clearing_decided", actor) in _events(unclear)
    # An item outside the Clearing-Stelle and a referral without a body are refused in German
    refused = CliRunner().invoke(main, ["clearing", str(routed), "sozialamt"])
    assert refused.exit_code == 1 and "Nur Vorgänge der Clearing-Stelle" in refused.output
    refused = CliRunner().invoke(main, ["clearing", str(_item("clearing", "x")), "extern"])
    assert refused.exit_code == 1 and "zuständige Stelle" in refused.output


def test_merge_and_split_from_the_shell(settings) -> None:  # type: ignore[no-untyped-def]
    first, duplicate = _item("wohngeld", "Antrag", documents=2), _item("wohngeld", "Antrag", documents=1)
    with session_scope(get_settings()) as session:
        reference = session.get(Item, first).reference
        kept, moved = [d.id for d in session.get(Item, first).documents]
    # When a duplicate is merged by reference, its documents move to the first item
    merged = CliRunner().invoke(main, ["merge", str(duplicate), reference])
    assert merged.exit_code == 0, merged.output
    with session_scope(get_settings()) as session:
        assert session.get(Item, duplicate).status == "done"
        assert len(session.get(Item, first).documents) == 3
    # When a document is split off, it becomes an item of its own, classified anew
    split = CliRunner().invoke(main, ["split", reference, str(moved)])
    assert split.exit_code == 0, split.output
    with session_scope(get_settings()) as session:
        new = session.scalars(select(Item).where(Item.thread_id == first, Item.id != duplicate)).one()
        assert [d.id for d in new.documents] == [moved]
        assert f"Abgetrennt in {new.reference}." in split.output
    assert ("split", f"cli:{getpass.getuser()}") in _events(first)
    # Splitting every document off is refused (one must stay)
    with session_scope(get_settings()) as session:
        remaining = [str(d.id) for d in session.get(Item, first).documents]
    assert str(kept) in remaining
    refused = CliRunner().invoke(main, ["split", reference, *remaining])
    assert refused.exit_code == 1 and "Mindestens ein Dokument" in refused.output
