"""The ``eingang`` process ends without the interpreter's teardown (eingang.finish, issue 16),
and that changes nothing anyone can see: exit codes, messages, output through a pipe, the
atexit work (logging, pool shutdown), threads that are still finishing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def _eingang(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eingang", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_exit_codes_and_messages_are_those_of_click(tmp_path) -> None:
    ok = _eingang("--help")
    assert ok.returncode == 0 and "Posteingang der Sozialverwaltung" in ok.stdout
    unknown = _eingang("gibtesnicht")
    assert unknown.returncode == 2 and "No such command" in unknown.stderr
    missing = _eingang("ingest", str(tmp_path / "fehlt.pdf"))
    assert missing.returncode == 2 and "Datei oder Verzeichnis nicht gefunden" in missing.stderr


def test_long_output_through_a_pipe_arrives_whole() -> None:
    # 2,000 lines of help text through a pipe read only at the end: all of it is flushed.
    script = textwrap.dedent("""
        import click
        from eingang.finish import run_and_leave

        @click.command()
        def many():
            for n in range(2000):
                click.echo(f"Zeile {n}")

        run_and_leave(many)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert out.stdout.splitlines()[-1] == "Zeile 1999" and len(out.stdout.splitlines()) == 2000


@pytest.mark.parametrize("ending, code", [("return", 0), ("raise SystemExit(3)", 3),
                                          ("raise SystemExit('Abbruch: Platte voll')", 1)])
def test_atexit_work_and_live_threads_finish_before_the_end(tmp_path, ending: str, code: int) -> None:
    marker = tmp_path / "marker"
    script = textwrap.dedent(f"""
        import atexit, threading, time
        from pathlib import Path
        from eingang.finish import run_and_leave

        def command():
            def late():
                time.sleep(0.3)
                Path({str(marker)!r}).write_text("thread ")
            threading.Thread(target=late).start()  # not a daemon: the end waits for it
            atexit.register(lambda: Path({str(marker)!r}).write_text(Path({str(marker)!r}).read_text() + "atexit"))
            {ending}

        run_and_leave(command)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == code
    assert marker.read_text() == "thread atexit"
    if code == 1:
        assert "Abbruch: Platte voll" in out.stderr


def test_a_file_a_command_writes_arrives_whole(tmp_path) -> None:
    # click.File closes (and flushes) its file when the command's context ends, before the end.
    env = {**os.environ, "EINGANG_DATA_DIR": str(tmp_path / "data")}
    assert _eingang("db", "upgrade", env=env).returncode == 0
    out = tmp_path / "regeln.yaml"
    assert _eingang("rules", "export", "default", "-o", str(out), env=env).returncode == 0
    bundled = Path(__file__).resolve().parents[1] / "routing" / "default_rules.yaml"
    assert out.read_text(encoding="utf-8") == bundled.read_text(encoding="utf-8")
