"""the identifiers an item names (Kundennummer, BG-Nummer …), searched like its text

A letter writes "Kundennummer 123 D 456789", staff search "123D456789" as their case file has
it: neither PostgreSQL's word index nor SQLite's trigrams find the one in the other. The
classifier stores identifiers compact (classifier/facts.yaml), so ``items.identifiers`` keeps
them, space-separated, and both searches read it beside the text: PostgreSQL's generated
``search`` column (0007, indexed in two parts since 0034) is rebuilt with it, SQLite's FTS5
triggers (0033) are replaced and the index filled again.

The backfill takes the identifiers from the facts of the items classified so far, under the
keys of the bundled formats (a Kommune's own formats are found at the next classification).

Beware (as 0033): on SQLite ``op.batch_alter_table('items')`` would drop the FTS triggers.

Revision ID: 0035_item_identifiers
Revises: 0034_search_open_done
"""
import json

import sqlalchemy as sa
from alembic import op

from store import sqlite_search

revision = '0035_item_identifiers'
down_revision = '0034_search_open_done'
branch_labels = None
depends_on = None

# The columns SQLite searches before and after this revision.
SEARCHED_0033 = ("subject", "sender_name", "sender", "reference", "full_text", "text")
SOURCES_0033 = ("subject", "sender_name", "sender", "reference", "coalesce(nullif({row}full_text, ''), {row}text)")
SEARCHED = ("subject", "sender_name", "sender", "reference", "identifiers", "full_text", "text")
SOURCES = ("subject", "sender_name", "sender", "reference", "identifiers",
           "coalesce(nullif({row}full_text, ''), {row}text)")
# The keys of classifier/facts.yaml's identifiers at this revision.
KEYS = ("bg_nummer", "kundennummer", "wohngeldnummer", "aktenzeichen_egh", "aktenzeichen_sozialamt")


def _expression(identifiers: bool) -> str:
    return ("to_tsvector('german'::regconfig, coalesce(subject, '') || ' ' || "
            "coalesce(sender_name, '') || ' ' || coalesce(sender, '') || ' ' || "
            "coalesce(reference, '') || ' ' || " + ("coalesce(identifiers, '') || ' ' || " if identifiers else "")
            + "left(coalesce(full_text, text, ''), 200000))")


def _search_column(identifiers: bool) -> None:
    op.execute("DROP INDEX IF EXISTS ix_items_search_open")
    op.execute("DROP INDEX IF EXISTS ix_items_search_done")
    op.execute("ALTER TABLE items DROP COLUMN search")
    op.execute(f"ALTER TABLE items ADD COLUMN search tsvector GENERATED ALWAYS AS ({_expression(identifiers)}) STORED")
    op.execute("CREATE INDEX ix_items_search_open ON items USING gin (search) WHERE status <> 'done'")
    op.execute("CREATE INDEX ix_items_search_done ON items USING gin (search) WHERE status = 'done'")


def _fts(searched: tuple[str, ...], sources: tuple[str, ...]) -> None:
    for trigger in sqlite_search.TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement in (*sqlite_search.trigger_sql(searched, sources), *sqlite_search.fill_sql(sources)):
        op.execute(statement)


def _backfill() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, facts FROM items WHERE facts IS NOT NULL")).all()
    for item_id, facts in rows:
        facts = json.loads(facts) if isinstance(facts, str) else (facts or {})
        found: list[str] = []
        for key in KEYS:
            values = facts.get(key) or []
            found += [str(v) for v in (values if isinstance(values, list) else [values])]
        if found:
            bind.execute(sa.text("UPDATE items SET identifiers = :v WHERE id = :id"),
                         {"v": " ".join(dict.fromkeys(found)), "id": item_id})


def upgrade() -> None:
    op.add_column('items', sa.Column('identifiers', sa.Text(), nullable=True))
    _backfill()
    if op.get_bind().dialect.name == 'postgresql':
        _search_column(identifiers=True)
    else:
        _fts(SEARCHED, SOURCES)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _search_column(identifiers=False)
    else:
        _fts(SEARCHED_0033, SOURCES_0033)
    op.execute("ALTER TABLE items DROP COLUMN identifiers")
