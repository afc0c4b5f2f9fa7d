"""First start: the generated admin password goes to a private file in the data dir, never
into the log, and the file goes away once it is no longer the password."""

from __future__ import annotations

import stat

from click.testing import CliRunner

from store.settings import get_settings


def test_one_time_password_is_written_to_a_private_file_not_the_log(settings, capsys):
    from eingang.cli import main
    from eingang.commands.serve import ADMIN_PASSWORD_FILE, bootstrap_admin
    from store.db import session_scope
    from store.users import authenticate

    # When eingang starts for the first time without EINGANG_ADMIN_PASSWORD
    bootstrap_admin(settings)
    out = capsys.readouterr().out
    path = settings.data_dir / ADMIN_PASSWORD_FILE

    # Then the password is in a file only the owner may read, and the log names only the file
    password = path.read_text(encoding="utf-8").strip()
    assert len(password) >= 12
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path.resolve()) in out and "Einmal-Passwort" in out
    assert password not in out
    with session_scope(get_settings()) as session:
        assert authenticate(session, "admin", password) is not None

    # A later start reminds while the password is unchanged and creates nothing new
    bootstrap_admin(settings)
    assert "bitte ändern" in capsys.readouterr().out and path.read_text(encoding="utf-8").strip() == password

    # When admin chooses a password, the file is deleted
    result = CliRunner().invoke(main, ["users", "passwd", "admin", "--password", "ein-eigenes-passwort"])
    assert result.exit_code == 0 and "gelöscht" in result.output, result.output
    assert not path.exists()


def test_an_outdated_password_file_is_deleted_at_start(settings, capsys):
    from eingang.commands.serve import ADMIN_PASSWORD_FILE, bootstrap_admin
    from store.db import session_scope
    from store.users import get_user, set_password

    bootstrap_admin(settings)
    path = settings.data_dir / ADMIN_PASSWORD_FILE
    with session_scope(get_settings()) as session:  # changed in the web UI (account page), not by the CLI
        set_password(session, get_user(session, "admin"), "im-browser-geaendert", "web:admin")
    capsys.readouterr()
    bootstrap_admin(settings)
    assert not path.exists() and "gilt nicht mehr" in capsys.readouterr().out


def test_configured_admin_password_writes_no_file(settings, monkeypatch, capsys):
    from eingang.commands.serve import ADMIN_PASSWORD_FILE, bootstrap_admin
    from store.settings import get_settings

    monkeypatch.setenv("EINGANG_ADMIN_PASSWORD", "aus-der-umgebung-1")
    get_settings.cache_clear()
    bootstrap_admin(get_settings())
    assert "EINGANG_ADMIN_PASSWORD" in capsys.readouterr().out
    assert not (settings.data_dir / ADMIN_PASSWORD_FILE).exists()
