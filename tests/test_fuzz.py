"""Fuzzing with hypothesis, bounded for CI (a few seconds each): the MIME parser on generated
and mutated mails, the web form's submission parser and the routing rule engine. Nothing may
crash, and every input is kept: readable text, or a stated problem.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import extraction
from extraction import Extraction, Limits
from store.settings import get_settings
from tests.corpora import mime_corpus

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Small limits so generated bombs are cut quickly; OCR is not what is fuzzed here.
LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_attachments=20, max_mime_depth=8,
                seconds_per_document=5.0, max_pdf_pages=3)
CORPUS = [p.read_bytes() for p in mime_corpus() if p.stat().st_size < 200_000][:200]

# Text as browsers and mailers send it: any Unicode scalar value (no lone surrogates).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
HEADER_TEXT = st.one_of(
    TEXT,
    st.sampled_from(["=?utf-8?B?w6TDtsO8?=", "=?iso-8859-1?Q?M=FCller?=", "=?bogus?X?abc?=",
                     "<script>alert(1)</script>", "../../etc/passwd", "\u202efdp.exe", ""]),
)


def _kept(result: Extraction) -> bool:
    """Every input is either readable or says why not (the worker parks it with that reason)."""
    return bool(result.text.strip() or result.full_text.strip() or result.problems)


def _check(result: Extraction) -> None:
    assert isinstance(result, Extraction)
    assert isinstance(result.text, str) and isinstance(result.problems, list)
    for attachment in result.attachments:
        assert attachment.filename is None or ("/" not in attachment.filename
                                               and "\\" not in attachment.filename)


@st.composite
def mutated_corpus_mail(draw) -> bytes:  # type: ignore[no-untyped-def]
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup", "truncate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[pos:pos + draw(st.integers(1, 400))]
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from([
                b"\r\n--", b"\n\n", b"Content-Type: multipart/mixed; boundary=x\n",
                b"Content-Transfer-Encoding: base64\n", b"=?utf-8?q?=FF=FE?=", b"\x00\xff",
                b"Content-Disposition: attachment; filename*=UTF-8''..%2F..%2Fx\n",
            ]))
        elif op == "dup":
            chunk = bytes(data[pos:pos + 200])
            data[pos:pos] = chunk * draw(st.integers(1, 20))
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


@st.composite
def generated_mail(draw) -> bytes:  # type: ignore[no-untyped-def]
    def part(depth: int) -> EmailMessage:
        msg = EmailMessage()
        if depth < 6 and draw(st.booleans()):
            msg.make_mixed()
            for _ in range(draw(st.integers(0, 3))):
                msg.attach(part(depth + 1))
            return msg
        kind = draw(st.sampled_from(["plain", "html", "binary", "rfc822"]))
        if kind == "plain":
            body = draw(TEXT)
            cte = draw(st.sampled_from(["quoted-printable", "base64", "8bit"]))
            try:
                msg.set_content(body, charset=draw(st.sampled_from(["utf-8", "iso-8859-1", "us-ascii"])),
                                cte=cte)
            except (UnicodeError, ValueError):  # not representable in that charset
                msg.set_content(body, charset="utf-8", cte=cte)
        elif kind == "html":
            msg.set_content(f"<html><body>{draw(TEXT)}<script>x()</script></body></html>", subtype="html")
        elif kind == "binary":
            msg.set_content(draw(st.binary(max_size=500)), maintype="application",
                            subtype=draw(st.sampled_from(["pdf", "zip", "octet-stream", "ms-tnef"])),
                            filename=draw(HEADER_TEXT) or None)
        else:
            inner = EmailMessage()
            inner["Subject"] = "weitergeleitet"
            inner.set_content(draw(TEXT))
            msg.set_content(inner)
        return msg

    msg = part(0)
    for header in ("From", "Subject", "To"):
        value = draw(HEADER_TEXT)
        try:
            msg[header] = value
        except (ValueError, TypeError):
            msg[header] = "x"
    try:
        return msg.as_bytes()
    except (UnicodeError, ValueError, TypeError, LookupError):
        return msg.as_string(policy=msg.policy.clone(utf8=True)).encode("utf-8", "surrogateescape")


@FUZZ
@given(mutated_corpus_mail())
def test_mutated_corpus_mails_never_crash_and_are_kept(raw):
    result = extraction.extract(raw, "message/rfc822", LIMITS)
    _check(result)
    assert _kept(result)


@FUZZ
@given(generated_mail())
def test_generated_mails_never_crash_and_are_kept(raw):
    result = extraction.extract(raw, "message/rfc822", LIMITS)
    _check(result)
    assert _kept(result)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.binary(max_size=2000), st.sampled_from(["message/rfc822", "text/plain", "application/pdf",
                                                  "image/png", "application/zip"]))
def test_arbitrary_bytes_never_crash(raw, media_type):
    result = extraction.extract(raw, media_type, LIMITS)
    _check(result)
    assert _kept(result) or not raw.strip()


# --- the web form -------------------------------------------------------------------------

FILENAME = st.one_of(TEXT, st.sampled_from(["../../etc/passwd", "C:\\boot.ini", "a\x00b.pdf",
                                             "\u202egpj.exe", "con.txt", "..", ""]))


@st.composite
def submissions(draw):  # type: ignore[no-untyped-def]
    from connectors.webform import Submission, Upload

    files = [Upload(filename=draw(FILENAME), media_type=draw(st.sampled_from(
                 ["application/pdf", "image/png", "text/plain", "", "application/x-msdownload", "a/b/c"])),
                    content=draw(st.binary(max_size=300)))
             for _ in range(draw(st.integers(0, 6)))]
    return Submission(text=draw(TEXT), name=draw(HEADER_TEXT), email=draw(st.one_of(st.emails(), TEXT)),
                      phone=draw(TEXT), postcode=draw(st.one_of(st.from_regex(r"\d{5}", fullmatch=True), TEXT)),
                      identifiers=draw(TEXT), files=files)


def _words(text: str) -> list[str]:
    return re.findall(r"\w{3,}", text)


@FUZZ
@given(submissions())
def test_form_submissions_are_refused_with_a_reason_or_kept_whole(sub):
    from connectors.webform import SubmissionError, to_incoming, validate
    from store.enums import Channel

    try:
        validate(sub, max_bytes=5 * 1024 * 1024)
    except SubmissionError as exc:
        assert str(exc)  # the citizen is told what to fix
        return
    incoming = to_incoming(sub, Channel.WEBFORM, datetime.now(UTC), "anliegen", "web:form", "Anliegen")
    result = extraction.extract(incoming.content, incoming.media_type, LIMITS)
    _check(result)
    assert _kept(result)
    readable = " ".join(result.full_text.split())
    missing = [w for w in _words(sub.text) if w not in readable]
    assert not missing, f"text of the citizen lost: {missing[:5]}"
    names = [a.filename for a in result.attachments if not a.inline]
    assert len([a for a in result.attachments if a.media_type != "text/plain" or a.filename]) >= 0
    assert len(names) >= len(sub.files) - sum(1 for f in sub.files if f.media_type == "text/plain")


# --- the rule engine ----------------------------------------------------------------------

QUEUES = ["jobcenter", "sozialamt", "eingliederungshilfe", "wohngeld", "schuldnerberatung",
          "suchtberatung", "extern", "clearing"]
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                   st.floats(allow_nan=True, allow_infinity=True), TEXT)


@st.composite
def classifications(draw) -> dict:  # type: ignore[no-untyped-def]
    c = {
        "queue": draw(st.one_of(st.sampled_from(QUEUES), TEXT, st.none())),
        "confidence": draw(st.one_of(st.floats(0, 1), st.floats(allow_nan=True), st.none())),
        "intent": draw(st.one_of(st.sampled_from(["antrag", "widerspruch", "termin", "auskunft"]), TEXT, st.none())),
        "urgent": draw(st.booleans()),
        "queue_scores": draw(st.dictionaries(st.sampled_from(QUEUES), st.floats(0, 1), max_size=8)),
        "urgent_reasons": draw(st.lists(st.dictionaries(st.sampled_from(["label", "trigger", "kind"]), TEXT), max_size=3)),
        "referral_to": draw(st.one_of(st.none(), TEXT, st.sampled_from(["Familienkasse", "andere Kommune"]))),
        "facts": draw(st.dictionaries(st.sampled_from(["postcode", "age", "bg_nummer", "deadline", "x"]),
                                      st.one_of(st.lists(SCALAR, max_size=3), SCALAR), max_size=5)),
        "reasons": draw(st.lists(TEXT, max_size=3)),
        "abstained": draw(st.booleans()),
    }
    for key in draw(st.lists(st.sampled_from(list(c)), max_size=3)):
        c.pop(key, None)  # missing keys: a classifier of another version
    return c


@FUZZ
@given(classifications(), TEXT, TEXT, st.sampled_from(["email", "letter", "webform", "phone", "fax"]),
       st.one_of(st.none(), st.emails(), TEXT))
def test_rule_engine_always_decides(classification, subject, text, channel, sender):
    from routing import RoutingConfig, RoutingInput, route
    from routing.types import ACTIONS

    decision = route(RoutingInput(channel=channel, subject=subject, text=text,
                                  classification=classification, sender=sender),
                     RoutingConfig(postcodes=frozenset({"26121", "26123"})))
    assert decision.queue and isinstance(decision.queue, str)
    assert decision.action in ACTIONS
    assert decision.to_dict()["queue"] == decision.queue


# --- every route's parameters (issue #17): never a 500 -------------------------------------

ODD_VALUES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["", "0", "-1", "\x00", "a\x00b", "99999999999999999999", "1e309", "NaN",
                     "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --", "ä" * 300,
                     "2026-02-30", "31.12.2026", "*", "%", "\u2028", "true", "[]", "{}"]),
)
SKIPPED = {("POST", "/logout")}  # ends the fuzzing session itself; covered by its own tests


def _routes(app):  # type: ignore[no-untyped-def]
    from tests.test_access_matrix import iter_routes

    found = []
    for method, path, dependant in iter_routes(app.routes):
        if dependant is None or (method, path) in SKIPPED or method not in ("GET", "POST"):
            continue
        query = [p.alias for p in dependant.query_params]
        body = [p.alias for p in dependant.body_params]
        found.append((method, path, [p.alias for p in dependant.path_params], query, body))
    return sorted(found)


def test_every_route_answers_below_500_whatever_its_parameters(settings):
    from urllib.parse import quote

    from fastapi.testclient import TestClient
    from hypothesis import HealthCheck
    from hypothesis import settings as hsettings

    from admin.app import create_app
    from store.db import session_scope
    from store.users import ROLES, create_user
    from tests.web import PASSWORD, add_item, csrf_of, login

    with session_scope(get_settings()) as session:
        create_user(session, "fuzz", PASSWORD, list(ROLES), ["*"], "Fuzz")
    add_item("Wohngeld", "Antrag auf Wohngeld", "wohngeld")
    app = create_app()
    client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    login(client, "fuzz")
    token = csrf_of(client.get("/telefon").text)
    routes = _routes(app)
    assert len(routes) > 40

    @hsettings(max_examples=300, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def check(data):  # type: ignore[no-untyped-def]
        method, template, path_params, query, body = data.draw(st.sampled_from(routes))
        path = template
        for name in path_params:
            path = path.replace("{" + name + "}", quote(data.draw(ODD_VALUES), safe="") or "x")
        params = {q: data.draw(ODD_VALUES) for q in query if data.draw(st.booleans())}
        if method == "GET":
            resp = client.get(path, params=params)
        elif template.startswith("/api/"):
            payload = {k: data.draw(st.one_of(ODD_VALUES, st.integers(), st.none()))
                       for k in data.draw(st.lists(st.sampled_from(
                           ["text", "name", "email", "postcode", "age", "work", "attachments"]), max_size=5))}
            resp = client.post(path, params=params, json=payload)
        else:
            form = {name: data.draw(ODD_VALUES) for name in body if data.draw(st.booleans())}
            resp = client.post(path, params=params, data={**form, "csrf_token": token})
        assert resp.status_code != 500, (method, path, params, resp.text[:500])  # 503: /health

    check()
