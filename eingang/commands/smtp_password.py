"""``eingang smtp-password``: an SMTP AUTH entry (user:argon2 hash) for EINGANG_SMTP_AUTH_USERS."""

from __future__ import annotations

import click


@click.command("smtp-password")
@click.argument("username")
@click.password_option("--password", prompt="Passwort für SMTP-AUTH", help="Sonst wird danach gefragt.")
def smtp_password(username: str, password: str) -> None:
    """Eintrag für EINGANG_SMTP_AUTH_USERS ausgeben (Passwort nur als Argon2-Hash)."""
    from connectors.smtp_auth import hash_entry
    from store.users import UserError

    try:
        entry = hash_entry(username, password)
    except (UserError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(entry)
    click.echo(
        "In EINGANG_SMTP_AUTH_USERS übernehmen (mehrere Einträge durch Leerzeichen oder Zeilen "
        "getrennt; in einer Datei über EINGANG_SMTP_AUTH_USERS_FILE).",
        err=True,
    )
