"""The mailroom pages show letter content only to those who may read every queue (issue #17,
item 6): an admin without queues manages batches but reads no OCR text or subjects."""

from __future__ import annotations

from datetime import UTC, datetime

from store.settings import get_settings
from tests.web import add_item, client_for, create_users

SECRET_PAGE = "Sehr geehrte Damen und Herren, mein Sohn braucht eine Schulbegleitung"
SECRET_SUBJECT = "Antrag Schulbegleitung Leon"


def _batch() -> int:
    from store.db import session_scope
    from store.models import Batch

    container = add_item("Poststapel", "", None, channel="letter", status="done")
    letter = add_item(SECRET_SUBJECT, SECRET_PAGE, "eingliederungshilfe", channel="letter")
    with session_scope(get_settings()) as session:
        batch = Batch(item_id=container, received_at=datetime.now(UTC), status="split", page_count=1,
                      pages=[{"number": 1, "method": "ocr", "confidence": 91.0, "text": SECRET_PAGE}],
                      letters=[{"pages": [1], "reason": "Anfang", "confidence": 91.0, "item_id": letter}])
        session.add(batch)
        session.flush()
        return batch.id


def test_an_admin_without_queues_sees_no_letter_content(settings):
    create_users()
    batch_id = _batch()
    page = client_for("chef").get(f"/post/stapel/{batch_id}")
    assert page.status_code == 200
    assert SECRET_PAGE[:40] not in page.text and SECRET_SUBJECT not in page.text
    # The mailroom itself sees what it needs to check the split
    page = client_for("post").get(f"/post/stapel/{batch_id}")
    assert SECRET_PAGE[:40] in page.text and SECRET_SUBJECT in page.text
