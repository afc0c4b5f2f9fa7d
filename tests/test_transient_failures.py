"""Transient failures are retried until they pass, permanent ones are parked (issue #17,
item 12): a full disk or an unreachable database does not leave an item in needs-attention."""

from __future__ import annotations

import errno
import time

import pytest
from sqlalchemy.exc import OperationalError

from store.settings import get_settings
from tests.web import add_item


def _status(item_id: int) -> tuple[str, str | None]:
    from store.db import session_scope
    from store.models import Item

    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        return item.status, item.status_reason


def _wait(item_id: int, wanted: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while _status(item_id)[0] != wanted:
        assert time.monotonic() < deadline, _status(item_id)
        time.sleep(0.2)


@pytest.fixture
def failing_extract(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """The extract step raises the given errors, one per run, then works as always."""
    from worker import actors, failures, steps

    monkeypatch.setattr(actors, "MAX_RETRIES", 0)  # straight to the transient/permanent decision
    monkeypatch.setattr(failures, "FIRST_DELAY_MS", 50)
    errors: list[BaseException] = []
    real = steps.extract

    def extract(item_id, handoff=None, *, chain=False, settings):  # type: ignore[no-untyped-def]
        if errors:
            raise errors.pop(0)
        return real(item_id, handoff, chain=chain, settings=settings)

    monkeypatch.setitem(actors.STEP_FUNCTIONS, "extract", extract)
    return errors


@pytest.mark.parametrize("error", [
    OSError(errno.ENOSPC, "No space left on device"),
    OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "refused")),
])
def test_a_transient_failure_is_retried_until_it_passes(failing_extract, pipeline, error):
    item_id = add_item("Wohngeld", "Ich beantrage Wohngeld für meine Wohnung.", None, status="received")
    failing_extract.extend([error] * 6)  # more than the attempts that guard against poison items
    from worker.actors import start_pipeline

    start_pipeline(item_id)
    _wait(item_id, "routed")
    assert not failing_extract


def test_a_permanent_failure_parks_the_item_with_its_reason(failing_extract, pipeline):
    item_id = add_item("Wohngeld", "Ich beantrage Wohngeld.", None, status="received")
    failing_extract.append(ValueError("kaputt"))
    from worker.actors import start_pipeline

    start_pipeline(item_id)
    _wait(item_id, "needs_attention")
    assert "kaputt" in (_status(item_id)[1] or "")


def test_staff_send_a_parked_item_through_again(settings, pipeline):
    from store.db import session_scope
    from store.models import Item
    from tests.web import client_for, create_users, csrf_of
    from worker.transitions import park

    create_users()
    item_id = add_item("Wohngeld", "Ich beantrage Wohngeld für meine Wohnung.", None, status="received")
    with session_scope(get_settings()) as session:
        park(session, session.get(Item, item_id), "Technischer Fehler im Schritt „extract“: "
             "[Errno 28] No space left on device", "extract")
    client = client_for("es")
    page = client.get(f"/items/{item_id}").text
    assert "Erneut verarbeiten" in page
    resp = client.post(f"/items/{item_id}/erneut-verarbeiten", data={"csrf_token": csrf_of(page)})
    assert resp.status_code == 303
    _wait(item_id, "routed")
    assert "Erneut verarbeiten" in client.get(f"/items/{item_id}").text  # in the history
    # Only parked items
    again = client.post(f"/items/{item_id}/erneut-verarbeiten", data={"csrf_token": csrf_of(page)})
    assert "Aufmerksamkeit" in client.get(again.headers["location"]).text
