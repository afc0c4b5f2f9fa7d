"""The inbox's live counts (table item_counts, kept by database triggers) stay equal to a
GROUP BY over the items through the pipeline, staff actions, merges, splits, retention
deletes, raw SQL and concurrent writers; ``eingang counts`` finds and repairs any drift."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from click.testing import CliRunner
from sqlalchemy import func, select, text, update

from store import counts as item_counts
from store.blobs import blob_store
from store.db import session_scope
from store.enums import Channel
from store.intake import Incoming, store_incoming
from store.models import Item, User, utcnow
from store.settings import get_settings
from tests.mails import WOHNGELD, citizen_mail

STAFF = User(username="es", display_name="ES", roles=["eingangsservice"], queues=["*"])


def _mail(subject: str, body: str, attachments: int = 0) -> bytes:
    msg: EmailMessage = citizen_mail(subject, body)
    for n in range(attachments):
        msg.add_attachment(f"Kontoauszug {n}".encode(), maintype="text", subtype="plain",
                           filename=f"anlage{n}.txt")
    return msg.as_bytes()


def _ingest(content: bytes) -> int:
    with session_scope(get_settings()) as session:
        item, _ = store_incoming(session, Incoming(
            channel=Channel.EMAIL, content=content, media_type="message/rfc822", received_at=utcnow()), blob_store(get_settings()))
        return item.id


def _run_pipeline(item_id: int) -> None:
    from worker import steps

    steps.extract(item_id, settings=get_settings())
    steps.classify(item_id, settings=get_settings())
    steps.route_item(item_id, settings=get_settings())


def _assert_exact() -> None:
    with session_scope(get_settings()) as session:
        assert item_counts.check(session) == []


def _inbox_counts() -> dict:
    from admin.inbox import counts

    with session_scope(get_settings()) as session:
        return counts(session, STAFF)


def test_counts_follow_pipeline_actions_merges_splits_and_deletes(store_backend):
    from admin import actions
    from services import mailroom
    from store import retention

    # Given mails run through the whole pipeline (received → extracted → classified → routed)
    ids = [_ingest(_mail(*WOHNGELD, attachments=2)) for _ in range(3)]
    ids.append(_ingest(_mail("Stromsperre", "Die Stadtwerke sperren morgen den Strom. Bürgergeld, 26123")))
    _assert_exact()  # four items "received" without a queue
    for item_id in ids:
        _run_pipeline(item_id)
    _assert_exact()
    before = _inbox_counts()
    assert before["open"] == 4 and sum(n for _, n in before["queues"]) == 4

    # When staff re-route, relabel, close, re-open, merge and split
    with session_scope(get_settings()) as session:
        items = [session.get(Item, i) for i in ids]
        target = "jobcenter" if items[0].queue != "jobcenter" else "sozialamt"
        actions.reroute(session, items[0], STAFF, target, "Bezieht Bürgergeld")
        actions.relabel(session, items[1], STAFF, None, not items[1].urgent, "Frist läuft")
        actions.mark_done(session, items[2], STAFF, "erledigt")
    with session_scope(get_settings()) as session:
        actions.reopen(session, session.get(Item, ids[2]), STAFF)
    with session_scope(get_settings()) as session:
        mailroom.merge_duplicate(session, session.get(Item, ids[1]), session.get(Item, ids[0]), "web:es")
    with session_scope(get_settings()) as session:
        item = session.get(Item, ids[2])
        split = mailroom.split_off(session, item, [item.documents[-1].id], "web:es")
        split_id = split.id
    _assert_exact()
    after = _inbox_counts()
    # the merged duplicate is closed, the split-off letter is a new open item
    assert after["open"] == before["open"]
    assert dict(after["statuses"]).get("extracted") == 1

    # When a bulk UPDATE in SQL moves items and retention deletes a closed one
    with session_scope(get_settings()) as session:
        session.execute(update(Item).where(Item.id.in_([ids[3], split_id])).values(queue="clearing"))
        session.execute(update(Item).where(Item.id == ids[1]).values(
            closed_at=datetime.now(UTC) - timedelta(days=400)))
    report = retention.run_job(store_backend, blob_grace=timedelta(0))
    assert [e["item_id"] for e in report.deleted_items] == [ids[1]]

    # Then the stored counts still equal a GROUP BY over the items
    _assert_exact()
    with session_scope(get_settings()) as session:
        open_items = session.scalar(select(func.count()).select_from(Item).where(Item.status != "done"))
    assert _inbox_counts()["open"] == open_items


def test_counts_stay_exact_under_concurrent_writers(store_backend):
    # Given 80 items in four queues
    queues = ["jobcenter", "sozialamt", "wohngeld", "clearing"]
    with session_scope(get_settings()) as session:
        rows = [Item(channel="email", received_at=utcnow(), status="routed", queue=queues[n % 4])
                for n in range(80)]
        session.add_all(rows)
    ids = [r.id for r in rows]
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        # each thread moves its own items and shares the hot counter rows with the others
        try:
            for round_ in range(5):
                for item_id in ids[worker::8]:
                    with session_scope(get_settings()) as session:
                        item = session.get(Item, item_id)
                        item.queue = queues[(worker + round_) % 4]
                        item.status = "done" if round_ % 2 else "routed"
                        item.urgent = round_ % 3 == 0
                with session_scope(get_settings()) as session:
                    session.add(Item(channel="phone", received_at=utcnow(), status="received"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    # When eight threads change status, queue and urgency at the same time
    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Then no transaction failed and every count is exact
    assert errors == []
    _assert_exact()
    # the last round left every item routed; each thread added five phone notes
    assert _inbox_counts()["open"] == 80 + 40


def test_cli_finds_and_repairs_drift(store_backend):
    from eingang.cli import main

    for _ in range(3):
        _ingest(_mail(*WOHNGELD))
    runner = CliRunner()
    assert runner.invoke(main, ["counts", "check"]).exit_code == 0

    # Given counts that drifted (e.g. a restored backup of one table)
    with session_scope(get_settings()) as session:
        session.execute(text("INSERT INTO item_counts (status, queue, urgent, slot, n) "
                             "VALUES ('received', '', false, 99, 5), ('routed', 'wohngeld', false, 99, 2)"))
    # When checked, the drift is reported with exit code 1
    result = runner.invoke(main, ["counts", "check"])
    assert result.exit_code == 1 and "weichen ab" in result.output
    assert "gespeichert        8  tatsächlich        3" in result.output
    # When repaired, the counts equal the items again
    result = runner.invoke(main, ["counts", "repair"])
    assert result.exit_code == 0 and "2 waren falsch" in result.output, result.output
    _assert_exact()
    assert runner.invoke(main, ["counts", "check"]).exit_code == 0
    assert _inbox_counts()["statuses"] == [("received", 3)]
