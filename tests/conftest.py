"""Fixtures: settings in a temp data dir, the in-process pipeline, and the production path
(a private PostgreSQL database + RabbitMQ vhost) for the tests that need it."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import (
    ROOT,
    Eingang,
    MigratedTemplates,
    copy_sqlite,
    free_port,
    postgres_database,
    rabbitmq_vhost,
)

# pytest keeps only the last few temp roots per user and deletes older ones: with several
# checkouts testing at once, one run would delete another's live files. One root per checkout.
os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", str(ROOT / ".pytest-tmp"))
(ROOT / ".pytest-tmp").mkdir(exist_ok=True)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules with ``KOMMUNE_PROFILES`` run each test once per Kommune profile."""
    profiles = getattr(metafunc.module, "KOMMUNE_PROFILES", None)
    if profiles and "kommune" in metafunc.fixturenames:
        metafunc.parametrize("kommune", profiles, indirect=True)


# make test runs the suite in several processes (pytest -n N --dist loadgroup): each test goes to
# whichever worker is free, but the tests of a module with a fixture wider than one test (a
# server, a browser, a trained model) stay together on one worker, so that fixture is built once
# rather than once per worker. xdist's own loadgroup reads ``xdist_group`` marks through a node
# id it can no longer rewrite under pytest 9, so the workers write the groups to a file and the
# controller's scheduler (below) reads them.
GROUPS_KEY = "eingang_test_groups"


def _groups(items: list[pytest.Item]) -> dict[str, str]:
    groups = {}
    for item in items:
        marked = item.get_closest_marker("xdist_group")
        if marked:
            groups[item.nodeid] = str(marked.args[0] if marked.args else marked.kwargs.get("name"))
            continue
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        # Session-wide fixtures (pytest's own, like tmp_path_factory) are once per worker anyway.
        if any(fixturedefs[-1].scope in ("module", "class") for fixturedefs in defs.values()):
            groups[item.nodeid] = item.nodeid.split("::", 1)[0]
    return groups


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    target = getattr(config, "workerinput", {}).get(GROUPS_KEY)
    if target:  # an xdist worker: every worker collects the same, so any may write
        scratch = Path(f"{target}.{os.getpid()}")
        scratch.write_text(json.dumps(_groups(items)), encoding="utf-8")
        scratch.replace(target)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # type: ignore[no-untyped-def]
    node.workerinput[GROUPS_KEY] = str(_groups_file())


def _groups_file() -> Path:
    return ROOT / ".pytest-tmp" / f"xdist-groups-{os.getpid()}.json"


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupedScheduling(LoadScopeScheduling):
        """Like ``load``, with the groups the workers found as one unit of work each."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            # Called once the workers have collected (and so written the file).
            if self.groups is None:
                self.groups = json.loads(_groups_file().read_text(encoding="utf-8"))
            return self.groups.get(nodeid, nodeid)

    return GroupedScheduling(config, log)


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        _groups_file().unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _no_held_sends_from_an_earlier_test() -> None:
    """worker.enqueue holds sends through a broker outage for the whole process. A test that
    takes mail with no broker configured in its process (an SMTP fixture without a pipeline)
    starts such an "outage"; a later test's first sends on that worker were then held too,
    its drain() found nothing queued and returned at once (seen in a full run: test_xdomea
    after test_smtp_intake), and the held messages went to a later test's broker. Every test
    starts without an outage and without another test's held sends."""
    from worker import enqueue

    with enqueue._lock:
        enqueue._backlog.clear()
        enqueue._outage_since = None


@pytest.fixture
def kommune(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The Kommune profile the test runs on (tests.kommunen: its addresses); Oldenburg unless
    the module asks for more."""
    from store.catalogue import forget
    from tests.kommunen import KOMMUNEN

    forget()  # no catalogue loaded for another test's database is reused
    yield KOMMUNEN[getattr(request, "param", "oldenburg")]
    forget()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    """Migrated, seeded databases per backend and Kommune profile, made once per test process
    (a worker); each test starts from a copy. Migrating from scratch for each of several
    hundred tests took a good part of the suite's time, on SQLite (every migration commits and
    waits for the disk) and on PostgreSQL alike."""
    made = MigratedTemplates(tmp_path_factory.mktemp("templates"))
    yield made
    made.close()


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kommune,  # type: ignore[no-untyped-def]
             templates: MigratedTemplates):
    """Embedded settings (SQLite in tmp_path, in-process broker), schema migrated, the catalogue
    seeded from the ``kommune`` fixture's profile."""
    from store.db import upgrade_schema
    from store.settings import get_settings

    for key in list(os.environ):
        if key.startswith("EINGANG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("EINGANG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("EINGANG_KOMMUNE_PROFILE", kommune.profile)
    get_settings.cache_clear()
    settings = get_settings()
    copy_sqlite(templates.sqlite(kommune.profile), settings.data_dir / "eingang.db")
    upgrade_schema(settings)  # on a copy of the template: finds it at head and seeded
    yield settings
    get_settings.cache_clear()


@pytest.fixture
def pipeline(settings):  # type: ignore[no-untyped-def]
    """Worker threads on the in-process broker; ``pipeline.drain()`` runs everything queued."""
    from worker.runtime import WorkerRuntime

    runtime = WorkerRuntime(settings, threads=2)
    runtime.start(sweep=False)
    yield runtime
    runtime.stop()


@pytest.fixture
def smtp_port(settings) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """eingang's SMTP intake on the test's settings, on a free port (real SMTP sessions)."""
    from connectors.smtp import make_controller

    port = free_port()
    controller = make_controller(settings, port)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_backend(request, settings, monkeypatch, templates):  # type: ignore[no-untyped-def]
    """In-process settings on embedded SQLite, or on a private PostgreSQL database (a copy of
    the migrated template)."""
    if request.param == "sqlite":
        yield settings
        return
    from store.db import get_engine, upgrade_schema
    from store.settings import get_settings

    with postgres_database(templates.postgres(settings.kommune_profile)) as url:
        monkeypatch.setenv("EINGANG_DATABASE_URL", url)
        get_settings.cache_clear()
        pg = get_settings()
        upgrade_schema(pg)
        try:
            yield pg
        finally:
            for redoable in (False, True):  # close pooled connections before the drop
                get_engine(pg, redoable=redoable).dispose()
            get_settings.cache_clear()


@pytest.fixture(params=["sqlite", "postgres"])
def backend_env(request: pytest.FixtureRequest, tmp_path: Path, kommune,  # type: ignore[no-untyped-def]
                templates: MigratedTemplates) -> Iterator[dict[str, str]]:
    """Environment for eingang processes: embedded SQLite, or PostgreSQL + RabbitMQ; the
    database is a copy of the migrated template (``eingang db upgrade`` finds it at head)."""
    env = {"EINGANG_DATA_DIR": str(tmp_path / "data"), "EINGANG_KOMMUNE_PROFILE": kommune.profile}
    if request.param == "sqlite":
        copy_sqlite(templates.sqlite(kommune.profile), tmp_path / "data" / "eingang.db")
        yield env
        return
    template = templates.postgres(kommune.profile)
    if request.param == "postgres+redis":
        with postgres_database(template) as db_url:
            yield env | {
                "EINGANG_DATABASE_URL": db_url,
                "EINGANG_BROKER_URL": "redis://127.0.0.1:6379/0",
                "EINGANG_BROKER_NAMESPACE": f"eingang-test-{uuid.uuid4().hex[:10]}",
            }
        return
    with postgres_database(template) as db_url, rabbitmq_vhost() as broker_url:
        yield env | {"EINGANG_DATABASE_URL": db_url, "EINGANG_BROKER_URL": broker_url}


@pytest.fixture(scope="session")
def sampled_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every twentieth request of each file of the bundled training corpus (its first at
    least, so every office is in it), in the corpus's layout: templates and real situations,
    the held-out rule applying as usual. For the tests of retraining (``eingang train``, the
    engine's fallback), which prove what is done with a corpus, not how good the whole corpus
    makes a model: on the whole corpus each of them took a minute or more of CPU (63 s at load
    5), on this one under ten seconds. The bundled model is built from the whole corpus
    (classifier.models.build) and tested as such."""
    from classifier.training import CORPUS_DIR

    folder = tmp_path_factory.mktemp("corpus")
    for path in [*CORPUS_DIR.glob("*.jsonl"), *CORPUS_DIR.glob("real/*.jsonl")]:
        target = folder / path.relative_to(CORPUS_DIR)
        target.parent.mkdir(exist_ok=True)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        target.write_text("".join(lines[::20]), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """One German chromium for a module's browser tests (tests.browser)."""
    from tests.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def eingang(backend_env: dict[str, str]) -> Iterator[Eingang]:
    runner = Eingang(backend_env)
    runner.run("db", "upgrade")
    yield runner
    runner.stop_all()
