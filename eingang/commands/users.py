"""``eingang users``: staff accounts for the web UI (add, list, passwd, change)."""

from __future__ import annotations

import click

from store.settings import get_settings
from store.users import ROLES


def _actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def ask_password(label: str) -> str:
    """Hidden, twice, in German (click's own confirmation prompt is English)."""
    while True:
        first = click.prompt(label, hide_input=True)
        if first == click.prompt(f"{label} wiederholen", hide_input=True):
            return first
        click.echo("Die Eingaben stimmen nicht überein. Bitte noch einmal.", err=True)


@click.group()
def users() -> None:
    """Benutzer der Weboberfläche verwalten."""


@users.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(list(ROLES)),
              help="Rolle (mehrfach möglich).")
@click.option("--queue", "queues", multiple=True, help="Sichtbare Zuständigkeit (mehrfach; * = alle).")
@click.option("--name", "display_name", help="Anzeigename.")
@click.option("--password", help="Sonst wird danach gefragt (zweimal, verdeckt).")
def add(username: str, roles: tuple[str, ...], queues: tuple[str, ...], display_name: str | None,
        password: str | None) -> None:
    """Benutzer anlegen."""
    password = password or ask_password("Passwort")
    from store.db import session_scope
    from store.users import UserError, create_user

    try:
        with session_scope(get_settings()) as session:
            create_user(session, username, password, roles, queues, display_name, actor=_actor())
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Benutzer {username} angelegt ({', '.join(roles)}).")


@users.command("list")
def list_() -> None:
    """Alle Benutzer mit Rollen und Zuständigkeiten."""
    from store.db import session_scope
    from store.users import list_users

    with session_scope(get_settings()) as session:
        for u in list_users(session):
            state = "" if u.active else "  (gesperrt)"
            click.echo(f"{u.username:<20} {','.join(u.roles):<32} {','.join(u.queues) or '-'}{state}")


@users.command("passwd")
@click.argument("username")
@click.option("--password", help="Sonst wird danach gefragt (zweimal, verdeckt).")
def passwd(username: str, password: str | None) -> None:
    """Passwort setzen."""
    password = password or ask_password("Neues Passwort")
    from store.db import session_scope
    from store.users import UserError, get_user, set_password

    try:
        with session_scope(get_settings()) as session:
            user = get_user(session, username)
            if user is None:
                raise UserError(f"Benutzer „{username}“ gibt es nicht.")
            set_password(session, user, password, _actor())
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Passwort von {username} geändert.")
    if username == "admin":
        from eingang.commands.serve import ADMIN_PASSWORD_FILE

        one_time = get_settings().data_dir / ADMIN_PASSWORD_FILE
        if one_time.exists():
            one_time.unlink()
            click.echo(f"{one_time.resolve()} gelöscht: das Einmal-Passwort gilt nicht mehr.")


@users.command("set")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=click.Choice(list(ROLES)))
@click.option("--queue", "queues", multiple=True)
@click.option("--active/--inactive", default=None)
def set_(username: str, roles: tuple[str, ...], queues: tuple[str, ...], active: bool | None) -> None:
    """Rollen, Zuständigkeiten oder Sperre ändern."""
    from store.db import session_scope
    from store.users import UserError, get_user, update_user

    try:
        with session_scope(get_settings()) as session:
            user = get_user(session, username)
            if user is None:
                raise UserError(f"Benutzer „{username}“ gibt es nicht.")
            update_user(session, user, _actor(), roles=roles or None, queues=queues or None, active=active)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Benutzer {username} geändert.")
