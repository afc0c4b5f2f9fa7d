"""Hostile sender headers (issue #17, item 15): a display name with angle brackets, "@" or
commas — raw or inside an encoded-word — is never taken for the address."""

from __future__ import annotations

import pytest

from extraction.headers import addresses

CASES = [
    ("=?utf-8?q?Maria_=E2=80=B9M=C3=BCller=3E?= <maria@example.org>", "Maria ‹Müller>"),
    ("=?utf-8?q?Maria_<Müller>?= <maria@example.org>", "Maria <Müller>"),
    ("=?utf-8?q?Maria_=E2=80=B9maria@example.org>?= <maria@example.org>", "Maria ‹maria@example.org>"),
    ("=?utf-8?q?<boese@example.net>?= <maria@example.org>", "<boese@example.net>"),
    ("Maria ‹Müller> <maria@example.org>", "Maria ‹Müller>"),
    ("=?utf-8?q?M=C3=BCller=2C_Maria?= <maria@example.org>", "Müller, Maria"),
]


@pytest.mark.parametrize(("header", "name"), CASES)
def test_the_address_is_the_one_in_angle_brackets(header, name):
    assert addresses([header]) == [(name, "maria@example.org")]


def test_a_sender_with_such_a_name_is_read_right_from_the_whole_mail():
    import extraction
    from extraction import Limits

    raw = (b"From: =?utf-8?q?Maria_=E2=80=B9M=C3=BCller=3E?= <maria@example.org>\r\n"
           b"To: post@stadt-oldenburg.de\r\nSubject: Wohngeld\r\n\r\nIch beantrage Wohngeld.\r\n")
    result = extraction.extract(raw, "message/rfc822", Limits())
    assert result.headers.sender == "maria@example.org"


def test_readme_states_how_often_the_sandbox_child_is_recycled():
    from pathlib import Path

    from worker.sandbox import TASKS_PER_CHILD

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert f"recycled every {TASKS_PER_CHILD} documents" in readme
