"""``eingang config``: every setting with its environment variable, default and meaning."""

from __future__ import annotations

import click


def settings_table() -> str:
    from store.settings import Settings, group_of

    rows = ["| variable | group | default | meaning |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = "" if field.default is None else str(field.default)
        rows.append(f"| `EINGANG_{name.upper()}` | {group_of(name)} | `{default}` | "
                    f"{field.description or ''} |")
    return "\n".join(rows)


@click.command()
def config() -> None:
    """Alle Einstellungen (Umgebungsvariablen) mit Standardwert und Bedeutung zeigen."""
    click.echo(settings_table())
